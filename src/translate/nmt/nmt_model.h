// The encoder-decoder forward pass (M2M100/NLLB pre-LN, Marian post-LN) for one sentence at a time,
// and greedy generation with transformers' semantics (forced BOS/EOS, suppressed tokens,
// max_new_tokens). All arithmetic goes through nn/cpu/kernels.h.
// NmtModel is loaded once and read-only (shareable); an NmtRunner holds one sentence's state (encoder
// output, cross-attention K/V computed once, the self-attention KV cache) and belongs to one thread.
#pragma once

#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "stream_tts/status.h"
#include "translate/nmt/nmt_config.h"
#include "translate/nmt/nmt_weights.h"

namespace stream_tts {

struct NmtShortlist;  // nmt_shortlist.h
struct NmtHeadRows;   // nmt_shortlist.h

struct NmtModel {
  NmtConfig config;
  std::shared_ptr<const NmtWeights> weights;

  // Reads config.json, generation_config.json and model.safetensors of DIR. Throws Error naming the file.
  // argmax_screen: see load_nmt_weights (fp32 CPU decoding; the CUDA path does not need it).
  static std::shared_ptr<const NmtModel> load(const std::string& dir, bool int8, bool argmax_screen = false);
};

class NmtRunner {
 public:
  explicit NmtRunner(std::shared_ptr<const NmtModel> model);
  ~NmtRunner();

  // Runs the encoder on `source_ids`, computes every decoder layer's cross-attention K/V and clears the
  // self-attention cache; `max_decoder_tokens` bounds the decoder length (cache capacity) and `beams`
  // the number of sequences decoded side by side (beam search).
  Status encode(const std::vector<int>& source_ids, int max_decoder_tokens, int beams = 1);
  // Feeds the next decoder token; returns the logits for the token after it (decoder vocabulary
  // entries). The pointer is valid until the next call. Same as advance() then logits().
  Result<const float*> step(int token);
  // Feeds the next decoder token through every layer, up to the final hidden state; the LM head
  // runs only when logits() or argmax() asks for it (a forced token needs neither).
  Status advance(int token);
  // Feeds one token to each of the first `rows` (<= beams) sequences, one decoder step for all.
  Status advance_beams(const int* tokens, int rows);
  // Beam b's cache becomes a copy of beam parents[b]'s (beam search keeps the best continuations).
  void reorder_beams(const std::vector<int>& parents);
  // The logits after the last advance: [rows, decoder vocabulary], valid until the next call.
  const float* logits();
  // The index of the largest logit after the last advance() of one row, `excluded` ids skipped, first on ties:
  // exactly std::max_element over logits(), but reading an fp32 LM head as int8 when the model was
  // loaded with its screen (nn::cpu::linear_argmax; `recomputed` as there).
  int argmax(const std::vector<int>& excluded, int* recomputed = nullptr);
  // From the next encode() on, the LM head scores only the shortlist's tokens and that sentence's
  // source tokens (nmt_shortlist.h): logits() holds -inf for every other id and argmax() never picks
  // one. Null: the whole vocabulary again (the default).
  void set_shortlist(std::shared_ptr<const NmtShortlist> shortlist);
  // How many tokens the LM head scores for the current sentence (the decoder vocabulary without a
  // shortlist).
  int allowed_tokens() const;
  int decoder_length() const { return decoder_len_; }
  const NmtConfig& config() const { return model_->config; }

 private:
  void embed(const nn::FloatTensor& table, int token, int position, float* out) const;
  void self_attention_block(const NmtAttentionWeights& w, const float* x, int rows, bool causal, float* out);
  void fill_source_slots(const std::vector<int>& source_ids);
  const float* shortlist_logits();
  int screened_shortlist_argmax(const std::vector<int>& excluded, int* recomputed);

  std::shared_ptr<const NmtModel> model_;
  int source_len_ = 0;
  int decoder_len_ = 0;
  int capacity_ = 0;
  int beams_ = 1;  // sequences the caches hold
  int rows_ = 1;   // sequences fed by the last advance
  std::vector<std::vector<float>> cross_k_, cross_v_;  // per decoder layer: [source_len, d]
  std::vector<std::vector<float>> self_k_, self_v_;    // per decoder layer: [capacity, d]
  // Scratch, sized on first use.
  std::vector<float> x_, h_, q_, k_, v_, a_, f_, scores_, logits_, reorder_;
  // Shortlist (set_shortlist): its LM-head rows, then slots_ = the rows of the sentence's source ids
  // that it lacks (copied by encode()).
  std::shared_ptr<const NmtShortlist> shortlist_;
  std::vector<int> row_ids_;    // full id of each compact logit: the shortlist's rows, then the slots'
  int allowed_count_ = 0;       // distinct ids among them
  std::unique_ptr<NmtHeadRows> slots_;
  std::vector<float> compact_, part_;
};

struct GenerateOptions {
  int max_new_tokens = 256;           // transformers' max_new_tokens
  std::optional<int> forced_bos;      // forced as the first generated token (NLLB target language)
  int num_beams = 1;                  // beam_generate: transformers' num_beams
};

// Greedy decoding as transformers' generate(do_sample=False, num_beams=1). Returns the decoder sequence
// including decoder_start_token_id (like generate's `sequences`). kCancelled when `stop` fires.
Result<std::vector<int>> greedy_generate(NmtRunner& runner, const std::vector<int>& source_ids,
                                         const GenerateOptions& options, std::stop_token stop = {});

// Beam search as transformers' generate(do_sample=False, num_beams=N) with the model's
// length_penalty and early_stopping (generation_config.json), forced BOS/EOS and suppressed tokens;
// the best hypothesis as generate's `sequences` (num_return_sequences=1). num_beams 1 is greedy.
Result<std::vector<int>> beam_generate(NmtRunner& runner, const std::vector<int>& source_ids,
                                       const GenerateOptions& options, std::stop_token stop = {});

}  // namespace stream_tts
