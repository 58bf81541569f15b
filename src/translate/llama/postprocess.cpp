#include "translate/llama/postprocess.h"

#include <array>

#include "core/utf8.h"

namespace stream_tts::llama {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Trims ASCII space and U+3000 (ideographic space) at both ends.
std::string_view trim(std::string_view s) {
  static constexpr std::string_view kIdeoSpace = "\u3000";
  for (;;) {
    size_t before = s.size();
    while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
    if (s.substr(0, kIdeoSpace.size()) == kIdeoSpace) s.remove_prefix(kIdeoSpace.size());
    if (s.size() >= kIdeoSpace.size() && s.substr(s.size() - kIdeoSpace.size()) == kIdeoSpace) {
      s.remove_suffix(kIdeoSpace.size());
    }
    if (s.size() == before) return s;
  }
}

bool istarts_with(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (lower(s[i]) != lower(p[i])) return false;
  }
  return true;
}

// Drops one leading label such as "Japanese translation:" or "訳：". Returns true if one was
// dropped.
bool strip_label(std::string_view* s) {
  static constexpr std::array<std::string_view, 9> kLabels = {"japanese translation",
                                                              "translation",
                                                              "japanese",
                                                              "output",
                                                              "answer",
                                                              "日本語訳",
                                                              "日本語",
                                                              "翻訳",
                                                              "訳"};
  static constexpr std::array<std::string_view, 2> kColons = {":", "\uFF1A"};
  for (auto label : kLabels) {
    if (!istarts_with(*s, label)) continue;
    std::string_view rest = trim(s->substr(label.size()));
    for (auto colon : kColons) {
      if (rest.substr(0, colon.size()) == colon) {
        *s = trim(rest.substr(colon.size()));
        return true;
      }
    }
  }
  return false;
}

struct QuotePair {
  std::string_view open, close;
};
constexpr std::array<QuotePair, 6> kQuotes = {{{"\"", "\""},
                                               {"'", "'"},
                                               {"\u201C", "\u201D"},
                                               {"\u300C", "\u300D"},
                                               {"\u300E", "\u300F"},
                                               {"`", "`"}}};

bool wrapped_in(std::string_view s, const QuotePair& q) {
  return s.size() >= q.open.size() + q.close.size() && s.substr(0, q.open.size()) == q.open &&
         s.substr(s.size() - q.close.size()) == q.close;
}

// Removes quotes around the whole answer, unless the source is wrapped the same way or the inner
// text holds another quote (then the outer pair is not a wrapper: `a` and `b`).
void strip_wrapping_quotes(std::string_view* s, std::string_view source) {
  for (const auto& q : kQuotes) {
    if (!wrapped_in(*s, q)) continue;
    std::string_view inner = s->substr(q.open.size(), s->size() - q.open.size() - q.close.size());
    if (inner.find(q.open) != std::string_view::npos ||
        inner.find(q.close) != std::string_view::npos)
      return;
    std::string_view src = trim(source);
    for (const auto& sq : kQuotes) {
      if (wrapped_in(src, sq)) return;
    }
    *s = trim(inner);
    return;
  }
}

// Drops a trailing "(Konnichiwa)" when the answer before it is Japanese and the source had no
// parentheses: small models like to add a romanisation.
void strip_trailing_romanisation(std::string_view* s, std::string_view source) {
  if (s->empty() || s->back() != ')' || source.find('(') != std::string_view::npos) return;
  size_t open = s->rfind('(');
  if (open == std::string_view::npos) return;
  std::string_view inner = s->substr(open + 1, s->size() - open - 2);
  for (char c : inner) {
    if (!(is_alpha(c) || c == ' ' || c == '\'' || c == '-' || c == ',' || c == '.' || c == '!' ||
          c == '?')) {
      return;
    }
  }
  std::string_view before = trim(s->substr(0, open));
  if (!utf8::looks_japanese(before)) return;
  *s = before;
}

// U+FF10..FF19, U+FF21..FF3A, U+FF3F, U+FF41..FF5A (digits, letters, '_') -> ASCII: the same
// offset.
std::string fold_fullwidth_alnum(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    size_t start = pos;
    char32_t cp = utf8::decode(s, &pos);
    bool alnum = (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || cp == 0xFF3F ||
                 (cp >= 0xFF41 && cp <= 0xFF5A);
    if (alnum) {
      out.push_back(static_cast<char>(cp - 0xFF10 + '0'));
    } else {
      out.append(s.substr(start, pos - start));
    }
  }
  return out;
}

}  // namespace

std::string clean_model_output(std::string_view raw, std::string_view source) {
  // The first line that still has content once a bare label ("Japanese:") is removed from it.
  std::string_view line;
  for (size_t pos = 0; pos <= raw.size();) {
    size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) nl = raw.size();
    std::string_view l = trim(raw.substr(pos, nl - pos));
    strip_label(&l);
    if (!l.empty()) {
      line = l;
      break;
    }
    pos = nl + 1;
  }
  strip_wrapping_quotes(&line, source);
  strip_trailing_romanisation(&line, source);
  return fold_fullwidth_alnum(trim(line));
}

bool has_complete_line(std::string_view partial) {
  size_t nl = partial.rfind('\n');
  if (nl == std::string_view::npos) return false;
  return !clean_model_output(partial.substr(0, nl), "").empty();
}

int expected_sentence_ends(std::string_view source) {
  for (std::string_view guard : {":", ";", "\"", "(", ")", "[", "]", " - ", "--", "\u2014", "\u2013",
                                 "\u201c", "\u201d", "\u2018", "\u300c"}) {
    if (source.find(guard) != std::string_view::npos) return 0;
  }
  int n = 0;
  for (size_t i = 0; i < source.size();) {
    if (source[i] != '.' && source[i] != '!' && source[i] != '?') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < source.size() && (source[j] == '.' || source[j] == '!' || source[j] == '?')) ++j;
    if (j == source.size() || source[j] == ' ') ++n;
    i = j;
  }
  return n;
}

int count_sentence_ends(std::string_view text) {
  int n = 0;
  for (std::string_view mark : {"\u3002", "\uff01", "\uff1f"}) {
    for (size_t pos = text.find(mark); pos != std::string_view::npos; pos = text.find(mark, pos + 1)) ++n;
  }
  return n;
}

Status check_translation(std::string_view cleaned, const GenerationOutcome& outcome) {
  if (outcome.hit_bound)
    return Status(StatusCode::kDataError, "the translation ran away (length bound reached)");
  if (cleaned.empty()) return Status(StatusCode::kDataError, "the translation is empty");
  // One or two English words ("OK.", "Done.") may come back unchanged; a real sentence may not.
  if (outcome.prose_words >= 2 && !utf8::looks_japanese(cleaned)) {
    return Status(StatusCode::kDataError, "the translation has no Japanese script");
  }
  return Status::ok();
}

}  // namespace stream_tts::llama
