// Where an English or mixed sentence ends: the decision at one '.', '!', '?' or '…', given the
// text received so far. Japanese 。！？ need no rule (segmenter.cpp ends the sentence at once).
#pragma once

#include <cstddef>
#include <string_view>

namespace stream_tts::text {

enum class Boundary {
  kNeedMore,  // the bytes after the terminator have not arrived yet
  kNo,        // not a sentence end; `end` is where scanning resumes (past the terminator run)
  kYes,       // a sentence end; `end` is one past its last byte (closing quotes included)
};

struct BoundaryResult {
  Boundary kind = Boundary::kNeedMore;
  size_t end = 0;
};

// `text` is the pending text, `begin` the first byte of the current sentence, `at` the terminator.
//  - ". ", "! ", "? " (and ".\n") end a sentence; closing quotes/brackets after the terminator
//    belong to it; "!" or "?" directly followed by Japanese also ends one ("すごい!次").
//  - '.' followed by anything but whitespace never ends one: 3.14, v1.2.3, main.cpp, example.com.
//  - Abbreviations (e.g., i.e., vs., Dr., Mr., Inc., U.S. ...) and initials ("J. R. R. Tolkien")
//    do not; "etc." does when the next word is capitalised; "No." only when no number follows.
//  - A bare ordinal ("1.", "a.") at the start of a sentence does not.
//  - An ellipsis ("..." or "…") ends one only when a capitalised word (or Japanese) follows.
BoundaryResult check_terminator(std::string_view text, size_t begin, size_t at);

// True when text[at] starts a terminator check_terminator() handles ('.', '!', '?', "…").
bool is_terminator_start(std::string_view text, size_t at);

}  // namespace stream_tts::text
