#include "tts/g2p/python_text.h"

#include "core/utf8.h"

namespace stream_tts::g2p {

bool is_python_space(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x1C:
    case 0x1D:
    case 0x1E:
    case 0x1F:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::string_view python_strip(std::string_view s) {
  // Leading: decode forward.
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!is_python_space(utf8::decode(s, &next))) break;
    begin = next;
  }
  // Trailing: step back to the start of each sequence (continuation bytes are 10xxxxxx).
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    if (!is_python_space(utf8::decode(s, &pos)) || pos != end) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

}  // namespace stream_tts::g2p
