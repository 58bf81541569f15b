#include "translate/nmt/nmt_config.h"

#include <simdjson.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "stream_tts/status.h"

namespace stream_tts {
namespace {

namespace dom = simdjson::dom;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw Error(StatusCode::kDataError, fmt::format("{}: {}", file, what));
}

int get_int(dom::object obj, const char* key, const std::string& file, std::optional<int> fallback = {}) {
  int64_t v;
  if (obj[key].get_int64().get(v) == simdjson::SUCCESS) {
    if (v < -1 || v > (1 << 30)) fail(file, fmt::format("\"{}\" = {} is out of range", key, v));
    return static_cast<int>(v);
  }
  if (fallback) return *fallback;
  fail(file, fmt::format("missing integer field \"{}\"", key));
}

std::optional<int> get_optional_int(dom::object obj, const char* key) {
  int64_t v;
  if (obj[key].get_int64().get(v) == simdjson::SUCCESS && v >= 0 && v < (1 << 30)) return static_cast<int>(v);
  return std::nullopt;
}

// An id read as int64: -1 (rejected by check_generation) where it does not fit.
int narrow_id(int64_t v) { return v >= 0 && v < (1 << 30) ? static_cast<int>(v) : -1; }

bool get_bool(dom::object obj, const char* key, bool fallback) {
  bool v;
  return obj[key].get_bool().get(v) == simdjson::SUCCESS ? v : fallback;
}

void read_generation(dom::object g, NmtConfig* c, const std::string& file) {
  if (auto v = get_optional_int(g, "decoder_start_token_id")) c->decoder_start_token_id = *v;
  if (auto v = get_optional_int(g, "forced_bos_token_id")) c->forced_bos_token_id = *v;
  if (auto v = get_optional_int(g, "forced_eos_token_id")) c->forced_eos_token_id = *v;
  if (auto v = get_optional_int(g, "max_length")) c->max_length = *v;
  if (auto v = get_optional_int(g, "pad_token_id")) c->pad_token_id = *v;
  if (auto v = get_optional_int(g, "bos_token_id")) c->bos_token_id = *v;
  // eos_token_id may be a list in newer files; the first entry is the one the models emit.
  if (auto v = get_optional_int(g, "eos_token_id")) {
    c->eos_token_id = *v;
  } else {
    dom::array eos;
    int64_t first;
    if (g["eos_token_id"].get_array().get(eos) == simdjson::SUCCESS && eos.size() > 0 &&
        eos.at(0).get_int64().get(first) == simdjson::SUCCESS) {
      c->eos_token_id = narrow_id(first);
    }
  }
  double penalty;
  if (g["length_penalty"].get_double().get(penalty) == simdjson::SUCCESS) {
    c->length_penalty = penalty;
  } else if (int64_t ip; g["length_penalty"].get_int64().get(ip) == simdjson::SUCCESS) {
    c->length_penalty = static_cast<double>(ip);
  }
  bool early;
  std::string_view early_text;
  if (g["early_stopping"].get_bool().get(early) == simdjson::SUCCESS) {
    c->early_stopping = early ? NmtEarlyStopping::kTrue : NmtEarlyStopping::kFalse;
  } else if (g["early_stopping"].get_string().get(early_text) == simdjson::SUCCESS) {
    if (early_text != "never") fail(file, "\"early_stopping\" must be true, false or \"never\"");
    c->early_stopping = NmtEarlyStopping::kNever;
  }
  dom::array bad_words;
  if (g["bad_words_ids"].get_array().get(bad_words) == simdjson::SUCCESS) {
    c->suppressed_token_ids.clear();
    for (auto seq : bad_words) {
      dom::array ids;
      int64_t id;
      // Only single-token entries are supported (the only kind Marian checkpoints carry).
      if (seq.get_array().get(ids) == simdjson::SUCCESS && ids.size() == 1 &&
          ids.at(0).get_int64().get(id) == simdjson::SUCCESS) {
        c->suppressed_token_ids.push_back(narrow_id(id));
      }
    }
  }
}

// The token ids generation uses index the embeddings and the logits: each must be inside the decoder
// vocabulary, checked after each file that may set them (a bad one would otherwise fail every sentence).
void check_generation(const NmtConfig& c, const std::string& file) {
  const auto check_id = [&](const char* field, int id) {
    if (id < 0 || id >= c.decoder_vocab_size) {
      fail(file, fmt::format("{} {} is outside the decoder vocabulary ({} tokens)", field, id, c.decoder_vocab_size));
    }
  };
  check_id("pad_token_id", c.pad_token_id);
  check_id("eos_token_id", c.eos_token_id);
  check_id("decoder_start_token_id", c.decoder_start_token_id);
  if (c.forced_bos_token_id) check_id("forced_bos_token_id", *c.forced_bos_token_id);
  if (c.forced_eos_token_id) check_id("forced_eos_token_id", *c.forced_eos_token_id);
  for (int id : c.suppressed_token_ids) check_id("a bad_words_ids entry", id);
  if (c.max_length < 1) fail(file, fmt::format("max_length {} is not positive", c.max_length));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

NmtConfig parse_nmt_config(const std::string& config_json, const std::string& generation_json,
                           const std::string& name) {
  const std::string file = name + "/config.json";
  dom::parser parser;
  dom::object o;
  const simdjson::padded_string padded(config_json);
  if (auto err = parser.parse(padded).get_object().get(o); err != simdjson::SUCCESS) {
    fail(file, fmt::format("not a JSON object ({})", simdjson::error_message(err)));
  }
  NmtConfig c;
  std::string_view type;
  if (o["model_type"].get_string().get(type) != simdjson::SUCCESS) fail(file, "missing \"model_type\"");
  c.model_type = std::string(type);
  if (c.model_type == "m2m_100" || c.model_type == "nllb") {
    c.arch = NmtArch::kM2M100;
    c.normalize_before = true;
  } else if (c.model_type == "marian") {
    c.arch = NmtArch::kMarian;
    c.normalize_before = false;
  } else {
    fail(file, fmt::format("model_type \"{}\" is not supported (m2m_100 / NLLB or marian)", c.model_type));
  }
  // Converted checkpoints may carry fairseq's normalize_before; transformers ignores it (the layer
  // order is fixed per architecture), and so does this reader, so that outputs match transformers.
  c.d_model = get_int(o, "d_model", file);
  c.encoder_layers = get_int(o, "encoder_layers", file);
  c.decoder_layers = get_int(o, "decoder_layers", file);
  c.encoder_heads = get_int(o, "encoder_attention_heads", file);
  c.decoder_heads = get_int(o, "decoder_attention_heads", file);
  c.encoder_ffn_dim = get_int(o, "encoder_ffn_dim", file);
  c.decoder_ffn_dim = get_int(o, "decoder_ffn_dim", file);
  c.vocab_size = get_int(o, "vocab_size", file);
  c.decoder_vocab_size = get_int(o, "decoder_vocab_size", file, c.vocab_size);
  c.max_position_embeddings = get_int(o, "max_position_embeddings", file);
  c.scale_embedding = get_bool(o, "scale_embedding", false);
  c.tie_word_embeddings = get_bool(o, "tie_word_embeddings", true);
  c.share_embeddings = get_bool(o, "share_encoder_decoder_embeddings", true);
  c.pad_token_id = get_int(o, "pad_token_id", file, 1);
  c.eos_token_id = get_int(o, "eos_token_id", file, 2);
  c.bos_token_id = get_int(o, "bos_token_id", file, 0);
  c.decoder_start_token_id = get_int(o, "decoder_start_token_id", file, c.eos_token_id);
  std::string_view act = "relu";
  if (o["activation_function"].get_string().get(act) != simdjson::SUCCESS) act = "relu";
  if (act == "relu") {
    c.activation = nn::cpu::Activation::kRelu;
  } else if (act == "gelu") {
    c.activation = nn::cpu::Activation::kGelu;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
    c.activation = nn::cpu::Activation::kGeluTanh;
  } else if (act == "silu" || act == "swish") {
    c.activation = nn::cpu::Activation::kSilu;
  } else {
    fail(file, fmt::format("activation_function \"{}\" is not supported", act));
  }
  // Generation fields may sit in config.json (older checkpoints); generation_config.json wins.
  read_generation(o, &c, file);

  if (c.d_model <= 0 || c.encoder_layers <= 0 || c.decoder_layers <= 0 || c.encoder_heads <= 0 ||
      c.decoder_heads <= 0 || c.encoder_ffn_dim <= 0 || c.decoder_ffn_dim <= 0 || c.vocab_size <= 0 ||
      c.decoder_vocab_size <= 0 || c.max_position_embeddings <= 0) {
    fail(file, "a layer count, width, head count, vocabulary size or max_position_embeddings is not positive");
  }
  if (c.d_model % c.encoder_heads != 0 || c.d_model % c.decoder_heads != 0) {
    fail(file, fmt::format("d_model {} is not a multiple of the attention heads", c.d_model));
  }
  check_generation(c, file);

  if (!generation_json.empty()) {
    const std::string gfile = name + "/generation_config.json";
    dom::parser gparser;
    dom::object g;
    const simdjson::padded_string gpadded(generation_json);
    if (auto err = gparser.parse(gpadded).get_object().get(g); err != simdjson::SUCCESS) {
      fail(gfile, fmt::format("not a JSON object ({})", simdjson::error_message(err)));
    }
    read_generation(g, &c, gfile);
    check_generation(c, gfile);
  }
  return c;
}

NmtConfig load_nmt_config(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path config = fs::path(dir) / "config.json";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(StatusCode::kNotFound, fmt::format("nmt model directory {} does not exist", dir));
  }
  if (!fs::is_regular_file(config, ec)) {
    throw Error(StatusCode::kNotFound, fmt::format("{}: missing (a Hugging Face model directory has one)",
                                                   config.string()));
  }
  const fs::path generation = fs::path(dir) / "generation_config.json";
  std::string generation_json;
  if (fs::is_regular_file(generation, ec)) generation_json = read_text(generation);
  return parse_nmt_config(read_text(config), generation_json, dir);
}

}  // namespace stream_tts
