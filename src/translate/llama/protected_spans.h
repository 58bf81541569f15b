// Protected spans: the parts of a sentence a translation must carry through unchanged — inline code
// (backticks), URLs, file names and paths, identifiers (snake_case, camelCase, calls, flags).
// The prompt asks the model to copy them; restore_protected_spans() then checks that it did,
// repairs near misses (changed case, inserted spaces), and reports a span that was lost so that the
// caller can fall back to the source text. Pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts::llama {

struct ProtectedSpan {
  size_t begin = 0;  // byte range in the sentence, backticks included
  size_t end = 0;
  std::string text;  // what must appear in the translation (without backticks)
  bool backticked = false;
};

// Spans in order of appearance, not overlapping. Backticked spans come from the markdown the
// cleaner keeps; the others are found by their shape, so they are protected even where the
// backticks are gone.
std::vector<ProtectedSpan> find_protected_spans(std::string_view sentence);

// Returns `translation` with every span's text present exactly: a copy that differs only in case or
// in inserted separators (' ', '_', '-') is replaced by the original. Fails with kDataError naming
// the first span that is missing altogether.
Result<std::string> restore_protected_spans(std::string_view translation,
                                            std::span<const ProtectedSpan> spans);

// Number of words of two or more letters outside the spans: a sentence with fewer ("OK.", "Run
// `make`.") may rightly come back without any Japanese script.
int count_prose_words(std::string_view sentence, std::span<const ProtectedSpan> spans);

}  // namespace stream_tts::llama
