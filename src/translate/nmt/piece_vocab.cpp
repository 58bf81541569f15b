#include "translate/nmt/piece_vocab.h"

#include <simdjson.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "stream_tts/status.h"

namespace stream_tts::nmt_detail {
namespace {

namespace dom = simdjson::dom;

// simdjson refuses integers beyond 64 bits, which tokenizer_config.json carries (model_max_length =
// 1000000000000000019884624838656, Python's int(1e30)). Such literals outside strings get a ".0" so that
// they parse as doubles; nothing here reads them.
std::string widen_big_integers(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  bool in_string = false;
  for (size_t i = 0; i < json.size();) {
    const char ch = json[i];
    if (in_string) {
      out.push_back(ch);
      if (ch == '\\' && i + 1 < json.size()) {
        out.push_back(json[i + 1]);
        i += 2;
        continue;
      }
      if (ch == '"') in_string = false;
      ++i;
      continue;
    }
    if (ch == '"') {
      in_string = true;
      out.push_back(ch);
      ++i;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      size_t j = i;
      while (j < json.size() && json[j] >= '0' && json[j] <= '9') ++j;
      out.append(json, i, j - i);
      const bool fraction = j < json.size() && (json[j] == '.' || json[j] == 'e' || json[j] == 'E');
      if (j - i > 18 && !fraction) out += ".0";
      i = j;
      continue;
    }
    out.push_back(ch);
    ++i;
  }
  return out;
}

dom::object parse_object(dom::parser& parser, const simdjson::padded_string& text, const std::string& path) {
  dom::object obj;
  if (auto err = parser.parse(text).get_object().get(obj); err != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError, fmt::format("{}: not a JSON object ({})", path, simdjson::error_message(err)));
  }
  return obj;
}

}  // namespace

void PieceVocab::add(const std::string& piece, int64_t id, bool is_special, const std::string& file) {
  if (id < 0) return;
  if (id > kMaxTokenId) {
    throw Error(StatusCode::kDataError,
                fmt::format("{}: token '{}' has id {}, above the largest plausible id {}", file, piece, id, kMaxTokenId));
  }
  const int i = static_cast<int>(id);
  ids[piece] = i;
  if (static_cast<size_t>(i) >= pieces.size()) pieces.resize(static_cast<size_t>(i) + 1);
  pieces[i] = piece;
  if (is_special) special.insert(i);
}

int PieceVocab::find(std::string_view piece) const {
  auto it = ids.find(std::string(piece));
  return it == ids.end() ? -1 : it->second;
}

std::string read_file_or_throw(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(StatusCode::kNotFound, fmt::format("{}: missing", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) throw Error(StatusCode::kDataError, fmt::format("{}: cannot read", path));
  return ss.str();
}

PieceVocab parse_tokenizer_json(std::string_view json, const std::string& file) {
  const simdjson::padded_string text(widen_big_integers(json));
  dom::parser parser;
  dom::object root = parse_object(parser, text, file);
  PieceVocab vocab;
  dom::object model;
  if (root["model"].get_object().get(model) != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError, fmt::format("{}: no \"model\" object", file));
  }
  dom::element v;
  if (model["vocab"].get(v) != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError, fmt::format("{}: no model.vocab", file));
  }
  dom::object map;
  dom::array list;
  if (v.get_object().get(map) == simdjson::SUCCESS) {  // BPE / WordPiece: {piece: id}
    for (auto kv : map) {
      int64_t id;
      if (kv.value.get_int64().get(id) != simdjson::SUCCESS) {
        throw Error(StatusCode::kDataError, fmt::format("{}: model.vocab entry without an integer id", file));
      }
      vocab.add(std::string(kv.key), id, false, file);
    }
  } else if (v.get_array().get(list) == simdjson::SUCCESS) {  // Unigram: [[piece, score], ...] by id
    int64_t id = 0;
    for (auto entry : list) {
      dom::array pair;
      std::string_view piece;
      if (entry.get_array().get(pair) != simdjson::SUCCESS || pair.size() < 1 ||
          pair.at(0).get_string().get(piece) != simdjson::SUCCESS) {
        throw Error(StatusCode::kDataError, fmt::format("{}: bad model.vocab entry {}", file, id));
      }
      vocab.add(std::string(piece), id++, false, file);
    }
  } else {
    throw Error(StatusCode::kDataError, fmt::format("{}: model.vocab is neither a map nor a list", file));
  }
  dom::array added;
  if (root["added_tokens"].get_array().get(added) == simdjson::SUCCESS) {
    for (auto t : added) {
      int64_t id;
      std::string_view content;
      bool special = false;
      if (t["id"].get_int64().get(id) != simdjson::SUCCESS ||
          t["content"].get_string().get(content) != simdjson::SUCCESS) {
        throw Error(StatusCode::kDataError, fmt::format("{}: added_tokens entry without id/content", file));
      }
      if (t["special"].get_bool().get(special) != simdjson::SUCCESS) special = false;
      vocab.add(std::string(content), id, special, file);
    }
  }
  return vocab;
}

PieceVocab parse_vocab_json(std::string_view json, const std::string& file) {
  const simdjson::padded_string text(widen_big_integers(json));
  dom::parser parser;
  dom::object root = parse_object(parser, text, file);
  PieceVocab vocab;
  for (auto kv : root) {
    int64_t id;
    if (kv.value.get_int64().get(id) != simdjson::SUCCESS) {
      throw Error(StatusCode::kDataError, fmt::format("{}: entry '{}' has no integer id", file, kv.key));
    }
    vocab.add(std::string(kv.key), id, false, file);
  }
  return vocab;
}

void parse_tokenizer_config(std::string_view json, const std::string& file, PieceVocab* vocab, bool* clean_up_spaces) {
  const simdjson::padded_string text(widen_big_integers(json));
  dom::parser parser;
  dom::object root = parse_object(parser, text, file);
  bool flag;
  if (root["clean_up_tokenization_spaces"].get_bool().get(flag) == simdjson::SUCCESS) *clean_up_spaces = flag;
  dom::object decoder;
  if (root["added_tokens_decoder"].get_object().get(decoder) == simdjson::SUCCESS) {
    for (auto kv : decoder) {
      std::string_view content;
      bool special = false;
      if (kv.value["content"].get_string().get(content) != simdjson::SUCCESS) continue;
      if (kv.value["special"].get_bool().get(special) != simdjson::SUCCESS) special = false;
      int64_t id = -1;
      const std::string_view key = kv.key;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
      if (ec != std::errc() || end != key.data() + key.size()) {
        throw Error(StatusCode::kDataError, fmt::format("{}: added_tokens_decoder key '{}' is not an id", file, key));
      }
      vocab->add(std::string(content), id, special, file);
    }
  }
}

std::string parse_special_token(std::string_view json, const std::string& file, const char* key) {
  const simdjson::padded_string text(widen_big_integers(json));
  dom::parser parser;
  dom::object root = parse_object(parser, text, file);
  std::string_view v;
  if (root[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  if (root[key]["content"].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

PieceVocab read_tokenizer_json(const std::string& path) { return parse_tokenizer_json(read_file_or_throw(path), path); }

PieceVocab read_vocab_json(const std::string& path) { return parse_vocab_json(read_file_or_throw(path), path); }

void read_tokenizer_config(const std::string& path, PieceVocab* vocab, bool* clean_up_spaces) {
  // transformers 4.45+ default when the file does not say.
  *clean_up_spaces = false;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return;
  parse_tokenizer_config(read_file_or_throw(path), path, vocab, clean_up_spaces);
}

std::string read_special_token(const std::string& path, const char* key) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};
  return parse_special_token(read_file_or_throw(path), path, key);
}

}  // namespace stream_tts::nmt_detail
