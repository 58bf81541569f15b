#include "text/sentence_rules.h"

#include <array>

#include "core/utf8.h"
#include "text/char_class.h"

namespace stream_tts::text {
namespace {

constexpr std::string_view kEllipsis = "\u2026";

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != b[i]) return false;
  }
  return true;
}

// "U.S", "e.g", "J.R.R", "a.k.a": single letters joined by dots.
bool is_dotted_letters(std::string_view w) {
  if (w.size() < 3 || w.size() % 2 == 0) return false;
  for (size_t i = 0; i < w.size(); ++i) {
    if (i % 2 == 0 ? !is_ascii_alpha(w[i]) : w[i] != '.') return false;
  }
  return true;
}

bool is_abbreviation(std::string_view w) {
  static constexpr std::array<std::string_view, 28> kAbbreviations = {
      "e.g", "i.e", "vs", "dr",   "mr",     "mrs", "ms",   "prof", "st",  "jr",
      "sr",  "inc", "ltd", "co", "corp",   "approx", "fig", "figs", "cf", "al",
      "dept", "est", "ca", "eq", "mt",  "u.s",  "u.k",  "resp"};
  for (std::string_view a : kAbbreviations) {
    if (equals_ci(w, a)) return true;
  }
  return is_dotted_letters(w);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// How far past a terminator the rules look (runs of dots, closers, blanks). Beyond it the
// terminator is taken as no sentence end, so that a pathological run arriving byte by byte is not
// rescanned on every push and cannot hold text back without bound.
constexpr size_t kMaxLookahead = 64;

constexpr size_t kTooFar = std::string_view::npos - 1;

// The first non-blank byte from `from`; npos when none has arrived yet; kTooFar past the limit.
size_t next_visible(std::string_view s, size_t from) {
  const size_t limit = from + kMaxLookahead;
  while (from < s.size() && from < limit && is_blank(s[from])) ++from;
  if (from == limit) return kTooFar;
  return from < s.size() ? from : std::string_view::npos;
}

// Ends a sentence only if the next word looks like the start of one: a capital, an opening quote
// or bracket, or non-ASCII text (Japanese has no case).
BoundaryResult capital_follows(std::string_view s, size_t sentence_end, size_t resume) {
  const size_t m = next_visible(s, sentence_end);
  if (m == std::string_view::npos) return {Boundary::kNeedMore, 0};
  if (m == kTooFar) return {Boundary::kNo, resume};
  const char c = s[m];
  const bool starts = c == '\n' || is_ascii_upper(c) || static_cast<unsigned char>(c) >= 0x80 ||
                      c == '"' || c == '\'' || c == '(' || c == '[';
  return starts ? BoundaryResult{Boundary::kYes, sentence_end} : BoundaryResult{Boundary::kNo, resume};
}

}  // namespace

bool is_terminator_start(std::string_view s, size_t at) {
  const char c = s[at];
  return c == '.' || c == '!' || c == '?' || s.substr(at, kEllipsis.size()) == kEllipsis;
}

BoundaryResult check_terminator(std::string_view s, size_t begin, size_t at) {
  constexpr BoundaryResult kNeedMore{Boundary::kNeedMore, 0};

  // The run of terminators: ".", "?!", "...", "…".
  size_t j = at;
  size_t dots = 0;
  bool bang = false;
  bool ellipsis_char = false;
  while (j < s.size() && j - at < kMaxLookahead) {
    const char c = s[j];
    if (c == '.') {
      ++dots;
      ++j;
    } else if (c == '!' || c == '?') {
      bang = true;
      ++j;
    } else if (s.substr(j, kEllipsis.size()) == kEllipsis) {
      ellipsis_char = true;
      j += kEllipsis.size();
    } else if (static_cast<unsigned char>(c) >= 0x80 &&
               j + utf8::sequence_length(static_cast<unsigned char>(c)) > s.size()) {
      return kNeedMore;  // a partial character: it may be "…" or a closing quote
    } else {
      break;
    }
  }
  if (j == s.size()) return kNeedMore;
  if (j - at >= kMaxLookahead) return {Boundary::kNo, j};

  // Closing quotes and brackets belong to the sentence.
  size_t k = j;
  bool closed = false;
  while (k < s.size()) {
    if (k - j >= kMaxLookahead) return {Boundary::kNo, k};
    const auto b = static_cast<unsigned char>(s[k]);
    if (b >= 0x80 && k + utf8::sequence_length(b) > s.size()) return kNeedMore;
    size_t p = k;
    const char32_t cp = utf8::decode(s, &p);
    if (!is_closer(cp)) break;
    k = p;
    closed = true;
  }
  if (k == s.size()) return kNeedMore;

  const BoundaryResult yes{Boundary::kYes, k};
  const BoundaryResult no{Boundary::kNo, j};
  const char next = s[k];
  if (!is_ascii_space(next)) {
    if (bang && !closed && dots == 0 && !ellipsis_char && static_cast<unsigned char>(next) >= 0x80) {
      size_t p = k;
      if (is_japanese_letter(utf8::decode(s, &p))) return yes;  // "すごい!次の"
    }
    return no;
  }
  if (next == '\n') return yes;
  if (bang) return yes;
  if (ellipsis_char || dots >= 2) return capital_follows(s, k, j);

  // A single '.': look at the word in front of it.
  size_t w = at;
  while (w > begin && (is_ascii_alpha(s[w - 1]) || s[w - 1] == '.')) --w;
  while (w < at && s[w] == '.') ++w;
  const std::string_view word = s.substr(w, at - w);
  const bool word_starts = w == begin || !is_ascii_alnum(s[w - 1]);
  if (word_starts && !word.empty()) {
    if (equals_ci(word, "etc")) return capital_follows(s, k, j);
    if (equals_ci(word, "no")) {
      // "No. 5" is a number sign; "No. I disagree." is an answer.
      const size_t m = next_visible(s, k);
      if (m == std::string_view::npos) return kNeedMore;
      return m != kTooFar && is_ascii_digit(s[m]) ? no : yes;
    }
    if (is_abbreviation(word)) return no;
    if (word.size() == 1 && is_ascii_upper(word[0])) return no;  // an initial: "J. R. R. Tolkien"
  }
  // "1." or "a." alone at the start: an ordinal left by a list, not a sentence.
  const std::string_view so_far = s.substr(begin, at - begin);
  if (!so_far.empty() && so_far.size() <= 3) {
    bool digits = true;
    for (char c : so_far) digits = digits && is_ascii_digit(c);
    if (digits || (so_far.size() == 1 && is_ascii_alpha(so_far[0]))) return no;
  }
  return yes;
}

}  // namespace stream_tts::text
