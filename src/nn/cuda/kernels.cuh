// The CUDA kernels of the native encoder-decoder models, as host launch functions: the one dispatch
// point between model code (translate/nmt/cuda) and kernels (*.cu here). Plain pointers only; fp16
// buffers are passed as uint16_t (IEEE half bits) so that this header compiles in host C++ too.
// Every launch goes to `stream`; `pdl` launches with programmatic dependent launch (Hopper): the kernel
// starts while its predecessor drains, loads its weights into registers and waits (griddepcontrol.wait)
// before it reads anything the predecessor wrote. Every kernel here waits, so pdl is always safe.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace stream_tts::nn::cuda {

enum class Act : int { kNone = 0, kRelu = 1, kGelu = 2, kGeluTanh = 3, kSilu = 4 };

// Decoder control block in device memory, shared by the kernels of one decode step. The LM-head GEMV's
// last block turns the argmax into the next token: tokens[step + 1] = forced[step] >= 0 ? forced[step]
// : argmax, then step += 1, and resets key/blocks_done for the next step.
struct DecodeControl {
  int step;                 // decoder tokens consumed so far (position of the current token)
  int src_len;              // encoder length (cross-attention keys)
  unsigned int blocks_done; // LM-head blocks finished this step
  int rescored;             // rows recomputed by lm_head_rescore this sentence (diagnostics)
  unsigned long long key;   // running argmax: ordered(logit) << 32 | ~index
};

// y = W·in (+ bias), W [n, k] row-major fp16, or int8 with per-row scales (W[r,:] ≈ scale[r]·q[r,:]).
// Input: x [k] fp32, optionally layer-normed on the fly (ln_gamma/ln_beta non-null): every block
// normalises the vector itself, so no separate LayerNorm launch is needed.
// Output (plain GEMV): out[r] = act(y[r]) (+ residual[r]); out may alias residual.
// Split output (fused QKV, seg > 0): rows [0, seg) go to out, [seg, 2seg) to out1 + (*pos)·seg and
// [2seg, 3seg) to out2 + (*pos)·seg (the K/V cache rows of the current position).
// Fused decode layers (the residual stream split in two buffers): the input is x + x_add when x_add is
// set (before the norm), and that input is also written to x_store when set (each block writes a
// disjoint slice, so x_store must not alias x or x_add); `zero` [zero_n] (zero_n a multiple of 4) is zero-filled after
// the PDL wait, for a later kernel's atomic sums.
struct GemvArgs {
  const void* w = nullptr;
  const float* scale = nullptr;  // int8 only
  const float* bias = nullptr;
  int n = 0, k = 0;
  const float* x = nullptr;
  const float* ln_gamma = nullptr;
  const float* ln_beta = nullptr;
  float ln_eps = 1e-5f;
  float* out = nullptr;
  const float* residual = nullptr;
  Act act = Act::kNone;
  float* out1 = nullptr;
  float* out2 = nullptr;
  int seg = 0;
  const int* pos = nullptr;
  const float* x_add = nullptr;
  int x_add_copies = 1;  // x_add holds this many vectors of k, all added (FfnArgs::out_copies)
  float* x_store = nullptr;
  float* zero = nullptr;
  int zero_n = 0;
  // Load the constants needed after the PDL wait (LayerNorm gamma/beta, int8 scales, biases) before it,
  // as the weights, instead of after the sums (gemv.cu: GemvConsts). Chosen at the launch: each setting
  // is its own kernel instantiation, so neither path costs the other registers.
  bool preload = false;
  // Optional, with ln_gamma and preload: the LayerNorm folded into the rows. ln_row_sum[r] = Σ_c γ_c w_rc
  // (w as the kernel reads it: int8 times its scale) and `bias` holding b_r + Σ_c β_c w_rc (ln_fold_rows
  // computes both once). The kernel then puts γ ⊙ x into shared memory unnormalised, takes x's mean and
  // rstd in the same pass and returns rstd·(Σ_c γ_c x_c w_rc − mean·ln_row_sum[r]) + bias[r] = the row
  // of LN(x): one block barrier after the input instead of three, no normalising pass.
  const float* ln_row_sum = nullptr;
  // LM-head screen only (LmHeadArgs::screen): each row's error coefficient (screen_rows).
  const float* row_err = nullptr;
};

// LM head: logits[r] = y[r], then a greedy pick over rows not listed in `suppressed`, written through
// `control` (see DecodeControl). `forced` and `tokens` are indexed by control->step.
struct LmHeadArgs {
  GemvArgs gemv;  // out = logits; act/residual/split unused
  DecodeControl* control = nullptr;
  const int* forced = nullptr;
  int* tokens = nullptr;
  const int* suppressed = nullptr;
  int n_suppressed = 0;
  // Optional (M2M100 only): the last block also writes the next step's decoder input, the embedding
  // of tokens[step + 1] × embed_scale + its sinusoidal position (as embed()), into embed_out [gemv.k],
  // which saves the next step its embedding launch. embed_out must not be read by this kernel.
  const uint16_t* embed = nullptr;  // fp16 [vocab, k]
  float embed_scale = 1.0f;
  int pad = 1;
  float* embed_out = nullptr;
  int rows_per_warp = 0;  // 0: 4 (fp16) or 8 (int8); 4 for int8 is the layout before 2026-11-27b
  // Vocabulary shortlist: gemv's rows are a compact copy of some LM-head rows and row_ids[r] the full
  // id of row r; the argmax, its ties (lowest id first) and `suppressed` use those ids, `logits` stays
  // compact. Null: row r is id r.
  const int* row_ids = nullptr;
  // Exact greedy argmax through an int8 screen (fp16 models, the LayerNorm folded: GemvArgs::ln_row_sum).
  // With screen, gemv holds an int8 copy of the rows (screen_rows) with gemv.row_err, and this launch
  // only bounds every logit: with C = rstd·(‖γ ⊙ x‖ + |mean|·gamma_norm) + beta_norm + 1 (≥ ‖LN(x)‖ + 1),
  // the fp16 row's logit lies within y ± C·row_err[r] of the int8 row's y. It writes the upper bounds
  // to gemv.out and raises control->key to the best lower bound; lm_head_rescore then recomputes in
  // fp16 only the rows whose upper bound reaches it and finishes the step as lm_head does.
  bool screen = false;
  float gamma_norm = 0.0f, beta_norm = 0.0f;  // ‖γ‖₂, ‖β‖₂ of the LayerNorm before the head
};

// out[0, d) += W2·act(W1·LN(x) + b1) (+ b2, once), the decoder FFN in one launch: block b computes
// hidden units [32b, 32b + 32) from its rows of W1, multiplies them into its rows of W2ᵀ and adds its
// partial sums to `out` with atomics (so the sum order, and the last bits, vary from run to run).
// `out` must not alias x; it holds the sum of the earlier terms (zero-filled before, see GemvArgs).
// int8: W1 per-row scales, W2 per-output scales (scale2[d], W2's own rows), W2ᵀ in int8.
struct FfnArgs {
  const void* w1 = nullptr;  // [ffn, d]
  const float* scale1 = nullptr;
  const float* bias1 = nullptr;
  const void* w2t = nullptr;  // [ffn, d] = W2ᵀ
  const float* scale2 = nullptr;
  const float* bias2 = nullptr;
  int d = 0, ffn = 0;
  const float* x = nullptr;
  const float* ln_gamma = nullptr;
  const float* ln_beta = nullptr;
  float ln_eps = 1e-5f;
  Act act = Act::kRelu;
  float* out = nullptr;
  int out_copies = 1;  // block b adds its sums to copy b % out_copies of out ([out_copies, d]; fewer
                       // atomics on one address, the reader adds the copies: GemvArgs::x_add_copies)
  bool w2_shared = false;  // W2ᵀ rows through shared memory (async copy) instead of registers
  bool preload = false;    // as GemvArgs::preload, W2's scales and bias too
  // Optional, as GemvArgs: the input is x + x_add, and that sum is written to x_store (a disjoint slice
  // per block; x_store must alias neither x nor x_add).
  const float* x_add = nullptr;
  float* x_store = nullptr;
  // As GemvArgs::ln_row_sum (W1's rows; bias1 then holds b1 + W1·β). Where the fields sit matters:
  // a pointer appended after `preload` (struct 128 -> 136 bytes) made ptxas give the int8 FFN 229
  // registers instead of 242, its in-graph tail 10.1 µs instead of 7.8 and the int8 shortlist sentence
  // 9.23 ms instead of 8.27 (H100, 2026-11-28; bench/gpu/nmt/NOTES.md). Check its registers after any
  // change here (nvcc -Xptxas -v).
  const float* ln_row_sum = nullptr;
};
bool ffn_fused_supported(int d, int ffn, bool int8);
void ffn_fused(const FfnArgs& a, bool int8, cudaStream_t stream, bool pdl);

void gemv(const GemvArgs& a, bool int8, int sm_count, cudaStream_t stream, bool pdl);
// Shared-memory carveout (percent of the maximum, -1 = the driver's choice) of the launches that follow
// on the calling thread (device_utils.cuh says why).
void set_launch_carveout(int percent);
void lm_head(const LmHeadArgs& a, bool int8, int sm_count, cudaStream_t stream, bool pdl);
// The screen's second half (LmHeadArgs::screen): head.gemv = the fp16 rows with their folded LayerNorm
// (x = the final hidden state the screen stored, no x_add/x_store), `upper` the screen's bounds. Every
// row whose upper bound reaches the best lower bound is recomputed exactly (a warp a row) and the best
// of those, ties to the lower id, is the step's token; then as lm_head's last block (next token, embedding).
// control->pad counts the rows recomputed (start() zeroes it): diagnostics.
struct LmRescoreArgs {
  LmHeadArgs head;
  const float* upper = nullptr;
};
void lm_head_rescore(const LmRescoreArgs& a, int sm_count, cudaStream_t stream, bool pdl);
// The screen's rows from fp16 rows w16 [n, k] (k a multiple of 32): q, scale as quantize_rows_int8 does
// from fp32, and err[r] ≥ 1.01·‖w_r − scale_r·q_r‖₂ + 16·(k + 16)·2⁻²⁴·(max(‖w_r‖₂, ‖ŵ_r‖₂) + |bias_r|),
// the second term covering float rounding in both kernels (bias may be null).
void screen_rows(const uint16_t* w16, const float* bias, int n, int k, int8_t* q, float* scale, float* err,
                 cudaStream_t stream);

// Whole greedy decode steps of a pre-LN M2M100/NLLB decoder (decoder head_dim 64, ReLU-style FFN) in
// one cooperative kernel: every launch boundary of the per-kernel path (98 a step for NLLB-600M, ~3.5 us
// each even with PDL) becomes a grid barrier. Phases: [QKV GEMV (LN fused) -> self-attention -> out GEMV
// (+x) -> cross-Q GEMV (LN) -> cross-attention -> cross-out GEMV (+x) -> fc1 (LN, act) -> fc2 (+x)] per
// layer, then final LN + LM head; every block takes the argmax of the per-block maxima itself, so the
// next step's embedding needs no barrier of its own. Each GEMV warp loads its first weight slice into
// registers before the barrier that precedes its phase (as the per-kernel GEMVs do before the PDL wait).
struct DecodeLinear {
  const void* w = nullptr;  // [n, k] fp16, or int8 with per-row scales
  const float* scale = nullptr;
  const float* bias = nullptr;  // never null
  int n = 0, k = 0;
  int rows = 1;  // rows per warp (1, 2 or 4): decode_persistent_rows()
};
struct DecodeLayer {
  DecodeLinear qkv, out, cross_q, cross_out, fc1, fc2;
  const float *self_gamma = nullptr, *self_beta = nullptr;
  const float *cross_gamma = nullptr, *cross_beta = nullptr;
  const float *final_gamma = nullptr, *final_beta = nullptr;
  float* k_cache = nullptr;  // [max_len, d]: row p = key of position p
  float* v_cache = nullptr;
  const float* cross_k = nullptr;  // encoder keys (no bias), row stride cross_stride
  const float* cross_v = nullptr;
  const float* cross_k_bias = nullptr;
  const float* cross_v_bias = nullptr;
};
struct PersistentDecodeArgs {
  const DecodeLayer* layers = nullptr;  // device array [n_layers]
  int n_layers = 0, d = 0, heads = 0;
  int cross_stride = 0;
  int max_len = 0;  // bound on both attention lengths (shared memory)
  float eps = 1e-5f, attn_scale = 1.0f;
  Act act = Act::kRelu;
  const uint16_t* embed = nullptr;  // fp16 [vocab, d]
  float embed_scale = 1.0f;
  const float* positions = nullptr;  // [max_len, d] from m2m100_positions (the pad token adds zeros)
  int pad = 1;
  const float *final_gamma = nullptr, *final_beta = nullptr;
  DecodeLinear lm_head;
  const int* lm_row_ids = nullptr;  // shortlist: full id of each lm_head row (LmHeadArgs::row_ids)
  float *x = nullptr, *q = nullptr, *qc = nullptr, *attn = nullptr, *f = nullptr, *logits = nullptr;
  DecodeControl* control = nullptr;  // step is read at entry and advanced per step
  const int* forced = nullptr;
  int* tokens = nullptr;
  const int* suppressed = nullptr;
  int n_suppressed = 0;
  unsigned long long* block_best = nullptr;  // [grid] per-block argmax keys
  unsigned int* barrier = nullptr;           // [2] zero-filled once: arrival count, generation
  int flags = 0;                             // kPersistent* bits
  int steps = 1;
};
constexpr int kPersistentCgBarrier = 1;  // cooperative_groups grid.sync() instead of our barrier
constexpr int kPersistentPrefetch = 2;   // bulk L2 prefetch of the next layer's weights and of the LM head
constexpr int kPersistentBarriersOnly = 4;  // diagnostics: the step's barriers alone, no work (tokens garbage)
// Grid size for decode_persistent (blocks resident at once, at most 2 per SM); 0 when the device cannot
// launch it cooperatively. max_k = the widest GEMV input (max(d, ffn)).
int decode_persistent_grid(bool int8, int sm_count, int max_k, int max_len);
// Rows per warp of an n-row GEMV over `grid` blocks: the fewest that cover n in one pass, at most 4.
int decode_persistent_rows(int n, int grid);
void decode_persistent(const PersistentDecodeArgs& a, bool int8, int grid, int max_k, cudaStream_t stream);
// Decoder position rows 0..rows-1 of M2M100's sinusoidal table (position p -> table row p + pad + 1),
// with the same float arithmetic as embed().
void m2m100_positions(float* out, int rows, int d, int pad, cudaStream_t stream);

// Scaled dot-product attention of `rows` queries (grid heads × rows) over `len` keys, no mask (decoder
// self-attention only ever sees the cache up to the current position, so no causal mask is needed).
// len = len_ptr ? *len_ptr + len_add : len_add. Biases (optional) are added to q/k/v as they are read;
// q is multiplied by `scale` after its bias (transformers: q_proj(x) · scaling).
struct AttentionArgs {
  const float* q = nullptr;
  int q_stride = 0;
  const float* q_bias = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  int kv_stride = 0;
  const float* k_bias = nullptr;
  const float* v_bias = nullptr;
  const int* len_ptr = nullptr;
  int len_add = 0;
  int max_len = 0;   // bound on len (shared-memory size)
  int heads = 0, head_dim = 0, rows = 1;
  float scale = 1.0f;
  void* out = nullptr;  // [rows, heads·head_dim] fp32, or fp16 when out_half
  int out_stride = 0;
  bool out_half = false;
  bool warp_per_head = false;  // head_dim 64: one warp per (head, row), no block barriers
};
void attention(const AttentionArgs& a, cudaStream_t stream, bool pdl);

// Decode attention (att.rows = 1) fused with its output projection: x[r] += W[r, :] · attn + bias[r],
// W [n, k = heads·head_dim] fp16 or int8 + per-row scales. Each head's share of the projection is
// added with atomicAdd (so the sum order, and the last bits, vary from run to run).
struct AttentionOutArgs {
  AttentionArgs att;
  const void* w = nullptr;
  const float* scale = nullptr;
  const float* bias = nullptr;
  int n = 0, k = 0;
  float* x = nullptr;
  bool block_attention = false;  // head_dim 64: the head's attention by the whole block in few registers
                                 // instead of by one warp (see attention.cu)
  bool compact = false;  // warp attention in at most 128 registers (two blocks an SM)
  bool preload = false;  // the projection's scales and bias loaded before the PDL wait (GemvArgs::preload)
  int splits = 0;  // set by attention_out()
};
void attention_out(const AttentionOutArgs& a, bool int8, cudaStream_t stream, bool pdl);

// A decode step's whole cross-attention in one launch (pre-LN, head_dim 64): block (head h, split s)
// computes h's query itself, q_h = W_q[h rows]·LN(x) + b_q (q.x / q.ln_*, the same 64 rows in every
// split of h: L2 hits after the first), the head's attention (out.att, whose q is ignored), and its
// split's rows of the output projection, added atomically to out.x. This replaces the cross-Q GEMV and
// attention_out (one launch and one trip of q through memory fewer a layer). out.x must not alias q.x
// (blocks still read x while others add), so the sums go to a separate zero-filled buffer; q.zero is
// zero-filled as in a GEMV. wide: twice the output rows a block (half the splits, half the redundant
// W_q reads).
struct CrossAttentionOutArgs {
  GemvArgs q;             // W_q [heads·64, d], all heads; out/act/residual/split unused
  AttentionOutArgs out;   // att (k, v, biases, len), W_o and its sums
  bool wide = false;
  // The splits of a head as one thread-block cluster: each computes 64 / splits rows of q_h and reads
  // the rest from the other blocks' shared memory (no repeated W_q rows). Not with wide; d 1024 or 256
  // (cross_attention_out_cluster_supported).
  bool cluster = false;
};
bool cross_attention_out_supported(int head_dim, int d, int heads, int n_q);
bool cross_attention_out_cluster_supported(int d);
void cross_attention_out(const CrossAttentionOutArgs& a, bool int8, cudaStream_t stream, bool pdl);

// Cross-attention folded into the encoder output (pre-LN, head_dim 64, heads·64 = d; cross_folded.cu).
// Once per sentence, for decoder layer l, head h and source position j, with K, V the cross keys and
// values (biases added) and α = 1/√64:
//   G[j, c]        = α Σ_e K[j, 64h + e] · W_q[64h + e, c]
//   q_rows[l,h,j,c] = fp16(γ_c · G[j, c])              (γ, β: the cross-attention LayerNorm)
//   q_const[l,h,j] = α Σ_e K[j, 64h + e] · (W_q·β + b_q)[64h + e]   (= Σ_c β_c G[j, c] + α K·b_q)
//   v_rows[l,h,j,r] = fp16(Σ_e W_o[r, 64h + e] · V[j, 64h + e])
// so that a step's score of j is rstd·(x·q_rows_j − mean·Σ_c q_rows_j) + q_const_j (mean, rstd: x's
// LayerNorm statistics) and its output is Σ_h Σ_j p_hj v_rows[h, j] + b_o: no W_q, no W_o, no q.
struct CrossFoldLayer {
  const void* wq = nullptr;  // [heads·64, d] fp16 or int8
  const float* wq_scale = nullptr;
  const float* q_beta = nullptr;  // [heads·64] W_q·β + b_q (β: the LayerNorm's), computed at load
  const float* gamma = nullptr;
  const void* wo = nullptr;  // [d, heads·64]
  const float* wo_scale = nullptr;
};
struct CrossFoldArgs {
  const CrossFoldLayer* layers = nullptr;  // device memory [n_layers]
  int n_layers = 0, heads = 0, d = 0;
  int s = 0, max_src = 0;             // source length; rows per head in the outputs
  const float* ckv = nullptr;         // row j: layer l's K at 2·d·l, V at 2·d·l + d (no biases)
  int ckv_stride = 0;
  const float* kv_bias = nullptr;     // [2·d·n_layers], as a ckv row
  float scale = 0.125f;               // α
  uint16_t* q_rows = nullptr;         // [n_layers, heads, max_src, d] fp16
  uint16_t* v_rows = nullptr;         // [n_layers, heads, max_src, d] fp16
  float* q_const = nullptr;           // [n_layers, heads, max_src]
  bool tiled = true;                  // blocks of several column tiles (false: one tile a block, the first
                                      // version; kept for measuring)
  int groups = 0;                     // tiled: column-tile groups a (layer, head, K or V); 0 = chosen by
                                      // the launcher from the SM count (tests force 1: several tiles a block)
};
void cross_fold(const CrossFoldArgs& a, bool int8, int sm_count, cudaStream_t stream);
// A decode step's cross-attention from the folded rows of one layer: out[0, d) += Σ_h Σ_j p_hj v_rows +
// bias, read from x (not normed: the statistics are taken here). out must not alias x (atomic sums);
// zero [zero_n] is zero-filled after the PDL wait, as in GemvArgs.
struct CrossFoldedArgs {
  const uint16_t* q_rows = nullptr;  // this layer's [heads, max_src, d]
  const uint16_t* v_rows = nullptr;
  const float* q_const = nullptr;    // this layer's [heads, max_src]
  int max_src = 0, heads = 0, d = 0;
  const int* len = nullptr;          // source length, constant while the graph runs
  const float* x = nullptr;
  float eps = 1e-5f;
  const float* bias = nullptr;       // b_o [d], or null
  float* out = nullptr;
  float* zero = nullptr;
  int zero_n = 0;
  bool x_per_warp = false;  // every warp reads x from L2 itself, instead of one copy a block in shared
                            // memory (the first version; kept for measuring)
};
bool cross_folded_supported(int head_dim, int d, int heads, int n_q);
void cross_folded(const CrossFoldedArgs& a, cudaStream_t stream, bool pdl);

// Token embedding × scale + sinusoidal position. Encoder: rows tokens from tokens[0..rows), positions
// 0..rows-1. Decoder (step non-null): one row, token tokens[*step] at position *step.
// M2M100: position p → p + pad + 1 (pad tokens get the all-zero padding position), [sin | cos] halves.
// Marian: positions from 0, sin of even and cos of odd frequencies in two halves.
struct EmbedArgs {
  const uint16_t* table = nullptr;  // [vocab, d] fp16
  float scale = 1.0f;
  const int* tokens = nullptr;
  const int* step = nullptr;
  int rows = 1, d = 0;
  bool marian = false;
  int pad = 1;
  float* out = nullptr;
};
void embed(const EmbedArgs& a, cudaStream_t stream, bool pdl);

// Row-wise: v = x (+ y + bias when y); x = v when y; then, with gamma: n = LayerNorm(v)·gamma + beta,
// written back to x when write_back (post-LN), else only to the outputs; without gamma the outputs get v.
// Outputs (optional): out_half [rows, d] fp16.
struct ResidualNormArgs {
  float* x = nullptr;
  const float* y = nullptr;
  const float* bias = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float eps = 1e-5f;
  bool write_back = false;
  uint16_t* out_half = nullptr;
  int rows = 0, d = 0;
};
void residual_norm(const ResidualNormArgs& a, cudaStream_t stream, bool pdl);

// Y[m, n] (row stride ldy) = X[m, k] · W[n, k]ᵀ, fp16 operands, fp32 sums (tensor cores); for the
// encoder's [source_len × d] products. X must have rows up to m rounded up to 32 (they are read, not
// used); n and k multiples of 16.
void gemm_small_m(const uint16_t* x, const uint16_t* w, int m, int n, int k, float* y, int ldy, cudaStream_t stream);

// out_half[r, c] = act(in[r, c] + bias[c]).
void bias_act_to_half(const float* in, const float* bias, Act act, int rows, int cols, uint16_t* out_half,
                      cudaStream_t stream);

// The constants of a LayerNorm folded into a linear layer's rows (GemvArgs::ln_row_sum), one warp a
// row: row_sum[r] = Σ_c γ_c w_rc and bias_out[r] = bias[r] (0 when null) + Σ_c β_c w_rc, with w the
// row as the GEMVs read it (fp16, or int8 times scale[r]). bias_out may alias bias.
void ln_fold_rows(const void* w, const float* scale, bool int8, int n, int k, const float* gamma, const float* beta,
                  const float* bias, float* row_sum, float* bias_out, cudaStream_t stream);

// Weight conversion at load time.
void f32_to_half(const float* in, size_t n, uint16_t* out, cudaStream_t stream);
// Per-row symmetric int8, as nn::quantize_int8 on the CPU: scale = max|w| / 127 (1 for a zero row),
// q = round-to-nearest-even(clamp(w / scale, ±127)).
void quantize_rows_int8(const float* in, int rows, int cols, int8_t* q, float* scale, cudaStream_t stream);
// out [cols, rows] = inᵀ, in [rows, cols] row-major with elements of elem_bytes (1 or 2) bytes.
void transpose(const void* in, int rows, int cols, int elem_bytes, void* out, cudaStream_t stream);
void dequantize_rows_int8(const int8_t* q, const float* scale, int rows, int cols, uint16_t* out_half,
                          cudaStream_t stream);
// For each array i < arrays: dst[i] [rows, row_bytes[i]] = the rows ids[0..rows) (device memory) of
// src[i], all in one launch. For the compact LM head of a vocabulary shortlist: weights, int8 scales,
// bias and the folded LayerNorm's row constants, gathered by the same ids.
struct GatherRowsArgs {
  static constexpr int kMaxArrays = 6;
  const void* src[kMaxArrays] = {};
  void* dst[kMaxArrays] = {};
  int row_bytes[kMaxArrays] = {};  // multiples of 4
  int arrays = 0;
  const int* ids = nullptr;
  int rows = 0;
};
void gather_rows_multi(const GatherRowsArgs& a, cudaStream_t stream);

}  // namespace stream_tts::nn::cuda
