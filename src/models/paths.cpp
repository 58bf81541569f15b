#include "models/paths.h"

#include <cstdlib>

#include "models/model_store.h"
#include "stream_tts/status.h"

namespace stream_tts::models {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// XDG base directories: the variable when set to an absolute path (the spec says relative values
// are to be ignored), else ~/<fallback>.
std::filesystem::path xdg_dir(const char* variable, const char* fallback) {
  const std::string value = env(variable);
  if (!value.empty() && value.front() == '/') return value;
  const std::string home = env("HOME");
  if (home.empty()) {
    throw Error(StatusCode::kNotFound,
                std::string("neither $") + variable + " nor $HOME is set");
  }
  return std::filesystem::path(home) / fallback;
}

}  // namespace

std::filesystem::path models_dir() {
  const std::string overridden = env("STREAM_TTS_MODELS_DIR");
  if (!overridden.empty()) return overridden;
  return xdg_dir("XDG_DATA_HOME", ".local/share") / "stream-tts" / "models";
}

std::filesystem::path wheel_cache_dir() {
  return xdg_dir("XDG_CACHE_HOME", ".cache") / "stream-tts" / "wheels";
}

std::string python_program() {
  const std::string overridden = env("STREAM_TTS_PYTHON");
  return overridden.empty() ? "python3" : overridden;
}

}  // namespace stream_tts::models
