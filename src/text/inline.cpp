#include "text/inline.h"

#include <algorithm>
#include <array>

#include "core/utf8.h"
#include "text/char_class.h"
#include "text/word.h"

namespace stream_tts::text {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// Only tags that assistants actually write are removed: "Result<T>" and "a <b and c" stay text.
bool is_known_tag(std::string_view name) {
  static constexpr std::array<std::string_view, 44> kTags = {
      "a",     "abbr",    "b",     "blockquote", "br",    "center", "code",  "del",   "details",
      "div",   "em",      "font",  "h1",         "h2",    "h3",     "h4",    "h5",    "h6",
      "hr",    "i",       "img",   "ins",        "kbd",   "li",     "mark",  "ol",    "p",
      "pre",   "s",       "small", "span",       "strong", "sub",   "summary", "sup", "table",
      "tbody", "td",      "th",    "thead",      "tr",    "u",      "ul",    "picture"};
  std::array<char, 12> lower{};
  if (name.size() >= lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) lower[i] = ascii_lower(name[i]);
  const std::string_view key(lower.data(), name.size());
  return std::find(kTags.begin(), kTags.end(), key) != kTags.end();
}

// "<br>", "</details>", "<img src=x>": the tag's name, or empty when `inner` is not a tag.
std::string_view tag_name(std::string_view inner) {
  size_t k = 0;
  if (k < inner.size() && inner[k] == '/') ++k;
  const size_t begin = k;
  if (k == inner.size() || !is_ascii_alpha(inner[k])) return {};
  while (k < inner.size() && is_ascii_alnum(inner[k])) ++k;
  if (k < inner.size() && !is_blank(inner[k]) && inner[k] != '/') return {};
  return inner.substr(begin, k - begin);
}

bool is_email(std::string_view s) {
  const size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == s.size()) return false;
  for (char c : s) {
    static constexpr ByteSet kEmailPunct("@.-_+");
    if (!is_ascii_alnum(c) && !kEmailPunct.has(c)) return false;
  }
  return true;
}

}  // namespace

void InlineScanner::run(std::string_view s, size_t* pos, bool complete, const InlineFlags& flags,
                        SpeechOutput& out) const {
  while (*pos < s.size()) {
    const char c = s[*pos];
    Step step = Step::kDone;
    if (c == '\r') {
      ++*pos;  // CRLF line ends: the '\n' that follows is the line end
    } else if (is_blank(c)) {
      out.space();
      ++*pos;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      step = non_ascii(s, pos, complete, out);
    } else if (c == '`') {
      step = code_span(s, pos, complete, flags, out);
    } else if (c == '[') {
      step = link(s, pos, complete, /*image=*/false, flags, out);
    } else if (c == '!' && *pos + 1 == s.size() && !complete) {
      step = Step::kNeedMore;
    } else if (c == '!' && *pos + 1 < s.size() && s[*pos + 1] == '[') {
      step = link(s, pos, complete, /*image=*/true, flags, out);
    } else if (c == '<') {
      step = angle(s, pos, complete, flags, out);
    } else if (c == ']') {
      out.text("]");
      ++*pos;
    } else if (c == '|' && flags.table_row) {
      out.cell_separator();
      ++*pos;
    } else {
      step = word(s, pos, complete, flags, out);
    }
    if (step == Step::kNeedMore) return;
  }
}

InlineScanner::Step InlineScanner::code_span(std::string_view s, size_t* pos, bool complete,
                                             const InlineFlags& flags, SpeechOutput& out) const {
  const size_t open = *pos;
  size_t ticks = 0;
  while (open + ticks < s.size() && ticks < kMaxTicks && s[open + ticks] == '`') ++ticks;
  if (open + ticks == s.size() && ticks < kMaxTicks && !complete) return Step::kNeedMore;

  // The closing run must be exactly as long as the opening one and lie within the window; a run
  // that reaches the window's end may go on past it and does not count.
  const size_t body = open + ticks;
  const size_t limit = body + kMaxCodeSpan;
  const size_t stop = std::min(s.size(), limit);
  for (size_t j = body; j < stop;) {
    if (s[j] != '`') {
      ++j;
      continue;
    }
    size_t k = j;
    while (k < stop && s[k] == '`') ++k;
    if (k == s.size() && !complete) return Step::kNeedMore;  // the run may grow
    if (k - j == ticks && (k == s.size() || s[k] != '`')) {
      WordContext ctx{options_, &out, flags.heading};
      emit_code_text(s.substr(body, j - body), ctx);
      *pos = k;
      return Step::kDone;
    }
    j = k;
  }
  if (!complete && s.size() < limit) return Step::kNeedMore;
  // Never closed on this line: the backticks are dropped and the rest is read as prose.
  *pos = body;
  return Step::kDone;
}

InlineScanner::Step InlineScanner::link(std::string_view s, size_t* pos, bool complete, bool image,
                                        const InlineFlags& flags, SpeechOutput& out) const {
  const size_t open = *pos + (image ? 1 : 0);  // the '['
  auto literal = [&] {
    out.text(image ? "!" : "[");
    *pos += 1;
    return Step::kDone;
  };

  // Matching ']' (nested brackets allowed, backslash escapes skipped).
  const size_t text_limit = open + 1 + kMaxLinkText;
  size_t close = open + 1;
  for (int depth = 0; close < s.size() && close < text_limit; ++close) {
    const char c = s[close];
    if (c == '\\') {
      ++close;
    } else if (c == '[') {
      ++depth;
    } else if (c == ']') {
      if (depth == 0) break;
      --depth;
    }
  }
  if (close >= s.size()) return !complete && s.size() < text_limit ? Step::kNeedMore : literal();
  if (close >= text_limit) return literal();
  if (close + 1 == s.size()) return complete ? literal() : Step::kNeedMore;
  if (s[close + 1] != '(') return literal();  // "[x]", "array[i]", reference links

  // Matching ')' of the destination; parentheses inside URLs are balanced.
  const size_t url_limit = close + 2 + kMaxLinkUrl;
  size_t end = close + 2;
  for (int depth = 0; end < s.size() && end < url_limit; ++end) {
    const char c = s[end];
    if (c == '\\') {
      ++end;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth == 0) break;
      --depth;
    }
  }
  if (end >= s.size()) return !complete && s.size() < url_limit ? Step::kNeedMore : literal();
  if (end >= url_limit) return literal();

  // The visible text is itself inline markdown ("[`foo`](…)", "[**bar**](…)").
  const std::string_view text = s.substr(open + 1, close - open - 1);
  size_t text_pos = 0;
  run(text, &text_pos, /*complete=*/true, flags, out);
  *pos = end + 1;
  return Step::kDone;
}

InlineScanner::Step InlineScanner::angle(std::string_view s, size_t* pos, bool complete,
                                         const InlineFlags& flags, SpeechOutput& out) const {
  const size_t open = *pos;
  auto literal = [&] {
    out.text("<");
    *pos += 1;
    return Step::kDone;
  };
  if (open + 1 == s.size()) return complete ? literal() : Step::kNeedMore;
  const char next = s[open + 1];
  if (!is_ascii_alpha(next) && next != '/' && next != '!') return literal();  // "a < b", "<5 ms"

  const size_t limit = open + 1 + kMaxTag;
  const size_t stop = std::min(s.size(), limit);
  size_t gt = open + 1;
  while (gt < stop && s[gt] != '>') ++gt;
  if (gt == stop) return !complete && s.size() < limit ? Step::kNeedMore : literal();

  const std::string_view inner = s.substr(open + 1, gt - open - 1);
  const bool has_blank = inner.find_first_of(" \t") != std::string_view::npos;
  WordContext ctx{options_, &out, flags.heading};
  if (!has_blank && (starts_with_ci(inner, "http://") || starts_with_ci(inner, "https://") ||
                     starts_with_ci(inner, "ftp://"))) {
    emit_url(inner, ctx);
  } else if (!has_blank && starts_with_ci(inner, "mailto:")) {
    emit_plain(inner.substr(7), out);
  } else if (!has_blank && is_email(inner)) {
    emit_plain(inner, out);
  } else if (inner.starts_with("!--") && inner.ends_with("--") && inner.size() >= 5) {
    // HTML comment on one line: silent.
  } else if (const std::string_view name = tag_name(inner); !name.empty() && is_known_tag(name)) {
    // "<br>" separates words; other tags only wrap text.
    if (name.size() == 2 && ascii_lower(name[0]) == 'b' && ascii_lower(name[1]) == 'r') out.space();
  } else {
    return literal();
  }
  *pos = gt + 1;
  return Step::kDone;
}

InlineScanner::Step InlineScanner::word(std::string_view s, size_t* pos, bool complete,
                                        const InlineFlags& flags, SpeechOutput& out) const {
  // A word is held until it ends because its last bytes decide what it is: "https" may become a
  // URL, "src" a long path, "**bold" may close with "**".
  const size_t start = *pos;
  size_t j = start;
  while (j < s.size()) {
    const char c = s[j];
    if (static_cast<unsigned char>(c) >= 0x80 || is_blank(c) || c == '`' || c == '<' || c == '[' ||
        c == ']' || (flags.table_row && c == '|')) {
      break;
    }
    // A '\' or '!' received last: the next byte decides whether it escapes a mark or opens an image.
    // Deciding without it would differ from the whole text once the word reaches kMaxWord.
    if ((c == '\\' || c == '!') && j + 1 == s.size() && !complete) return Step::kNeedMore;
    if (c == '!' && j > start && j + 1 < s.size() && s[j + 1] == '[') break;  // image follows
    j += (c == '\\' && j + 1 < s.size() && is_ascii_punct(s[j + 1])) ? 2 : 1;
    if (j - start >= kMaxWord) break;
  }
  if (j >= s.size() && !complete && j - start < kMaxWord) return Step::kNeedMore;
  WordContext ctx{options_, &out, flags.heading};
  emit_word(s.substr(start, j - start), ctx);
  *pos = j;
  return Step::kDone;
}

InlineScanner::Step InlineScanner::non_ascii(std::string_view s, size_t* pos, bool complete,
                                             SpeechOutput& out) const {
  const size_t first = *pos;
  if (first + utf8::sequence_length(static_cast<unsigned char>(s[first])) > s.size() && !complete) {
    return Step::kNeedMore;  // the rest of the character is in the next delta
  }
  // Copy a whole run of ordinary characters at once (Japanese prose is mostly this path).
  size_t run_end = first;
  size_t p = first;
  while (p < s.size() && static_cast<unsigned char>(s[p]) >= 0x80) {
    const size_t at = p;
    if (at + utf8::sequence_length(static_cast<unsigned char>(s[at])) > s.size() && !complete) break;
    const char32_t cp = utf8::decode(s, &p);
    const bool invalid = cp == 0xFFFD && p - at == 1;
    if (invalid || is_emoji_component(cp) || cp == 0xA0) {
      out.text(s.substr(run_end, at - run_end));
      if (cp == 0xA0) out.space();
      run_end = p;
    }
  }
  out.text(s.substr(run_end, p - run_end));
  *pos = p;
  return Step::kDone;
}

}  // namespace stream_tts::text
