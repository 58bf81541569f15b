// The translation interface. The engine only sees this; backends live in their own folders and are
// named in one place (registry.cpp).
// Threads: a Translator is loaded once (may be shared); translate() is called from one thread at a
// time unless the backend says otherwise.
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

struct TranslatorConfig {
  std::string backend = "none";  // "none" | "llama" | "nmt" | (later) "worker:<name>"
  std::string model;             // model name or path; backend-specific
  int max_tokens = 256;          // upper bound on generated tokens per sentence
  int gpu_layers = 0;            // layers offloaded to the GPU where built with CUDA
  int threads = 0;               // 0 = backend default
  int context_sentences = 0;     // earlier sentences (with their translations) shown as context, 0..4
  std::string draft_model;       // llama: a small model of the same family for speculative decoding
  int draft_tokens = 4;          // llama: tokens drafted per target step (1..16) with draft_model
  // llama on the CPU: score every vocabulary token at each step instead of the Japanese-text
  // shortlist plus the sentence's own tokens (lm_head_shortlist.h)
  bool full_vocab = false;
  std::string source_lang = "en";  // nmt: an NLLB code (eng_Latn) or a short code that maps to one
  std::string target_lang = "ja";  // nmt: an NLLB code (jpn_Jpan) or a short code that maps to one
  std::string device = "cpu";      // nmt: cpu | cuda (strict: cuda without a CUDA build is an error)
  bool int8 = false;               // nmt: int8 weights (per-row symmetric) instead of fp32
  int beams = 1;                   // nmt: beam search width (transformers' num_beams); 1 = greedy
  std::string shortlist;           // nmt: target-vocabulary shortlist file (docs/nmt.md); empty = every token
};

class Translator {
 public:
  virtual ~Translator() = default;
  virtual std::string name() const = 0;
  // Language of the output; empty for pass-through (the text keeps its language).
  virtual std::string target_lang() const = 0;
  // Translates one sentence. Deterministic (greedy). May be cancelled between steps.
  virtual Result<std::string> translate(std::string_view sentence, std::stop_token stop = {}) = 0;
};

// Throws Error (kInvalidArgument for an unknown backend, kNotFound for a missing model).
std::unique_ptr<Translator> make_translator(const TranslatorConfig& config);
std::vector<std::string> translator_backends();

}  // namespace stream_tts
