#include "translate/nmt/piece_vocab.h"

#include <simdjson.h>

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
std::string widen_big_integers(const std::string& json) {
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

void PieceVocab::add(const std::string& piece, int id, bool is_special) {
  if (id < 0) return;
  ids[piece] = id;
  if (static_cast<size_t>(id) >= pieces.size()) pieces.resize(static_cast<size_t>(id) + 1);
  pieces[id] = piece;
  if (is_special) special.insert(id);
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

PieceVocab read_tokenizer_json(const std::string& path) {
  const simdjson::padded_string text(widen_big_integers(read_file_or_throw(path)));
  dom::parser parser;
  dom::object root = parse_object(parser, text, path);
  PieceVocab vocab;
  dom::object model;
  if (root["model"].get_object().get(model) != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError, fmt::format("{}: no \"model\" object", path));
  }
  dom::element v;
  if (model["vocab"].get(v) != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError, fmt::format("{}: no model.vocab", path));
  }
  dom::object map;
  dom::array list;
  if (v.get_object().get(map) == simdjson::SUCCESS) {  // BPE / WordPiece: {piece: id}
    for (auto kv : map) {
      int64_t id;
      if (kv.value.get_int64().get(id) != simdjson::SUCCESS) {
        throw Error(StatusCode::kDataError, fmt::format("{}: model.vocab entry without an integer id", path));
      }
      vocab.add(std::string(kv.key), static_cast<int>(id), false);
    }
  } else if (v.get_array().get(list) == simdjson::SUCCESS) {  // Unigram: [[piece, score], ...] by id
    int id = 0;
    for (auto entry : list) {
      dom::array pair;
      std::string_view piece;
      if (entry.get_array().get(pair) != simdjson::SUCCESS || pair.size() < 1 ||
          pair.at(0).get_string().get(piece) != simdjson::SUCCESS) {
        throw Error(StatusCode::kDataError, fmt::format("{}: bad model.vocab entry {}", path, id));
      }
      vocab.add(std::string(piece), id++, false);
    }
  } else {
    throw Error(StatusCode::kDataError, fmt::format("{}: model.vocab is neither a map nor a list", path));
  }
  dom::array added;
  if (root["added_tokens"].get_array().get(added) == simdjson::SUCCESS) {
    for (auto t : added) {
      int64_t id;
      std::string_view content;
      bool special = false;
      if (t["id"].get_int64().get(id) != simdjson::SUCCESS ||
          t["content"].get_string().get(content) != simdjson::SUCCESS) {
        throw Error(StatusCode::kDataError, fmt::format("{}: added_tokens entry without id/content", path));
      }
      if (t["special"].get_bool().get(special) != simdjson::SUCCESS) special = false;
      vocab.add(std::string(content), static_cast<int>(id), special);
    }
  }
  return vocab;
}

PieceVocab read_vocab_json(const std::string& path) {
  const simdjson::padded_string text(widen_big_integers(read_file_or_throw(path)));
  dom::parser parser;
  dom::object root = parse_object(parser, text, path);
  PieceVocab vocab;
  for (auto kv : root) {
    int64_t id;
    if (kv.value.get_int64().get(id) != simdjson::SUCCESS) {
      throw Error(StatusCode::kDataError, fmt::format("{}: entry '{}' has no integer id", path, kv.key));
    }
    vocab.add(std::string(kv.key), static_cast<int>(id), false);
  }
  return vocab;
}

void read_tokenizer_config(const std::string& path, PieceVocab* vocab, bool* clean_up_spaces) {
  // transformers 4.45+ default when the file does not say.
  *clean_up_spaces = false;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return;
  const simdjson::padded_string text(widen_big_integers(read_file_or_throw(path)));
  dom::parser parser;
  dom::object root = parse_object(parser, text, path);
  bool flag;
  if (root["clean_up_tokenization_spaces"].get_bool().get(flag) == simdjson::SUCCESS) *clean_up_spaces = flag;
  dom::object decoder;
  if (root["added_tokens_decoder"].get_object().get(decoder) == simdjson::SUCCESS) {
    for (auto kv : decoder) {
      std::string_view content;
      bool special = false;
      if (kv.value["content"].get_string().get(content) != simdjson::SUCCESS) continue;
      if (kv.value["special"].get_bool().get(special) != simdjson::SUCCESS) special = false;
      int id = -1;
      try {
        id = std::stoi(std::string(kv.key));
      } catch (const std::exception&) {
        throw Error(StatusCode::kDataError, fmt::format("{}: added_tokens_decoder key '{}' is not an id", path, kv.key));
      }
      vocab->add(std::string(content), id, special);
    }
  }
}

std::string read_special_token(const std::string& path, const char* key) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};
  const simdjson::padded_string text(widen_big_integers(read_file_or_throw(path)));
  dom::parser parser;
  dom::object root = parse_object(parser, text, path);
  std::string_view v;
  if (root[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  if (root[key]["content"].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

}  // namespace stream_tts::nmt_detail
