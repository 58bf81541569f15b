#include "translate/nmt/nmt_shortlist.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

#include "translate/nmt/piece_vocab.h"

namespace stream_tts {

std::vector<int> read_nmt_shortlist(const std::string& path, const NmtTokenizer& tokenizer, int decoder_vocab) {
  const std::string text = nmt_detail::read_file_or_throw(path);
  std::vector<int> ids;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::string piece = line.substr(0, line.find('\t'));
    if (!piece.empty() && piece[0] == '\\') piece.erase(0, 1);
    if (piece.empty()) {
      throw Error(StatusCode::kDataError, fmt::format("{}:{}: empty piece before the tab", path, number));
    }
    const int id = tokenizer.token_id(piece);
    if (id < 0) {
      throw Error(StatusCode::kDataError,
                  fmt::format("{}:{}: piece '{}' is not in the model's vocabulary (one SentencePiece piece a line, "
                              "'\u2581' for a word start; docs/nmt.md)",
                              path, number, piece));
    }
    if (id >= decoder_vocab) {
      throw Error(StatusCode::kDataError, fmt::format("{}:{}: piece '{}' has id {}, outside the decoder vocabulary "
                                                      "({} tokens)",
                                                      path, number, piece, id, decoder_vocab));
    }
    ids.push_back(id);
  }
  if (ids.empty()) throw Error(StatusCode::kDataError, fmt::format("{}: no pieces (docs/nmt.md)", path));
  return ids;
}

std::vector<int> shortlist_with_specials(std::vector<int> ids, const NmtConfig& config, const NmtTokenizer& tokenizer) {
  for (int id : {config.eos_token_id, config.pad_token_id, config.bos_token_id, config.decoder_start_token_id,
                 tokenizer.unk_id()}) {
    ids.push_back(id);
  }
  if (auto bos = tokenizer.forced_bos()) ids.push_back(*bos);
  if (config.forced_bos_token_id) ids.push_back(*config.forced_bos_token_id);
  if (config.forced_eos_token_id) ids.push_back(*config.forced_eos_token_id);
  std::erase_if(ids, [&](int id) { return id < 0 || id >= config.decoder_vocab_size; });
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

NmtHeadRows gather_head_rows(const NmtWeights& w, const std::vector<int>& ids) {
  const nn::Linear& full = w.lm_head;
  const int tail_start = full.out - full.out % 4;
  std::vector<int> order;
  for (int id : ids) {
    if (id < 0 || id >= full.out) {
      throw Error(StatusCode::kInvalidArgument, fmt::format("shortlist: id {} outside the decoder vocabulary", id));
    }
    if (id < tail_start) order.push_back(id);
  }
  while (order.size() % 4 != 0) order.push_back(order.back());
  for (int id : ids) {
    if (id >= tail_start) order.push_back(id);
  }
  NmtHeadRows rows;
  const int n = static_cast<int>(order.size()), k = full.in;
  rows.head.in = k;
  rows.head.out = n;
  if (full.quantized()) {
    rows.head.qweight.resize(static_cast<size_t>(n) * k);
    rows.head.qscale.resize(n);
    for (int r = 0; r < n; ++r) {
      std::memcpy(rows.head.qweight.data() + static_cast<size_t>(r) * k,
                  full.qweight.data() + static_cast<size_t>(order[r]) * k, k);
      rows.head.qscale[r] = full.qscale[order[r]];
    }
  } else if (n > 0) {
    std::vector<float> values(static_cast<size_t>(n) * k);
    for (int r = 0; r < n; ++r) {
      std::memcpy(values.data() + static_cast<size_t>(r) * k, full.weight.data + static_cast<size_t>(order[r]) * k,
                  k * sizeof(float));
    }
    rows.head.weight = nn::make_tensor({n, k}, std::move(values));
  }
  if (!full.bias.empty()) {
    std::vector<float> b(n);
    for (int r = 0; r < n; ++r) b[r] = full.bias.data[order[r]];
    rows.head.bias = nn::make_tensor({n}, std::move(b));
  }
  if (!w.final_logits_bias.empty()) {
    for (int id : order) rows.bias.push_back(w.final_logits_bias[id]);
  }
  rows.row_ids = std::move(order);
  return rows;
}

std::shared_ptr<const NmtShortlist> make_nmt_shortlist(const NmtModel& model, std::vector<int> ids,
                                                       bool argmax_screen) {
  if (ids.empty() || !std::is_sorted(ids.begin(), ids.end()) || std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
    throw Error(StatusCode::kInvalidArgument, "shortlist: ids must be sorted and unique");
  }
  auto s = std::make_shared<NmtShortlist>();
  s->rows = gather_head_rows(*model.weights, ids);
  // Without its own screen the compact head would be read in fp32 where the full head was read as an
  // int8 screen: a Marian-size shortlist then costs more bytes than the whole vocabulary did.
  if (argmax_screen && !s->rows.head.quantized()) {
    s->screen = nn::make_argmax_screen(s->rows.head);
  }
  s->ids = std::move(ids);
  return s;
}

}  // namespace stream_tts
