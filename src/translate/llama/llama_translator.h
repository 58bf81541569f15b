// The `llama` translator: a chat LLM in GGUF through llama.cpp, in process.
// The model is loaded once and shared (LlamaModel); each LlamaTranslator owns one llama_context —
// the session — whose KV cache holds the fixed prompt prefix (instruction + few-shot), evaluated at
// construction, so a sentence costs only its own tokens. Greedy decoding; the output is cleaned,
// checked (empty, runaway, not Japanese, lost protected span) and a failed check is an error
// Status, on which the engine speaks the source text. Threads: translate() from one thread at a
// time (the Translator contract); several translators may share a model and run concurrently.
#pragma once

#include <memory>
#include <string>

#include "translate/translator.h"

namespace stream_tts {

class LlamaTranslator final : public Translator {
 public:
  // What the last translate() did, and totals since construction (tests, benchmarks, metrics).
  struct Stats {
    int prefix_tokens = 0;  // tokens of the cached prompt prefix
    int64_t prompt_tokens_evaluated =
        0;                       // every prompt token evaluated so far, the prefix included
    int last_prompt_tokens = 0;  // prompt tokens evaluated for the last sentence
    int last_generated_tokens = 0;
    int last_decoded_tokens = 0;  // single-token decode steps of the last sentence
    int last_token_bound = 0;     // the length bound that applied to the last sentence
    bool last_hit_bound = false;
    double last_prefill_ms = 0;
    double last_decode_ms = 0;
    std::string last_raw_output;  // what the model wrote, before cleaning
    // With a draft model: tokens drafted and accepted for the last sentence (see speculative.h).
    int last_draft_tokens = 0;
    int last_accepted_tokens = 0;
  };

  // Loads config.model (a catalogue name or a .gguf path) and evaluates the prompt prefix.
  // Throws Error: kInvalidArgument (bad config; --gpu-layers on a build without CUDA), kNotFound
  // (model not installed / no such file), kDataError (not a usable GGUF), kInternal (llama.cpp
  // failure).
  explicit LlamaTranslator(const TranslatorConfig& config);
  ~LlamaTranslator() override;

  std::string name() const override { return "llama"; }
  std::string target_lang() const override;
  // Sentences that already look Japanese are returned unchanged without running the model.
  Result<std::string> translate(std::string_view sentence, std::stop_token stop = {}) override;

  const Stats& stats() const;
  // The model's GGUF architecture and where the chat template came from ("model", "builtin:gemma
  // ...").
  std::string model_arch() const;
  std::string chat_template_origin() const;

  // The whole prompt text `sentence` would be translated with (prefix + suffix; context turns
  // included), so that another runtime can be given exactly the same tokens (benchmarks,
  // debugging).
  Result<std::string> prompt_text(std::string_view sentence) const;

  // Benchmark hook: runs the translation prompt for `sentence` and generates exactly `tokens`
  // tokens, ignoring end of turn and end of line (a forced length, like llama-bench's tg).
  Status generate_forced(std::string_view sentence, int tokens, std::stop_token stop = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when the linked llama.cpp can offload layers to a GPU (built with CUDA); --gpu-layers needs
// it.
bool llama_has_gpu_backend();

// Checks a config for this backend; every problem is reported at once (empty when fine).
std::string validate_llama_config(const TranslatorConfig& config);

}  // namespace stream_tts
