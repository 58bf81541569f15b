// UTF-8 helpers shared by the input adapters, the cleaner and the segmenter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stream_tts::utf8 {

// Returns `in` with every invalid sequence replaced by U+FFFD. Valid input is returned unchanged.
std::string sanitize(std::string_view in);

// True if `in` is entirely valid UTF-8.
bool is_valid(std::string_view in);

// Length of the longest prefix of `in` that does not end inside a multi-byte sequence; the rest
// (at most 3 bytes) is an incomplete character to be completed by the next chunk.
size_t complete_prefix(std::string_view in);

// Decodes one code point at `in[*pos]` and advances *pos. Invalid bytes decode as U+FFFD (one byte).
char32_t decode(std::string_view in, size_t* pos);

// Appends the UTF-8 encoding of `cp`.
void append(std::string* out, char32_t cp);

// Number of bytes of the sequence that starts with lead byte `b` (1 for invalid leads).
inline size_t sequence_length(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}

// Script tests used to choose a voice and the sentence rules.
bool is_kana(char32_t cp);
bool is_cjk_ideograph(char32_t cp);
// Japanese if the text holds any kana, or CJK ideographs (and no Hangul).
bool looks_japanese(std::string_view text);

}  // namespace stream_tts::utf8
