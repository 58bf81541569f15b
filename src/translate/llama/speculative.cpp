#include "translate/llama/speculative.h"

#include <llama.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <vector>

#include "translate/llama/llama_model.h"

namespace stream_tts::llama {
namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string piece(const llama_vocab* vocab, llama_token t) {
  char buf[128];
  int32_t n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, true);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

std::string speculative_incompatibility(const LlamaSession& target, const LlamaSession& draft) {
  if (!target.can_truncate() || !draft.can_truncate())
    return "speculative decoding needs transformer models (a recurrent model's cache cannot drop "
           "rejected tokens)";
  const llama_vocab* tv = target.model().vocab();
  const llama_vocab* dv = draft.model().vocab();
  const int nt = llama_vocab_n_tokens(tv);
  const int nd = llama_vocab_n_tokens(dv);
  // Sizes may differ by padding rows (Qwen2.5-7B has 152064 entries, 0.5B 151936): the draft only
  // proposes ids of its own vocabulary, which must mean the same in the target's.
  constexpr int kMaxPaddingDifference = 128;
  if (std::abs(nt - nd) > kMaxPaddingDifference) {
    return "the draft model's vocabulary has " + std::to_string(nd) + " tokens, the target's " +
           std::to_string(nt);
  }
  const int n = std::min(nt, nd);
  // Same size is not enough: compare a spread of token texts, the control tokens included.
  for (int t = 0; t < n; t += std::max(1, n / 997)) {
    if (piece(tv, t) != piece(dv, t))
      return "the draft model's vocabulary differs from the target's (token " + std::to_string(t) + ")";
  }
  return {};
}

Result<Generation> generate_speculative(LlamaSession& target, LlamaSession& draft,
                                        std::string_view suffix, const GenerateOptions& options,
                                        int draft_tokens, std::stop_token stop) {
  using Clock = std::chrono::steady_clock;
  const int k = std::clamp(draft_tokens, 1, 16);
  if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
  if (target.prefix_tokens() != draft.prefix_tokens())
    return Status(StatusCode::kInternal, "the draft and target prefixes differ");
  if (Status st = target.reset_to_prefix(); !st) return st;
  if (Status st = draft.reset_to_prefix(); !st) return st;
  const int n_prefix = target.prefix_tokens();
  std::vector<llama_token> prompt = target.tokenize(suffix, false);
  if (prompt.empty()) return Status(StatusCode::kInvalidArgument, "empty prompt");
  const int max_new = std::max(1, options.max_new_tokens);
  if (n_prefix + static_cast<int>(prompt.size()) + max_new + k + 1 > target.n_ctx() ||
      n_prefix + static_cast<int>(prompt.size()) + max_new + k + 1 > draft.n_ctx()) {
    return Status(StatusCode::kDataError, "the sentence is too long for the context");
  }

  Generation gen;
  auto t0 = Clock::now();
  const int pos_prompt = n_prefix;
  if (Status st = target.eval(prompt.data(), prompt.size(), pos_prompt, false, stop); !st) return st;
  gen.prompt_tokens = static_cast<int>(prompt.size());
  target.count_evaluated(gen.prompt_tokens);
  llama_token token = target.argmax(-1);
  gen.prefill_ms = ms_since(t0);

  // The draft evaluates the prompt the same way (one batch), so that its cache holds the same numbers:
  // llama.cpp's kernels may round differently for other batch shapes.
  if (Status st = draft.eval(prompt.data(), prompt.size(), pos_prompt, false, stop); !st) return st;
  std::vector<llama_token> draft_pending;  // accepted tokens the draft cache still lacks
  int draft_pos = pos_prompt + gen.prompt_tokens;  // next position the draft cache lacks
  int n_past = pos_prompt + gen.prompt_tokens;  // position of `token` (not yet evaluated anywhere)

  // The target's vocabulary may be larger (padding ids): should it ever pick an id the draft does not
  // have, the draft cannot follow, and the rest of the sentence is decoded without it.
  const int draft_vocab = llama_vocab_n_tokens(draft.model().vocab());
  const int target_vocab = llama_vocab_n_tokens(target.model().vocab());
  bool drafting = true;

  auto t1 = Clock::now();
  OutputAccumulator out(target.model().vocab(), options);
  std::vector<llama_token> batch;
  batch.reserve(static_cast<size_t>(k) + 1);
  while (out.add(token)) {
    if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
    // Draft up to k tokens after `token` (no more than the bound still allows), catching the draft
    // cache up first.
    if (token < 0 || token >= draft_vocab) drafting = false;
    int kk = drafting ? std::min(k, max_new - out.generated()) : 0;
    if (drafting) draft_pending.push_back(token);
    batch.assign(1, token);
    for (int i = 0; i < kk; ++i) {
      if (Status st = draft.eval(draft_pending.data(), draft_pending.size(), draft_pos, false, stop);
          !st) {
        return st;
      }
      draft_pos += static_cast<int>(draft_pending.size());
      llama_token d = draft.argmax(-1);
      if (d < 0 || d >= target_vocab) {  // a draft padding id the target does not have
        draft_pending.clear();
        break;
      }
      batch.push_back(d);
      draft_pending.assign(1, d);
    }
    kk = static_cast<int>(batch.size()) - 1;
    gen.draft_tokens += kk;
    // The draft cache holds token, d1..d(k-1); d_k is pending.
    // Verify: the target evaluates token, d1..dk and says what it would have chosen after each.
    if (Status st = target.eval(batch.data(), batch.size(), n_past, true, stop); !st) return st;
    ++gen.decoded_tokens;
    int accepted = 0;
    llama_token next = target.argmax(0);
    bool stopped = false;
    while (accepted < kk && next == batch[static_cast<size_t>(accepted) + 1]) {
      ++accepted;
      if (!out.add(next)) {
        stopped = true;
        break;
      }
      next = target.argmax(accepted);
    }
    gen.accepted_tokens += accepted;
    if (stopped) {
      // Drafts past the end of the output were not needed, not rejected.
      gen.draft_tokens -= kk - accepted;
      break;
    }
    // Keep token + the accepted drafts in both caches; `next` is the new token to emit.
    const int keep_until = n_past + 1 + accepted;  // first position to drop
    if (Status st = target.truncate(keep_until); !st) return st;
    if (accepted < kk) {
      // d_(accepted+1) and later were wrong: the draft drops them too, and its pending d_k.
      if (draft_pos > keep_until) {
        if (Status st = draft.truncate(keep_until); !st) return st;
      }
      draft_pos = keep_until;
      draft_pending.clear();
    }
    // else every draft was accepted: the draft cache lacks only d_k, which stays pending.
    n_past = keep_until;
    token = next;
  }
  gen.decode_ms = ms_since(t1);
  gen.generated_tokens = out.generated();
  gen.hit_bound = out.hit_bound();
  gen.text = out.text();
  return gen;
}

}  // namespace stream_tts::llama
