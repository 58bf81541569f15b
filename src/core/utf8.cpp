#include "core/utf8.h"

namespace stream_tts::utf8 {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes a sequence at in[pos]; returns the code point and its length, or length 0 when invalid.
std::pair<char32_t, size_t> try_decode(std::string_view in, size_t pos) {
  const auto b0 = static_cast<unsigned char>(in[pos]);
  if (b0 < 0x80) return {b0, 1};
  size_t len = sequence_length(b0);
  if (len == 1 || pos + len > in.size()) return {0, 0};
  char32_t cp = b0 & (0xFF >> (len + 1));
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(in[pos + i]);
    if ((b & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, len};
}

}  // namespace

char32_t decode(std::string_view in, size_t* pos) {
  auto [cp, len] = try_decode(in, *pos);
  if (len == 0) {
    *pos += 1;
    return kReplacement;
  }
  *pos += len;
  return cp;
}

void append(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid(std::string_view in) {
  for (size_t pos = 0; pos < in.size();) {
    auto [cp, len] = try_decode(in, pos);
    if (len == 0) return false;
    pos += len;
  }
  return true;
}

std::string sanitize(std::string_view in) {
  if (is_valid(in)) return std::string(in);
  std::string out;
  out.reserve(in.size() + 8);
  for (size_t pos = 0; pos < in.size();) {
    auto [cp, len] = try_decode(in, pos);
    if (len == 0) {
      append(&out, kReplacement);
      pos += 1;
    } else {
      out.append(in.substr(pos, len));
      pos += len;
    }
  }
  return out;
}

size_t complete_prefix(std::string_view in) {
  // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
  const size_t n = in.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto b = static_cast<unsigned char>(in[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t len = sequence_length(b);
    return len > back ? n - back : n;
  }
  return n;
}

bool is_kana(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
         (cp >= 0xFF66 && cp <= 0xFF9F);
}

bool is_cjk_ideograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

bool looks_japanese(std::string_view text) {
  bool ideograph = false;
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = decode(text, &pos);
    if (is_kana(cp)) return true;
    if (cp >= 0xAC00 && cp <= 0xD7AF) return false;  // Hangul: Korean, not Japanese
    if (is_cjk_ideograph(cp) || cp == 0x3002 || cp == 0x3001) ideograph = true;
  }
  return ideograph;
}

}  // namespace stream_tts::utf8
