// Speakable form of single words and short spans: URLs, file paths, emphasis marks, entities.
// All functions see complete input (the inline scanner holds a word until it has ended).
#pragma once

#include <string_view>

#include "text/cleaner.h"
#include "text/speech_output.h"

namespace stream_tts::text {

struct WordContext {
  const CleanerOptions* options = nullptr;
  SpeechOutput* out = nullptr;
  bool heading = false;  // a word of only '#' is a closing heading mark, not text
};

// One run of ASCII non-blank prose bytes (no backtick, '<', '[' or ']'): a URL, a domain path or a
// long file path is shortened; otherwise emphasis marks, backslash escapes and entities are handled.
void emit_word(std::string_view word, const WordContext& ctx);

// Content of a code span: kept as written, except that URLs and long paths are shortened the same
// way as in prose ("`/usr/lib/x/libfoo.so`" -> "libfoo.so").
void emit_code_text(std::string_view code, const WordContext& ctx);

// An autolink target or bare URL: "link to <host>" (options.speak_url_host) or nothing.
void emit_url(std::string_view url, const WordContext& ctx);

// Any UTF-8 text: blanks become one space, emoji and invalid bytes vanish, the rest is kept.
void emit_plain(std::string_view text, SpeechOutput& out);

// The host of `url` with scheme, user, port and a leading "www." removed; empty if there is none.
std::string_view url_host(std::string_view url);

// The file name of a path long enough to shorten, or empty. Rule (why: a TTS voice spells every
// slash, and the last component is what a listener recognises): a path of at least three
// components, which either starts with "/", "~/", "./" or "../", or ends in a file with an
// extension or in "/". "/usr/local/lib/foo/bar.so" -> "bar.so", "src/text/cleaner.cpp" ->
// "cleaner.cpp"; "src/main.cpp", "/usr/bin", "and/or", "2024/01/15" stay as written.
std::string_view long_path_tail(std::string_view path);

}  // namespace stream_tts::text
