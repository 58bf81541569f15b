// Cleaner: splits the stream into lines, classifies each line from its first bytes (block.h) and
// hands the line's text to the inline scanner (inline.h) while the line is still arriving.
//
// Why the result does not depend on how the input is split: every decision is taken either from
// bytes already received or, when those are not enough, postponed (kNeedMore) until more arrive or
// the line ends; state changes only when a decision is taken. So a decision sees the same bytes
// whether they came in one delta or in many.
#include "text/cleaner.h"

#include "text/block.h"
#include "text/inline.h"
#include "text/speech_output.h"

namespace stream_tts {

using text::LineClass;
using text::LineKind;

struct Cleaner::Impl {
  enum class Phase {
    kClassify,  // waiting for enough of the line to know its kind
    kInline,    // streaming the line's text through the inline scanner
    kSkip,      // the rest of the line is not spoken (code, rules, separators)
  };

  explicit Impl(CleanerOptions o) : options(std::move(o)), scanner(&options) {}

  void push(std::string_view delta, std::string* out);
  void end_block(std::string* out);
  void reset();

  // Processes the current line as far as its bytes allow; `complete` once its '\n' has arrived.
  void advance(bool complete);
  void begin_line(const LineClass& cls);
  void end_line();

  CleanerOptions options;
  text::InlineScanner scanner;
  text::SpeechOutput speech;

  std::string line;  // bytes of the current line received so far, without '\n'
  size_t pos = 0;    // first byte of `line` not yet consumed
  Phase phase = Phase::kClassify;
  LineKind kind = LineKind::kBlank;
  text::InlineFlags flags;
  bool in_fence = false;
  text::OpenFence fence;
  // The previous line was paragraph text whose newline has not been written: a space if the next
  // line continues the paragraph, a hard break if it starts a block. Deciding at the next line
  // (instead of writing a space at once) keeps " \n" out of the output.
  bool soft_break_pending = false;
};

void Cleaner::Impl::push(std::string_view delta, std::string* out) {
  speech.bind(out);
  while (!delta.empty()) {
    const size_t nl = delta.find('\n');
    if (nl == std::string_view::npos) {
      line.append(delta);
      advance(/*complete=*/false);
      return;
    }
    line.append(delta.substr(0, nl));
    advance(/*complete=*/true);
    end_line();
    delta.remove_prefix(nl + 1);
  }
}

void Cleaner::Impl::end_block(std::string* out) {
  speech.bind(out);
  if (!line.empty() || phase != Phase::kClassify) {
    advance(/*complete=*/true);
    end_line();
  }
  speech.hard_break();
  // A block is self-contained: an unterminated fence or a pending paragraph ends with it.
  in_fence = false;
  soft_break_pending = false;
}

void Cleaner::Impl::reset() {
  line.clear();
  pos = 0;
  phase = Phase::kClassify;
  kind = LineKind::kBlank;
  flags = {};
  in_fence = false;
  soft_break_pending = false;
  speech.reset();
}

void Cleaner::Impl::advance(bool complete) {
  if (phase == Phase::kClassify) {
    const LineClass cls =
        text::classify_line(line, complete, in_fence ? &fence : nullptr, soft_break_pending);
    if (cls.kind == LineKind::kNeedMore) return;
    begin_line(cls);
  }
  if (phase == Phase::kInline) {
    scanner.run(line, &pos, complete, flags, speech);
    // Long lines: drop the consumed prefix now and then so that `line` stays short.
    if (pos > 4096 && pos * 2 > line.size()) {
      line.erase(0, pos);
      pos = 0;
    }
  } else if (phase == Phase::kSkip) {
    line.clear();
    pos = 0;
  }
}

void Cleaner::Impl::begin_line(const LineClass& cls) {
  kind = cls.kind;
  flags = {};
  const bool continues_paragraph = kind == LineKind::kParagraph && soft_break_pending;
  if (soft_break_pending) {
    soft_break_pending = false;
    if (continues_paragraph) {
      speech.soft_space();
    } else if (kind != LineKind::kCode && kind != LineKind::kFenceClose) {
      speech.hard_break();
    }
  }
  phase = Phase::kSkip;
  switch (kind) {
    case LineKind::kParagraph:
      phase = Phase::kInline;
      pos = cls.content;
      break;
    case LineKind::kHeading:
    case LineKind::kListItem:
      speech.hard_break();
      flags.heading = kind == LineKind::kHeading;
      speech.hold_spaces(flags.heading);
      phase = Phase::kInline;
      pos = cls.content;
      break;
    case LineKind::kTableRow:
      speech.hard_break();
      if (options.speak_tables) {
        speech.begin_row();
        flags.table_row = true;
        phase = Phase::kInline;
        pos = cls.content;
      }
      break;
    case LineKind::kFenceOpen:
      speech.hard_break();
      if (!options.code_block_phrase.empty()) {
        speech.text(options.code_block_phrase);
        speech.hard_break();
      }
      in_fence = true;
      fence = cls.fence;
      break;
    case LineKind::kFenceClose:
      in_fence = false;
      speech.hard_break();
      break;
    case LineKind::kBlank:
    case LineKind::kRule:
    case LineKind::kTableSeparator:
      speech.hard_break();
      break;
    case LineKind::kCode:
    case LineKind::kNeedMore:
      break;
  }
}

void Cleaner::Impl::end_line() {
  switch (kind) {
    case LineKind::kHeading:
    case LineKind::kListItem:
      speech.hold_spaces(false);
      speech.hard_break();
      break;
    case LineKind::kTableRow:
      speech.end_row();
      speech.hard_break();
      break;
    case LineKind::kParagraph:
      soft_break_pending = true;
      break;
    default:
      break;
  }
  line.clear();
  pos = 0;
  phase = Phase::kClassify;
  kind = LineKind::kBlank;
  flags = {};
}

Cleaner::Cleaner(CleanerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Cleaner::~Cleaner() = default;
Cleaner::Cleaner(Cleaner&&) noexcept = default;
Cleaner& Cleaner::operator=(Cleaner&&) noexcept = default;

void Cleaner::push(std::string_view delta, std::string* out) { impl_->push(delta, out); }
void Cleaner::end_block(std::string* out) { impl_->end_block(out); }
void Cleaner::reset() { impl_->reset(); }

std::string clean_markdown(std::string_view markdown, const CleanerOptions& options) {
  Cleaner cleaner(options);
  std::string out;
  cleaner.push(markdown, &out);
  cleaner.end_block(&out);
  return out;
}

}  // namespace stream_tts
