// Where the G2P tests find the real data: the installed kokoro-ja-g2p model (dictionary, 何 model,
// word list) and the kokoro-ja model (vocab.json), in the model store ($STREAM_TTS_MODELS_DIR or
// ~/.local/share/stream-tts/models).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "models/model_store.h"

namespace stream_tts::g2p::testing {

// The model's folder when it is installed, nullopt otherwise.
inline std::optional<std::string> installed_model_dir(const char* name) {
  try {
    if (!models::installed_manifest(name)) return std::nullopt;
    return models::model_folder(name).string();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

#define ST_REQUIRE_MODEL(var, name)                                                             \
  const std::optional<std::string> var = ::stream_tts::g2p::testing::installed_model_dir(name); \
  if (!var) GTEST_SKIP() << "needs the " name " model: stream-tts models install " name

}  // namespace stream_tts::g2p::testing
