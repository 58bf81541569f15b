#pragma once

#include "translate/translator.h"

namespace stream_tts {

// Pass-through: returns the sentence unchanged.
class NoneTranslator final : public Translator {
 public:
  std::string name() const override { return "none"; }
  std::string target_lang() const override { return ""; }
  Result<std::string> translate(std::string_view sentence, std::stop_token) override {
    return std::string(sentence);
  }
};

}  // namespace stream_tts
