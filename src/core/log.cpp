#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

namespace stream_tts::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mutex;
Sink g_sink;

std::shared_ptr<spdlog::logger> stderr_logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("stream-tts",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("[stream-tts] %l: %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return logger;
}

spdlog::level::level_enum to_spdlog(Level l) {
  switch (l) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

bool parse_level(std::string_view name, Level* out) {
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"off", Level::kOff}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *out = l;
      return true;
    }
  }
  return false;
}

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(); }

void set_sink(Sink sink) {
  std::lock_guard lock(g_mutex);
  g_sink = std::move(sink);
}

void write(Level l, std::string_view message) {
  if (l < level()) return;
  std::lock_guard lock(g_mutex);
  if (g_sink) {
    g_sink(l, message);
    return;
  }
  stderr_logger()->log(to_spdlog(l), "{}", message);
}

}  // namespace stream_tts::log
