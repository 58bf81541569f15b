// The `nmt` translator: a native encoder-decoder (NLLB-200 / M2M100, Marian / OPUS-MT) loaded from a
// Hugging Face model directory (docs/nmt.md). Greedy or beam decoding; --max-tokens is transformers'
// max_new_tokens; --shortlist FILE restricts the output vocabulary (nmt_shortlist.h).
// Threads: translate() from one thread at a time (the Translator contract).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "translate/translator.h"

namespace stream_tts {

class NmtTranslator final : public Translator {
 public:
  // Loads config.model (a directory). Throws Error: kInvalidArgument (bad config; --device cuda on a
  // build without CUDA; an unknown language), kNotFound / kDataError naming the file at fault.
  explicit NmtTranslator(const TranslatorConfig& config);
  ~NmtTranslator() override;

  std::string name() const override { return "nmt"; }
  std::string target_lang() const override;
  Result<std::string> translate(std::string_view sentence, std::stop_token stop = {}) override;

  // The token ids of the last translate(): source (special tokens included) and the decoder sequence
  // (decoder start token included), for tests and benchmarks.
  const std::vector<int>& last_source_ids() const;
  const std::vector<int>& last_output_ids() const;

  // Benchmark hook: encodes `source_ids` and runs exactly `tokens` decoder steps, ignoring EOS.
  Status generate_forced(const std::vector<int>& source_ids, int tokens);

  // Benchmark and test hook: from the next sentence on, the output vocabulary is `ids` (decoder ids,
  // any order) plus the special tokens, exactly what --shortlist FILE gives for a file naming those
  // ids' pieces. For models whose tokenizer cannot name the pieces (the random-weight benchmark models
  // reuse a tiny SentencePiece). A translator built without --shortlist keeps the fp32 LM head's int8
  // screen in memory, unread once a shortlist is set. CPU path only. Throws Error(kInvalidArgument)
  // on --device cuda or for an id outside the decoder vocabulary.
  void set_shortlist_ids(std::vector<int> ids);

 private:
  std::vector<int> shortlist_ids(const std::string& path) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks a config for this backend; every problem at once (empty when fine).
std::string validate_nmt_config(const TranslatorConfig& config);

}  // namespace stream_tts
