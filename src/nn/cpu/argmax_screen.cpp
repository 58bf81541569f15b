// Exact argmax of an fp32 matrix-vector product from an int8 screen. Every row's int8 estimate comes
// with a rigorous bound on its distance to the fp32 value (Cauchy-Schwarz on the weight and
// activation rounding, plus the fp32 summation error); only rows whose upper bound reaches the best
// lower bound can hold the maximum, and those few are recomputed with the very kernel linear() uses.
// The result is therefore the index linear() + argmax would give, bit for bit, while the LM head
// (58 k to 256 k rows) is read as int8: a quarter of its bytes.
#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/cpu/kernels.h"
#include "nn/cpu/row_kernels.h"
#include "nn/cpu/thread_pool.h"

namespace stream_tts::nn {

ArgmaxScreen make_argmax_screen(const Linear& linear) {
  ArgmaxScreen s;
  if (linear.weight.empty()) return s;
  const int rows = linear.out, cols = linear.in;
  s.q.resize(static_cast<size_t>(rows) * cols);
  s.scale.resize(rows);
  s.residual_norm.resize(rows);
  s.q_norm.resize(rows);
  s.w_norm.resize(rows);
  cpu::parallel_for(rows, 16, [&](int begin, int end) {
    for (int r = begin; r < end; ++r) {
      const float* w = linear.weight.data + static_cast<size_t>(r) * cols;
      int8_t* q = s.q.data() + static_cast<size_t>(r) * cols;
      const float scale = cpu::quantize_row_int8(w, cols, q);
      double res = 0, qn = 0, wn = 0;
      for (int c = 0; c < cols; ++c) {
        const double wq = static_cast<double>(scale) * q[c];
        res += (w[c] - wq) * (w[c] - wq);
        qn += wq * wq;
        wn += static_cast<double>(w[c]) * w[c];
      }
      s.scale[r] = scale;
      // Rounded up by a relative 1e-6: the bounds must not be smaller than the true norms.
      s.residual_norm[r] = static_cast<float>(std::sqrt(res) * (1 + 1e-6));
      s.q_norm[r] = static_cast<float>(std::sqrt(qn) * (1 + 1e-6));
      s.w_norm[r] = static_cast<float>(std::sqrt(wn) * (1 + 1e-6));
    }
  });
  // A non-finite weight makes the bounds meaningless: no screen, every row is computed.
  for (int r = 0; r < rows; ++r) {
    if (!std::isfinite(s.w_norm[r]) || !std::isfinite(s.residual_norm[r])) return ArgmaxScreen{};
  }
  return s;
}

namespace cpu {

int linear_argmax(const Linear& layer, const ArgmaxScreen& screen, const float* x, const float* add,
                  const std::vector<int>& excluded, int* recomputed, float* value) {
  const int in = layer.in, out = layer.out;
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.data;
  thread_local std::vector<float> full;
  thread_local std::vector<char> skip;
  auto full_argmax = [&]() {
    if (recomputed) *recomputed = -1;
    full.resize(out);
    linear(layer, x, 1, full.data());
    if (add) add_inplace(full.data(), add, out);
    for (int id : excluded) {
      if (id >= 0 && id < out) full[id] = -INFINITY;
    }
    const int best_row = static_cast<int>(std::max_element(full.begin(), full.end()) - full.begin());
    if (value) *value = full[best_row];
    return best_row;
  };
  if (screen.empty() || layer.weight.empty() || static_cast<int>(excluded.size()) >= out) return full_argmax();

  thread_local std::vector<int8_t> qx;
  qx.resize(in);
  const float sx = quantize_row_int8(x, in, qx.data());
  double x_norm = 0, dx_norm = 0;
  for (int k = 0; k < in; ++k) {
    x_norm += static_cast<double>(x[k]) * x[k];
    const double d = x[k] - static_cast<double>(sx) * qx[k];
    dx_norm += d * d;
  }
  if (!std::isfinite(x_norm)) return full_argmax();
  const float xn = static_cast<float>(std::sqrt(x_norm) * (1 + 1e-6));
  const float dxn = static_cast<float>(std::sqrt(dx_norm) * (1 + 1e-6));
  // fp32 summation of `in` products in any order is within γ = in·u of Σ|x_k·w_k| ≤ ‖x‖·‖w‖; the int8
  // estimate, its scaling and the bias additions add a few more roundings: (in + 16)·2⁻²³ covers all.
  const float rounding = static_cast<float>((in + 16) * std::ldexp(1.0, -23));

  thread_local std::vector<float> estimate, bound;
  estimate.resize(out);
  bound.resize(out);
  skip.assign(out, 0);
  for (int id : excluded) {
    if (id >= 0 && id < out) skip[id] = 1;
  }
  // Plain pointers: inside the lambda a thread_local name would mean the worker's own (empty) copy.
  const int8_t* qxp = qx.data();
  float* est = estimate.data();
  float* bnd = bound.data();
  parallel_for(out, 256, [&](int begin, int end) {
    int32_t acc[256];
    for (int b = begin; b < end; b += 256) {
      const int e = std::min(end, b + 256);
      int8_dot_rows(qxp, screen.q.data(), in, b, e, acc);
      for (int r = b; r < e; ++r) {
        const float extra = (bias ? bias[r] : 0.0f) + (add ? add[r] : 0.0f);
        const float v = static_cast<float>(acc[r - b]) * sx * screen.scale[r] + extra;
        est[r] = v;
        bnd[r] = xn * screen.residual_norm[r] + dxn * screen.q_norm[r] +
                   rounding * (xn * std::max(screen.w_norm[r], screen.q_norm[r]) + std::fabs(v) + std::fabs(extra));
      }
    }
  });
  float best_lower = -INFINITY;
  for (int r = 0; r < out; ++r) {
    if (!skip[r]) best_lower = std::max(best_lower, estimate[r] - bound[r]);
  }
  // Rows that can hold the maximum, recomputed in fp32 by 4-row block as linear() computes them.
  float best = -INFINITY;
  int best_row = -1, candidates = 0;
  float block[4];
  int block_start = -1;
  for (int r = 0; r < out; ++r) {
    if (skip[r] || estimate[r] + bound[r] < best_lower) continue;
    if (++candidates > out / 16) return full_argmax();  // the screen did not narrow it: read it all
    const int start = r / 4 * 4;
    if (start != block_start) {
      gemv_f32_rows(layer, x, start, std::min(out, start + 4), block);
      block_start = start;
    }
    float v = block[r - start];
    if (add) v += add[r];
    if (v > best || best_row < 0) {
      best = v;
      best_row = r;
    }
  }
  if (best_row < 0) return full_argmax();
  if (recomputed) *recomputed = candidates;
  if (value) *value = best;
  return best_row;
}

}  // namespace cpu
}  // namespace stream_tts::nn
