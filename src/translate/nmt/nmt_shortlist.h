// Target-vocabulary shortlist of the nmt backend (--shortlist FILE, docs/nmt.md): the LM head scores
// only the allowed output tokens of a sentence = the file's pieces ∪ the sentence's own source token
// ids (names, numbers and identifiers can still be copied) ∪ the special tokens (eos, pad, unk, bos,
// the decoder start token, the forced target-language BOS and forced EOS). The greedy pick is the best
// allowed token, so outputs equal the full-vocabulary ones whenever the full argmax is allowed; beam
// search normalises its log-probabilities over the allowed tokens.
// Why: NLLB's LM head is 256,206 rows × d_model, most of a decoder step's bytes; a 32k shortlist reads
// an eighth of it.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "nn/linear.h"
#include "translate/nmt/nmt_model.h"
#include "translate/nmt/nmt_tokenizer.h"

namespace stream_tts {

// Rows of the LM head copied out, in the model's format (fp32 or int8), laid out so that
// nn::cpu::linear() gives each row the very bits it gives that row inside the full head: linear()
// sums a row of a 4-row block in another order than one of the last out % 4 rows, so the rows of
// blocks come first (padded to a multiple of 4 by repeating a row) and the full head's tail rows last.
struct NmtHeadRows {
  nn::Linear head;
  std::vector<int> row_ids;  // the full id of each row of head (a padding row repeats one)
  std::vector<float> bias;   // final_logits_bias of each row (Marian); empty when the model has none
};
// Throws Error(kInvalidArgument) for an id outside the decoder vocabulary.
NmtHeadRows gather_head_rows(const NmtWeights& weights, const std::vector<int>& ids);

// The shortlist's part that is the same for every sentence: read-only after make_nmt_shortlist,
// shared by every runner.
struct NmtShortlist {
  std::vector<int> ids;  // allowed ids, sorted and unique: the file's pieces and the special tokens
  NmtHeadRows rows;      // their LM-head rows
  // An int8 screen of rows.head (nn::cpu::linear_argmax; make_nmt_shortlist's argmax_screen, fp32
  // only): the greedy pick then reads the compact head as int8, a quarter of its fp32 bytes, and stays
  // exact. Empty otherwise.
  nn::ArgmaxScreen screen;
};

// Reads a shortlist file: UTF-8, one SentencePiece piece per line exactly as the vocabulary spells it
// ("▁" marks a word start); anything after a tab is ignored (make_shortlist writes counts there);
// blank lines and lines starting with '#' are skipped; a leading backslash is dropped, so "\#" and
// "\\x" are the pieces "#" and "\x". Returns the ids, in file order. Throws Error naming the file
// (kNotFound: unreadable; kDataError: "FILE:LINE: ..." for a piece the model's vocabulary lacks or an
// id outside the decoder vocabulary, or a file without any piece).
std::vector<int> read_nmt_shortlist(const std::string& path, const NmtTokenizer& tokenizer, int decoder_vocab);

// `ids` plus the special tokens that generation may emit or force (see the top of this file); sorted,
// unique.
std::vector<int> shortlist_with_specials(std::vector<int> ids, const NmtConfig& config, const NmtTokenizer& tokenizer);

// The sentence's source ids below decoder_vocab that `sorted_ids` lacks, sorted and unique: the rows
// a sentence adds to the shortlist (its source slots), on the CPU and on CUDA. Inline: the CUDA runner
// is also built alone (bench/gpu/nmt) without this file's .cpp.
inline std::vector<int> source_ids_outside(const std::vector<int>& sorted_ids, const std::vector<int>& source_ids,
                                           int decoder_vocab) {
  std::vector<int> extra;
  for (int id : source_ids) {
    if (id < decoder_vocab && !std::binary_search(sorted_ids.begin(), sorted_ids.end(), id)) extra.push_back(id);
  }
  std::sort(extra.begin(), extra.end());
  extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
  return extra;
}

// Copies the LM-head rows (and final_logits_bias entries) of `ids` (sorted, unique, in range) out of
// `model`. Throws Error(kInvalidArgument) for ids that are not. argmax_screen: also build the compact
// head's int8 screen (fp32 models; for greedy decoding, where only the argmax is needed).
std::shared_ptr<const NmtShortlist> make_nmt_shortlist(const NmtModel& model, std::vector<int> ids,
                                                       bool argmax_screen = false);

}  // namespace stream_tts
