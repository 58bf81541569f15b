// NmtCudaRunner: the encoder (cuBLAS GEMMs over [source_len, d] plus our attention/norm kernels) and
// the greedy decoder (our GEMV/attention kernels, argmax on the device; the steps are recorded in
// nmt_cuda_decode.cpp): decode steps run as CUDA graphs captured once and replayed (or, opt-in, one
// persistent cooperative kernel). Both read the position and token from device memory (DecodeControl),
// so a sentence costs one host→device copy of its setup, one encoder graph, one or a few decode
// launches and a copy of the tokens.
#include "translate/nmt/nmt_cuda_runner.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/cuda/check.cuh"
#include "nn/cuda/kernels.cuh"
#include "nn/safetensors/safetensors.h"
#include "translate/nmt/cuda/nmt_cuda_runner_impl.h"
#include "translate/nmt/cuda/nmt_cuda_weights.h"

namespace stream_tts {

using nmt_cuda::DeviceLinear;
using nmt_cuda::kControlInts;
using nmt_cuda::to_act;

std::string nmt_cuda_device_problem(int device) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) return std::string("no usable CUDA driver or device: ") + cudaGetErrorString(e);
  if (device < 0 || device >= count) {
    return "CUDA device " + std::to_string(device) + " requested, " + std::to_string(count) + " present";
  }
  return {};
}

void NmtCudaRunner::Impl::init() {
  const NmtConfig& cf = c();
  if (cf.d_model % 16 != 0 || cf.encoder_ffn_dim % 16 != 0 || cf.decoder_ffn_dim % 16 != 0) {
    throw Error(StatusCode::kInvalidArgument, "nmt cuda: d_model and ffn dims must be multiples of 16");
  }
  if (cf.d_model % cf.encoder_heads != 0 || cf.d_model % cf.decoder_heads != 0) {
    throw Error(StatusCode::kInvalidArgument, "nmt cuda: d_model must divide into the attention heads");
  }
  ST_CUDA_CHECK(cudaSetDevice(options.device));
  cudaDeviceProp prop{};
  ST_CUDA_CHECK(cudaGetDeviceProperties(&prop, options.device));
  sm_count = prop.multiProcessorCount;
  device_name = prop.name;
  if (prop.major < 9) options.programmatic_launch = false;  // griddepcontrol needs sm_90
  ST_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  int8 = options.weights == NmtCudaWeights::kInt8;
  w = nmt_cuda::upload_nmt_weights(*model, int8, arena, stream);

  const int d = cf.d_model, ffn = std::max(cf.encoder_ffn_dim, cf.decoder_ffn_dim);
  const int layers = cf.decoder_layers;
  // Rounded up to the GEMM's 32-row tiles, which read (never use) rows past the sentence.
  max_src = (std::max(1, options.max_source_tokens) + 31) / 32 * 32;
  use_cublas = options.encoder_cublas;
  step_capacity = std::max(1, options.max_decoder_tokens);
  cap = step_capacity + std::max(1, options.steps_per_launch) + 1;
  const size_t s = max_src;
  enc_x = arena.alloc_n<float>(s * d);
  enc_qkv = arena.alloc_n<float>(s * 3 * d);
  enc_y = arena.alloc_n<float>(s * d);
  enc_f = arena.alloc_n<float>(s * ffn);
  ckv = arena.alloc_n<float>(s * 2 * d * layers);
  enc_h = arena.alloc_n<uint16_t>(s * d);
  enc_a = arena.alloc_n<uint16_t>(s * d);
  enc_fh = arena.alloc_n<uint16_t>(s * ffn);
  if (int8) {
    // The encoder runs [source_len × d] GEMMs on fp16 operands: dequantize its int8 weights once
    // here (the same fp16 values a per-call dequantization would give) instead of every sentence.
    auto keep_fp16 = [&](DeviceLinear& l) {
      l.w16 = arena.alloc_n<uint16_t>(static_cast<size_t>(l.n) * l.k);
      kern::dequantize_rows_int8(static_cast<const int8_t*>(l.w), l.scale, l.n, l.k, l.w16, stream);
    };
    for (auto& L : w.encoder) {
      for (DeviceLinear* l : {&L.qkv, &L.out, &L.fc1, &L.fc2}) keep_fp16(*l);
    }
    keep_fp16(w.cross_kv);
    ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  dec_x = arena.alloc_n<float>(d);
  dec_q = arena.alloc_n<float>(d);
  dec_qc = arena.alloc_n<float>(d);
  dec_a = arena.alloc_n<float>(d);
  dec_f = arena.alloc_n<float>(ffn);
  init_shortlist();
  const int logit_rows = std::max(cf.decoder_vocab_size, head().n);
  logits = arena.alloc_n<float>(logit_rows);
  for (int l = 0; l < layers; ++l) {
    kc.push_back(arena.alloc_n<float>(static_cast<size_t>(cap) * d));
    vc.push_back(arena.alloc_n<float>(static_cast<size_t>(cap) * d));
  }
  init_fused();
  if (shortlisted()) gather_compact_rows(0, head().n);  // after init_fused: the folded rows' constants too
  ctl = arena.alloc_n<int>(ctl_ints());
  std::vector<int> sup;
  for (int id : cf.suppressed_token_ids) {
    if (id >= 0 && id < cf.decoder_vocab_size) sup.push_back(id);
  }
  n_suppressed = static_cast<int>(sup.size());
  suppressed = arena.alloc_n<int>(std::max<size_t>(1, sup.size()));
  if (!sup.empty()) {
    ST_CUDA_CHECK(cudaMemcpyAsync(suppressed, sup.data(), sup.size() * sizeof(int), cudaMemcpyHostToDevice, stream));
    ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  if (options.persistent_decode && prop.major >= 9) init_persistent(ffn);
  ST_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host_ctl), ctl_ints() * sizeof(int)));
  ST_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host_logits), logit_rows * sizeof(float)));
  ST_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host_token), sizeof(int)));
  ST_CUBLAS_CHECK(cublasCreate(&cublas));
  ST_CUBLAS_CHECK(cublasSetStream(cublas, stream));
  constexpr size_t kWorkspace = size_t{32} << 20;  // set explicitly so that graph capture never allocates
  ST_CUBLAS_CHECK(cublasSetWorkspace(cublas, arena.alloc(kWorkspace), kWorkspace));
  ST_CUBLAS_CHECK(cublasSetMathMode(cublas, CUBLAS_DEFAULT_MATH));
  // The arena's zero-fills and the legacy-stream copies above must land before our stream's work.
  ST_CUDA_CHECK(cudaDeviceSynchronize());
}

// Runs `steps` decode steps (persistent kernel, or the captured graph of that many steps); logits: the
// graph leaves every logit in `logits` (step()), not the LM-head screen's bounds.
void NmtCudaRunner::Impl::launch_decode(int steps, bool logits) {
  if (persistent_grid > 0) {
    persistent.steps = steps;
    kern::decode_persistent(persistent, int8, persistent_grid, persistent_max_k, stream);
    return;
  }
  ST_CUDA_CHECK(cudaGraphLaunch(decode_graph(steps, logits), stream));
}

// y[rows, l.n] (row stride ldy) = x[rows, l.k] · Wᵀ, fp16 operands.
void NmtCudaRunner::Impl::gemm(const DeviceLinear& l, const uint16_t* x, int rows, float* y, int ldy) {
  const void* weights = l.int8 ? static_cast<const void*>(l.w16) : l.w;  // int8: the fp16 copy (init)
  if (!use_cublas) {
    kern::gemm_small_m(x, static_cast<const uint16_t*>(weights), rows, l.n, l.k, y, ldy, stream);
    return;
  }
  const float one = 1.0f, zero = 0.0f;
  ST_CUBLAS_CHECK(cublasGemmEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, l.n, rows, l.k, &one, weights, CUDA_R_16F, l.k, x,
                               CUDA_R_16F, l.k, &zero, y, CUDA_R_32F, ldy, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

void NmtCudaRunner::Impl::record_encoder(int s) {
  const NmtConfig& cf = c();
  const int d = cf.d_model, heads = cf.encoder_heads, hd = cf.encoder_head_dim();
  const bool pre = cf.normalize_before;
  const kern::Act act = to_act(cf.activation);
  kern::EmbedArgs e;
  record_slot_rows();  // the shortlist's slot rows for this sentence (its ids: fill_slots)
  e.table = w.encoder_embed;
  e.scale = cf.scale_embedding ? std::sqrt(static_cast<float>(d)) : 1.0f;
  e.tokens = src_ids();
  e.rows = s;
  e.d = d;
  e.marian = cf.arch == NmtArch::kMarian;
  e.pad = cf.pad_token_id;
  e.out = enc_x;
  kern::embed(e, stream, false);
  auto norm = [&](const float* y, const float* bias, const nmt_cuda::DeviceNorm* n, bool write_back) {
    kern::ResidualNormArgs r;
    r.x = enc_x;
    r.y = y;
    r.bias = bias;
    r.gamma = n != nullptr ? n->gamma : nullptr;
    r.beta = n != nullptr ? n->beta : nullptr;
    r.eps = cf.layer_norm_eps;
    r.write_back = write_back;
    r.out_half = enc_h;
    r.rows = s;
    r.d = d;
    kern::residual_norm(r, stream, false);
  };
  // enc_h = the first block's input: LN(x) (pre-LN) or x itself.
  norm(nullptr, nullptr, pre && !w.encoder.empty() ? &w.encoder[0].self_norm : nullptr, false);
  for (size_t i = 0; i < w.encoder.size(); ++i) {
    const nmt_cuda::DeviceLayer& L = w.encoder[i];
    gemm(L.qkv, enc_h, s, enc_qkv, 3 * d);
    kern::AttentionArgs a;
    a.q = enc_qkv;
    a.q_stride = 3 * d;
    a.q_bias = L.qkv.bias;
    a.k = enc_qkv + d;
    a.v = enc_qkv + 2 * d;
    a.kv_stride = 3 * d;
    a.k_bias = L.qkv.bias + d;
    a.v_bias = L.qkv.bias + 2 * d;
    a.len_add = s;
    a.max_len = s;
    a.heads = heads;
    a.head_dim = hd;
    a.rows = s;
    a.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    a.out = enc_a;
    a.out_stride = d;
    a.out_half = true;
    a.warp_per_head = options.encoder_warp_attention;
    kern::attention(a, stream, false);
    gemm(L.out, enc_a, s, enc_y, d);
    norm(enc_y, L.out.bias, pre ? &L.final_norm : &L.self_norm, !pre);
    gemm(L.fc1, enc_h, s, enc_f, L.fc1.n);
    kern::bias_act_to_half(enc_f, L.fc1.bias, act, s, L.fc1.n, enc_fh, stream);
    gemm(L.fc2, enc_fh, s, enc_y, d);
    const nmt_cuda::DeviceNorm* next =
        pre ? (i + 1 < w.encoder.size() ? &w.encoder[i + 1].self_norm : &w.encoder_norm) : &L.final_norm;
    norm(enc_y, L.fc2.bias, next, !pre);
  }
  // Cross-attention K/V of every decoder layer in one GEMM (biases are added by the attention kernel).
  gemm(w.cross_kv, enc_h, s, ckv, w.cross_kv.n);
  if (fold_q != nullptr) record_fold(s);
}

cudaGraphExec_t NmtCudaRunner::Impl::encoder_graph(int s) {
  auto it = encoder_graphs.find(s);
  if (it != encoder_graphs.end()) return it->second;
  cudaGraphExec_t g = capture([&] { record_encoder(s); });
  encoder_graphs.emplace(s, g);
  return g;
}

// Records `steps` decode steps (the first embeds its token), their kernels with the decode carveout.
void NmtCudaRunner::Impl::record_steps(int steps) {
  kern::set_launch_carveout(options.decode_carveout);
  try {
    for (int i = 0; i < steps; ++i) record_step(i == 0);
  } catch (...) {
    kern::set_launch_carveout(-1);
    throw;
  }
  kern::set_launch_carveout(-1);
}

cudaGraphExec_t NmtCudaRunner::Impl::decode_graph(int steps, bool logits) {
  logits = logits && screened();  // without a screen both graphs would be the same
  auto it = decode_graphs.find({steps, logits});
  if (it != decode_graphs.end()) return it->second;
  recording_logits = logits;
  cudaGraphExec_t g = nullptr;
  try {
    g = capture([&] { record_steps(steps); });
  } catch (...) {
    recording_logits = false;
    throw;
  }
  recording_logits = false;
  decode_graphs.emplace(std::make_pair(steps, logits), g);
  return g;
}

Status NmtCudaRunner::Impl::check_source(const std::vector<int>& source_ids) const {
  const NmtConfig& cf = c();
  const int s = static_cast<int>(source_ids.size());
  if (s == 0) return Status(StatusCode::kInvalidArgument, "empty source sentence");
  if (s > max_src) {
    return Status(StatusCode::kInvalidArgument, "source has " + std::to_string(s) +
                                                    " tokens; the CUDA runner was sized for " +
                                                    std::to_string(max_src));
  }
  if (cf.arch == NmtArch::kMarian && s > cf.max_position_embeddings) {
    return Status(StatusCode::kInvalidArgument, "source longer than max_position_embeddings");
  }
  for (int id : source_ids) {
    if (id < 0 || id >= cf.vocab_size) {
      return Status(StatusCode::kInvalidArgument, "token id " + std::to_string(id) + " out of range");
    }
  }
  return Status::ok();
}

// The sentence setup in host memory (control, source, forced tokens, start token; the shortlist's slot
// ids): what copy_in() sends to the device.
void NmtCudaRunner::Impl::prepare(const std::vector<int>& source_ids, int forced_bos, int forced_eos_step,
                                  int forced_eos) {
  const int s = static_cast<int>(source_ids.size());
  std::memset(host_ctl, 0, ctl_ints() * sizeof(int));
  auto* hc = reinterpret_cast<kern::DecodeControl*>(host_ctl);
  hc->src_len = s;
  std::copy(source_ids.begin(), source_ids.end(), host_ctl + kControlInts);
  int* f = host_ctl + kControlInts + max_src;
  std::fill(f, f + cap, -1);
  if (forced_eos_step >= 0 && forced_eos_step < cap) f[forced_eos_step] = forced_eos;
  if (forced_bos >= 0) f[0] = forced_bos;
  host_ctl[kControlInts + max_src + cap] = c().decoder_start_token_id;
  fill_slots(source_ids);
  source_len = s;
  decoder_len = 0;
}

// The pinned host copies of prepare() to the device, on the stream (also inside a captured graph).
void NmtCudaRunner::Impl::copy_in() {
  ST_CUDA_CHECK(cudaMemcpyAsync(ctl, host_ctl, ctl_ints() * sizeof(int), cudaMemcpyHostToDevice, stream));
  if (shortlisted()) {
    ST_CUDA_CHECK(cudaMemcpyAsync(row_ids + shortlist_base, host_slots, shortlist_slots * sizeof(int),
                                  cudaMemcpyHostToDevice, stream));
  }
}

// Sets up a sentence and runs its encoder (the decode graphs follow).
void NmtCudaRunner::Impl::start(const std::vector<int>& source_ids, int forced_bos, int forced_eos_step,
                                int forced_eos) {
  prepare(source_ids, forced_bos, forced_eos_step, forced_eos);
  copy_in();
  ST_CUDA_CHECK(cudaGraphLaunch(encoder_graph(source_len), stream));
}

// A whole first launch of a sentence as one graph (options.sentence_graph): copy_in(), the encoder,
// `steps` decode steps and the copy of tokens [0, steps] back to host_ctl, so that a sentence costs one
// graph launch and one synchronisation instead of two copies, two launches, a copy and a synchronisation.
cudaGraphExec_t NmtCudaRunner::Impl::sentence_graph(int s, int steps) {
  auto it = sentence_graphs.find({s, steps});
  if (it != sentence_graphs.end()) return it->second;
  cudaGraphExec_t g = capture([&] {
    copy_in();
    record_encoder(s);
    record_steps(steps);
    ST_CUDA_CHECK(cudaMemcpyAsync(host_tokens(), tokens(), (steps + 1) * sizeof(int), cudaMemcpyDeviceToHost, stream));
  });
  sentence_graphs.emplace(std::make_pair(s, steps), g);
  return g;
}

// Sets up a sentence and runs its encoder and first `steps` decode steps; tokens [0, steps] are then in
// host_tokens() (the stream synchronised).
void NmtCudaRunner::Impl::run_sentence(const std::vector<int>& source_ids, int steps, int forced_bos,
                                       int forced_eos_step, int forced_eos) {
  if (options.sentence_graph && persistent_grid == 0) {
    prepare(source_ids, forced_bos, forced_eos_step, forced_eos);
    ST_CUDA_CHECK(cudaGraphLaunch(sentence_graph(source_len, steps), stream));
    ST_CUDA_CHECK(cudaStreamSynchronize(stream));
    return;
  }
  start(source_ids, forced_bos, forced_eos_step, forced_eos);
  launch_decode(steps);
  fetch_tokens(0, steps + 1);
}

// Copies tokens[first, first + n) to the host and waits.
std::vector<int> NmtCudaRunner::Impl::fetch_tokens(int first, int n) {
  int* host = host_tokens();
  ST_CUDA_CHECK(cudaMemcpyAsync(host + first, tokens() + first, n * sizeof(int), cudaMemcpyDeviceToHost, stream));
  ST_CUDA_CHECK(cudaStreamSynchronize(stream));
  return std::vector<int>(host + first, host + first + n);
}

NmtCudaRunner::NmtCudaRunner(std::shared_ptr<const NmtModel> model, const NmtCudaOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (std::string problem = nmt_cuda_device_problem(options.device); !problem.empty()) {
    throw Error(StatusCode::kUnavailable, "--device cuda: " + problem);
  }
  impl_->model = std::move(model);
  impl_->options = options;
  impl_->init();
}

NmtCudaRunner::~NmtCudaRunner() = default;

const NmtConfig& NmtCudaRunner::config() const { return impl_->c(); }
size_t NmtCudaRunner::device_weight_bytes() const { return impl_->arena.bytes(); }
std::string NmtCudaRunner::device_name() const { return impl_->device_name; }

Result<std::vector<int>> NmtCudaRunner::generate(const std::vector<int>& source_ids, const GenerateOptions& options,
                                                 std::stop_token stop) {
  Impl& m = *impl_;
  const NmtConfig& c = m.c();
  if (Status s = m.check_source(source_ids); !s) return s;
  int max_length = options.max_new_tokens > 0 ? 1 + options.max_new_tokens : c.max_length;
  if (c.arch == NmtArch::kMarian) max_length = std::min(max_length, c.max_position_embeddings);
  if (max_length - 1 > m.step_capacity) {
    return Status(StatusCode::kInvalidArgument, "decoder length " + std::to_string(max_length) +
                                                    " exceeds the CUDA runner's max_decoder_tokens " +
                                                    std::to_string(m.step_capacity));
  }
  try {
    // generate()'s processors: step i chooses token i + 1 (cur_len = i + 1); BOS at cur_len 1 wins.
    const int eos_step = c.forced_eos_token_id ? max_length - 2 : -1;
    std::vector<int> seq = {c.decoder_start_token_id};
    const int chunk = std::max(1, m.options.steps_per_launch);
    while (static_cast<int>(seq.size()) < max_length) {
      if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
      const int first = static_cast<int>(seq.size());
      std::vector<int> got;
      if (first == 1) {  // the sentence's first launch: set-up, encoder and the first chunk of steps
        m.run_sentence(source_ids, chunk, options.forced_bos.value_or(-1), eos_step,
                       c.forced_eos_token_id.value_or(-1));
        got.assign(m.host_tokens() + 1, m.host_tokens() + 1 + chunk);
      } else {
        m.launch_decode(chunk);
        got = m.fetch_tokens(first, chunk);
      }
      for (int token : got) {
        seq.push_back(token);
        if (token == c.eos_token_id || static_cast<int>(seq.size()) >= max_length) return seq;
      }
    }
    return seq;
  } catch (const Error& e) {
    return e.status();
  }
}

Result<std::vector<int>> NmtCudaRunner::generate_forced(const std::vector<int>& source_ids, int tokens,
                                                        int forced_bos) {
  Impl& m = *impl_;
  if (Status s = m.check_source(source_ids); !s) return s;
  if (tokens < 1 || tokens > m.step_capacity) return Status(StatusCode::kInvalidArgument, "bad token count");
  try {
    m.run_sentence(source_ids, tokens, forced_bos, -1, -1);
    return std::vector<int>(m.host_tokens(), m.host_tokens() + tokens + 1);
  } catch (const Error& e) {
    return e.status();
  }
}

Status NmtCudaRunner::encode(const std::vector<int>& source_ids, int max_decoder_tokens) {
  Impl& m = *impl_;
  if (Status s = m.check_source(source_ids); !s) return s;
  if (max_decoder_tokens > m.step_capacity) {
    return Status(StatusCode::kInvalidArgument, "max_decoder_tokens exceeds the CUDA runner's capacity");
  }
  try {
    m.start(source_ids, -1, -1, -1);
    return Status::ok();
  } catch (const Error& e) {
    return e.status();
  }
}

Result<const float*> NmtCudaRunner::step(int token) {
  Impl& m = *impl_;
  const NmtConfig& c = m.c();
  if (m.source_len == 0) return Status(StatusCode::kInternal, "step() before encode()");
  if (m.decoder_len >= m.step_capacity) return Status(StatusCode::kInternal, "decoder cache is full");
  if (token < 0 || token >= c.decoder_vocab_size) {
    return Status(StatusCode::kInvalidArgument, "token id " + std::to_string(token) + " out of range");
  }
  try {
    *m.host_token = token;
    ST_CUDA_CHECK(cudaMemcpyAsync(m.tokens() + m.decoder_len, m.host_token, sizeof(int), cudaMemcpyHostToDevice,
                                  m.stream));
    m.launch_decode(1, true);
    const int rows = m.shortlisted() ? m.head().n : c.decoder_vocab_size;
    ST_CUDA_CHECK(cudaMemcpyAsync(m.host_logits, m.logits, rows * sizeof(float), cudaMemcpyDeviceToHost, m.stream));
    ST_CUDA_CHECK(cudaStreamSynchronize(m.stream));
    ++m.decoder_len;
    if (m.shortlisted()) {
      // As NmtRunner::logits() with a shortlist: -inf for every token the LM head did not score.
      m.step_logits.assign(c.decoder_vocab_size, -INFINITY);
      for (int r = 0; r < rows; ++r) m.step_logits[m.host_row_ids[r]] = m.host_logits[r];
      return static_cast<const float*>(m.step_logits.data());
    }
    return static_cast<const float*>(m.host_logits);
  } catch (const Error& e) {
    return e.status();
  }
}

Result<int> NmtCudaRunner::rescored_rows() {
  Impl& m = *impl_;
  kern::DecodeControl c{};
  try {
    ST_CUDA_CHECK(cudaMemcpyAsync(&c, m.control(), sizeof(c), cudaMemcpyDeviceToHost, m.stream));
    ST_CUDA_CHECK(cudaStreamSynchronize(m.stream));
  } catch (const Error& e) {
    return e.status();
  }
  return c.rescored;
}

Result<std::vector<float>> NmtCudaRunner::decoder_hidden() {
  Impl& m = *impl_;
  std::vector<float> out(m.c().d_model);
  try {
    ST_CUDA_CHECK(cudaStreamSynchronize(m.stream));
    ST_CUDA_CHECK(cudaMemcpy(out.data(), m.dec_x, out.size() * sizeof(float), cudaMemcpyDeviceToHost));
  } catch (const Error& e) {
    return e.status();
  }
  return out;
}

Result<std::vector<float>> NmtCudaRunner::encoder_output() {
  Impl& m = *impl_;
  const size_t n = static_cast<size_t>(m.source_len) * m.c().d_model;
  std::vector<uint16_t> half(n);
  try {
    ST_CUDA_CHECK(cudaStreamSynchronize(m.stream));
    ST_CUDA_CHECK(cudaMemcpy(half.data(), m.enc_h, n * sizeof(uint16_t), cudaMemcpyDeviceToHost));
  } catch (const Error& e) {
    return e.status();
  }
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = nn::half_to_float(half[i]);
  return out;
}

}  // namespace stream_tts
