#include "translate/llama/protected_spans.h"

#include <algorithm>

namespace stream_tts::llama {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
char lower(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_separator(char c) {
  return c == ' ' || c == '_' || c == '-';
}
bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}

// A backtick run of length n opens a code span that the next run of exactly n closes (CommonMark).
// Returns the end of the closing run, or npos when the span does not close in this sentence.
size_t code_span_end(std::string_view s, size_t open, size_t ticks) {
  for (size_t i = open + ticks; i < s.size();) {
    if (s[i] != '`') {
      ++i;
      continue;
    }
    size_t run = i;
    while (run < s.size() && s[run] == '`') ++run;
    if (run - i == ticks) return run;
    i = run;
  }
  return std::string_view::npos;
}

bool looks_like_path(std::string_view w) {
  if (starts_with(w, "/") || starts_with(w, "./") || starts_with(w, "../") ||
      starts_with(w, "~/")) {
    return w.size() > 1 && std::any_of(w.begin(), w.end(), is_alnum);
  }
  if (contains(w, "\\") && std::any_of(w.begin(), w.end(), is_alpha)) return true;
  size_t slashes = std::count(w.begin(), w.end(), '/');
  if (slashes == 0) return false;
  // "and/or", "client/server" are prose; "src/main.cpp", "src/translate/llama", "build/" are paths.
  return slashes >= 2 || w.back() == '/' || contains(w, ".") || contains(w, "_") ||
         std::any_of(w.begin(), w.end(), is_digit);
}

// "README.md", "os.path.join", "Node.js", "v1.2.3": a dot inside the word, a letter somewhere, and
// a segment longer than one character (so "e.g" and "U.S" stay prose).
bool looks_like_dotted_name(std::string_view w) {
  if (!contains(w, ".") || !std::any_of(w.begin(), w.end(), is_alpha)) return false;
  size_t longest = 0, current = 0;
  for (char c : w) {
    if (c == '.') {
      longest = std::max(longest, current);
      current = 0;
    } else {
      ++current;
    }
  }
  longest = std::max(longest, current);
  return longest >= 2 && w.front() != '.' && w.back() != '.';
}

bool looks_like_identifier(std::string_view w) {
  if (contains(w, "::") || contains(w, "->")) return true;
  if (starts_with(w, "--") && w.size() > 2 && is_alpha(w[2])) return true;  // a long option
  if (w.size() >= 2 && w[0] == '$' && (is_alpha(w[1]) || w[1] == '{')) return true;  // $HOME
  for (size_t i = 0; i < w.size(); ++i) {
    char c = w[i];
    if (c == '_' && std::any_of(w.begin(), w.end(), is_alnum)) return true;  // snake_case, __init__
    if (c == '(' && i > 0 && (is_alnum(w[i - 1]) || w[i - 1] == '_')) return true;  // call(), f(x)
    // camelCase, GitHub, iPhone: an upper-case letter right after a lower-case one.
    if (i > 0 && is_upper(c) && is_lower(w[i - 1])) return true;
  }
  return false;
}

bool is_protected_word(std::string_view w) {
  if (w.empty()) return false;
  if (contains(w, "://") || starts_with(w, "www.")) return true;
  return looks_like_path(w) || looks_like_identifier(w) || looks_like_dotted_name(w);
}

// Trims sentence punctuation around a word: leading openers, trailing closers and terminators. A
// ')' is kept when the word opened it ("run()").
void trim_word(std::string_view s, size_t* b, size_t* e) {
  auto opener = [](char c) {
    return c == '(' || c == '"' || c == '\'' || c == '[' || c == '<' || c == '{';
  };
  auto closer = [](char c) {
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '"' ||
           c == '\'' || c == ']' || c == '>' || c == '}';
  };
  while (*b < *e && opener(s[*b])) ++*b;
  while (*e > *b) {
    char c = s[*e - 1];
    if (closer(c)) {
      --*e;
    } else if (c == ')') {
      std::string_view w = s.substr(*b, *e - *b);
      if (std::count(w.begin(), w.end(), '(') >= std::count(w.begin(), w.end(), ')')) break;
      --*e;
    } else {
      break;
    }
  }
}

void find_in_plain(std::string_view s, size_t from, size_t to, std::vector<ProtectedSpan>* out) {
  size_t i = from;
  while (i < to) {
    while (i < to && is_space(s[i])) ++i;
    size_t b = i;
    while (i < to && !is_space(s[i])) ++i;
    size_t e = i;
    trim_word(s, &b, &e);
    if (b < e && is_protected_word(s.substr(b, e - b)))
      out->push_back({b, e, std::string(s.substr(b, e - b)), false});
  }
}

// Finds `key` in `text` ignoring ASCII case and separators, at word boundaries; returns the matched
// range.
bool fuzzy_find(std::string_view text, std::string_view key, size_t* mb, size_t* me) {
  std::string k;
  for (char c : key) {
    if (!is_separator(c)) k.push_back(lower(c));
  }
  if (k.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != k[0] || (i > 0 && is_alnum(text[i - 1]))) continue;
    size_t j = i, n = 0;
    while (j < text.size() && n < k.size()) {
      if (is_separator(text[j])) {
        ++j;
      } else if (lower(text[j]) == k[n]) {
        ++j;
        ++n;
      } else {
        break;
      }
    }
    if (n == k.size() && (j == text.size() || !is_alnum(text[j]))) {
      *mb = i;
      *me = j;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<ProtectedSpan> find_protected_spans(std::string_view s) {
  std::vector<ProtectedSpan> spans;
  size_t plain = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '`') {
      ++i;
      continue;
    }
    size_t run = i;
    while (run < s.size() && s[run] == '`') ++run;
    size_t end = code_span_end(s, i, run - i);
    if (end == std::string_view::npos) {
      i = run;  // an unmatched run is literal text
      continue;
    }
    std::string_view inner = s.substr(run, end - (run - i) - run);
    // CommonMark strips one space on each side when both are there (`` `x` ``).
    if (inner.size() >= 2 && inner.front() == ' ' && inner.back() == ' ')
      inner = inner.substr(1, inner.size() - 2);
    find_in_plain(s, plain, i, &spans);
    if (!inner.empty()) spans.push_back({i, end, std::string(inner), true});
    plain = i = end;
  }
  find_in_plain(s, plain, s.size(), &spans);
  return spans;
}

Result<std::string> restore_protected_spans(std::string_view translation,
                                            std::span<const ProtectedSpan> spans) {
  std::string out(translation);
  for (const auto& span : spans) {
    if (out.find(span.text) != std::string::npos) continue;
    size_t b = 0, e = 0;
    if (!fuzzy_find(out, span.text, &b, &e)) {
      return Status(StatusCode::kDataError, "the translation lost '" + span.text + "'");
    }
    out.replace(b, e - b, span.text);
  }
  return out;
}

int count_prose_words(std::string_view s, std::span<const ProtectedSpan> spans) {
  int words = 0;
  size_t next_span = 0;
  for (size_t i = 0; i < s.size();) {
    if (next_span < spans.size() && i >= spans[next_span].begin) {
      i = std::max(i, spans[next_span].end);
      ++next_span;
      continue;
    }
    size_t limit = next_span < spans.size() ? spans[next_span].begin : s.size();
    if (!is_alpha(s[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < limit && is_alpha(s[i])) ++i;
    if (i - b >= 2) ++words;
  }
  return words;
}

}  // namespace stream_tts::llama
