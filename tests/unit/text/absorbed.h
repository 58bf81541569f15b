// The one way in which the segmenter's output may depend on how its input was split: a Japanese
// terminator that is the last byte received ends its sentence at once, so closers (」』）！？)
// arriving in a later push cannot join it and are dropped. Tests compare sentences without them.
#pragma once

#include <string>
#include <vector>

#include "core/utf8.h"
#include "text/char_class.h"

namespace stream_tts::golden {

inline bool absorbable(char32_t cp) {
  return text::is_closer(cp) || text::is_ja_terminator(cp) || cp == '!' || cp == '?';
}

// "「はい。」" -> "「はい。": cuts what follows the first Japanese terminator of a final run of
// terminators and closers.
inline std::string without_absorbed(const std::string& s) {
  size_t pos = 0;
  while (pos < s.size()) {
    const char32_t cp = utf8::decode(s, &pos);
    if (!text::is_ja_terminator(cp)) continue;
    size_t rest = pos;
    bool all = true;
    while (rest < s.size() && all) all = absorbable(utf8::decode(s, &rest));
    if (all) return s.substr(0, pos);
  }
  return s;
}

inline std::vector<std::string> without_absorbed(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const std::string& s : v) out.push_back(without_absorbed(s));
  return out;
}

}  // namespace stream_tts::golden
