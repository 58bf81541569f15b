// Tokenisers of the nmt backend, matching transformers' ids exactly: SentencePiece segments the text
// (libsentencepiece) and the ids come from the tokenizer files as transformers reads them
// (tokenizer.json / vocab.json, added and special tokens), never from the SentencePiece model's own
// numbering (NLLB shifts it by the fairseq offset; Marian joins two models into one vocabulary).
//   NLLB / M2M100: source = [src_lang] pieces </s> (transformers' non-legacy NLLB behaviour); the
//                  decoder starts with decoder_start_token_id, then the target language is forced.
//   Marian:        source = pieces </s>; the decoder starts with the pad token; no language tokens.
// Threads: read-only after loading; encode/decode may be called concurrently.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "translate/nmt/nmt_config.h"

namespace stream_tts {

class NmtTokenizer {
 public:
  virtual ~NmtTokenizer() = default;

  // Loads the tokenizer files of DIR for `config`'s architecture. src/tgt: language codes (NLLB
  // "eng_Latn", or "en"/"ja" which map to NLLB codes); ignored by Marian. Throws Error naming the file
  // (kNotFound, kDataError) or kInvalidArgument for a language the vocabulary lacks.
  static std::unique_ptr<NmtTokenizer> load(const std::string& dir, const NmtConfig& config,
                                            const std::string& src_lang, const std::string& tgt_lang);

  // Ids of the source sentence, special tokens included.
  virtual std::vector<int> encode_source(std::string_view text) const = 0;
  // The token generation must start with after decoder_start_token_id (NLLB's target language code).
  virtual std::optional<int> forced_bos() const = 0;
  // Text of generated ids with special tokens skipped (transformers' decode(skip_special_tokens=True)).
  virtual std::string decode(const std::vector<int>& ids) const = 0;
  // The id of a token string, or -1.
  virtual int token_id(std::string_view token) const = 0;
  // The unknown token's id.
  virtual int unk_id() const = 0;
  // The pieces the target side's SentencePiece model cuts target-language text into (NLLB: the one
  // model; Marian: target.spm), no special tokens; a piece may be absent from the vocabulary
  // (token_id -1). For building shortlists from a target corpus (tools/nmt/make_shortlist.cpp).
  virtual std::vector<std::string> target_pieces(std::string_view text) const = 0;
};

// transformers' clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...).
std::string clean_up_tokenization(std::string text);

// The NLLB code for a short ISO code ("en" -> "eng_Latn"); other strings are returned unchanged.
std::string nllb_language_code(const std::string& lang);

}  // namespace stream_tts
