// Open JTalk's front end: Japanese text -> HTS full-context labels ("HTS_TTS_JPN" format), through
// MeCab with NAIST-jdic, the NJD rules (pronunciation, digits, accent phrases and types, devoicing,
// long vowels) and JPCommon, exactly as Open JTalk's own program chains them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts {

class TextAnalyzer {
 public:
  // Loads the MeCab dictionary (e.g. /var/lib/mecab/dic/open-jtalk/naist-jdic).
  // Throws Error(kNotFound) when the directory or its sys.dic is missing or cannot be loaded.
  explicit TextAnalyzer(const std::string& dictionary_dir);
  ~TextAnalyzer();
  TextAnalyzer(const TextAnalyzer&) = delete;
  TextAnalyzer& operator=(const TextAnalyzer&) = delete;

  // Replaces *labels with the labels of `text` (any bytes: invalid UTF-8 is replaced first). The
  // first and last labels are silences; two labels or fewer mean there is nothing to say
  // (kDataError). Not thread-safe: one analysis at a time per analyzer.
  Status analyze(std::string_view text, std::vector<std::string>* labels);

 private:
  struct Impl;  // MeCab, NJD and JPCommon state; keeps their C headers (and their TRUE/BOOL macros)
                // here
  std::unique_ptr<Impl> impl_;
};

}  // namespace stream_tts
