// NmtCudaRunner's state, shared by nmt_cuda_runner.cpp (device setup, encoder, sentence control, the
// public calls) and nmt_cuda_decode.cpp (recording decode steps: fused layers, per-kernel layers, and
// the persistent kernel's arguments). Internal to translate/nmt/cuda.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/cuda/check.cuh"
#include "nn/cuda/kernels.cuh"
#include "translate/nmt/cuda/nmt_cuda_weights.h"
#include "translate/nmt/nmt_cuda_runner.h"

namespace stream_tts {

namespace kern = nn::cuda;

namespace nmt_cuda {

inline kern::Act to_act(nn::cpu::Activation a) {
  switch (a) {
    case nn::cpu::Activation::kRelu: return kern::Act::kRelu;
    case nn::cpu::Activation::kGelu: return kern::Act::kGelu;
    case nn::cpu::Activation::kGeluTanh: return kern::Act::kGeluTanh;
    case nn::cpu::Activation::kSilu: return kern::Act::kSilu;
  }
  return kern::Act::kNone;
}

// Layout of the control area (ints): DecodeControl, then source ids, forced tokens, decoder tokens.
constexpr int kControlInts = 8;
static_assert(sizeof(kern::DecodeControl) <= kControlInts * sizeof(int));

}  // namespace nmt_cuda

struct NmtCudaRunner::Impl {
  std::shared_ptr<const NmtModel> model;
  NmtCudaOptions options;
  bool int8 = false;
  int sm_count = 0;
  std::string device_name;
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  nmt_cuda::DeviceArena arena;
  nmt_cuda::DeviceWeights w;
  int max_src = 0, cap = 0;
  bool use_cublas = true;  // encoder GEMMs: cuBLAS (default) or our WMMA kernel
  // Encoder workspaces ([max_src, ·]).
  float *enc_x = nullptr, *enc_qkv = nullptr, *enc_y = nullptr, *enc_f = nullptr, *ckv = nullptr;
  uint16_t *enc_h = nullptr, *enc_a = nullptr, *enc_fh = nullptr;
  // Decoder workspaces.
  float *dec_x = nullptr, *dec_q = nullptr, *dec_qc = nullptr, *dec_a = nullptr, *dec_f = nullptr, *logits = nullptr;
  std::vector<float*> kc, vc;
  // Fused decode layers (record_step_fused): the residual stream in two buffers (layer l reads
  // xs[l % 2] + ffn_sum, writes xs[(l + 1) % 2]), the FFN's atomic sums, W2ᵀ of every decoder layer.
  bool fused = false;
  float* xs[2] = {nullptr, nullptr};
  float* ffn_sum = nullptr;
  float* cross_sum = nullptr;  // options.fused_cross: the cross-attention's atomic sums (x + cross_sum feeds the FFN)
  // options.fused_cross 4: the cross-attention folded into each sentence's encoder output by the encoder
  // graph (kernels.cuh: CrossFoldArgs), [layers, heads, max_src, d] rows and [layers, heads, max_src] constants.
  kern::CrossFoldLayer* fold_layers = nullptr;
  uint16_t *fold_q = nullptr, *fold_v = nullptr;
  float* fold_const = nullptr;
  std::vector<void*> fc2_t;
  int* ctl = nullptr;  // device control area
  int* suppressed = nullptr;
  int n_suppressed = 0;
  int* host_ctl = nullptr;       // pinned mirror of the control area
  float* host_logits = nullptr;  // pinned
  int* host_token = nullptr;     // pinned
  std::map<int, cudaGraphExec_t> encoder_graphs;
  std::map<std::pair<int, bool>, cudaGraphExec_t> decode_graphs;  // (steps, recording_logits)
  std::map<std::pair<int, int>, cudaGraphExec_t> sentence_graphs;  // (source length, steps)
  // Vocabulary shortlist (options.shortlist, nmt_cuda_shortlist.cpp): lm_compact = the listed rows of
  // the LM head, then shortlist_slots rows that start() fills with the sentence's source ids the list
  // lacks (the rest repeat a listed id); row_ids [rows] = the full id of each row, host_row_ids its
  // mirror; host_slots pinned. No shortlist: shortlist_slots = 0 and lm_compact unused.
  nmt_cuda::DeviceLinear lm_compact;
  int* row_ids = nullptr;
  int shortlist_base = 0, shortlist_slots = 0;
  std::vector<int> host_row_ids;
  int* host_slots = nullptr;
  std::vector<float> step_logits;  // step(): the compact logits scattered over the vocabulary
  // LM-head screen (options.lm_head_screen, init_screen): int8 rows of the fp16 head with their
  // folded-LayerNorm constants and error coefficients (lm_err); the greedy decode graphs bound every
  // logit through them and recompute in fp16 only the rows that may win. Graphs recorded for step(),
  // which returns every logit, use the plain head (recording_logits).
  nmt_cuda::DeviceLinear lm_screen;
  float* lm_err = nullptr;
  float lm_gamma_norm = 0.0f, lm_beta_norm = 0.0f;
  bool recording_logits = false;
  // Persistent decode kernel (0 blocks = not used).
  int persistent_grid = 0, persistent_max_k = 0;
  kern::PersistentDecodeArgs persistent;
  int source_len = 0, decoder_len = 0, step_capacity = 0;

  int ctl_ints() const { return nmt_cuda::kControlInts + max_src + cap + cap + 1; }
  kern::DecodeControl* control() const { return reinterpret_cast<kern::DecodeControl*>(ctl); }
  int* src_ids() const { return ctl + nmt_cuda::kControlInts; }
  int* forced() const { return ctl + nmt_cuda::kControlInts + max_src; }
  int* tokens() const { return ctl + nmt_cuda::kControlInts + max_src + cap; }
  int* host_tokens() const { return host_ctl + nmt_cuda::kControlInts + max_src + cap; }

  const NmtConfig& c() const { return model->config; }
  bool shortlisted() const { return shortlist_base > 0; }
  const nmt_cuda::DeviceLinear& head() const { return shortlisted() ? lm_compact : w.lm_head; }
  const int* head_row_ids() const { return shortlisted() ? row_ids : nullptr; }
  bool screened() const { return lm_screen.w != nullptr; }

  ~Impl() {
    for (auto& [n, g] : encoder_graphs) cudaGraphExecDestroy(g);
    for (auto& [n, g] : decode_graphs) cudaGraphExecDestroy(g);
    for (auto& [n, g] : sentence_graphs) cudaGraphExecDestroy(g);
    if (cublas != nullptr) cublasDestroy(cublas);
    if (host_ctl != nullptr) cudaFreeHost(host_ctl);
    if (host_logits != nullptr) cudaFreeHost(host_logits);
    if (host_token != nullptr) cudaFreeHost(host_token);
    if (host_slots != nullptr) cudaFreeHost(host_slots);
    if (stream != nullptr) cudaStreamDestroy(stream);
  }

  void init();
  void init_fused();
  void init_ln_fold();
  void init_screen();
  void init_fold();
  void record_fold(int s);
  void record_slot_rows();
  void gather_compact_rows(int first, int count);
  void init_persistent(int ffn);
  void init_shortlist();
  void fill_slots(const std::vector<int>& source_ids);
  void launch_decode(int steps, bool logits = false);
  void gemm(const nmt_cuda::DeviceLinear& l, const uint16_t* x, int rows, float* y, int ldy);
  void record_encoder(int s);
  void record_step(bool first);
  void record_step_fused(bool first);
  void record_steps(int steps);
  cudaGraphExec_t encoder_graph(int s);
  cudaGraphExec_t decode_graph(int steps, bool logits);
  Status check_source(const std::vector<int>& source_ids) const;
  void prepare(const std::vector<int>& source_ids, int forced_bos, int forced_eos_step, int forced_eos);
  void copy_in();
  void start(const std::vector<int>& source_ids, int forced_bos, int forced_eos_step, int forced_eos);
  cudaGraphExec_t sentence_graph(int s, int steps);
  void run_sentence(const std::vector<int>& source_ids, int steps, int forced_bos, int forced_eos_step,
                    int forced_eos);
  std::vector<int> fetch_tokens(int first, int n);

  template <typename Record>
  cudaGraphExec_t capture(Record record) {
    cudaGraph_t graph = nullptr;
    ST_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      record();
    } catch (...) {
      cudaStreamEndCapture(stream, &graph);
      if (graph != nullptr) cudaGraphDestroy(graph);
      throw;
    }
    ST_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    ST_CUDA_CHECK(e);
    return exec;
  }
};

}  // namespace stream_tts
