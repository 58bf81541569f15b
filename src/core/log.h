// The one logging facade. Backed by spdlog writing to stderr; a program may replace the sink.
// Never call from the real-time audio callback.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

namespace stream_tts::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Parses "trace|debug|info|warn|error|off"; returns false on an unknown name.
bool parse_level(std::string_view name, Level* out);
void set_level(Level level);
Level level();

// Replaces the output (default: stderr, "[stream-tts] warn: ..."). Pass nullptr to restore it.
using Sink = std::function<void(Level, std::string_view message)>;
void set_sink(Sink sink);

void write(Level level, std::string_view message);

template <typename... Args>
void emit(Level lvl, fmt::format_string<Args...> f, Args&&... args) {
  if (lvl < level()) return;
  write(lvl, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kDebug, f, std::forward<Args>(a)...); }
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kInfo, f, std::forward<Args>(a)...); }
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kWarn, f, std::forward<Args>(a)...); }
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kError, f, std::forward<Args>(a)...); }

}  // namespace stream_tts::log
