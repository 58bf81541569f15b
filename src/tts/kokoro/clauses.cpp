#include "tts/kokoro/clauses.h"

#include <algorithm>

namespace stream_tts::kokoro {
namespace {

// The clause-ending marks, as UTF-8, with the pause after each (the worker's CLAUSE_PAUSE_S).
struct Mark {
  std::string_view text;
  float pause_s;
};
constexpr Mark kMarks[] = {{",", 0.12f}, {";", 0.18f}, {":", 0.18f}, {"\u2014", 0.15f},
                           {"\u2026", 0.3f}, {".", 0.3f},  {"!", 0.3f},  {"?", 0.3f}};

const Mark* ending_mark(std::string_view s) {
  for (const Mark& m : kMarks) {
    if (s.size() >= m.text.size() && s.substr(s.size() - m.text.size()) == m.text) return &m;
  }
  return nullptr;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The pieces between cut points: whitespace runs that follow a clause-ending mark.
std::vector<std::string> pieces_of(std::string_view text) {
  std::vector<std::string> pieces;
  size_t start = 0, i = 0;
  while (i < text.size()) {
    if (is_space(text[i]) && ending_mark(text.substr(start, i - start)) != nullptr && i > start) {
      pieces.emplace_back(text.substr(start, i - start));
      while (i < text.size() && is_space(text[i])) ++i;
      start = i;
      continue;
    }
    ++i;
  }
  if (start < text.size()) pieces.emplace_back(text.substr(start));
  return pieces;
}

size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
}

// The longest prefix of `word` (at a code point boundary) with at most max_tokens tokens; at least
// one code point, so that the loop below always moves.
size_t fitting_prefix(std::string_view word, const std::function<size_t(std::string_view)>& count,
                      size_t max_tokens) {
  size_t cut = 0;
  while (cut < word.size()) {
    const size_t next = std::min(word.size(), cut + utf8_length(static_cast<unsigned char>(word[cut])));
    if (cut > 0 && count(word.substr(0, next)) > max_tokens) break;
    cut = next;
  }
  return cut;
}

void limit(const std::string& clause, const std::function<size_t(std::string_view)>& count,
           size_t max_tokens, std::vector<std::string>* out) {
  if (count(clause) <= max_tokens) {
    out->push_back(clause);
    return;
  }
  std::string current;
  size_t start = 0;
  while (start <= clause.size()) {
    size_t end = clause.find(' ', start);
    if (end == std::string::npos) end = clause.size();
    std::string_view word(clause.data() + start, end - start);
    const std::string candidate = current.empty() ? std::string(word) : current + " " + std::string(word);
    if (count(candidate) <= max_tokens) {
      current = candidate;
    } else {
      if (!current.empty()) out->push_back(current);
      while (count(word) > max_tokens) {  // one "word" longer than the model takes
        const size_t cut = fitting_prefix(word, count, max_tokens);
        out->emplace_back(word.substr(0, cut));
        word.remove_prefix(cut);
      }
      current = std::string(word);
    }
    start = end + 1;
  }
  if (!current.empty()) out->push_back(current);
}

}  // namespace

std::vector<std::string> split_clauses(std::string_view phonemes,
                                       const std::function<size_t(std::string_view)>& count,
                                       size_t min_tokens, size_t max_tokens) {
  std::vector<std::string> clauses;
  std::string current;
  for (const std::string& piece : pieces_of(strip(phonemes))) {
    current = current.empty() ? piece : current + " " + piece;
    if (count(current) >= min_tokens) {
      clauses.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) {
    if (!clauses.empty() && count(current) < min_tokens) {
      clauses.back() += " " + current;
    } else {
      clauses.push_back(std::move(current));
    }
  }
  std::vector<std::string> out;
  for (const std::string& clause : clauses) limit(clause, count, max_tokens, &out);
  return out;
}

float pause_after(std::string_view clause) {
  const Mark* m = ending_mark(strip(clause));
  return m ? m->pause_s : 0.0f;
}

}  // namespace stream_tts::kokoro
