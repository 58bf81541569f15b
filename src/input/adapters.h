// The concrete adapters behind make_input_adapter(); internal to st_input.
#pragma once

#include <memory>

#include "input/input_adapter.h"

namespace stream_tts::input {

// Claude Code `--output-format stream-json --verbose [--include-partial-messages]`
// (docs/input-formats.md says what it relies on).
std::unique_ptr<InputAdapter> make_claude_adapter(const InputOptions& options);
// One line of text -> one delta; a blank line ends the block.
std::unique_ptr<InputAdapter> make_text_adapter(const InputOptions& options);
// One JSON value per line; the string at options.field_path is a delta.
std::unique_ptr<InputAdapter> make_jsonl_adapter(const InputOptions& options);
// Buffers lines until the first non-blank one tells the format, then replays them.
std::unique_ptr<InputAdapter> make_auto_adapter(const InputOptions& options);

}  // namespace stream_tts::input
