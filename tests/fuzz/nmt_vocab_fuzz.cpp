// The nmt backend's tokenizer-file readers (src/translate/nmt/piece_vocab.h: tokenizer.json,
// vocab.json, tokenizer_config.json, special_tokens_map.json; the tokenizers of nmt_tokenizer.cpp read
// the model folder's files through them). A rejected document throws Error(kDataError) and nothing
// else (no bad_alloc from a huge id); in an accepted vocabulary every piece maps to an id in
// [0, kMaxTokenId] that indexes `pieces`, find() returns it, and special ids index `pieces` too.
// Reading the same text again gives the same table.
//
// Input: one byte picking the reader (low two bits: tokenizer.json, vocab.json, tokenizer_config.json
// applied to an empty table, special_tokens_map.json's "unk_token"), then the document.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "stream_tts/status.h"
#include "translate/nmt/piece_vocab.h"

namespace {

using stream_tts::nmt_detail::PieceVocab;

PieceVocab read(int kind, std::string_view doc, bool* clean, std::string* unk) {
  namespace nd = stream_tts::nmt_detail;
  switch (kind) {
    case 0: return nd::parse_tokenizer_json(doc, "tokenizer.json");
    case 1: return nd::parse_vocab_json(doc, "vocab.json");
    case 2: {
      PieceVocab v;
      nd::parse_tokenizer_config(doc, "tokenizer_config.json", &v, clean);
      return v;
    }
    default: *unk = nd::parse_special_token(doc, "special_tokens_map.json", "unk_token"); return {};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  namespace fz = stream_tts::fuzz;
  fz::Params params(data, size, 1);
  const int kind = params.byte() & 3;
  const std::string_view doc = params.payload();
  PieceVocab v;
  bool clean = false;
  std::string unk;
  try {
    v = read(kind, doc, &clean, &unk);
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "nmt_vocab: a bad file is kDataError", "", e.what());
    return 0;
  } catch (const std::exception& e) {
    fz::fail("nmt_vocab: a bad file throws only stream_tts::Error", "", e.what());
  }
  fz::check(v.pieces.size() <= static_cast<size_t>(nmt_detail::kMaxTokenId) + 1, "nmt_vocab: the table is bounded");
  for (const auto& [piece, id] : v.ids) {
    fz::check(id >= 0 && static_cast<size_t>(id) < v.pieces.size(), "nmt_vocab: ids index the pieces", "", piece);
    fz::check(v.find(piece) == id, "nmt_vocab: find() returns the piece's id", "", piece);
  }
  for (int id : v.special) {
    fz::check(id >= 0 && static_cast<size_t>(id) < v.pieces.size(), "nmt_vocab: special ids index the pieces");
  }
  bool clean2 = false;
  std::string unk2;
  const PieceVocab again = read(kind, doc, &clean2, &unk2);
  fz::check(again.ids == v.ids && again.pieces == v.pieces && again.special == v.special && clean2 == clean &&
                unk2 == unk,
            "nmt_vocab: reading is deterministic");
  return 0;
}
