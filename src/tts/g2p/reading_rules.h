// The reading corrections pyopenjtalk-plus applies after Open JTalk's NJD rules (its
// apply_postprocessing() and the C changes of its Open JTalk fork) that are ported here: fraction
// denominators, 〇〇, the reading of a lone 何, the un-lengthened auxiliary う and loanword
// spellings. docs/g2p.md lists the rules that are not.
#pragma once

#include <vector>

#include "tts/g2p/nani_model.h"
#include "tts/g2p/njd_frontend.h"

namespace stream_tts::g2p {

// Rewrites read/pron of *words in place, in pyopenjtalk-plus's order; never adds or removes words.
void apply_reading_rules(const NaniModel& nani, std::vector<NjdWord>* words);

// predict_nani_reading(): 何 reads ナニ before を/が/に/も/より/する and the copula で, ナン before
// the case particle で and as the numerator of a fraction (三分の何), otherwise as the model says.
void read_nani(const NaniModel& nani, std::vector<NjdWord>* words);

// The denominator of a fraction: a 分 counter after a number and before の and a number reads ブン
// (三分の一 さんぶんのいち, not さんぷん), as pyopenjtalk-plus's modify_numeral_reading does in C.
void read_fraction_bun(std::vector<NjdWord>* words);

// Two or more 〇 in a row (〇〇さん, a placeholder name) read マル each, as pyopenjtalk-plus reads
// them; a 〇 inside a number (二〇〇三) has been read by njd_set_digit already.
void read_maru(std::vector<NjdWord>* words);

// suppress_unnatural_auxiliary_u_long_vowel(): an auxiliary う that NJD lengthened (pron ー)
// after a word ending in an a/i/e-row kana is pronounced ウ again.
void unlengthen_auxiliary_u(std::vector<NjdWord>* words);

// restore_loanword_kana(): a katakana word whose pronunciation the dictionary simplified (ヴァ ->
// バ, ティ stays but テュ -> チュ, イェ -> イエ …) gets its written spelling back when surface and
// pronunciation match character for character otherwise (ヴァイオリン: バイオリン -> ヴァイオリン).
void restore_loanword_kana(std::vector<NjdWord>* words);

}  // namespace stream_tts::g2p
