// Recording of decode steps (NmtCudaRunner::Impl, nmt_cuda_runner_impl.h): the fused layers of pre-LN
// M2M100/NLLB (4 or 5 launches a layer: bench/gpu/nmt/NOTES.md), the per-kernel layers of other models (8 a
// layer, plus post-LN norms), and the arguments of the opt-in persistent decode kernel. Every kernel
// reads the step and token from device memory, so one captured graph serves every sentence.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/cuda/check.cuh"
#include "nn/cuda/kernels.cuh"
#include "translate/nmt/cuda/nmt_cuda_runner_impl.h"

namespace stream_tts {

using nmt_cuda::DeviceLinear;
using nmt_cuda::to_act;

constexpr int kMaxFfnSumCopies = 4;  // NmtCudaOptions::ffn_sum_copies

// Buffers of the fused decode layers, when the model is one they handle.
void NmtCudaRunner::Impl::init_fused() {
  const NmtConfig& cf = c();
  const int d = cf.d_model, ffn = cf.decoder_ffn_dim;
  if (!options.fused_decode || !options.warp_attention || !cf.normalize_before || cf.arch == NmtArch::kMarian ||
      cf.decoder_head_dim() != 64 || cf.decoder_layers == 0 || !kern::ffn_fused_supported(d, ffn, int8)) {
    return;
  }
  fused = true;
  xs[0] = arena.alloc_n<float>(d);
  xs[1] = arena.alloc_n<float>(d);
  ffn_sum = arena.alloc_n<float>(static_cast<size_t>(kMaxFfnSumCopies) * d);
  cross_sum = arena.alloc_n<float>(d);
  for (const nmt_cuda::DeviceLayer& L : w.decoder) {
    void* t = arena.alloc(static_cast<size_t>(L.fc2.n) * L.fc2.k * (int8 ? 1 : 2));
    kern::transpose(L.fc2.w, L.fc2.n, L.fc2.k, int8 ? 1 : 2, t, stream);
    fc2_t.push_back(t);
  }
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  if (options.fold_layer_norm && options.preload_constants) init_ln_fold();
  init_screen();
  if (options.fused_cross == 4) init_fold();
}

// The decoder's LayerNorms folded into the rows that read them (options.fold_layer_norm): the QKV
// GEMV's (self-attention norm), fc1's (final norm) and the LM head's (decoder norm); the shortlist's
// compact head gets its rows' constants with its weights (gather_compact_rows).
void NmtCudaRunner::Impl::init_ln_fold() {
  std::vector<std::pair<nmt_cuda::DeviceLinear*, const nmt_cuda::DeviceNorm*>> folds;
  for (nmt_cuda::DeviceLayer& L : w.decoder) {
    folds.emplace_back(&L.qkv, &L.self_norm);
    folds.emplace_back(&L.fc1, &L.final_norm);
  }
  folds.emplace_back(&w.lm_head, &w.decoder_norm);
  for (auto& [l, n] : folds) {
    l->ln_sum = arena.alloc_n<float>(l->n);
    l->ln_bias = arena.alloc_n<float>(l->n);
  }
  if (shortlisted()) {
    lm_compact.ln_sum = arena.alloc_n<float>(lm_compact.n);
    lm_compact.ln_bias = arena.alloc_n<float>(lm_compact.n);
  }
  // The arena's zero-fills run on the legacy default stream: they must land before our stream writes.
  ST_CUDA_CHECK(cudaDeviceSynchronize());
  for (auto& [l, n] : folds) {
    kern::ln_fold_rows(l->w, l->scale, l->int8, l->n, l->k, n->gamma, n->beta, l->bias, l->ln_sum, l->ln_bias, stream);
  }
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
}

// The LM-head screen (options.lm_head_screen; kernels.cuh LmHeadArgs::screen): an int8 copy of the fp16
// head's rows with their error coefficients and their own folded-LayerNorm constants. fp16 weights, the
// full vocabulary and the folded LayerNorm only (init_ln_fold first).
void NmtCudaRunner::Impl::init_screen() {
  const nmt_cuda::DeviceLinear& head = w.lm_head;
  if (!options.lm_head_screen || head.int8 || shortlisted() || head.ln_sum == nullptr || head.k % 32 != 0) return;
  lm_screen.n = head.n;
  lm_screen.k = head.k;
  lm_screen.int8 = true;
  lm_screen.w = arena.alloc(static_cast<size_t>(head.n) * head.k);
  lm_screen.scale = arena.alloc_n<float>(head.n);
  lm_screen.bias = head.bias;
  lm_screen.ln_sum = arena.alloc_n<float>(head.n);
  lm_screen.ln_bias = arena.alloc_n<float>(head.n);
  lm_err = arena.alloc_n<float>(head.n);
  ST_CUDA_CHECK(cudaDeviceSynchronize());  // the arena's zero-fills (legacy default stream) first
  kern::screen_rows(static_cast<const uint16_t*>(head.w), head.bias, head.n, head.k,
                    static_cast<int8_t*>(lm_screen.w), lm_screen.scale, lm_err, stream);
  kern::ln_fold_rows(lm_screen.w, lm_screen.scale, true, head.n, head.k, w.decoder_norm.gamma, w.decoder_norm.beta,
                     head.bias, lm_screen.ln_sum, lm_screen.ln_bias, stream);
  // ‖γ‖ and ‖β‖ of the final LayerNorm for the bound's C, in double and rounded up.
  const NmtNorm& n = model->weights->decoder_norm;
  auto norm_up = [](const nn::FloatTensor& t) {
    double s = 0.0;
    for (int64_t i = 0; i < t.numel(); ++i) s += static_cast<double>(t.data[i]) * t.data[i];
    return std::nextafter(static_cast<float>(std::sqrt(s) * (1.0 + 1e-6)), INFINITY);
  };
  lm_gamma_norm = norm_up(n.gamma);
  lm_beta_norm = norm_up(n.beta);
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
}

// The folded cross-attention's buffers (options.fused_cross 4), when the model's shape allows it.
void NmtCudaRunner::Impl::init_fold() {
  const NmtConfig& cf = c();
  const int d = cf.d_model, heads = cf.decoder_heads, layers = cf.decoder_layers;
  if (!kern::cross_folded_supported(cf.decoder_head_dim(), d, heads, w.decoder[0].cross_q.n)) return;
  // W_q·β + b_q of every layer (β: the cross-attention LayerNorm's), for the scores' constants.
  const int nq = w.decoder[0].cross_q.n;
  float* q_beta = arena.alloc_n<float>(static_cast<size_t>(layers) * nq);
  std::vector<kern::CrossFoldLayer> host(layers);
  for (int l = 0; l < layers; ++l) {
    const nmt_cuda::DeviceLayer& L = w.decoder[l];
    kern::GemvArgs g;
    g.w = L.cross_q.w;
    g.scale = L.cross_q.scale;
    g.bias = L.cross_q.bias;
    g.n = nq;
    g.k = d;
    g.x = L.cross_norm.beta;
    g.out = q_beta + static_cast<size_t>(l) * nq;
    kern::gemv(g, L.cross_q.int8, sm_count, stream, false);
    host[l] = {L.cross_q.w, L.cross_q.scale, g.out, L.cross_norm.gamma, L.cross_out.w, L.cross_out.scale};
  }
  fold_layers = arena.alloc_n<kern::CrossFoldLayer>(layers);
  ST_CUDA_CHECK(cudaMemcpyAsync(fold_layers, host.data(), layers * sizeof(kern::CrossFoldLayer),
                                cudaMemcpyHostToDevice, stream));
  const size_t rows = static_cast<size_t>(layers) * heads * max_src;
  fold_q = arena.alloc_n<uint16_t>(rows * d);
  fold_v = arena.alloc_n<uint16_t>(rows * d);
  fold_const = arena.alloc_n<float>(rows);
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
}

// Records the fold of sentence length s (the end of the encoder graph; needs ckv).
void NmtCudaRunner::Impl::record_fold(int s) {
  const NmtConfig& cf = c();
  const int d = cf.d_model, heads = cf.decoder_heads, layers = cf.decoder_layers;
  kern::CrossFoldArgs f;
  f.layers = fold_layers;
  f.n_layers = layers;
  f.heads = heads;
  f.d = d;
  f.s = s;
  f.max_src = max_src;
  f.ckv = ckv;
  f.ckv_stride = 2 * d * layers;
  f.kv_bias = w.cross_kv.bias;
  f.scale = 1.0f / std::sqrt(static_cast<float>(cf.decoder_head_dim()));
  f.q_rows = fold_q;
  f.v_rows = fold_v;
  f.q_const = fold_const;
  f.tiled = options.fold_tiled;
  f.groups = options.fold_groups;
  kern::cross_fold(f, w.decoder[0].cross_q.int8, sm_count, stream);
}

// The persistent decode kernel's arguments, when the model is one it handles.
void NmtCudaRunner::Impl::init_persistent(int ffn) {
  const NmtConfig& cf = c();
  const int d = cf.d_model, layers = cf.decoder_layers;
  if (!cf.normalize_before || cf.arch == NmtArch::kMarian || cf.decoder_head_dim() != 64 || layers == 0) return;
  const int max_len = std::max(cap, max_src);
  const int grid = kern::decode_persistent_grid(int8, sm_count, std::max(d, ffn), max_len);
  if (grid <= 0 || cf.decoder_heads > grid * 8) return;
  auto lin = [&](const DeviceLinear& l) {
    kern::DecodeLinear o;
    o.w = l.w;
    o.scale = l.scale;
    o.bias = l.bias;
    o.n = l.n;
    o.k = l.k;
    o.rows = kern::decode_persistent_rows(l.n, grid);
    return o;
  };
  std::vector<kern::DecodeLayer> host(layers);
  for (int l = 0; l < layers; ++l) {
    const nmt_cuda::DeviceLayer& L = w.decoder[l];
    kern::DecodeLayer& o = host[l];
    o.qkv = lin(L.qkv);
    o.out = lin(L.out);
    o.cross_q = lin(L.cross_q);
    o.cross_out = lin(L.cross_out);
    o.fc1 = lin(L.fc1);
    o.fc2 = lin(L.fc2);
    o.self_gamma = L.self_norm.gamma;
    o.self_beta = L.self_norm.beta;
    o.cross_gamma = L.cross_norm.gamma;
    o.cross_beta = L.cross_norm.beta;
    o.final_gamma = L.final_norm.gamma;
    o.final_beta = L.final_norm.beta;
    o.k_cache = kc[l];
    o.v_cache = vc[l];
    o.cross_k = ckv + static_cast<size_t>(2 * d) * l;
    o.cross_v = ckv + static_cast<size_t>(2 * d) * l + d;
    o.cross_k_bias = w.cross_kv.bias + static_cast<size_t>(2 * d) * l;
    o.cross_v_bias = w.cross_kv.bias + static_cast<size_t>(2 * d) * l + d;
  }
  auto* dev_layers = arena.alloc_n<kern::DecodeLayer>(layers);
  ST_CUDA_CHECK(cudaMemcpyAsync(dev_layers, host.data(), layers * sizeof(kern::DecodeLayer), cudaMemcpyHostToDevice,
                                stream));
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  kern::PersistentDecodeArgs& p = persistent;
  p.layers = dev_layers;
  p.n_layers = layers;
  p.d = d;
  p.heads = cf.decoder_heads;
  p.cross_stride = 2 * d * layers;
  p.max_len = max_len;
  p.eps = cf.layer_norm_eps;
  p.attn_scale = 1.0f / std::sqrt(static_cast<float>(cf.decoder_head_dim()));
  p.act = to_act(cf.activation);
  p.embed = w.decoder_embed;
  p.embed_scale = cf.scale_embedding ? std::sqrt(static_cast<float>(d)) : 1.0f;
  float* positions = arena.alloc_n<float>(static_cast<size_t>(cap) * d);
  kern::m2m100_positions(positions, cap, d, cf.pad_token_id, stream);
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  p.positions = positions;
  p.pad = cf.pad_token_id;
  p.final_gamma = w.decoder_norm.gamma;
  p.final_beta = w.decoder_norm.beta;
  p.lm_head = lin(head());
  p.lm_row_ids = head_row_ids();
  p.lm_head.rows = 4;  // as the kernel's LM head phase
  p.x = dec_x;
  p.q = dec_q;
  p.qc = dec_qc;
  p.attn = dec_a;
  p.f = dec_f;
  p.logits = logits;
  p.control = control();
  p.forced = forced();
  p.tokens = tokens();
  p.suppressed = suppressed;
  p.n_suppressed = n_suppressed;
  p.block_best = arena.alloc_n<unsigned long long>(grid);
  p.barrier = arena.alloc_n<unsigned int>(2);
  p.flags = (options.persistent_cg_barrier ? kern::kPersistentCgBarrier : 0) |
            (options.persistent_prefetch ? kern::kPersistentPrefetch : 0) |
            (options.persistent_barriers_only ? kern::kPersistentBarriersOnly : 0);
  persistent_grid = grid;
  persistent_max_k = std::max(d, ffn);
}

void NmtCudaRunner::Impl::record_step(bool first) {
  if (fused) {
    record_step_fused(first);
    return;
  }
  const NmtConfig& cf = c();
  const int d = cf.d_model, heads = cf.decoder_heads, hd = cf.decoder_head_dim();
  const bool pre = cf.normalize_before;
  const bool pdl = options.programmatic_launch;
  const float eps = cf.layer_norm_eps;
  const int layers = cf.decoder_layers;
  kern::EmbedArgs e;
  e.table = w.decoder_embed;
  e.scale = cf.scale_embedding ? std::sqrt(static_cast<float>(d)) : 1.0f;
  e.tokens = tokens();
  e.step = &control()->step;
  e.rows = 1;
  e.d = d;
  e.marian = cf.arch == NmtArch::kMarian;
  e.pad = cf.pad_token_id;
  e.out = dec_x;
  kern::embed(e, stream, pdl && !first);
  auto gemv = [&](const DeviceLinear& l, const float* x, const nmt_cuda::DeviceNorm* n, float* out,
                  const float* residual) {
    kern::GemvArgs g;
    g.w = l.w;
    g.scale = l.scale;
    g.bias = l.bias;
    g.n = l.n;
    g.k = l.k;
    g.x = x;
    if (n != nullptr) {
      g.ln_gamma = n->gamma;
      g.ln_beta = n->beta;
    }
    g.ln_eps = eps;
    g.out = out;
    g.residual = residual;
    return g;
  };
  auto post_norm = [&](const nmt_cuda::DeviceNorm& n) {
    if (pre) return;
    kern::ResidualNormArgs r;
    r.x = dec_x;
    r.gamma = n.gamma;
    r.beta = n.beta;
    r.eps = eps;
    r.write_back = true;
    r.rows = 1;
    r.d = d;
    kern::residual_norm(r, stream, pdl);
  };
  // x += out_proj(attention): one fused launch, or attention then a GEMV with the residual.
  auto attend_and_project = [&](const kern::AttentionArgs& a, const DeviceLinear& proj) {
    if (options.fuse_attention_out) {
      kern::AttentionOutArgs f;
      f.att = a;
      f.w = proj.w;
      f.scale = proj.scale;
      f.bias = proj.bias;
      f.n = proj.n;
      f.k = proj.k;
      f.x = dec_x;
      kern::attention_out(f, proj.int8, stream, pdl);
    } else {
      kern::attention(a, stream, pdl);
      kern::gemv(gemv(proj, dec_a, nullptr, dec_x, dec_x), proj.int8, sm_count, stream, pdl);
    }
  };
  kern::AttentionArgs a;
  a.warp_per_head = options.warp_attention;
  a.q_stride = d;
  a.heads = heads;
  a.head_dim = hd;
  a.rows = 1;
  a.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  a.out = dec_a;
  a.out_stride = d;
  for (int l = 0; l < layers; ++l) {
    const nmt_cuda::DeviceLayer& L = w.decoder[l];
    kern::GemvArgs qkv = gemv(L.qkv, dec_x, pre ? &L.self_norm : nullptr, dec_q, nullptr);
    qkv.out1 = kc[l];
    qkv.out2 = vc[l];
    qkv.seg = d;
    qkv.pos = &control()->step;
    kern::gemv(qkv, L.qkv.int8, sm_count, stream, pdl);
    a.q = dec_q;
    a.k = kc[l];
    a.v = vc[l];
    a.kv_stride = d;
    a.k_bias = nullptr;
    a.v_bias = nullptr;
    a.len_ptr = &control()->step;
    a.len_add = 1;
    a.max_len = cap;
    attend_and_project(a, L.out);
    post_norm(L.self_norm);
    kern::gemv(gemv(L.cross_q, dec_x, pre ? &L.cross_norm : nullptr, dec_qc, nullptr), L.cross_q.int8, sm_count,
               stream, pdl);
    a.q = dec_qc;
    a.k = ckv + static_cast<size_t>(2 * d) * l;
    a.v = ckv + static_cast<size_t>(2 * d) * l + d;
    a.kv_stride = 2 * d * layers;
    a.k_bias = w.cross_kv.bias + static_cast<size_t>(2 * d) * l;
    a.v_bias = w.cross_kv.bias + static_cast<size_t>(2 * d) * l + d;
    a.len_ptr = &control()->src_len;
    a.len_add = 0;
    a.max_len = max_src;
    attend_and_project(a, L.cross_out);
    post_norm(L.cross_norm);
    kern::GemvArgs fc1 = gemv(L.fc1, dec_x, pre ? &L.final_norm : nullptr, dec_f, nullptr);
    fc1.act = to_act(cf.activation);
    kern::gemv(fc1, L.fc1.int8, sm_count, stream, pdl);
    kern::gemv(gemv(L.fc2, dec_f, nullptr, dec_x, dec_x), L.fc2.int8, sm_count, stream, pdl);
    post_norm(L.final_norm);
  }
  kern::LmHeadArgs h;
  h.gemv = gemv(head(), dec_x, pre ? &w.decoder_norm : nullptr, logits, nullptr);
  h.row_ids = head_row_ids();
  h.control = control();
  h.forced = forced();
  h.tokens = tokens();
  h.suppressed = suppressed;
  h.n_suppressed = n_suppressed;
  h.rows_per_warp = 4;  // this path's layout before 2026-11-27b (the fused path's int8 takes 8)
  kern::lm_head(h, head().int8, sm_count, stream, pdl);
}

// One decode step of a pre-LN model in 5 launches a layer: QKV GEMV (input x + the previous FFN's
// sums, normed; the sum stored as this layer's x) -> self-attention + out projection (atomics into
// x) -> cross-Q GEMV (normed; zero-fills the FFN sums) -> cross-attention + out projection -> fused
// FFN (atomics into the FFN sums); then the LM head (input x + FFN sums), whose last block writes
// the next step's embedding into xs[0]. The first step of a graph embeds its token itself.
// options.fused_cross (4 launches a layer; 4, the default, folds the cross-attention into the encoder
// output: init_fold, record_fold): the cross-Q GEMV and cross-attention become one launch
// whose blocks read x while others add their sums, so those sums go to cross_sum (zero-filled by the
// QKV GEMV) and the FFN reads x + cross_sum and stores that sum; the residual stream then stays in
// xs[0] (read by QKV, written by the FFN) and xs[1] (written by QKV, added to by self-attention).
void NmtCudaRunner::Impl::record_step_fused(bool first) {
  const NmtConfig& cf = c();
  const int d = cf.d_model, layers = cf.decoder_layers;
  const bool folded = fold_q != nullptr;
  const bool cross1 = folded || (options.fused_cross > 0 && options.fused_cross < 4 &&
                                 kern::cross_attention_out_supported(cf.decoder_head_dim(), d, cf.decoder_heads,
                                                                     w.decoder[0].cross_q.n));
  const bool pdl = options.programmatic_launch;
  const int copies = std::clamp(options.ffn_sum_copies, 1, kMaxFfnSumCopies);
  const float eps = cf.layer_norm_eps;
  const float embed_scale = cf.scale_embedding ? std::sqrt(static_cast<float>(d)) : 1.0f;
  if (first) {
    kern::EmbedArgs e;
    e.table = w.decoder_embed;
    e.scale = embed_scale;
    e.tokens = tokens();
    e.step = &control()->step;
    e.rows = 1;
    e.d = d;
    e.pad = cf.pad_token_id;
    e.out = xs[0];
    kern::embed(e, stream, false);
  }
  auto gemv = [&](const DeviceLinear& l, const float* x, const nmt_cuda::DeviceNorm& n, float* out) {
    kern::GemvArgs g;
    g.w = l.w;
    g.scale = l.scale;
    g.bias = l.gemv_bias();
    g.n = l.n;
    g.k = l.k;
    g.x = x;
    g.ln_gamma = n.gamma;
    g.ln_beta = n.beta;
    g.ln_eps = eps;
    g.out = out;
    g.preload = options.preload_constants;
    g.ln_row_sum = l.ln_sum;  // set by init_ln_fold
    return g;
  };
  auto attend = [&](const kern::AttentionArgs& a, const DeviceLinear& proj, float* x) {
    kern::AttentionOutArgs f;
    f.att = a;
    f.w = proj.w;
    f.scale = proj.scale;
    f.bias = proj.bias;
    f.n = proj.n;
    f.k = proj.k;
    f.x = x;
    f.block_attention = options.fused_attention == 2 || (options.fused_attention == 0 && (!int8 || folded));
    f.compact = options.fused_attention == 3;
    f.preload = options.preload_constants;
    kern::attention_out(f, proj.int8, stream, pdl);
  };
  kern::AttentionArgs a;
  a.warp_per_head = true;
  a.q_stride = d;
  a.heads = cf.decoder_heads;
  a.head_dim = cf.decoder_head_dim();
  a.rows = 1;
  a.scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  a.out_stride = d;
  for (int l = 0; l < layers; ++l) {
    const nmt_cuda::DeviceLayer& L = w.decoder[l];
    float* x = cross1 ? xs[1] : xs[(l + 1) % 2];
    kern::GemvArgs qkv = gemv(L.qkv, cross1 ? xs[0] : xs[l % 2], L.self_norm, dec_q);
    qkv.x_add = l > 0 ? ffn_sum : nullptr;  // layer 0: the embedding alone (ffn_sum is last step's)
    qkv.x_add_copies = copies;
    qkv.x_store = x;
    if (cross1) {
      qkv.zero = cross_sum;
      qkv.zero_n = d;
    }
    qkv.out1 = kc[l];
    qkv.out2 = vc[l];
    qkv.seg = d;
    qkv.pos = &control()->step;
    kern::gemv(qkv, L.qkv.int8, sm_count, stream, pdl);
    a.q = dec_q;
    a.k = kc[l];
    a.v = vc[l];
    a.kv_stride = d;
    a.k_bias = nullptr;
    a.v_bias = nullptr;
    a.len_ptr = &control()->step;
    a.len_add = 1;
    a.max_len = cap;
    attend(a, L.out, x);
    kern::GemvArgs cq = gemv(L.cross_q, x, L.cross_norm, dec_qc);
    cq.zero = ffn_sum;
    cq.zero_n = copies * d;
    if (!cross1) kern::gemv(cq, L.cross_q.int8, sm_count, stream, pdl);
    a.q = dec_qc;
    a.k = ckv + static_cast<size_t>(2 * d) * l;
    a.v = ckv + static_cast<size_t>(2 * d) * l + d;
    a.kv_stride = 2 * d * layers;
    a.k_bias = w.cross_kv.bias + static_cast<size_t>(2 * d) * l;
    a.v_bias = w.cross_kv.bias + static_cast<size_t>(2 * d) * l + d;
    a.len_ptr = &control()->src_len;
    a.len_add = 0;
    a.max_len = max_src;
    if (folded) {
      const size_t row0 = static_cast<size_t>(l) * cf.decoder_heads * max_src;
      kern::CrossFoldedArgs fa;
      fa.q_rows = fold_q + row0 * d;
      fa.v_rows = fold_v + row0 * d;
      fa.q_const = fold_const + row0;
      fa.max_src = max_src;
      fa.heads = cf.decoder_heads;
      fa.d = d;
      fa.len = &control()->src_len;
      fa.x = x;
      fa.eps = eps;
      fa.bias = L.cross_out.bias;
      fa.out = cross_sum;
      fa.zero = ffn_sum;
      fa.zero_n = copies * d;
      fa.x_per_warp = options.fold_x_per_warp;
      kern::cross_folded(fa, stream, pdl);
    } else if (cross1) {
      kern::CrossAttentionOutArgs ca;
      ca.q = cq;
      ca.out.att = a;
      ca.out.w = L.cross_out.w;
      ca.out.scale = L.cross_out.scale;
      ca.out.bias = L.cross_out.bias;
      ca.out.n = L.cross_out.n;
      ca.out.k = L.cross_out.k;
      ca.out.x = cross_sum;
      ca.out.block_attention = options.fused_attention == 2 || (options.fused_attention == 0 && !int8);
      ca.out.preload = options.preload_constants;
      ca.wide = options.fused_cross == 2;
      ca.cluster = options.fused_cross == 3 && kern::cross_attention_out_cluster_supported(d);
      kern::cross_attention_out(ca, L.cross_q.int8, stream, pdl);
    } else {
      attend(a, L.cross_out, x);
    }
    kern::FfnArgs f;
    f.w1 = L.fc1.w;
    f.scale1 = L.fc1.scale;
    f.bias1 = L.fc1.gemv_bias();
    f.ln_row_sum = L.fc1.ln_sum;
    f.w2t = fc2_t[l];
    f.scale2 = L.fc2.scale;
    f.bias2 = L.fc2.bias;
    f.d = d;
    f.ffn = L.fc1.n;
    f.x = x;
    f.ln_gamma = L.final_norm.gamma;
    f.ln_beta = L.final_norm.beta;
    f.ln_eps = eps;
    f.act = to_act(cf.activation);
    f.out = ffn_sum;
    f.out_copies = copies;
    f.w2_shared = options.fused_ffn_shared_w2 || (options.last_ffn_shared_w2 && l == layers - 1);
    f.preload = options.preload_constants;
    if (cross1) {
      f.x_add = cross_sum;
      f.x_store = xs[0];
    }
    kern::ffn_fused(f, L.fc1.int8, stream, pdl);
  }
  // The LM head's rows (the head, or its int8 screen) over x + the FFN's sums, that input stored as the
  // final hidden state (decoder_hidden(), and the screen's rescoring).
  auto head_gemv = [&](const DeviceLinear& rows) {
    kern::GemvArgs g = gemv(rows, cross1 ? xs[0] : xs[layers % 2], w.decoder_norm, logits);
    g.x_add = ffn_sum;
    g.x_add_copies = copies;
    g.x_store = dec_x;
    return g;
  };
  kern::LmHeadArgs h;
  h.gemv = head_gemv(head());
  h.row_ids = head_row_ids();
  h.control = control();
  h.forced = forced();
  h.tokens = tokens();
  h.suppressed = suppressed;
  h.n_suppressed = n_suppressed;
  h.embed = w.decoder_embed;
  h.embed_scale = embed_scale;
  h.pad = cf.pad_token_id;
  h.embed_out = xs[0];
  h.rows_per_warp = options.fused_lm_head_rows;
  if (!screened() || recording_logits) {
    kern::lm_head(h, head().int8, sm_count, stream, pdl);
    return;
  }
  // The screen (init_screen): the int8 rows bound every logit, then the fp16 rows that may still win are
  // recomputed from the final hidden state that the screen stores.
  kern::LmHeadArgs sh = h;
  sh.gemv = head_gemv(lm_screen);
  sh.gemv.row_err = lm_err;
  sh.screen = true;
  sh.gamma_norm = lm_gamma_norm;
  sh.beta_norm = lm_beta_norm;
  kern::lm_head(sh, true, sm_count, stream, pdl);
  kern::LmRescoreArgs r;
  r.head = h;
  r.head.gemv.x = dec_x;
  r.head.gemv.x_add = nullptr;
  r.head.gemv.x_add_copies = 1;
  r.head.gemv.x_store = nullptr;
  r.upper = logits;
  kern::lm_head_rescore(r, sm_count, stream, pdl);
}

}  // namespace stream_tts
