// Inline markdown of one line: code spans, links, images, autolinks, HTML tags, words.
// Incremental: text is written as soon as no later byte can change it, so prose streams out word by
// word while a link or a code span is held only until it closes.
#pragma once

#include <cstddef>
#include <string_view>

#include "text/cleaner.h"
#include "text/speech_output.h"

namespace stream_tts::text {

struct InlineFlags {
  bool heading = false;    // drop a closing "##"
  bool table_row = false;  // '|' separates cells
};

class InlineScanner {
 public:
  explicit InlineScanner(const CleanerOptions* options) : options_(options) {}

  // Writes the speakable form of line[*pos, ...) and advances *pos. With `complete` (the line has
  // ended) everything is consumed; otherwise it stops before the first construct whose meaning
  // depends on bytes not yet received (an unfinished word, an unclosed "[", "`" or "<").
  void run(std::string_view line, size_t* pos, bool complete, const InlineFlags& flags,
           SpeechOutput& out) const;

  // Limits on how far a construct may reach; beyond them the opening mark is taken literally.
  // They bound both the hold-back and the work per byte.
  static constexpr size_t kMaxWord = 1024;
  static constexpr size_t kMaxCodeSpan = 2048;
  static constexpr size_t kMaxTicks = 32;  // a longer backtick run is cut into runs of this length
  static constexpr size_t kMaxLinkText = 512;
  static constexpr size_t kMaxLinkUrl = 2048;
  static constexpr size_t kMaxTag = 512;

 private:
  enum class Step { kDone, kNeedMore };

  Step code_span(std::string_view s, size_t* pos, bool complete, const InlineFlags& flags,
                 SpeechOutput& out) const;
  Step link(std::string_view s, size_t* pos, bool complete, bool image, const InlineFlags& flags,
            SpeechOutput& out) const;
  Step angle(std::string_view s, size_t* pos, bool complete, const InlineFlags& flags,
             SpeechOutput& out) const;
  Step word(std::string_view s, size_t* pos, bool complete, const InlineFlags& flags,
            SpeechOutput& out) const;
  Step non_ascii(std::string_view s, size_t* pos, bool complete, SpeechOutput& out) const;

  const CleanerOptions* options_;
};

}  // namespace stream_tts::text
