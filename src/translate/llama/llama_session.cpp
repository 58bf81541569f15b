#include "translate/llama/llama_session.h"

#include <ggml-backend.h>
#include <ggml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include "core/log.h"
#include "core/utf8.h"
#include "translate/llama/llama_log.h"
#include "translate/llama/postprocess.h"

namespace stream_tts::llama {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

LlamaSession::LlamaSession(std::shared_ptr<const LlamaModel> model, const SessionOptions& options)
    : model_(std::move(model)) {
  threads_ = options.threads > 0
                 ? options.threads
                 : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  n_batch_ = std::max(1, options.n_batch);
  int n_ctx = std::max(64, options.n_ctx);
  if (model_->n_ctx_train() > 0) n_ctx = std::min(n_ctx, model_->n_ctx_train());

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(n_ctx);
  cp.n_batch = static_cast<uint32_t>(n_batch_);
  cp.n_ubatch = static_cast<uint32_t>(n_batch_);
  cp.n_seq_max = 1;
  cp.n_threads = threads_;
  cp.n_threads_batch = threads_;
  cp.no_perf = true;
  // Sliding-window models (Gemma 3) would otherwise evict prefix cells that a later sentence still
  // needs once a sentence runs past the window; the full cache costs only memory.
  cp.swa_full = true;
  cp.abort_callback = &LlamaSession::abort_requested;
  cp.abort_callback_data = this;
  if (options.shortlist != nullptr && !options.backend_sampling) {
    shortlist_ = options.shortlist;
    cp.cb_eval = &LlamaSession::capture_hidden;
    cp.cb_eval_user_data = this;
  }
  llama_sampler_seq_config sampler_config{};
  if (options.backend_sampling) {
    backend_sampler_ = llama_sampler_chain_init(llama_sampler_chain_default_params());
    llama_sampler_chain_add(backend_sampler_, llama_sampler_init_greedy());
    sampler_config = {0, backend_sampler_};
    cp.samplers = &sampler_config;
    cp.n_samplers = 1;
    // A speculative verification batch asks for one token per position (up to 16 drafts + 1).
    cp.n_outputs_max_per_seq = 17;
  }
  ctx_ = llama_init_from_model(model_->get(), cp);
  if (ctx_ == nullptr) {
    if (backend_sampler_ != nullptr) llama_sampler_free(backend_sampler_);
    std::string why = last_llama_error();
    throw Error(StatusCode::kInternal, "llama.cpp cannot create a context for " +
                                           model_->path().string() +
                                           (why.empty() ? "" : ": " + why));
  }
  n_ctx_ = static_cast<int>(llama_n_ctx(ctx_));
  batch_ = llama_batch_init(n_batch_, 0, 1);
  n_vocab_ = llama_vocab_n_tokens(model_->vocab());
  restore_by_snapshot_ =
      llama_model_is_recurrent(model_->get()) || llama_model_is_hybrid(model_->get());
}

LlamaSession::~LlamaSession() {
  llama_batch_free(batch_);
  if (ctx_ != nullptr) llama_free(ctx_);
  if (backend_sampler_ != nullptr) llama_sampler_free(backend_sampler_);
}

bool LlamaSession::capture_hidden(ggml_tensor* t, bool ask, void* self) {
  auto* s = static_cast<LlamaSession*>(self);
  if (ask) return s->capture_ && std::strcmp(ggml_get_name(t), "result_norm") == 0;
  // Computed: keep its last row (the batch's last token, the only one whose choice is asked for).
  if (t->type != GGML_TYPE_F32 || t->ne[0] != s->shortlist_->n_embd() || t->ne[1] < 1) return true;
  s->hidden_.resize(static_cast<size_t>(t->ne[0]));
  ggml_backend_tensor_get(t, s->hidden_.data(), static_cast<size_t>(t->ne[1] - 1) * t->nb[1],
                          s->hidden_.size() * sizeof(float));
  s->hidden_valid_ = true;
  // false ends the graph's computation here: the LM head after it is what the shortlist replaces.
  return !s->stop_after_capture_;
}

bool LlamaSession::abort_requested(void* self) {
  const auto* s = static_cast<const LlamaSession*>(self);
  return s->stop_ != nullptr && s->stop_->stop_requested();
}

std::vector<llama_token> LlamaSession::tokenize(std::string_view text, bool add_special) const {
  // Special tokens are parsed: the template's turn markers (<|im_start|>, <start_of_turn>) must
  // become their single control tokens, not text.
  return tokenize_text(model_->vocab(), text, add_special, true);
}

int LlamaSession::count_tokens(std::string_view text) const {
  return static_cast<int>(tokenize(text, false).size());
}

Status LlamaSession::decode(const llama_token* tokens, size_t n, int pos0, bool all_logits) {
  for (size_t off = 0; off < n; off += static_cast<size_t>(n_batch_)) {
    size_t m = std::min(n - off, static_cast<size_t>(n_batch_));
    batch_.n_tokens = static_cast<int32_t>(m);
    for (size_t i = 0; i < m; ++i) {
      batch_.token[i] = tokens[off + i];
      batch_.pos[i] = static_cast<llama_pos>(pos0 + static_cast<int>(off + i));
      batch_.n_seq_id[i] = 1;
      batch_.seq_id[i][0] = 0;
      batch_.logits[i] = (all_logits || off + i == n - 1) ? 1 : 0;
    }
    // One hidden state for the shortlist: only when a single choice is asked for.
    capture_ = shortlist_ != nullptr && !all_logits;
    hidden_valid_ = false;
    int32_t rc = llama_decode(ctx_, batch_);
    capture_ = false;
    if (rc == 0) continue;
    if (rc == 2) return Status(StatusCode::kCancelled, "translation cancelled");
    if (rc == 1) return Status(StatusCode::kDataError, "the prompt does not fit the context");
    std::string why = last_llama_error();
    return Status(StatusCode::kInternal, "llama_decode failed (" + std::to_string(rc) + ")" +
                                             (why.empty() ? "" : ": " + why));
  }
  return Status::ok();
}

llama_token LlamaSession::argmax(int i) const {
  // Greedy decoding is an argmax over the last logits; done here rather than through a
  // llama_sampler chain, which copies the whole vocabulary (150k entries for Qwen) into a candidate
  // array per token.
  if (backend_sampler_ != nullptr) {
    llama_token t = llama_get_sampled_token_ith(ctx_, i);
    if (t != LLAMA_TOKEN_NULL) return t;
  }
  if (shortlist_ != nullptr && hidden_valid_ && i == -1)
    return shortlist_->argmax(hidden_.data(), extra_tokens_, scratch_, threads_);
  const float* logits = llama_get_logits_ith(ctx_, i);
  return static_cast<llama_token>(std::max_element(logits, logits + n_vocab_) - logits);
}

Status LlamaSession::set_prefix(std::string_view text) {
  llama_memory_t mem = llama_get_memory(ctx_);
  llama_memory_clear(mem, true);
  prefix_snapshot_.clear();
  const llama_vocab* vocab = model_->vocab();
  prefix_ = tokenize(text, false);
  if (llama_vocab_get_add_bos(vocab)) {
    llama_token bos = llama_vocab_bos(vocab);
    // A template that writes the BOS text itself has already produced the token.
    if (bos != LLAMA_TOKEN_NULL && (prefix_.empty() || prefix_.front() != bos))
      prefix_.insert(prefix_.begin(), bos);
  }
  if (static_cast<int>(prefix_.size()) >= n_ctx_) {
    return Status(StatusCode::kInvalidArgument, "the prompt prefix does not fit the context");
  }
  if (!prefix_.empty()) {
    // With a shortlist, the prefix's last step computes the logits as well, for the check below.
    stop_after_capture_ = false;
    Status st = decode(prefix_.data(), prefix_.size(), 0);
    stop_after_capture_ = true;
    if (!st) return st;
    prompt_tokens_evaluated_ += static_cast<int64_t>(prefix_.size());
    if (shortlist_ != nullptr && hidden_valid_) prefix_hidden_ = hidden_;
    if (shortlist_ != nullptr && !shortlist_matches_logits()) {
      log::warn("llama: the output shortlist disagrees with {}'s logits; scoring the whole vocabulary",
                model_->path().filename().string());
      shortlist_ = nullptr;
    }
  }
  if (restore_by_snapshot_) {
    prefix_snapshot_.resize(llama_state_seq_get_size(ctx_, 0));
    size_t n = llama_state_seq_get_data(ctx_, prefix_snapshot_.data(), prefix_snapshot_.size(), 0);
    prefix_snapshot_.resize(n);
  }
  return Status::ok();
}

bool LlamaSession::shortlist_matches_logits() const {
  // The model's output layer as llama.cpp computes it and as the shortlist does: the same choice
  // among the listed tokens. (Comparing values would reject models that scale their logits, which
  // does not change a choice.)
  if (!hidden_valid_) return false;
  const std::vector<int32_t>& base = shortlist_->base();
  if (base.empty()) return false;
  const float* logits = llama_get_logits_ith(ctx_, -1);
  if (logits == nullptr) return false;
  std::vector<float> ours = shortlist_->scores(hidden_.data(), base, scratch_);
  size_t theirs_best = 0, ours_best = 0;
  for (size_t k = 1; k < base.size(); ++k) {
    if (logits[base[k]] > logits[base[theirs_best]]) theirs_best = k;
    if (ours[k] > ours[ours_best]) ours_best = k;
  }
  // A near-tie may fall either way under different rounding (llama.cpp may run repacked kernels).
  float gap = ours[ours_best] - ours[theirs_best];
  return theirs_best == ours_best || gap <= 1e-3f * (1.0f + std::abs(ours[ours_best]));
}

Status LlamaSession::reset_to_prefix() {
  llama_memory_t mem = llama_get_memory(ctx_);
  if (restore_by_snapshot_) {
    llama_memory_clear(mem, true);
    if (!prefix_snapshot_.empty() &&
        llama_state_seq_set_data(ctx_, prefix_snapshot_.data(), prefix_snapshot_.size(), 0) == 0) {
      return Status(StatusCode::kInternal, "cannot restore the cached prompt prefix");
    }
    return Status::ok();
  }
  return truncate(static_cast<int>(prefix_.size()));
}

Status LlamaSession::truncate(int pos) {
  if (restore_by_snapshot_)
    return Status(StatusCode::kInternal, "a recurrent model's cache cannot drop positions");
  if (!llama_memory_seq_rm(llama_get_memory(ctx_), 0, pos, -1))
    return Status(StatusCode::kInternal, "cannot drop the previous sentence from the cache");
  return Status::ok();
}

Status LlamaSession::eval(const llama_token* tokens, size_t n, int pos0, bool all_logits,
                          std::stop_token stop) {
  if (all_logits && n > static_cast<size_t>(n_batch_))
    return Status(StatusCode::kInvalidArgument, "more tokens than one batch holds");
  if (pos0 + static_cast<int>(n) > n_ctx_)
    return Status(StatusCode::kDataError, "the sentence does not fit the context");
  stop_ = &stop;
  Status st = decode(tokens, n, pos0, all_logits);
  stop_ = nullptr;
  return st;
}

OutputAccumulator::OutputAccumulator(const llama_vocab* vocab, const GenerateOptions& options)
    : vocab_(vocab), options_(options) {
  options_.max_new_tokens = std::max(1, options_.max_new_tokens);
}

bool OutputAccumulator::add(llama_token token) {
  if (options_.stop_at_end_of_turn && llama_vocab_is_eog(vocab_, token)) return false;
  std::string piece = token_piece(vocab_, token, false);
  text_ += piece;
  ++generated_;
  if (options_.stop_at_line && piece.find('\n') != std::string::npos && has_complete_line(text_))
    return false;
  if (options_.stop_after_sentence_ends > 0) {
    sentence_ends_ += count_sentence_ends(piece);
    if (sentence_ends_ >= options_.stop_after_sentence_ends) return false;
  }
  if (generated_ >= options_.max_new_tokens) {
    hit_bound_ = true;
    return false;
  }
  return true;
}

std::string OutputAccumulator::text() const {
  // A bound can cut a character in half: drop the incomplete tail rather than speak U+FFFD.
  return utf8::sanitize(std::string_view(text_).substr(0, utf8::complete_prefix(text_)));
}

Result<Generation> LlamaSession::generate(std::string_view suffix, const GenerateOptions& options,
                                          std::stop_token stop) {
  if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
  // Back to "prefix only": drop whatever the previous sentence left (also after an error or a
  // cancel).
  if (Status st = reset_to_prefix(); !st) return st;
  const int n_prefix = static_cast<int>(prefix_.size());

  std::vector<llama_token> tokens = tokenize(suffix, false);
  if (tokens.empty()) return Status(StatusCode::kInvalidArgument, "empty prompt");
  const int max_new = std::max(1, options.max_new_tokens);
  if (n_prefix + static_cast<int>(tokens.size()) + max_new > n_ctx_) {
    return Status(StatusCode::kDataError,
                  "the sentence is too long: " + std::to_string(tokens.size()) +
                      " prompt tokens + " + std::to_string(max_new) +
                      " to generate do not fit the context after the prefix");
  }

  Generation gen;
  auto t0 = Clock::now();
  Status st = eval(tokens.data(), tokens.size(), n_prefix, false, stop);
  if (!st) return st;
  gen.prompt_tokens = static_cast<int>(tokens.size());
  prompt_tokens_evaluated_ += gen.prompt_tokens;
  int n_past = n_prefix + gen.prompt_tokens;
  llama_token token = argmax(-1);
  gen.prefill_ms = ms_since(t0);

  auto t1 = Clock::now();
  OutputAccumulator out(model_->vocab(), options);
  while (out.add(token)) {
    if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
    st = eval(&token, 1, n_past, false, stop);
    if (!st) return st;
    ++n_past;
    ++gen.decoded_tokens;
    token = argmax(-1);
  }
  gen.decode_ms = ms_since(t1);
  gen.generated_tokens = out.generated();
  gen.hit_bound = out.hit_bound();
  gen.text = out.text();
  return gen;
}

}  // namespace stream_tts::llama
