#include "worker/environment.h"

#include <cstdlib>

#ifndef STREAM_TTS_WORKERS_DIR_DEFAULT
#define STREAM_TTS_WORKERS_DIR_DEFAULT "workers"
#endif

namespace stream_tts::worker {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

// $VAR, or $HOME/fallback when VAR is unset or empty (the XDG rule).
std::string xdg_dir(const char* var, const char* home_relative) {
  std::string dir = env_or_empty(var);
  if (!dir.empty()) return dir;
  std::string home = env_or_empty("HOME");
  if (home.empty()) home = "/tmp";
  return home + "/" + home_relative;
}

}  // namespace

std::string default_workers_file() {
  return xdg_dir("XDG_CONFIG_HOME", ".config") + "/stream-tts/workers.json";
}

std::string workers_source_dir() {
  std::string dir = env_or_empty("STREAM_TTS_WORKERS_DIR");
  return dir.empty() ? std::string(STREAM_TTS_WORKERS_DIR_DEFAULT) : dir;
}

std::string workers_venv_python() {
  return xdg_dir("XDG_CACHE_HOME", ".cache") + "/stream-tts/venv-workers/bin/python";
}

std::string runtime_dir() {
  std::string dir = env_or_empty("XDG_RUNTIME_DIR");
  return dir.empty() ? std::string("/tmp") : dir;
}

}  // namespace stream_tts::worker
