// The few Python string semantics misaki relies on, for UTF-8 text: str.isspace(), str.strip().
#pragma once

#include <string_view>

namespace stream_tts::g2p {

// Python's str.isspace() for one code point (also what the \s of a str regex matches).
bool is_python_space(char32_t cp);

// Python's str.strip() without arguments: `s` without leading and trailing whitespace.
std::string_view python_strip(std::string_view s);

}  // namespace stream_tts::g2p
