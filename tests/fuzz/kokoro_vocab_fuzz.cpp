// Kokoro-82M's phoneme vocabulary (src/tts/g2p/kokoro_vocab.h, KokoroVocab::parse; load() reads
// vocab.json of the kokoro-ja model and calls it). A rejected document throws Error(kDataError) and
// nothing else; an accepted one is non-empty, and encode() agrees with id() code point by code point:
// for any text (the input itself, read as phonemes) encode() gives, in order, id(c) of each code
// point c that is in the vocabulary, and never a negative id.
//
// Input: the JSON document.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "fuzz_support.h"
#include "stream_tts/status.h"
#include "tts/g2p/kokoro_vocab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  namespace fz = stream_tts::fuzz;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  g2p::KokoroVocab vocab;
  try {
    vocab = g2p::KokoroVocab::parse(json);
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "vocab: a bad vocabulary is kDataError", "", e.what());
    return 0;
  } catch (const std::exception& e) {
    fz::fail("vocab: a bad vocabulary throws only stream_tts::Error", "", e.what());
  }
  fz::check(vocab.size() > 0, "vocab: an accepted vocabulary is not empty");
  const std::vector<int64_t> tokens = vocab.encode(json);
  std::vector<int64_t> expected;
  size_t pos = 0;
  while (pos < json.size()) {
    const int64_t id = vocab.id(utf8::decode(json, &pos));
    if (id >= 0) expected.push_back(id);
  }
  fz::check(tokens == expected, "vocab: encode() is id() of each known code point, in order");
  for (int64_t t : tokens) fz::check(t >= 0, "vocab: ids are non-negative");
  return 0;
}
