// Markdown -> speakable text, incrementally over deltas (a fence may open in one delta and close
// ten deltas later). Pure: no I/O, no clock. Not thread-safe; one Cleaner per text stream.
//
// Output contract: plain UTF-8 text. '\n' in the output is a *hard break* (end of a heading, list
// item, table row, paragraph, skipped code block): the segmenter ends a sentence there. Soft line
// breaks inside a paragraph become spaces.
//
// What is said: headings, list items, quotes and table rows ("a, b") lose their marks; emphasis
// marks go (snake_case and 2*3 stay); [text](url) and ![alt](url) keep text/alt; URLs become
// "link to <host>"; long file paths keep their file name (word.h gives the rule); inline code keeps
// its content; fenced code, HTML tags, emoji and table separator rows are dropped; entities are
// decoded. Latency: prose is written word by word as it arrives (a word is held only until it
// ends, since its end decides whether it is a URL or a path); a line's kind is decided from its
// first few bytes; links and code spans are held until they close (bounded, see inline.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace stream_tts {

struct CleanerOptions {
  // Spoken in place of a fenced code block; empty = skip the block silently.
  std::string code_block_phrase = "";
  // Bare URLs become "link to <host>" when true; are dropped when false.
  bool speak_url_host = true;
  // Tables: true = each row becomes a sentence of its cells ("a, b, c"); false = skip tables.
  bool speak_tables = true;
};

class Cleaner {
 public:
  explicit Cleaner(CleanerOptions options = {});
  ~Cleaner();
  Cleaner(Cleaner&&) noexcept;
  Cleaner& operator=(Cleaner&&) noexcept;

  // Feeds the next piece of markdown (any split, even inside a UTF-8 character); appends the text
  // that is now final to *out. Text that may still change meaning (an open "**", a half URL) is held.
  void push(std::string_view delta, std::string* out);
  // The text block ended: releases everything held, closing open constructs, and ends with '\n'
  // when anything was emitted since the last hard break.
  void end_block(std::string* out);
  // Forgets all state (new message, cancellation).
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests and one-shot use: push(all) + end_block.
std::string clean_markdown(std::string_view markdown, const CleanerOptions& options = {});

}  // namespace stream_tts
