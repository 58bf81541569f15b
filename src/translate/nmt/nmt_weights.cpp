#include "translate/nmt/nmt_weights.h"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nn/safetensors/safetensors.h"
#include "stream_tts/status.h"

namespace stream_tts {
namespace {

class Loader {
 public:
  Loader(const nn::SafetensorsFile& file) : file_(file) {}

  // The first of `names` that the file holds, checked against `shape`.
  nn::FloatTensor tensor(const std::vector<std::string>& names, const std::vector<int64_t>& shape) const {
    for (const auto& name : names) {
      if (!file_.contains(name)) continue;
      auto t = file_.load_f32(name);
      if (!t) throw Error(t.status());
      std::vector<int64_t> got = t->shape;
      // [1, n] and [n] are the same vector (final_logits_bias is saved as [1, vocab]).
      if (got.size() == 2 && got[0] == 1 && shape.size() == 1) got.erase(got.begin());
      if (got != shape) {
        throw Error(StatusCode::kDataError,
                    fmt::format("{}: tensor '{}' has shape [{}], config.json implies [{}]", file_.path(), name,
                                fmt::join(t->shape, ", "), fmt::join(shape, ", ")));
      }
      t->shape = shape;
      return std::move(t.value());
    }
    throw Error(StatusCode::kDataError, fmt::format("{}: missing tensor '{}'", file_.path(), names.front()));
  }

  nn::Linear linear(const std::string& prefix, int out, int in) const {
    nn::Linear l;
    l.in = in;
    l.out = out;
    l.weight = tensor({prefix + ".weight"}, {out, in});
    l.bias = tensor({prefix + ".bias"}, {out});
    return l;
  }

  NmtNorm norm(const std::string& prefix, int d) const {
    return {tensor({prefix + ".weight"}, {d}), tensor({prefix + ".bias"}, {d})};
  }

  NmtAttentionWeights attention(const std::string& prefix, int d) const {
    return {linear(prefix + ".q_proj", d, d), linear(prefix + ".k_proj", d, d), linear(prefix + ".v_proj", d, d),
            linear(prefix + ".out_proj", d, d)};
  }

  NmtLayerWeights layer(const std::string& prefix, int d, int ffn, bool decoder) const {
    NmtLayerWeights w;
    w.self_attn = attention(prefix + ".self_attn", d);
    w.self_attn_norm = norm(prefix + ".self_attn_layer_norm", d);
    if (decoder) {
      w.cross_attn = attention(prefix + ".encoder_attn", d);
      w.cross_attn_norm = norm(prefix + ".encoder_attn_layer_norm", d);
    }
    w.fc1 = linear(prefix + ".fc1", ffn, d);
    w.fc2 = linear(prefix + ".fc2", d, ffn);
    w.final_norm = norm(prefix + ".final_layer_norm", d);
    return w;
  }

 private:
  const nn::SafetensorsFile& file_;
};

template <typename Fn>
void for_each_linear(NmtLayerWeights* w, Fn fn) {
  for (nn::Linear* l : {&w->self_attn.q, &w->self_attn.k, &w->self_attn.v, &w->self_attn.out, &w->cross_attn.q,
                        &w->cross_attn.k, &w->cross_attn.v, &w->cross_attn.out, &w->fc1, &w->fc2}) {
    if (!l->weight.empty()) fn(l);
  }
}

void quantize_layer(NmtLayerWeights* w) {
  for_each_linear(w, [](nn::Linear* l) { nn::quantize_int8(l); });
}

}  // namespace

std::shared_ptr<const NmtWeights> load_nmt_weights(const std::string& dir, const NmtConfig& c, bool int8,
                                                   bool argmax_screen) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(dir) / "model.safetensors").string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    std::string hint;
    if (fs::is_regular_file(fs::path(dir) / "pytorch_model.bin", ec)) {
      hint = " (the directory has pytorch_model.bin: convert it with tools/nmt/convert_to_safetensors.py)";
    } else if (fs::is_regular_file(fs::path(dir) / "model.safetensors.index.json", ec)) {
      hint = " (sharded checkpoints are not supported: merge the shards, docs/nmt.md)";
    }
    throw Error(StatusCode::kNotFound, fmt::format("{}: missing{}", path, hint));
  }
  auto file = nn::SafetensorsFile::open(path);
  if (!file) throw Error(file.status());
  Loader load(file.value());
  auto w = std::make_shared<NmtWeights>();
  const int d = c.d_model;
  w->encoder_embed = load.tensor({"model.encoder.embed_tokens.weight", "model.shared.weight"}, {c.vocab_size, d});
  w->decoder_embed =
      load.tensor({"model.decoder.embed_tokens.weight", "model.shared.weight"}, {c.decoder_vocab_size, d});
  for (int i = 0; i < c.encoder_layers; ++i) {
    w->encoder.push_back(load.layer(fmt::format("model.encoder.layers.{}", i), d, c.encoder_ffn_dim, false));
  }
  for (int i = 0; i < c.decoder_layers; ++i) {
    w->decoder.push_back(load.layer(fmt::format("model.decoder.layers.{}", i), d, c.decoder_ffn_dim, true));
  }
  if (c.normalize_before) {
    w->encoder_norm = load.norm("model.encoder.layer_norm", d);
    w->decoder_norm = load.norm("model.decoder.layer_norm", d);
  }
  w->lm_head.in = d;
  w->lm_head.out = c.decoder_vocab_size;
  // Tied checkpoints drop lm_head.weight on save: the decoder embeddings are the LM head.
  std::vector<std::string> head_names = {"lm_head.weight"};
  if (c.tie_word_embeddings) {
    head_names.push_back("model.decoder.embed_tokens.weight");
    head_names.push_back("model.shared.weight");
  }
  w->lm_head.weight = load.tensor(head_names, {c.decoder_vocab_size, d});
  if (c.arch == NmtArch::kMarian) {
    const nn::FloatTensor bias = load.tensor({"final_logits_bias"}, {c.decoder_vocab_size});
    w->final_logits_bias.assign(bias.data, bias.data + c.decoder_vocab_size);
  }
  if (int8) {
    for (auto& l : w->encoder) quantize_layer(&l);
    for (auto& l : w->decoder) quantize_layer(&l);
    nn::quantize_int8(&w->lm_head);
    w->int8 = true;
  } else if (argmax_screen) {
    w->lm_head_screen = nn::make_argmax_screen(w->lm_head);
  }
  return w;
}

}  // namespace stream_tts
