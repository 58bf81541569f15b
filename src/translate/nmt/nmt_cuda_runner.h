// The `nmt` models on an NVIDIA GPU: encoder and greedy decoder entirely on the device, fp16 weights
// (fp32 sums) or int8 weights with per-row scales; decode steps run as CUDA graphs whose kernels chain
// with programmatic dependent launch or, opt-in for pre-LN NLLB/M2M100, in one persistent cooperative
// kernel.
// Built only with STREAM_TTS_CUDA=ON; this header has no CUDA types, the implementation is under
// translate/nmt/cuda/.
// An NmtCudaRunner owns the device copy of the weights and one sentence's state (cross-attention K/V,
// self-attention cache, graphs); it belongs to one thread at a time. Several runners may share one
// NmtModel (the host weights are only read while a runner is constructed).
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "stream_tts/status.h"
#include "translate/nmt/nmt_model.h"

namespace stream_tts {

enum class NmtCudaWeights {
  kFp16,  // weights rounded to fp16; activations, sums, residuals and logits in fp32
  kInt8,  // per-row symmetric int8 (the model's own when it was loaded with int8, else quantized on
          // the GPU exactly as nn::quantize_int8 does); embeddings stay fp16
};

struct NmtCudaOptions {
  NmtCudaWeights weights = NmtCudaWeights::kFp16;
  int device = 0;                 // CUDA device ordinal
  int max_source_tokens = 512;    // encoder length bound (buffers are sized once)
  int max_decoder_tokens = 512;   // decoder steps bound per sentence (self-attention cache rows)
  int steps_per_launch = 8;       // generate(): decode steps per graph launch; EOS is checked between
  bool programmatic_launch = true;  // PDL between the kernels of a step (Hopper and newer); off = plain
  bool encoder_cublas = true;       // encoder GEMMs: cuBLAS, or our small-M tensor-core kernel
  bool warp_attention = true;       // decode attention with one warp per head (head_dim 64) instead of
                                    // a 256-thread block per head (H200: 15.1 vs 15.8 ms a sentence)
  bool fused_decode = true;         // pre-LN M2M100/NLLB with decoder head_dim 64: 5 launches a layer
                                    // instead of 8 (attention fused with its output projection, the
                                    // FFN in one launch, embedding in the LM head's tail; atomicAdd
                                    // sums, so the last bits vary between runs); other models ignore it
  int fused_attention = 0;             // fused path, each head's attention: 1 = by one warp, 2 = by the
                                       // whole block in few registers, 3 = by one warp in <= 128
                                       // registers, 0 = 2, except 1 for int8 without the folded
                                       // cross-attention (H200, int8 shortlist: with it block 8.13 vs
                                       // warp 8.28 ms; without it warp 12.7 vs block 13.6; NOTES.md)
  bool fused_ffn_shared_w2 = false;    // fused path: the FFN's W2 rows via shared memory, not registers
  bool last_ffn_shared_w2 = false;     // fused path: the same for the last layer's FFN only (at most 128
                                       // registers a thread, so that the LM head's blocks fit beside it
                                       // and load their rows before it ends)
  int fused_lm_head_rows = 0;          // fused path: LM-head rows per warp (0: 4 fp16, 8 int8)
  int fused_cross = 4;                 // fused path, the cross-attention: 4 = folded into each sentence's
                                       // encoder output (no W_q/W_o in a step, one launch a layer:
                                       // kernels.cuh CrossFoldArgs; head_dim 64 and heads·64 = d in
                                       // 256/512/1024, else as 0; GPU memory 2·layers·heads·
                                       // max_source_tokens·d fp16, 403 MB for NLLB-600M at 512 tokens;
                                       // H200: shortlist int8 9.5 -> 8.6, fp16 9.3 -> 8.4 ms), 1 = one
                                       // launch computing its query in each block, 2 = the same with half
                                       // the blocks, 3 = each head's blocks as a thread-block cluster
                                       // sharing q_h, 0 = cross-Q GEMV + attention (bench/gpu/nmt/NOTES.md)
  bool fold_x_per_warp = false;        // fused_cross 4: every warp reads x from L2 itself (the first
                                       // version) instead of one copy a block in shared memory
  bool fold_tiled = true;              // fused_cross 4: the per-sentence fold in blocks of several column
                                       // tiles, the next tile's weights loaded while one is multiplied
                                       // (false: a block a tile, the first version)
  int fold_groups = 0;                 // fold_tiled: column-tile groups (0 = from the SM count; tests: 1)
  int ffn_sum_copies = 4;              // fused path: the FFN adds its sums into this many copies (1..4),
                                       // which its readers add up: fewer atomics on one address
                                       // (H200 with fused_cross 4: fp16 shortlist -0.1 ms, int8 ±0.05)
  bool preload_constants = true;       // fused path: LayerNorm gamma/beta, int8 scales and biases loaded
                                       // before each kernel's PDL wait, like its weights (H200, same
                                       // run: shortlist fp16 10.43 -> 9.65 ms, int8 11.25 -> 10.67)
  bool encoder_warp_attention = true;  // head_dim 64: the encoder's self-attention one warp per (head,
                                       // token) instead of a 256-thread block
  bool fold_layer_norm = true;         // fused path with preload_constants: the LayerNorms before the QKV
                                       // GEMV, the FFN and the LM head folded into their rows (γ into
                                       // the input, β into the bias, the mean through each row's Σγw:
                                       // kernels.cuh GemvArgs::ln_row_sum), so that those kernels take
                                       // one block barrier after their input instead of three (H100,
                                       // same process: int8 shortlist 8.27 -> 8.04 ms, full 10.72 ->
                                       // 10.49; fp16 full 13.49 -> 13.23, shortlist ±0.01)
  bool lm_head_screen = true;          // fused path, fp16 weights, full vocabulary, the LayerNorm folded:
                                       // greedy steps take the LM head's argmax from an int8 copy of its
                                       // rows that bounds every logit, then recompute in fp16 only the
                                       // rows whose bound reaches the best (the same token as the fp16
                                       // head: kernels.cuh LmHeadArgs::screen; GPU memory + vocab × (d + 16)
                                       // bytes, 266 MB for NLLB-600M); step() reads the plain head
  bool sentence_graph = true;          // generate()/generate_forced(): a sentence's set-up copies, its
                                       // encoder, its first steps_per_launch steps (all its steps in
                                       // generate_forced) and the copy of their tokens in one graph launch
  int decode_carveout = -1;            // shared-memory carveout (percent) of the decode kernels; -1 =
                                       // the driver's choice per kernel
  bool fuse_attention_out = false;  // unfused path: decode attention fused with its output projection
                                    // (one launch fewer, atomicAdd sums; H200: 16.3 vs 15.8 ms)
  bool persistent_decode = false;   // pre-LN M2M100/NLLB with head_dim 64 on sm_90+: all decode steps
                                    // of a launch in one cooperative kernel with grid barriers instead
                                    // of 8 launches a layer (other models use the per-kernel graphs);
                                    // H200: 23.5 vs 15.2 ms a sentence so far, hence off (its barriers
                                    // cost ~1 us, its phases not yet: bench/gpu/nmt/NOTES.md)
  bool persistent_cg_barrier = true;   // persistent kernel: cooperative_groups grid.sync(), or our
                                       // acquire/release barrier (H200: 23.5 vs 24.7 ms, so cg)
  bool persistent_prefetch = false;    // persistent kernel: L2 bulk prefetch of the next layer's weights
                                       // (H200, one block per SM: 27.3 vs 22.3 ms, hence off)
  bool persistent_barriers_only = false;  // diagnostics: the persistent kernel's grid barriers alone, no
                                          // work (wrong tokens): what the barriers cost
  std::vector<int> shortlist;  // target-vocabulary shortlist (nmt_shortlist.h: sorted, unique, special
                               // tokens included; empty = every token): the LM head scores a compact
                               // copy of these rows plus max_source_tokens slots that each sentence
                               // fills with its source ids, so the graphs keep one shape
};

// Empty when CUDA device `device` can run the runner; otherwise why not (no driver, no device, ...).
std::string nmt_cuda_device_problem(int device = 0);

class NmtCudaRunner {
 public:
  // Uploads the model's weights. Throws Error: kUnavailable (no usable CUDA device: never a silent
  // CPU fallback), kInvalidArgument (an architecture the kernels do not handle), kInternal (CUDA).
  NmtCudaRunner(std::shared_ptr<const NmtModel> model, const NmtCudaOptions& options = {});
  ~NmtCudaRunner();
  NmtCudaRunner(const NmtCudaRunner&) = delete;
  NmtCudaRunner& operator=(const NmtCudaRunner&) = delete;

  // Greedy decoding with greedy_generate()'s semantics (forced BOS/EOS, suppressed tokens, EOS stop,
  // max_new_tokens); returns the decoder sequence including decoder_start_token_id.
  Result<std::vector<int>> generate(const std::vector<int>& source_ids, const GenerateOptions& options,
                                    std::stop_token stop = {});
  // Benchmark: exactly `tokens` greedy steps in one graph launch, EOS ignored; forced_bos < 0 = none.
  Result<std::vector<int>> generate_forced(const std::vector<int>& source_ids, int tokens, int forced_bos = -1);

  // Step-by-step interface of NmtRunner, for parity tests: logits are copied to the host every step.
  Status encode(const std::vector<int>& source_ids, int max_decoder_tokens);
  // The pointer (decoder_vocab_size floats) is valid until the next call.
  Result<const float*> step(int token);

  // The decoder's residual stream after the last layer (before the final norm) of the last step(),
  // d_model floats: lets parity tests tell a layer error from a norm/LM-head error.
  Result<std::vector<float>> decoder_hidden();
  // The encoder output of the last encode()/generate() as the decoder reads it ([source_len, d_model],
  // after the final norm for pre-LN models; fp16-rounded, the precision the cross-attention GEMM uses).
  Result<std::vector<float>> encoder_output();

  // Diagnostics: rows the LM-head screen recomputed in fp16 during the last generate()/generate_forced()
  // (0 without the screen).
  Result<int> rescored_rows();

  const NmtConfig& config() const;
  size_t device_weight_bytes() const;
  std::string device_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stream_tts
