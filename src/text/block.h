// Block structure of one markdown line: what kind of line it is and where its text starts.
// Decided from the first few bytes so that prose streams out while its line is still arriving.
#pragma once

#include <cstddef>
#include <string_view>

namespace stream_tts::text {

enum class LineKind {
  kNeedMore,        // the bytes so far could start more than one kind of line
  kBlank,           // only whitespace (and quote markers): paragraph break
  kParagraph,       // prose; a newline inside a paragraph is a soft break
  kHeading,         // "# ..." to "###### ..."
  kListItem,        // "- ", "* ", "+ ", "1. ", "1) " (task box "[ ]"/"[x]" skipped too)
  kFenceOpen,       // ``` or ~~~ (3 or more), info string ignored
  kFenceClose,      // the matching fence inside a code block
  kCode,            // any other line inside a code block
  kRule,            // ---, ***, ___ (also a setext "===" underline): a hard break
  kTableRow,        // "| a | b |"
  kTableSeparator,  // "|---|:--:|"
};

struct OpenFence {
  char marker = '`';  // '`' or '~'
  size_t length = 3;  // a closing fence needs at least this many markers
};

struct LineClass {
  LineKind kind = LineKind::kNeedMore;
  size_t content = 0;  // first byte of the line's text (kHeading, kListItem, kParagraph, kTableRow)
  OpenFence fence;     // kFenceOpen: the fence that was opened
};

// `line` is the current line so far (no '\n'); `complete` says its end has arrived. `fence` is the
// open code block, or nullptr outside one. Returns kNeedMore only when !complete.
// Only the first kMaxClassifyBytes bytes are looked at: a pathological line ("-----…" a megabyte
// long, arriving byte by byte) is decided there instead of being rescanned on every delta.
// `after_paragraph`: the previous line was paragraph text. As in CommonMark, a list can then only
// interrupt the paragraph with a non-empty item, and an ordered one only when it starts at 1:
// "was released in\n2024. It" stays one paragraph.
LineClass classify_line(std::string_view line, bool complete, const OpenFence* fence,
                        bool after_paragraph = false);

inline constexpr size_t kMaxClassifyBytes = 1024;

}  // namespace stream_tts::text
