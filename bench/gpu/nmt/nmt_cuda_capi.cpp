// A C interface to NmtCudaRunner for the GPU benchmark (nmt_gpu_bench.py loads it with ctypes), so
// that ours and transformers run in one process on one card. Errors: functions return a negative
// value (or null) and nmt_last_error() says why.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "translate/nmt/nmt_config.h"
#include "translate/nmt/nmt_cuda_runner.h"
#include "translate/nmt/nmt_model.h"
#include "translate/nmt/nmt_weights.h"

using namespace stream_tts;

namespace {
thread_local std::string g_error;
struct Model {
  std::shared_ptr<const NmtModel> model;
};
}  // namespace

extern "C" {

const char* nmt_last_error() { return g_error.c_str(); }

// Loads config.json + model.safetensors as fp32 (NmtModel::load without the CPU runner's code).
void* nmt_model_load(const char* dir) {
  try {
    auto m = std::make_shared<NmtModel>();
    m->config = load_nmt_config(dir);
    m->weights = load_nmt_weights(dir, m->config, false);
    return new Model{std::move(m)};
  } catch (const std::exception& e) {
    g_error = e.what();
    return nullptr;
  }
}

void nmt_model_free(void* model) { delete static_cast<Model*>(model); }

// flags: 1 = encoder GEMMs through our WMMA kernel instead of cuBLAS, 2 = fused attention + projection,
// 4 = block-per-head decode attention instead of warp-per-head, 8 = the persistent decode kernel instead
// of per-kernel decode graphs, 16 = persistent kernel with our acquire/release barrier instead of
// cooperative_groups' grid.sync(), 32 = persistent kernel with L2 weight prefetch, 64 = the persistent
// kernel's barriers alone (diagnostics: no work, wrong tokens), 128 = the unfused decode graphs (8
// launches a layer, the default until 2026-11-27b) instead of the fused ones; fused variants: 256 = block
// attention, 8192 = warp attention (default: block for fp16, warp for int8), 512 = FFN W2 via shared memory, 1024 = int8 LM head 4 rows a warp; decode kernels' shared
// memory carveout: 2048 = 100 %, 4096 = 50 %; 16384 = cross-attention in one launch (fused_cross 1),
// 32768 = the same with half the blocks (fused_cross 2); 65536 = warp attention in <= 128 registers
// (fused_attention 3); 131072 = preload_constants off (on by default since 2026-11-27d); 262144 = cross-attention
// in one launch, each head's blocks a cluster sharing q (fused_cross 3); 2097152 = the cross-Q GEMV and
// attention_out (fused_cross 0, the default until 2026-11-27l) instead of the cross-attention folded into
// the encoder output; 4194304 = the folded cross-attention with x read by every warp from L2
// (fold_x_per_warp); 8388608 = the FFN's sums in one copy (ffn_sum_copies 1, the default until
// 2026-11-27l) instead of 4; 134217728 = the LayerNorms not folded into the QKV, FFN and LM-head rows
// (fold_layer_norm off, the default until 2026-11-28); 268435456 = the encoder's self-attention a block
// per (head, token) (encoder_warp_attention off, the default until 2026-11-28); 536870912 = the fp16
// LM head read whole (lm_head_screen off, the default until 2026-11-28b) instead of through its int8
// screen; 1073741824 = a sentence as two copies, two graph launches and a copy back (sentence_graph off,
// the default until 2026-11-28b) instead of one graph; 2147483648 = the last layer's FFN with W2 in shared
// memory (last_ffn_shared_w2); 4294967296 = the cross-attention fold a block a column tile (fold_tiled off,
// the default until 2026-11-28c); 8589934592 = unused (the encoder through cuBLASLt, measured no faster on
// 2026-11-29a and removed); 17179869184 = the tiled fold with every column tile in one block
// (fold_groups 1: what the launcher picks for large models, forced for the tiny ones' parity). 0 = the
// runner's defaults.
void* nmt_cuda_open_shortlist(void* model, int int8, int pdl, int max_source, int max_decoder, long long flags,
                              const int* shortlist, int n_shortlist);

void* nmt_cuda_open(void* model, int int8, int pdl, int max_source, int max_decoder, long long flags) {
  return nmt_cuda_open_shortlist(model, int8, pdl, max_source, max_decoder, flags, nullptr, 0);
}

// As nmt_cuda_open, with a vocabulary shortlist (NmtCudaOptions::shortlist: sorted unique ids, the
// special tokens included; n_shortlist 0 = none).
void* nmt_cuda_open_shortlist(void* model, int int8, int pdl, int max_source, int max_decoder, long long flags,
                              const int* shortlist, int n_shortlist) {
  try {
    NmtCudaOptions o;
    o.encoder_cublas = (flags & 1) == 0;
    o.fuse_attention_out = (flags & 2) != 0;
    o.warp_attention = (flags & 4) == 0;
    o.persistent_decode = (flags & 8) != 0;
    o.persistent_cg_barrier = (flags & 16) == 0;
    o.persistent_prefetch = (flags & 32) != 0;
    o.persistent_barriers_only = (flags & 64) != 0;
    o.fused_decode = (flags & 128) == 0;
    o.fused_attention = (flags & 256) != 0 ? 2 : (flags & 8192) != 0 ? 1 : (flags & 65536) != 0 ? 3 : 0;
    o.fused_ffn_shared_w2 = (flags & 512) != 0;
    o.fused_lm_head_rows = (flags & 1024) != 0 ? 4 : 0;
    if ((flags & 2097152) != 0) o.fused_cross = 0;
    if ((flags & 262144) != 0) o.fused_cross = 3;
    if ((flags & 32768) != 0) o.fused_cross = 2;
    if ((flags & 16384) != 0) o.fused_cross = 1;
    if ((flags & 131072) != 0) o.preload_constants = !o.preload_constants;
    o.fold_x_per_warp = (flags & 4194304) != 0;
    if ((flags & 8388608) != 0) o.ffn_sum_copies = 1;
    if ((flags & 134217728) != 0) o.fold_layer_norm = !o.fold_layer_norm;
    if ((flags & 268435456) != 0) o.encoder_warp_attention = !o.encoder_warp_attention;
    if ((flags & 536870912) != 0) o.lm_head_screen = !o.lm_head_screen;
    if ((flags & 1073741824) != 0) o.sentence_graph = !o.sentence_graph;
    if ((flags & 2147483648LL) != 0) o.last_ffn_shared_w2 = !o.last_ffn_shared_w2;
    if ((flags & 4294967296LL) != 0) o.fold_tiled = !o.fold_tiled;
    if ((flags & 17179869184LL) != 0) o.fold_groups = 1;
    if ((flags & 2048) != 0) o.decode_carveout = 100;
    if ((flags & 4096) != 0) o.decode_carveout = 50;
    o.weights = int8 ? NmtCudaWeights::kInt8 : NmtCudaWeights::kFp16;
    o.programmatic_launch = pdl != 0;
    o.max_source_tokens = max_source;
    o.max_decoder_tokens = max_decoder;
    if (n_shortlist > 0) o.shortlist.assign(shortlist, shortlist + n_shortlist);
    return new NmtCudaRunner(static_cast<Model*>(model)->model, o);
  } catch (const std::exception& e) {
    g_error = e.what();
    return nullptr;
  }
}

void nmt_cuda_close(void* runner) { delete static_cast<NmtCudaRunner*>(runner); }

// Rows the LM-head screen recomputed in fp16 during the last sentence (NmtCudaRunner::rescored_rows), or -1.
int nmt_cuda_rescored_rows(void* runner) {
  auto r = static_cast<NmtCudaRunner*>(runner)->rescored_rows();
  if (!r) {
    g_error = r.status().to_string();
    return -1;
  }
  return *r;
}

long long nmt_cuda_weight_bytes(void* runner) {
  return static_cast<long long>(static_cast<NmtCudaRunner*>(runner)->device_weight_bytes());
}

// out: tokens + 1 ids (the start token first). Returns 0 or -1.
int nmt_cuda_generate_forced(void* runner, const int* src, int n, int tokens, int forced_bos, int* out) {
  auto r = static_cast<NmtCudaRunner*>(runner)->generate_forced(std::vector<int>(src, src + n), tokens, forced_bos);
  if (!r) {
    g_error = r.status().to_string();
    return -1;
  }
  std::memcpy(out, r->data(), r->size() * sizeof(int));
  return 0;
}

// Times `reps` forced-length sentences back to back; ms_out[reps] gets each one's wall time.
int nmt_cuda_time_forced(void* runner, const int* src, int n, int tokens, int reps, double* ms_out) {
  auto* run = static_cast<NmtCudaRunner*>(runner);
  const std::vector<int> ids(src, src + n);
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run->generate_forced(ids, tokens, -1);
    const auto t1 = std::chrono::steady_clock::now();
    if (!r) {
      g_error = r.status().to_string();
      return -1;
    }
    ms_out[i] = std::chrono::duration<double, std::milli>(t1 - t0).count();
  }
  return 0;
}

// Greedy with transformers' semantics (EOS stop): out gets up to cap ids; returns the count or -1.
int nmt_cuda_generate(void* runner, const int* src, int n, int max_new_tokens, int forced_bos, int* out, int cap) {
  GenerateOptions o;
  o.max_new_tokens = max_new_tokens;
  if (forced_bos >= 0) o.forced_bos = forced_bos;
  auto r = static_cast<NmtCudaRunner*>(runner)->generate(std::vector<int>(src, src + n), o);
  if (!r) {
    g_error = r.status().to_string();
    return -1;
  }
  const int count = std::min<int>(cap, static_cast<int>(r->size()));
  std::memcpy(out, r->data(), count * sizeof(int));
  return count;
}

int nmt_cuda_encode(void* runner, const int* src, int n, int max_decoder) {
  Status s = static_cast<NmtCudaRunner*>(runner)->encode(std::vector<int>(src, src + n), max_decoder);
  if (!s) {
    g_error = s.to_string();
    return -1;
  }
  return 0;
}

int nmt_cuda_step(void* runner, int token, float* logits, int vocab) {
  auto r = static_cast<NmtCudaRunner*>(runner)->step(token);
  if (!r) {
    g_error = r.status().to_string();
    return -1;
  }
  std::memcpy(logits, r.value(), static_cast<size_t>(vocab) * sizeof(float));
  return 0;
}

int nmt_cuda_decoder_hidden(void* runner, float* out, int d) {
  auto r = static_cast<NmtCudaRunner*>(runner)->decoder_hidden();
  if (!r) {
    g_error = r.status().to_string();
    return -1;
  }
  std::memcpy(out, r->data(), std::min<size_t>(d, r->size()) * sizeof(float));
  return 0;
}

int nmt_cuda_encoder_output(void* runner, float* out, int n) {
  auto r = static_cast<NmtCudaRunner*>(runner)->encoder_output();
  if (!r) {
    g_error = r.status().to_string();
    return -1;
  }
  std::memcpy(out, r->data(), std::min<size_t>(n, r->size()) * sizeof(float));
  return static_cast<int>(r->size());
}

}  // extern "C"
