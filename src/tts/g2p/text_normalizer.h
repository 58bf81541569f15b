// misaki's JAG2P._normalize_text(): what the text looks like when it reaches Open JTalk.
#pragma once

#include <string>
#include <string_view>

namespace stream_tts::g2p {

// How numbers are read.
enum class NumberStyle {
  // Better than misaki where misaki is wrong (the default; docs/g2p.md lists each difference): a
  // number before a counter (2つ, 3人, 2012年, 10%, 30分 …) or a unit (5kg, 30℃) keeps its digits
  // so that Open JTalk reads it with its counter (ふたつ, さんにん, にせんじゅうにねん,
  // じゅっパーセント, さんじゅっぷん, ごキログラム); a decimal number is read with テン, a number
  // with thousands separators as one number, a long one with 億 or digit by digit.
  kBetter,
  // Exactly misaki's num2kana, mistakes included (3.14 -> さん、じゅうよん, 2つ -> に つ): for
  // measuring the port against the Python front end.
  kMisaki,
};

// misaki's JAG2P._normalize_text(), in its order: a wave dash before a digit becomes から
// (3〜5 -> 3から5); the small katakana of the Katakana Phonetic Extensions block (ㇰ…ㇿ) become
// full-size; Unicode NFKC (ICU), which also does what misaki's jaconv calls do (full-width ASCII to
// half-width, half-width katakana to full-width); every run of ASCII digits becomes " " + its
// hiragana reading (num2kana), e.g. "7の" -> " ななの", except as `style` says.
//
// `text` may be any bytes: invalid UTF-8 sequences are replaced by U+FFFD first.
std::string normalize_for_g2p(std::string_view text, NumberStyle style = NumberStyle::kBetter);

}  // namespace stream_tts::g2p
