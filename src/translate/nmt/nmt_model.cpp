#include "translate/nmt/nmt_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nn/cpu/kernels.h"
#include "translate/nmt/nmt_shortlist.h"

namespace stream_tts {
namespace {

// The shortlist's greedy pick over (id, logit) pairs met in any order: skips NaN and excluded ids and
// keeps the lowest id among equal logits, as std::max_element over the full logits() row does.
struct BestAllowed {
  const std::vector<int>& excluded;
  int id = -1;
  float value = 0.0f;

  void consider(int candidate, float v) {
    if (v != v || std::find(excluded.begin(), excluded.end(), candidate) != excluded.end()) return;
    if (id < 0 || v > value || (v == value && candidate < id)) {
      id = candidate;
      value = v;
    }
  }
};

namespace cpu = nn::cpu;

// M2M100SinusoidalPositionalEmbedding.get_embedding for one position: [sin | cos] halves, computed in
// float like torch; the padding position is all zeros. Positions start at padding_idx + 1.
void m2m100_position(int position, int dim, int padding_idx, float* out) {
  const int half = dim / 2;
  if (position == padding_idx) {
    std::fill(out, out + dim, 0.0f);
    return;
  }
  const float step = static_cast<float>(std::log(10000.0) / (half - 1));
  for (int i = 0; i < half; ++i) {
    const float freq = std::exp(static_cast<float>(i) * -step);
    const float angle = static_cast<float>(position) * freq;
    out[i] = std::sin(angle);
    out[half + i] = std::cos(angle);
  }
  if (dim % 2 == 1) out[dim - 1] = 0.0f;
}

// MarianSinusoidalPositionalEmbedding: pos / 10000^(2·(j/2)/dim) in double (numpy), sin of the even
// columns in the first half, cos of the odd columns in the second half, positions from 0.
void marian_position(int position, int dim, float* out) {
  const int sentinel = dim % 2 == 0 ? dim / 2 : dim / 2 + 1;
  int o = 0;
  for (int j = 0; j < dim; j += 2) {
    out[o++] = static_cast<float>(std::sin(position / std::pow(10000.0, 2.0 * (j / 2) / dim)));
  }
  for (int j = 1; j < dim; j += 2) {
    out[sentinel + (j - 1) / 2] = static_cast<float>(std::cos(position / std::pow(10000.0, 2.0 * (j / 2) / dim)));
  }
}

void norm(const NmtNorm& n, const float* x, int rows, int dim, float eps, float* out) {
  cpu::layer_norm(x, rows, dim, n.gamma.data, n.beta.data, eps, out);
}

}  // namespace

std::shared_ptr<const NmtModel> NmtModel::load(const std::string& dir, bool int8, bool argmax_screen) {
  auto model = std::make_shared<NmtModel>();
  model->config = load_nmt_config(dir);
  model->weights = load_nmt_weights(dir, model->config, int8, argmax_screen);
  return model;
}

NmtRunner::~NmtRunner() = default;

NmtRunner::NmtRunner(std::shared_ptr<const NmtModel> model) : model_(std::move(model)) {
  const int layers = model_->config.decoder_layers;
  cross_k_.resize(layers);
  cross_v_.resize(layers);
  self_k_.resize(layers);
  self_v_.resize(layers);
}

void NmtRunner::embed(const nn::FloatTensor& table, int token, int position, float* out) const {
  const NmtConfig& c = model_->config;
  const int d = c.d_model;
  const float scale = c.scale_embedding ? std::sqrt(static_cast<float>(d)) : 1.0f;
  const float* row = table.data + static_cast<size_t>(token) * d;
  thread_local std::vector<float> pos;
  pos.resize(d);
  if (c.arch == NmtArch::kM2M100) {
    // A pad token gets the padding position (zeros), as create_position_ids_from_input_ids masks it.
    m2m100_position(token == c.pad_token_id ? c.pad_token_id : position + c.pad_token_id + 1, d, c.pad_token_id,
                    pos.data());
  } else {
    marian_position(position, d, pos.data());
  }
  for (int i = 0; i < d; ++i) out[i] = row[i] * scale + pos[i];
}

// Self-attention over `rows` positions of x (the encoder; no cache).
void NmtRunner::self_attention_block(const NmtAttentionWeights& w, const float* x, int rows, bool causal,
                                     float* out) {
  const NmtConfig& c = model_->config;
  const int d = c.d_model;
  const size_t n = static_cast<size_t>(rows) * d;
  q_.resize(n);
  k_.resize(n);
  v_.resize(n);
  a_.resize(n);
  scores_.resize(std::max<size_t>(scores_.size(), rows));
  cpu::linear(w.q, x, rows, q_.data());
  cpu::scale_inplace(q_.data(), 1.0f / std::sqrt(static_cast<float>(c.encoder_head_dim())), n);
  cpu::linear(w.k, x, rows, k_.data());
  cpu::linear(w.v, x, rows, v_.data());
  cpu::attention(q_.data(), rows, k_.data(), v_.data(), rows, d, c.encoder_heads, c.encoder_head_dim(), causal, 0,
                 a_.data(), scores_.data());
  cpu::linear(w.out, a_.data(), rows, out);
}

Status NmtRunner::encode(const std::vector<int>& source_ids, int max_decoder_tokens, int beams) {
  const NmtConfig& c = model_->config;
  const NmtWeights& w = *model_->weights;
  const int d = c.d_model;
  const int s = static_cast<int>(source_ids.size());
  if (s == 0) return Status(StatusCode::kInvalidArgument, "empty source sentence");
  const int position_limit =
      c.arch == NmtArch::kMarian ? c.max_position_embeddings : std::numeric_limits<int>::max() / 2;
  if (s > position_limit) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("source has {} tokens; the model's max_position_embeddings is {}", s, position_limit));
  }
  for (int id : source_ids) {
    if (id < 0 || id >= c.vocab_size) return Status(StatusCode::kInvalidArgument, fmt::format("token id {} out of range", id));
  }
  const size_t n = static_cast<size_t>(s) * d;
  x_.resize(n);
  h_.resize(n);
  for (int i = 0; i < s; ++i) embed(w.encoder_embed, source_ids[i], i, x_.data() + static_cast<size_t>(i) * d);
  const float eps = c.layer_norm_eps;
  for (const auto& layer : w.encoder) {
    const size_t ffn = static_cast<size_t>(s) * c.encoder_ffn_dim;
    f_.resize(std::max(f_.size(), ffn));
    if (c.normalize_before) {
      norm(layer.self_attn_norm, x_.data(), s, d, eps, h_.data());
      self_attention_block(layer.self_attn, h_.data(), s, false, h_.data());
      cpu::add_inplace(x_.data(), h_.data(), n);
      norm(layer.final_norm, x_.data(), s, d, eps, h_.data());
      cpu::linear(layer.fc1, h_.data(), s, f_.data());
      cpu::activate(c.activation, f_.data(), ffn);
      cpu::linear(layer.fc2, f_.data(), s, h_.data());
      cpu::add_inplace(x_.data(), h_.data(), n);
    } else {
      self_attention_block(layer.self_attn, x_.data(), s, false, h_.data());
      cpu::add_inplace(x_.data(), h_.data(), n);
      norm(layer.self_attn_norm, x_.data(), s, d, eps, x_.data());
      cpu::linear(layer.fc1, x_.data(), s, f_.data());
      cpu::activate(c.activation, f_.data(), ffn);
      cpu::linear(layer.fc2, f_.data(), s, h_.data());
      cpu::add_inplace(x_.data(), h_.data(), n);
      norm(layer.final_norm, x_.data(), s, d, eps, x_.data());
    }
  }
  if (c.normalize_before) norm(w.encoder_norm, x_.data(), s, d, eps, x_.data());
  // Cross-attention keys and values depend only on the encoder output: once per sentence.
  for (int l = 0; l < c.decoder_layers; ++l) {
    cross_k_[l].resize(n);
    cross_v_[l].resize(n);
    cpu::linear(w.decoder[l].cross_attn.k, x_.data(), s, cross_k_[l].data());
    cpu::linear(w.decoder[l].cross_attn.v, x_.data(), s, cross_v_[l].data());
  }
  fill_source_slots(source_ids);
  source_len_ = s;
  decoder_len_ = 0;
  capacity_ = std::max(1, max_decoder_tokens);
  beams_ = std::max(1, beams);
  rows_ = 1;
  for (int l = 0; l < c.decoder_layers; ++l) {
    self_k_[l].resize(static_cast<size_t>(beams_) * capacity_ * d);
    self_v_[l].resize(static_cast<size_t>(beams_) * capacity_ * d);
  }
  return Status::ok();
}

void NmtRunner::set_shortlist(std::shared_ptr<const NmtShortlist> shortlist) {
  shortlist_ = std::move(shortlist);
  row_ids_.clear();
  slots_.reset();
  source_len_ = 0;  // the slots belong to a sentence: encode() again
}

int NmtRunner::allowed_tokens() const { return shortlist_ ? allowed_count_ : model_->config.decoder_vocab_size; }

// The sentence's source ids that the shortlist lacks get rows of their own, copied from the full LM
// head, so that they can be copied into the output (names, numbers).
void NmtRunner::fill_source_slots(const std::vector<int>& source_ids) {
  if (!shortlist_) return;
  const std::vector<int> extra = source_ids_outside(shortlist_->ids, source_ids, model_->config.decoder_vocab_size);
  slots_ = std::make_unique<NmtHeadRows>(gather_head_rows(*model_->weights, extra));
  row_ids_ = shortlist_->rows.row_ids;
  row_ids_.insert(row_ids_.end(), slots_->row_ids.begin(), slots_->row_ids.end());
  allowed_count_ = static_cast<int>(shortlist_->ids.size() + extra.size());
}

// compact_ [rows, row_ids_]: the shortlist's rows, then the source slots, biases added.
const float* NmtRunner::shortlist_logits() {
  const NmtHeadRows* parts[2] = {&shortlist_->rows, slots_.get()};
  const size_t m = row_ids_.size();
  compact_.resize(static_cast<size_t>(rows_) * m);
  size_t offset = 0;
  for (const NmtHeadRows* p : parts) {
    const int n = p->head.out;
    if (n == 0) continue;
    part_.resize(static_cast<size_t>(rows_) * n);
    cpu::linear(p->head, x_.data(), rows_, part_.data());
    for (int b = 0; b < rows_; ++b) {
      float* dst = compact_.data() + b * m + offset;
      std::copy_n(part_.data() + static_cast<size_t>(b) * n, n, dst);
      if (!p->bias.empty()) cpu::add_inplace(dst, p->bias.data(), n);
    }
    offset += n;
  }
  return compact_.data();
}

Result<const float*> NmtRunner::step(int token) {
  if (Status s = advance(token); !s) return s;
  return logits();
}

const float* NmtRunner::logits() {
  const NmtConfig& c = model_->config;
  const NmtWeights& w = *model_->weights;
  const size_t vocab = c.decoder_vocab_size;
  logits_.resize(static_cast<size_t>(rows_) * vocab);
  if (shortlist_) {
    // Tokens outside the allowed set get -inf: softmax and top-k (beam search) never choose them.
    const float* compact = shortlist_logits();
    const size_t m = row_ids_.size();
    std::fill(logits_.begin(), logits_.end(), -INFINITY);
    for (int b = 0; b < rows_; ++b) {
      float* row = logits_.data() + b * vocab;
      for (size_t j = 0; j < m; ++j) row[row_ids_[j]] = compact[b * m + j];
    }
    return logits_.data();
  }
  cpu::linear(w.lm_head, x_.data(), rows_, logits_.data());
  if (!w.final_logits_bias.empty()) {
    for (int b = 0; b < rows_; ++b) cpu::add_inplace(logits_.data() + b * vocab, w.final_logits_bias.data(), vocab);
  }
  return logits_.data();
}

int NmtRunner::argmax(const std::vector<int>& excluded, int* recomputed) {
  const NmtWeights& w = *model_->weights;
  if (shortlist_ && !shortlist_->screen.empty()) return screened_shortlist_argmax(excluded, recomputed);
  if (shortlist_) {
    // The best allowed token; the lowest id among equal logits, as std::max_element over logits().
    const float* compact = shortlist_logits();  // row 0 first
    BestAllowed best{excluded};
    for (size_t j = 0; j < row_ids_.size(); ++j) best.consider(row_ids_[j], compact[j]);
    if (recomputed != nullptr) *recomputed = -1;
    return best.id < 0 ? row_ids_.front() : best.id;
  }
  return cpu::linear_argmax(w.lm_head, w.lm_head_screen, x_.data(),
                            w.final_logits_bias.empty() ? nullptr : w.final_logits_bias.data(), excluded,
                            recomputed);
}

// argmax() through the shortlist's int8 screen: the best listed row (exact, as linear() computes it),
// then the source slots computed in fp32; the lowest id among equal logits, as without the screen.
// The listed rows are in ascending id order (gather_head_rows), so the screen's first-on-ties is the
// lowest id among them.
int NmtRunner::screened_shortlist_argmax(const std::vector<int>& excluded, int* recomputed) {
  const NmtHeadRows& rows = shortlist_->rows;
  std::vector<int> skip;  // compact rows of excluded ids (a padding row repeats an id)
  for (int j = 0; j < rows.head.out; ++j) {
    if (std::find(excluded.begin(), excluded.end(), rows.row_ids[j]) != excluded.end()) skip.push_back(j);
  }
  BestAllowed best{excluded};
  if (static_cast<int>(skip.size()) < rows.head.out) {
    float value = 0.0f;
    const int j = cpu::linear_argmax(rows.head, shortlist_->screen, x_.data(),
                                     rows.bias.empty() ? nullptr : rows.bias.data(), skip, recomputed, &value);
    best.consider(rows.row_ids[j], value);
  }
  if (slots_ && slots_->head.out > 0) {
    const int n = slots_->head.out;
    part_.resize(n);
    cpu::linear(slots_->head, x_.data(), 1, part_.data());
    if (!slots_->bias.empty()) cpu::add_inplace(part_.data(), slots_->bias.data(), n);
    for (int j = 0; j < n; ++j) best.consider(slots_->row_ids[j], part_[j]);
  }
  return best.id < 0 ? rows.row_ids.front() : best.id;
}

Status NmtRunner::advance(int token) { return advance_beams(&token, 1); }

Status NmtRunner::advance_beams(const int* tokens, int rows) {
  const NmtConfig& c = model_->config;
  const NmtWeights& w = *model_->weights;
  const int d = c.d_model;
  if (source_len_ == 0) return Status(StatusCode::kInternal, "step() before encode()");
  if (decoder_len_ >= capacity_) return Status(StatusCode::kInternal, "decoder cache is full");
  if (rows < 1 || rows > beams_) return Status(StatusCode::kInternal, "more rows than the cache has beams");
  for (int b = 0; b < rows; ++b) {
    if (tokens[b] < 0 || tokens[b] >= c.decoder_vocab_size) {
      return Status(StatusCode::kInvalidArgument, fmt::format("token id {} out of range", tokens[b]));
    }
  }
  if (c.arch == NmtArch::kMarian && decoder_len_ >= c.max_position_embeddings) {
    return Status(StatusCode::kInvalidArgument, "decoder reached max_position_embeddings");
  }
  const int t = decoder_len_;
  const int heads = c.decoder_heads, hd = c.decoder_head_dim();
  const float q_scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float eps = c.layer_norm_eps;
  const size_t n = static_cast<size_t>(rows) * d;
  const size_t beam_stride = static_cast<size_t>(capacity_) * d;  // one beam's cache in a layer
  x_.resize(n);
  h_.resize(n);
  q_.resize(n);
  k_.resize(n);
  v_.resize(n);
  a_.resize(n);
  f_.resize(std::max<size_t>(f_.size(), static_cast<size_t>(rows) * c.decoder_ffn_dim));
  scores_.resize(std::max<size_t>({scores_.size(), static_cast<size_t>(capacity_), static_cast<size_t>(source_len_)}));
  for (int b = 0; b < rows; ++b) embed(w.decoder_embed, tokens[b], t, x_.data() + static_cast<size_t>(b) * d);
  for (int l = 0; l < c.decoder_layers; ++l) {
    const NmtLayerWeights& layer = w.decoder[l];
    float* kc = self_k_[l].data();
    float* vc = self_v_[l].data();
    // Self-attention over each beam's cache plus its new token.
    const float* in = x_.data();
    if (c.normalize_before) {
      norm(layer.self_attn_norm, x_.data(), rows, d, eps, h_.data());
      in = h_.data();
    }
    cpu::linear(layer.self_attn.q, in, rows, q_.data());
    cpu::scale_inplace(q_.data(), q_scale, n);
    if (rows == 1) {  // straight into the cache
      cpu::linear(layer.self_attn.k, in, 1, kc + static_cast<size_t>(t) * d);
      cpu::linear(layer.self_attn.v, in, 1, vc + static_cast<size_t>(t) * d);
    } else {
      cpu::linear(layer.self_attn.k, in, rows, k_.data());
      cpu::linear(layer.self_attn.v, in, rows, v_.data());
      for (int b = 0; b < rows; ++b) {
        std::copy_n(k_.data() + static_cast<size_t>(b) * d, d, kc + b * beam_stride + static_cast<size_t>(t) * d);
        std::copy_n(v_.data() + static_cast<size_t>(b) * d, d, vc + b * beam_stride + static_cast<size_t>(t) * d);
      }
    }
    for (int b = 0; b < rows; ++b) {
      const size_t o = static_cast<size_t>(b) * d;
      cpu::attention(q_.data() + o, 1, kc + b * beam_stride, vc + b * beam_stride, t + 1, d, heads, hd, false, t,
                     a_.data() + o, scores_.data());
    }
    cpu::linear(layer.self_attn.out, a_.data(), rows, h_.data());
    cpu::add_inplace(x_.data(), h_.data(), n);
    if (!c.normalize_before) norm(layer.self_attn_norm, x_.data(), rows, d, eps, x_.data());
    // Cross-attention over the encoder output (shared by every beam).
    in = x_.data();
    if (c.normalize_before) {
      norm(layer.cross_attn_norm, x_.data(), rows, d, eps, h_.data());
      in = h_.data();
    }
    cpu::linear(layer.cross_attn.q, in, rows, q_.data());
    cpu::scale_inplace(q_.data(), q_scale, n);
    for (int b = 0; b < rows; ++b) {
      const size_t o = static_cast<size_t>(b) * d;
      cpu::attention(q_.data() + o, 1, cross_k_[l].data(), cross_v_[l].data(), source_len_, d, heads, hd, false, 0,
                     a_.data() + o, scores_.data());
    }
    cpu::linear(layer.cross_attn.out, a_.data(), rows, h_.data());
    cpu::add_inplace(x_.data(), h_.data(), n);
    if (!c.normalize_before) norm(layer.cross_attn_norm, x_.data(), rows, d, eps, x_.data());
    // Feed-forward.
    in = x_.data();
    if (c.normalize_before) {
      norm(layer.final_norm, x_.data(), rows, d, eps, h_.data());
      in = h_.data();
    }
    cpu::linear(layer.fc1, in, rows, f_.data());
    cpu::activate(c.activation, f_.data(), static_cast<size_t>(rows) * c.decoder_ffn_dim);
    cpu::linear(layer.fc2, f_.data(), rows, h_.data());
    cpu::add_inplace(x_.data(), h_.data(), n);
    if (!c.normalize_before) norm(layer.final_norm, x_.data(), rows, d, eps, x_.data());
  }
  if (c.normalize_before) norm(w.decoder_norm, x_.data(), rows, d, eps, x_.data());
  rows_ = rows;
  ++decoder_len_;
  return Status::ok();
}

void NmtRunner::reorder_beams(const std::vector<int>& parents) {
  const int d = model_->config.d_model;
  const size_t beam_stride = static_cast<size_t>(capacity_) * d;
  const size_t used = static_cast<size_t>(decoder_len_) * d;
  bool identity = true;
  for (size_t b = 0; b < parents.size(); ++b) identity = identity && parents[b] == static_cast<int>(b);
  if (identity) return;
  // Only the filled positions move: beams × decoder_len rows per layer, not the whole capacity.
  reorder_.resize(parents.size() * used);
  for (auto* caches : {&self_k_, &self_v_}) {
    for (auto& cache : *caches) {
      for (size_t b = 0; b < parents.size(); ++b) {
        std::copy_n(cache.data() + b * beam_stride, used, reorder_.data() + b * used);
      }
      for (size_t b = 0; b < parents.size(); ++b) {
        std::copy_n(reorder_.data() + parents[b] * used, used, cache.data() + b * beam_stride);
      }
    }
  }
}

Result<std::vector<int>> greedy_generate(NmtRunner& runner, const std::vector<int>& source_ids,
                                         const GenerateOptions& options, std::stop_token stop) {
  const NmtConfig& c = runner.config();
  // transformers: max_new_tokens overrides max_length; the decoder start token counts toward it.
  int max_length = options.max_new_tokens > 0 ? 1 + options.max_new_tokens : c.max_length;
  if (c.arch == NmtArch::kMarian) max_length = std::min(max_length, c.max_position_embeddings);
  if (Status s = runner.encode(source_ids, max_length); !s) return s;
  std::vector<int> seq = {c.decoder_start_token_id};
  while (static_cast<int>(seq.size()) < max_length) {
    if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
    if (Status s = runner.advance(seq.back()); !s) return s;
    const int cur_len = static_cast<int>(seq.size());
    int next = -1;
    // The logits processors of generate(), in effect: forced BOS at the first step, forced EOS at the
    // last (no LM head needed for either), suppressed tokens (bad_words_ids) never chosen.
    if (cur_len == 1 && options.forced_bos) {
      next = *options.forced_bos;
    } else if (cur_len == max_length - 1 && c.forced_eos_token_id) {
      next = *c.forced_eos_token_id;
    } else {
      next = runner.argmax(c.suppressed_token_ids);  // first maximum, as torch.argmax
    }
    seq.push_back(next);
    if (next == c.eos_token_id) break;
  }
  return seq;
}

}  // namespace stream_tts
