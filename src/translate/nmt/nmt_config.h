// The architecture and generation settings of a Hugging Face encoder-decoder checkpoint, read from its
// config.json and generation_config.json. Every field that shapes the network comes from the files;
// nothing assumes NLLB-600M's values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nn/cpu/kernels.h"

namespace stream_tts {

enum class NmtArch {
  kM2M100,  // M2M100 / NLLB-200: pre-LayerNorm, offset sinusoidal positions, final layer norms
  kMarian,  // MarianMT (OPUS-MT): post-LayerNorm, sin|cos positions from 0, final_logits_bias
};

// generation_config.json "early_stopping" (beam search): true, false or "never".
enum class NmtEarlyStopping { kFalse, kTrue, kNever };

struct NmtConfig {
  NmtArch arch = NmtArch::kM2M100;
  std::string model_type;             // config.json "model_type"
  int d_model = 0;
  int encoder_layers = 0;
  int decoder_layers = 0;
  int encoder_heads = 0;
  int decoder_heads = 0;
  int encoder_ffn_dim = 0;
  int decoder_ffn_dim = 0;
  int vocab_size = 0;                 // encoder (and shared) vocabulary
  int decoder_vocab_size = 0;         // Marian with separate vocabularies; = vocab_size otherwise
  int max_position_embeddings = 0;
  bool scale_embedding = false;       // embeddings × sqrt(d_model)
  bool normalize_before = true;       // pre-LN (M2M100) or post-LN (Marian)
  bool tie_word_embeddings = true;    // LM head = decoder embeddings when lm_head.weight is absent
  bool share_embeddings = true;       // Marian: share_encoder_decoder_embeddings
  nn::cpu::Activation activation = nn::cpu::Activation::kRelu;
  float layer_norm_eps = 1e-5f;       // nn.LayerNorm default; the HF models do not override it
  int pad_token_id = 1;
  int eos_token_id = 2;
  int bos_token_id = 0;
  // Generation (generation_config.json overrides config.json)
  int decoder_start_token_id = 2;
  std::optional<int> forced_bos_token_id;  // NLLB sets it per call from the target language instead
  std::optional<int> forced_eos_token_id;  // forced as the last token when max_length is reached
  std::vector<int> suppressed_token_ids;   // single-token bad_words_ids (Marian: the pad token)
  int max_length = 200;                    // total decoder length bound when no max_new_tokens is given
  double length_penalty = 1.0;             // beam search: a finished beam scores sum_logprobs / length^this
  NmtEarlyStopping early_stopping = NmtEarlyStopping::kFalse;  // beam search: when a sentence is done

  int encoder_head_dim() const { return d_model / encoder_heads; }
  int decoder_head_dim() const { return d_model / decoder_heads; }
};

// Reads DIR/config.json and (optional) DIR/generation_config.json. Throws Error: kNotFound (missing
// config.json), kDataError (malformed or unsupported; the message names the file and field).
NmtConfig load_nmt_config(const std::string& dir);
// The same from JSON text (tests); `generation_json` may be empty.
NmtConfig parse_nmt_config(const std::string& config_json, const std::string& generation_json,
                           const std::string& name);

}  // namespace stream_tts
