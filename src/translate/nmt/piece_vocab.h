// Token string <-> id tables read from Hugging Face tokenizer files (internal to the nmt backend).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace stream_tts::nmt_detail {

struct PieceVocab {
  std::unordered_map<std::string, int> ids;
  std::vector<std::string> pieces;   // by id; empty strings for gaps
  std::unordered_set<int> special;   // ids skipped by decode(skip_special_tokens=True)

  void add(const std::string& piece, int id, bool is_special);
  int find(std::string_view piece) const;  // -1 when absent
};

// tokenizer.json: model.vocab (BPE map or Unigram list) and added_tokens. Throws Error naming the file.
PieceVocab read_tokenizer_json(const std::string& path);
// vocab.json: {piece: id}. Throws Error naming the file.
PieceVocab read_vocab_json(const std::string& path);
// tokenizer_config.json: added_tokens_decoder entries (id, content, special) into `vocab`, and the
// clean_up_tokenization_spaces flag (default: transformers' default for the file's version).
void read_tokenizer_config(const std::string& path, PieceVocab* vocab, bool* clean_up_spaces);
// special_tokens_map.json / tokenizer_config.json string entries such as "unk_token"; empty if absent.
std::string read_special_token(const std::string& path, const char* key);

std::string read_file_or_throw(const std::string& path);

}  // namespace stream_tts::nmt_detail
