// The installed-model store: models live under $XDG_DATA_HOME/stream-tts/models (default
// ~/.local/share/stream-tts/models; STREAM_TTS_MODELS_DIR overrides), one folder per model with the
// manifest it was installed from. Nothing is fetched at run time; `stream-tts models install NAME` does that.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/manifest.h"

namespace stream_tts::models {

std::filesystem::path models_dir();

// A name from the catalogue -> the path of its installed main file (e.g. the .gguf). A path to an
// existing file is returned as it is. Throws Error(kNotFound) with the fix in the message:
// "model 'qwen2.5-coder-0.5b' is not installed; run: stream-tts models install qwen2.5-coder-0.5b".
// Cheap enough for every program start: it reads the manifest and compares file sizes, it does not
// hash (`stream-tts models verify NAME` does).
std::filesystem::path resolve_model(std::string_view name_or_path);

// models_dir()/name. `name` must satisfy is_valid_model_name (throws Error(kInvalidArgument)).
std::filesystem::path model_folder(std::string_view name);

// The manifest of an installed model; nullopt when none is installed under that name. Throws
// Error(kDataError) when the manifest exists but cannot be read.
std::optional<Manifest> installed_manifest(std::string_view name);

// The names of installed models (folders holding a manifest), sorted.
std::vector<std::string> installed_models();

// Deletes the model's folder. Throws Error(kNotFound) when nothing is installed under that name.
void remove_model(std::string_view name);

}  // namespace stream_tts::models
