// Token string <-> id tables read from Hugging Face tokenizer files (internal to the nmt backend).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace stream_tts::nmt_detail {

// Ids above this are refused as corrupt: real vocabularies have at most a few hundred thousand tokens,
// and `pieces` is indexed by id (an id of 2^31 would allocate 64 GB; this bound, 32 MB, a few ms).
inline constexpr int kMaxTokenId = (1 << 20) - 1;

struct PieceVocab {
  std::unordered_map<std::string, int> ids;
  std::vector<std::string> pieces;   // by id; empty strings for gaps
  std::unordered_set<int> special;   // ids skipped by decode(skip_special_tokens=True)

  // Ignores a negative id; throws Error(kDataError) naming `file` for an id above kMaxTokenId.
  void add(const std::string& piece, int64_t id, bool is_special, const std::string& file);
  int find(std::string_view piece) const;  // -1 when absent
};

// tokenizer.json: model.vocab (BPE map or Unigram list) and added_tokens. Throws Error naming the file.
PieceVocab read_tokenizer_json(const std::string& path);
// vocab.json: {piece: id}. Throws Error naming the file.
PieceVocab read_vocab_json(const std::string& path);
// tokenizer_config.json: added_tokens_decoder entries (id, content, special) into `vocab`, and the
// clean_up_tokenization_spaces flag (default: transformers' default for the file's version). A missing
// file leaves both as they are but the flag, which gets that default.
void read_tokenizer_config(const std::string& path, PieceVocab* vocab, bool* clean_up_spaces);
// special_tokens_map.json / tokenizer_config.json string entries such as "unk_token"; empty if absent.
std::string read_special_token(const std::string& path, const char* key);

// The same from the files' text (the readers above call these; the fuzz targets too). `file` names
// the document in errors. Malformed text throws Error(kDataError) and nothing else.
PieceVocab parse_tokenizer_json(std::string_view json, const std::string& file);
PieceVocab parse_vocab_json(std::string_view json, const std::string& file);
void parse_tokenizer_config(std::string_view json, const std::string& file, PieceVocab* vocab, bool* clean_up_spaces);
std::string parse_special_token(std::string_view json, const std::string& file, const char* key);

std::string read_file_or_throw(const std::string& path);

}  // namespace stream_tts::nmt_detail
