#include "tts/openjtalk/text_splitter.h"

#include "core/utf8.h"

namespace stream_tts {
namespace {

// ASCII '.' is left out: in Japanese text it is mostly a decimal point or part of a version or file
// name.
bool ends_sentence(char32_t cp) {
  return cp == U'。' || cp == U'！' || cp == U'？' || cp == U'!' || cp == U'?' || cp == U'\n';
}

bool closes(char32_t cp) {
  return cp == U'」' || cp == U'』' || cp == U'）' || cp == U')' || cp == U'"' || cp == U'”' ||
         cp == U'’' || cp == U'】' || cp == U'〉' || cp == U'》';
}

bool allows_break_after(char32_t cp) {
  return cp == U'、' || cp == U'，' || cp == U',' || cp == U' ' || cp == U'\u3000';
}

}  // namespace

std::vector<std::string> split_for_synthesis(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return {std::string(text)};
  std::vector<std::string> pieces;
  size_t start = 0;     // first byte of the piece being built
  size_t soft_cut = 0;  // end of its last allowed break, 0 = none yet
  size_t pos = 0;
  auto emit = [&](size_t end) {
    if (end > start) pieces.emplace_back(text.substr(start, end - start));
    start = end;
    soft_cut = 0;
  };
  while (pos < text.size()) {
    const size_t cp_start = pos;
    const char32_t cp = utf8::decode(text, &pos);
    if (pos - start > max_bytes) {
      // This character would overflow the piece: cut before it, at the last break if there was one.
      emit(soft_cut > start ? soft_cut : cp_start);
      pos = cp_start;  // `cp` is examined again, as part of the next piece
      continue;
    }
    if (ends_sentence(cp)) {
      for (size_t next = pos; next < text.size();) {
        if (!closes(utf8::decode(text, &next)) || next - start > max_bytes) break;
        pos = next;
      }
      emit(pos);
    } else if (allows_break_after(cp)) {
      soft_cut = pos;
    }
  }
  emit(text.size());
  return pieces;
}

}  // namespace stream_tts
