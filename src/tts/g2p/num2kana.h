// Arabic numerals -> hiragana readings, ported from misaki 0.7.4's num2kana.py (itself from
// Greatdane/Convert-Numbers-to-Japanese): 2023 -> にせんにじゅうさん, 300 -> さんびゃく.
#pragma once

#include <string>
#include <string_view>

namespace stream_tts::g2p {

// The reading misaki gives `digits` (ASCII 0-9; commas are ignored, as Convert() does), for up to
// 9 digits. Convert() answers longer numbers with an English error message that then gets spelled
// out letter by letter; here (deliberate differences, docs/g2p.md) 10 to 12 digits without a
// leading zero are read with 億 (1000000000 -> じゅうおく) and others digit by digit, in spaced
// katakana (09012345678 -> "ゼロ キュー ゼロ イチ …").
std::string number_to_kana(std::string_view digits);

// A decimal number "INT.FRAC" (both parts ASCII digits) as num2kana's split_Point() reads it, the
// point and the fraction in spaced katakana: 3.14 -> "さん テン イチ ヨン", 10.5 -> "じゅっ テン
// ゴ". misaki never passes the point to Convert() (it reads 3.14 as さん、じゅうよん); reading it
// is a deliberate difference (docs/g2p.md).
std::string decimal_to_kana(std::string_view integer_part, std::string_view fraction_part);

}  // namespace stream_tts::g2p
