#include "text/block.h"

#include "text/char_class.h"

namespace stream_tts::text {
namespace {

bool is_blank_char(char c) { return c == ' ' || c == '\t' || c == '\r'; }

size_t skip_blanks(std::string_view s, size_t i) {
  while (i < s.size() && is_blank_char(s[i])) ++i;
  return i;
}

size_t run_length(std::string_view s, size_t i, char c) {
  size_t j = i;
  while (j < s.size() && s[j] == c) ++j;
  return j - i;
}

LineClass make(LineKind kind, size_t content = 0) {
  LineClass r;
  r.kind = kind;
  r.content = content;
  return r;
}

const LineClass kNeedMore = make(LineKind::kNeedMore);

// After indentation and block quote markers. Any indentation is accepted: assistants indent fences
// and sub-lists under list items, and indented code blocks (4 spaces) are not used in their
// output, so they are not recognised.
size_t text_start(std::string_view s) {
  size_t i = skip_blanks(s, 0);
  while (i < s.size() && s[i] == '>') i = skip_blanks(s, i + 1);
  return i;
}

// Inside a code block only the closing fence matters; everything else is skipped unread.
LineClass classify_in_fence(std::string_view s, bool complete, const OpenFence& fence) {
  size_t i = skip_blanks(s, 0);
  // A fence opened inside a block quote closes with "> ```".
  while (i < s.size() && s[i] == '>') i = skip_blanks(s, i + 1);
  const size_t run = run_length(s, i, fence.marker);
  if (i + run == s.size() && !complete) return kNeedMore;
  if (run < fence.length) return make(LineKind::kCode);
  const size_t rest = skip_blanks(s, i + run);
  if (rest < s.size()) return make(LineKind::kCode);
  return complete ? make(LineKind::kFenceClose) : kNeedMore;
}

// "[ ] " or "[x] " right after a list marker: the box is not spoken.
LineClass list_item(std::string_view s, size_t after_marker, bool complete) {
  const size_t c = skip_blanks(s, after_marker);
  if (c == s.size()) return complete ? make(LineKind::kListItem, c) : kNeedMore;
  if (s[c] != '[') return make(LineKind::kListItem, c);
  static constexpr std::string_view kBoxInner = " xX";
  if (c + 1 == s.size()) return complete ? make(LineKind::kListItem, c) : kNeedMore;
  if (kBoxInner.find(s[c + 1]) == std::string_view::npos) return make(LineKind::kListItem, c);
  if (c + 2 == s.size()) return complete ? make(LineKind::kListItem, c) : kNeedMore;
  if (s[c + 2] != ']') return make(LineKind::kListItem, c);
  if (c + 3 == s.size()) return complete ? make(LineKind::kListItem, c + 3) : kNeedMore;
  if (!is_blank_char(s[c + 3])) return make(LineKind::kListItem, c);
  // Only blanks after the box so far: whether the item is empty (which matters after a paragraph)
  // is up to the rest of the line.
  const size_t text = skip_blanks(s, c + 3);
  if (text == s.size() && !complete) return kNeedMore;
  return make(LineKind::kListItem, text);
}

// "---", "* * *", "___", "===": only the marker and blanks up to the end of the line.
// Returns kNeedMore while the line still looks like one, kRule when it is, kParagraph when not.
LineKind rule_candidate(std::string_view s, size_t i, bool complete) {
  const char marker = s[i];
  size_t count = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] == marker) {
      ++count;
    } else if (!is_blank_char(s[j])) {
      return LineKind::kParagraph;
    }
  }
  if (!complete) return LineKind::kNeedMore;
  return count >= 3 ? LineKind::kRule : LineKind::kParagraph;
}

// A row made only of pipes, colons, dashes and blanks (with at least one dash) separates a table's
// header from its body.
LineKind table_candidate(std::string_view s, size_t i, bool complete) {
  bool dash = false;
  for (size_t j = i; j < s.size(); ++j) {
    const char c = s[j];
    if (c == '-') {
      dash = true;
    } else if (c != '|' && c != ':' && !is_blank_char(c)) {
      return LineKind::kTableRow;
    }
  }
  if (!complete) return LineKind::kNeedMore;
  return dash ? LineKind::kTableSeparator : LineKind::kTableRow;
}

}  // namespace

namespace {

LineClass classify_open(std::string_view s, bool complete, bool after_paragraph);

}  // namespace

LineClass classify_line(std::string_view s, bool complete, const OpenFence* fence,
                        bool after_paragraph) {
  if (s.size() >= kMaxClassifyBytes) {
    s = s.substr(0, kMaxClassifyBytes);
    complete = true;
  }
  if (fence != nullptr) return classify_in_fence(s, complete, *fence);
  LineClass cls = classify_open(s, complete, after_paragraph);
  if (after_paragraph && cls.kind == LineKind::kListItem && cls.content == s.size() && complete) {
    cls = make(LineKind::kParagraph, text_start(s));  // "-" alone continues the paragraph
  }
  return cls;
}

namespace {

LineClass classify_open(std::string_view s, bool complete, bool after_paragraph) {

  const size_t i = text_start(s);
  if (i == s.size()) return complete ? make(LineKind::kBlank) : kNeedMore;

  const char c = s[i];
  switch (c) {
    case '#': {
      const size_t run = run_length(s, i, '#');
      if (i + run == s.size()) {
        if (!complete) return kNeedMore;
        return make(run <= 6 ? LineKind::kHeading : LineKind::kParagraph, run <= 6 ? s.size() : i);
      }
      if (run <= 6 && is_blank_char(s[i + run])) return make(LineKind::kHeading, skip_blanks(s, i + run));
      return make(LineKind::kParagraph, i);  // "#123", "#include"
    }
    case '`':
    case '~': {
      const size_t run = run_length(s, i, c);
      if (run >= 3) {
        // The whole run must be known: "````" opens a fence that only "````" closes.
        if (i + run == s.size() && !complete) return kNeedMore;
        LineClass r = make(LineKind::kFenceOpen);
        r.fence.marker = c;
        r.fence.length = run;
        return r;
      }
      if (i + run == s.size() && !complete) return kNeedMore;
      return make(LineKind::kParagraph, i);
    }
    case '-':
    case '*':
    case '_':
    case '=': {
      const LineKind rule = rule_candidate(s, i, complete);
      if (rule != LineKind::kParagraph) return make(rule);
      if ((c == '-' || c == '*') && i + 1 < s.size() && is_blank_char(s[i + 1])) {
        return list_item(s, i + 1, complete);
      }
      // A lone "-" or "*" on a complete line is an empty list item: nothing to say.
      if ((c == '-' || c == '*') && i + 1 == s.size()) return make(LineKind::kListItem, s.size());
      return make(LineKind::kParagraph, i);
    }
    case '+': {
      if (i + 1 == s.size()) return complete ? make(LineKind::kListItem, s.size()) : kNeedMore;
      if (is_blank_char(s[i + 1])) return list_item(s, i + 1, complete);
      return make(LineKind::kParagraph, i);
    }
    case '|': {
      const LineKind table = table_candidate(s, i, complete);
      if (table == LineKind::kNeedMore) return kNeedMore;
      return make(table, i);
    }
    default:
      break;
  }

  if (is_ascii_digit(c)) {
    // Ordered list: at most 9 digits, then '.' or ')', then a blank or the end of the line.
    size_t j = i;
    while (j < s.size() && j - i < 10 && is_ascii_digit(s[j])) ++j;
    if (j == s.size()) return complete ? make(LineKind::kParagraph, i) : kNeedMore;
    if (j - i > 9 || (s[j] != '.' && s[j] != ')')) return make(LineKind::kParagraph, i);
    if (after_paragraph && (j - i != 1 || s[i] != '1')) return make(LineKind::kParagraph, i);
    if (j + 1 == s.size()) return complete ? make(LineKind::kListItem, s.size()) : kNeedMore;
    if (is_blank_char(s[j + 1])) return list_item(s, j + 1, complete);
    return make(LineKind::kParagraph, i);  // "3.14", "1.2.3"
  }
  return make(LineKind::kParagraph, i);
}

}  // namespace
}  // namespace stream_tts::text
