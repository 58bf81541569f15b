// NLLB / M2M100 and Marian tokenisers (see nmt_tokenizer.h for what each produces).
#include "translate/nmt/nmt_tokenizer.h"

#include <sentencepiece_processor.h>

#include <filesystem>

#include <fmt/format.h>

#include "stream_tts/status.h"
#include "translate/nmt/piece_vocab.h"

namespace stream_tts {
namespace {

using nmt_detail::PieceVocab;
namespace fs = std::filesystem;

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581, SentencePiece's word boundary

std::unique_ptr<sentencepiece::SentencePieceProcessor> load_spm(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(StatusCode::kNotFound, fmt::format("{}: missing", path));
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->Load(path);
  if (!status.ok()) {
    throw Error(StatusCode::kDataError, fmt::format("{}: not a SentencePiece model ({})", path, status.ToString()));
  }
  return sp;
}

std::vector<std::string> pieces_of(const sentencepiece::SentencePieceProcessor& sp, std::string_view text) {
  std::vector<std::string> pieces;
  // Encoding fails only on an unusable model, which load() has already refused.
  (void)sp.Encode(text, &pieces);
  return pieces;
}

int require_id(const PieceVocab& vocab, const std::string& token, const std::string& file) {
  const int id = vocab.find(token);
  if (id < 0) throw Error(StatusCode::kDataError, fmt::format("{}: no id for the token '{}'", file, token));
  return id;
}

// "<0xE3>" pieces are raw bytes (byte fallback).
bool byte_piece(std::string_view piece, char* byte) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return false;
  *byte = static_cast<char>(std::stoi(std::string(piece.substr(3, 2)), nullptr, 16));
  return true;
}

// NLLB through transformers' fast tokenizer (tokenizer.json) or, without it, the slow one's fairseq
// numbering. Segmentation is SentencePiece's in both.
class NllbTokenizer final : public NmtTokenizer {
 public:
  NllbTokenizer(const std::string& dir, const NmtConfig& config, const std::string& src, const std::string& tgt) {
    sp_ = load_spm((fs::path(dir) / "sentencepiece.bpe.model").string());
    const std::string tokenizer_json = (fs::path(dir) / "tokenizer.json").string();
    std::error_code ec;
    if (fs::is_regular_file(tokenizer_json, ec)) {
      vocab_ = nmt_detail::read_tokenizer_json(tokenizer_json);
      vocab_file_ = tokenizer_json;
    } else {
      // The slow tokenizer: fairseq's <s> <pad> </s> <unk> first, every SentencePiece id shifted by one
      // (its own <unk>, id 0, maps to 3), language codes and <mask> from tokenizer_config.json.
      vocab_file_ = (fs::path(dir) / "tokenizer_config.json").string();
      const std::string spm_file = (fs::path(dir) / "sentencepiece.bpe.model").string();
      vocab_.add("<s>", 0, true, spm_file);
      vocab_.add("<pad>", 1, true, spm_file);
      vocab_.add("</s>", 2, true, spm_file);
      vocab_.add("<unk>", 3, true, spm_file);
      for (int i = 1; i < sp_->GetPieceSize(); ++i) {
        if (sp_->IsControl(i) || sp_->IsUnknown(i)) continue;
        vocab_.add(sp_->IdToPiece(i), i + 1, false, spm_file);
      }
    }
    bool clean = false;
    nmt_detail::read_tokenizer_config((fs::path(dir) / "tokenizer_config.json").string(), &vocab_, &clean);
    clean_up_ = clean;
    unk_ = require_id(vocab_, "<unk>", vocab_file_);
    eos_ = config.eos_token_id;
    for (int id : {config.pad_token_id, config.eos_token_id, config.bos_token_id, unk_}) vocab_.special.insert(id);
    src_id_ = language_id(src);
    tgt_id_ = language_id(tgt);
    vocab_.special.insert(src_id_);
    vocab_.special.insert(tgt_id_);
  }

  std::vector<int> encode_source(std::string_view text) const override {
    std::vector<int> ids = {src_id_};
    for (const auto& piece : pieces_of(*sp_, text)) {
      const int id = vocab_.find(piece);
      ids.push_back(id < 0 ? unk_ : id);
    }
    ids.push_back(eos_);
    return ids;
  }

  std::optional<int> forced_bos() const override { return tgt_id_; }

  // The fast tokenizer's Metaspace decoder: U+2581 -> space, the first token's leading space dropped.
  std::string decode(const std::vector<int>& ids) const override {
    std::string out;
    bool first = true;
    for (int id : ids) {
      if (id < 0 || static_cast<size_t>(id) >= vocab_.pieces.size() || vocab_.special.count(id)) continue;
      std::string piece = vocab_.pieces[id];
      char byte;
      if (byte_piece(piece, &byte)) {
        out.push_back(byte);
        first = false;
        continue;
      }
      std::string text;
      for (size_t i = 0; i < piece.size();) {
        if (piece.compare(i, kSpaceMark.size(), kSpaceMark) == 0) {
          text.push_back(' ');
          i += kSpaceMark.size();
        } else {
          text.push_back(piece[i++]);
        }
      }
      if (first && !text.empty() && text[0] == ' ') text.erase(0, 1);
      first = false;
      out += text;
    }
    return clean_up_ ? clean_up_tokenization(std::move(out)) : out;
  }

  int token_id(std::string_view token) const override { return vocab_.find(token); }
  int unk_id() const override { return unk_; }
  std::vector<std::string> target_pieces(std::string_view text) const override { return pieces_of(*sp_, text); }

 private:
  int language_id(const std::string& lang) const {
    const std::string code = nllb_language_code(lang);
    for (const std::string& candidate : {code, "__" + lang + "__"}) {
      const int id = vocab_.find(candidate);
      if (id >= 0) return id;
    }
    throw Error(StatusCode::kInvalidArgument,
                fmt::format("language '{}' has no token in {} (NLLB codes look like eng_Latn, jpn_Jpan)", lang,
                            vocab_file_));
  }

  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  PieceVocab vocab_;
  std::string vocab_file_;
  bool clean_up_ = false;
  int unk_ = 3, eos_ = 2, src_id_ = -1, tgt_id_ = -1;
};

// Marian (OPUS-MT): source.spm segments the source, target.spm decodes, vocab.json numbers both.
class MarianTokenizer final : public NmtTokenizer {
 public:
  MarianTokenizer(const std::string& dir, const NmtConfig& config) {
    source_ = load_spm((fs::path(dir) / "source.spm").string());
    target_ = load_spm((fs::path(dir) / "target.spm").string());
    const std::string vocab_json = (fs::path(dir) / "vocab.json").string();
    vocab_ = nmt_detail::read_vocab_json(vocab_json);
    bool clean = false;
    nmt_detail::read_tokenizer_config((fs::path(dir) / "tokenizer_config.json").string(), &vocab_, &clean);
    clean_up_ = clean;
    std::string unk = nmt_detail::read_special_token((fs::path(dir) / "special_tokens_map.json").string(), "unk_token");
    unk_ = require_id(vocab_, unk.empty() ? "<unk>" : unk, vocab_json);
    eos_ = config.eos_token_id;
    for (int id : {config.pad_token_id, config.eos_token_id, unk_}) vocab_.special.insert(id);
  }

  std::vector<int> encode_source(std::string_view text) const override {
    std::vector<int> ids;
    for (const auto& piece : pieces_of(*source_, text)) {
      const int id = vocab_.find(piece);
      ids.push_back(id < 0 ? unk_ : id);
    }
    ids.push_back(eos_);
    return ids;
  }

  std::optional<int> forced_bos() const override { return std::nullopt; }

  // MarianTokenizer.convert_tokens_to_string: target.spm decodes the pieces, then U+2581 -> space, strip.
  std::string decode(const std::vector<int>& ids) const override {
    std::vector<std::string> pieces;
    for (int id : ids) {
      if (id < 0 || static_cast<size_t>(id) >= vocab_.pieces.size() || vocab_.special.count(id)) continue;
      pieces.push_back(vocab_.pieces[id]);
    }
    std::string text;
    (void)target_->Decode(pieces, &text);
    std::string out;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, kSpaceMark.size(), kSpaceMark) == 0) {
        out.push_back(' ');
        i += kSpaceMark.size();
      } else {
        out.push_back(text[i++]);
      }
    }
    const size_t b = out.find_first_not_of(" \t\n\r\f\v");
    const size_t e = out.find_last_not_of(" \t\n\r\f\v");
    out = b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
    return clean_up_ ? clean_up_tokenization(std::move(out)) : out;
  }

  int token_id(std::string_view token) const override { return vocab_.find(token); }
  int unk_id() const override { return unk_; }
  std::vector<std::string> target_pieces(std::string_view text) const override {
    return pieces_of(*target_, text);
  }

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> source_, target_;
  PieceVocab vocab_;
  bool clean_up_ = false;
  int unk_ = 1, eos_ = 0;
};

void replace_all(std::string* s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::string::npos; pos += to.size()) {
    s->replace(pos, from.size(), to);
  }
}

}  // namespace

std::string clean_up_tokenization(std::string text) {
  constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) replace_all(&text, from, to);
  return text;
}

std::string nllb_language_code(const std::string& lang) {
  static const std::pair<const char*, const char*> kCodes[] = {
      {"en", "eng_Latn"}, {"ja", "jpn_Jpan"}, {"de", "deu_Latn"}, {"fr", "fra_Latn"}, {"es", "spa_Latn"},
      {"it", "ita_Latn"}, {"pt", "por_Latn"}, {"ru", "rus_Cyrl"}, {"zh", "zho_Hans"}, {"ko", "kor_Hang"}};
  for (const auto& [iso, code] : kCodes) {
    if (lang == iso) return code;
  }
  return lang;
}

std::unique_ptr<NmtTokenizer> NmtTokenizer::load(const std::string& dir, const NmtConfig& config,
                                                 const std::string& src_lang, const std::string& tgt_lang) {
  if (config.arch == NmtArch::kMarian) return std::make_unique<MarianTokenizer>(dir, config);
  return std::make_unique<NllbTokenizer>(dir, config, src_lang, tgt_lang);
}

}  // namespace stream_tts
