// Beam search with the semantics of transformers 4.46 generate(num_beams=N, do_sample=False):
// GenerationMixin._beam_search with BeamSearchScorer and BeamHypotheses, for one sentence and
// num_return_sequences=1. Kept step for step so that the output ids match: log_softmax in fp32, the
// logits processors on log-probabilities (forced BOS/EOS set the forced token to 0 and the rest to
// -inf), beam scores in fp32 with -1e9 for beams 1..N-1 at the start, the top 2N candidates, an EOS
// candidate ranked N or worse dropped, finished hypotheses scored sum_logprobs / length^length_penalty
// in double, early_stopping true / false / "never" as BeamHypotheses.is_done.
#include <algorithm>
#include <cmath>
#include <limits>

#include "translate/nmt/nmt_model.h"

namespace stream_tts {
namespace {

// The n-best list of finished hypotheses (BeamHypotheses).
class Hypotheses {
 public:
  Hypotheses(int beams, double length_penalty, NmtEarlyStopping early_stopping, int max_length)
      : beams_(beams), length_penalty_(length_penalty), early_stopping_(early_stopping), max_length_(max_length) {}

  int size() const { return static_cast<int>(list_.size()); }

  void add(const std::vector<int>& tokens, float sum_logprobs, int generated_len) {
    const double score = static_cast<double>(sum_logprobs) / std::pow(static_cast<double>(generated_len), length_penalty_);
    if (size() < beams_ || score > worst_) {
      list_.push_back({score, tokens});
      if (size() > beams_) {
        // sorted((score, index)): the lowest score goes (the earliest on ties), the next is the worst.
        std::vector<std::pair<double, int>> order;
        for (int i = 0; i < size(); ++i) order.emplace_back(list_[i].score, i);
        std::sort(order.begin(), order.end());
        list_.erase(list_.begin() + order[0].second);
        worst_ = order[1].first;
      } else {
        worst_ = std::min(score, worst_);
      }
    }
  }

  bool is_done(float best_sum_logprobs, int cur_len) const {
    if (size() < beams_) return false;
    const double best = best_sum_logprobs;
    switch (early_stopping_) {
      case NmtEarlyStopping::kTrue:
        return true;
      case NmtEarlyStopping::kFalse:
        return worst_ >= best / std::pow(static_cast<double>(cur_len - 1), length_penalty_);
      case NmtEarlyStopping::kNever: {
        const int len = length_penalty_ > 0.0 ? max_length_ - 1 : cur_len - 1;
        return worst_ >= best / std::pow(static_cast<double>(len), length_penalty_);
      }
    }
    return false;
  }

  // sorted(beams, key=score).pop(): the highest score, the last added among equals.
  const std::vector<int>& best() const {
    size_t best = 0;
    for (size_t i = 1; i < list_.size(); ++i) {
      if (list_[i].score >= list_[best].score) best = i;
    }
    return list_[best].tokens;
  }

 private:
  struct Entry {
    double score;
    std::vector<int> tokens;
  };
  int beams_;
  double length_penalty_;
  NmtEarlyStopping early_stopping_;
  int max_length_;
  std::vector<Entry> list_;
  double worst_ = 1e9;
};

struct Candidate {
  float score;
  int64_t index;  // beam · vocab + token
};

// torch.log_softmax of one row in fp32, as x - max - log(sum(exp(x - max))).
void log_softmax(const float* x, int n, float* out) {
  const float m = *std::max_element(x, x + n);
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += std::exp(x[i] - m);
  const float log_sum = std::log(sum);
  for (int i = 0; i < n; ++i) out[i] = x[i] - m - log_sum;
}

}  // namespace

Result<std::vector<int>> beam_generate(NmtRunner& runner, const std::vector<int>& source_ids,
                                       const GenerateOptions& options, std::stop_token stop) {
  const int beams = options.num_beams;
  if (beams <= 1) return greedy_generate(runner, source_ids, options, stop);
  const NmtConfig& c = runner.config();
  int max_length = options.max_new_tokens > 0 ? 1 + options.max_new_tokens : c.max_length;
  if (c.arch == NmtArch::kMarian) max_length = std::min(max_length, c.max_position_embeddings);
  if (Status s = runner.encode(source_ids, max_length, beams); !s) return s;
  const int vocab = c.decoder_vocab_size;
  const int keep = 2 * beams;  // max(2, 1 + number of EOS ids) · num_beams
  if (runner.allowed_tokens() < keep) {
    return Status(StatusCode::kInvalidArgument, "--beams is larger than half the vocabulary (or the shortlist)");
  }

  std::vector<std::vector<int>> seqs(beams, std::vector<int>{c.decoder_start_token_id});
  std::vector<float> beam_scores(beams, -1e9f);
  beam_scores[0] = 0.0f;
  std::vector<int> tokens(beams, c.decoder_start_token_id);
  Hypotheses hyps(beams, c.length_penalty, c.early_stopping, max_length);
  std::vector<float> scores(static_cast<size_t>(beams) * vocab);
  std::vector<Candidate> top;
  bool done = false;
  int cur_len = 1;  // decoder tokens so far (the start token is the prompt)
  while (cur_len < max_length) {
    if (stop.stop_requested()) return Status(StatusCode::kCancelled, "translation cancelled");
    if (Status s = runner.advance_beams(tokens.data(), beams); !s) return s;
    const float* logits = runner.logits();
    const bool force_bos = cur_len == 1 && options.forced_bos.has_value();
    const bool force_eos = !force_bos && cur_len == max_length - 1 && c.forced_eos_token_id.has_value();
    for (int b = 0; b < beams; ++b) {
      float* row = scores.data() + static_cast<size_t>(b) * vocab;
      log_softmax(logits + static_cast<size_t>(b) * vocab, vocab, row);
      for (int id : c.suppressed_token_ids) {
        if (id >= 0 && id < vocab) row[id] = -INFINITY;
      }
      if (force_bos || force_eos) {
        const int forced = force_bos ? *options.forced_bos : *c.forced_eos_token_id;
        std::fill(row, row + vocab, -INFINITY);
        if (forced >= 0 && forced < vocab) row[forced] = 0.0f;
      }
      for (int i = 0; i < vocab; ++i) row[i] += beam_scores[b];
    }
    // torch.topk(2N), sorted, over every beam's candidates (lower index first among equal scores).
    auto better = [](const Candidate& a, const Candidate& b) {
      return a.score > b.score || (a.score == b.score && a.index < b.index);
    };
    top.clear();
    for (int64_t i = 0; i < static_cast<int64_t>(scores.size()); ++i) {
      const Candidate cand{scores[i], i};
      if (static_cast<int>(top.size()) == keep && !better(cand, top.back())) continue;
      auto at = std::upper_bound(top.begin(), top.end(), cand, better);
      top.insert(at, cand);
      if (static_cast<int>(top.size()) > keep) top.pop_back();
    }
    // BeamSearchScorer.process: EOS candidates among the first N finish a hypothesis; the others
    // continue, until N beams are filled.
    const int next_len = cur_len + 1;
    std::vector<int> parents, next_tokens;
    std::vector<float> next_scores;
    for (int rank = 0; rank < keep && static_cast<int>(parents.size()) < beams; ++rank) {
      const int beam = static_cast<int>(top[rank].index / vocab);
      const int token = static_cast<int>(top[rank].index % vocab);
      if (token == c.eos_token_id) {
        if (rank >= beams) continue;
        hyps.add(seqs[beam], top[rank].score, next_len - 1);
      } else {
        parents.push_back(beam);
        next_tokens.push_back(token);
        next_scores.push_back(top[rank].score);
      }
    }
    if (static_cast<int>(parents.size()) < beams) {
      return Status(StatusCode::kInternal, "beam search: fewer continuations than beams");
    }
    done = done || hyps.is_done(top[0].score, next_len);
    std::vector<std::vector<int>> next_seqs(beams);
    for (int b = 0; b < beams; ++b) {
      next_seqs[b] = seqs[parents[b]];
      next_seqs[b].push_back(next_tokens[b]);
    }
    seqs = std::move(next_seqs);
    beam_scores = std::move(next_scores);
    tokens = std::move(next_tokens);
    runner.reorder_beams(parents);
    cur_len = next_len;
    if (done) break;
  }
  // BeamSearchScorer.finalize: unfinished beams compete with the finished hypotheses.
  if (!done) {
    for (int b = 0; b < beams; ++b) hyps.add(seqs[b], beam_scores[b], static_cast<int>(seqs[b].size()) - 1);
  }
  std::vector<int> best = hyps.best();
  if (static_cast<int>(best.size()) < max_length) best.push_back(c.eos_token_id);
  return best;
}

}  // namespace stream_tts
