#include "text/char_class.h"

#include "core/utf8.h"

namespace stream_tts::text {

bool is_emoji_component(char32_t cp) {
  return (cp >= 0x1F000 && cp <= 0x1FAFF) ||  // pictographs, emoticons, flags' regional indicators
         (cp >= 0x2600 && cp <= 0x27BF) ||    // misc symbols, dingbats (✅ ⚠ ✨ ➡)
         (cp >= 0x2B00 && cp <= 0x2BFF) ||    // ⭐ ⬆ and friends
         (cp >= 0xFE00 && cp <= 0xFE0F) ||    // variation selectors (the "️" after ⚠)
         (cp >= 0xE0020 && cp <= 0xE007F) ||  // tag characters (subdivision flags)
         cp == 0x200D ||                      // zero-width joiner
         cp == 0x20E3;                        // combining keycap
}

bool is_silent(char32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    return !is_ascii_alnum(c);
  }
  return (cp >= 0x80 && cp <= 0xBF) ||      // Latin-1 punctuation and NBSP
         (cp >= 0x2000 && cp <= 0x206F) ||  // general punctuation: dashes, quotes, "…"
         (cp >= 0x2190 && cp <= 0x21FF) ||  // arrows
         (cp >= 0x2500 && cp <= 0x257F) ||  // box drawing
         (cp >= 0x3000 && cp <= 0x303F) ||  // CJK punctuation: 、。「」
         cp == 0x30FB ||                    // katakana middle dot
         (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
         (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||  // full-width punct
         cp == 0xFFFD || is_emoji_component(cp);
}

bool is_ja_terminator(char32_t cp) {
  return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF0E;
}

bool is_closer(char32_t cp) {
  switch (cp) {
    case '"': case '\'': case ')': case ']': case '}':
    case 0x2019: case 0x201D:                // ’ ”
    case 0x300D: case 0x300F: case 0xFF09:   // 」 』 ）
    case 0x3011: case 0x3015: case 0x3009:   // 】 〕 〉
    case 0x300B: case 0xFF63: case 0xFF3D:   // 》 ｣ ］
      return true;
    default:
      return false;
  }
}

bool is_japanese_letter(char32_t cp) { return utf8::is_kana(cp) || utf8::is_cjk_ideograph(cp); }

bool has_speakable(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    if (!is_silent(utf8::decode(text, &pos))) return true;
  }
  return false;
}

}  // namespace stream_tts::text
