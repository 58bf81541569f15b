// Character classes shared by the cleaner and the segmenter. Code points, not bytes: callers decode
// with core/utf8.h first.
#pragma once

#include <array>
#include <string_view>

namespace stream_tts::text {

// Pictographs and the invisible pieces that glue them together (ZWJ, variation selectors, skin-tone
// modifiers, keycap, tag characters, regional indicators). A TTS voice reads them as names
// ("white heavy check mark") or noise, so the cleaner drops them.
bool is_emoji_component(char32_t cp);

// Punctuation, symbols and spaces: a sentence made only of these is not worth speaking (a lone "-",
// "。", "→"). ASCII letters and digits and every other script count as speakable.
bool is_silent(char32_t cp);

// 。！？． — a Japanese sentence ends right after one of these, with no lookahead.
bool is_ja_terminator(char32_t cp);

// Closing quotes and brackets that belong to the sentence they follow ("stop." / 「はい。」).
bool is_closer(char32_t cp);

// Kana or CJK ideograph (core/utf8.h) — Japanese text, where sentences need no space after "!".
bool is_japanese_letter(char32_t cp);

// True when `text` has at least one speakable code point (see is_silent).
bool has_speakable(std::string_view text);

// A set of bytes as a 256-entry table: membership tests on the per-byte hot path without the
// strlen + memchr of string_view::find.
class ByteSet {
 public:
  constexpr explicit ByteSet(std::string_view chars) {
    for (char c : chars) bits_[static_cast<unsigned char>(c)] = true;
  }
  constexpr bool has(char c) const { return bits_[static_cast<unsigned char>(c)]; }

 private:
  std::array<bool, 256> bits_{};
};

inline bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
inline bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || is_ascii_digit(c); }
inline bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_ascii_punct(char c) { return c > 0x20 && c < 0x7F && !is_ascii_alnum(c); }
inline char ascii_lower(char c) { return is_ascii_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace stream_tts::text
