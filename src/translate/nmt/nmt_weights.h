// The weights of an M2M100/NLLB or Marian checkpoint, mapped from model.safetensors by their Hugging
// Face names (docs/nmt.md lists the mapping). Read-only after loading; shared by every runner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/linear.h"
#include "nn/tensor.h"
#include "translate/nmt/nmt_config.h"

namespace stream_tts {

struct NmtNorm {
  nn::FloatTensor gamma, beta;
};

struct NmtAttentionWeights {
  nn::Linear q, k, v, out;
};

struct NmtLayerWeights {
  NmtAttentionWeights self_attn;
  NmtNorm self_attn_norm;
  NmtAttentionWeights cross_attn;  // decoder layers only
  NmtNorm cross_attn_norm;         // decoder layers only
  nn::Linear fc1, fc2;
  NmtNorm final_norm;
};

struct NmtWeights {
  nn::FloatTensor encoder_embed;        // [vocab, d_model]
  nn::FloatTensor decoder_embed;        // [decoder_vocab, d_model]
  std::vector<NmtLayerWeights> encoder;
  std::vector<NmtLayerWeights> decoder;
  NmtNorm encoder_norm, decoder_norm;   // pre-LN models only
  nn::Linear lm_head;                   // [decoder_vocab, d_model], no bias
  nn::ArgmaxScreen lm_head_screen;      // fp32 models loaded for greedy CPU decoding; empty otherwise
  std::vector<float> final_logits_bias; // Marian; empty otherwise
  bool int8 = false;
};

// Loads DIR/model.safetensors for `config`; int8 quantizes every Linear (the LM head included).
// argmax_screen (fp32 only) adds an int8 screen of the LM head for exact greedy steps that read a
// quarter of its bytes (nn::cpu::linear_argmax); it costs vocab × d_model bytes of memory.
// Throws Error naming the file: kNotFound (no model.safetensors; a pytorch_model.bin is pointed to the
// converter), kDataError (a missing tensor or a shape that disagrees with config.json).
std::shared_ptr<const NmtWeights> load_nmt_weights(const std::string& dir, const NmtConfig& config, bool int8,
                                                   bool argmax_screen = false);

}  // namespace stream_tts
