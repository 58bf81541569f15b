#include "tts/g2p/kokoro_vocab.h"

#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "core/utf8.h"
#include "stream_tts/status.h"

namespace stream_tts::g2p {

KokoroVocab KokoroVocab::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "cannot read the Kokoro vocabulary " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse(text.str());
  } catch (const Error& e) {
    throw Error(e.status().code(), path + ": " + e.status().message());
  }
}

KokoroVocab KokoroVocab::parse(std::string_view json) {
  namespace dom = simdjson::dom;
  dom::parser parser;
  const simdjson::padded_string padded(json);
  dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    throw Error(StatusCode::kDataError,
                std::string("not valid JSON (") + simdjson::error_message(err) + ")");
  }
  dom::object vocab;
  if (root["vocab"].get_object().get(vocab)) {
    throw Error(StatusCode::kDataError, "expected {\"vocab\": {SYMBOL: ID, ...}}");
  }
  KokoroVocab out;
  for (auto [key, value] : vocab) {
    size_t pos = 0;
    const char32_t symbol = key.empty() ? 0 : utf8::decode(key, &pos);
    int64_t id = -1;
    if (key.empty() || pos != key.size() || value.get_int64().get(id) || id < 0) {
      throw Error(StatusCode::kDataError, "vocabulary entry \"" + std::string(key) +
                                              "\" is not one symbol with a non-negative id");
    }
    out.ids_[symbol] = id;
  }
  if (out.ids_.empty()) throw Error(StatusCode::kDataError, "the vocabulary is empty");
  return out;
}

std::vector<int64_t> KokoroVocab::encode(std::string_view phonemes) const {
  std::vector<int64_t> tokens;
  tokens.reserve(phonemes.size());
  size_t pos = 0;
  while (pos < phonemes.size()) {
    const auto it = ids_.find(utf8::decode(phonemes, &pos));
    if (it != ids_.end()) tokens.push_back(it->second);
  }
  return tokens;
}

int64_t KokoroVocab::id(char32_t symbol) const {
  const auto it = ids_.find(symbol);
  return it != ids_.end() ? it->second : -1;
}

}  // namespace stream_tts::g2p
