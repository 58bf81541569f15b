// Checking installed files against their manifest: size first (cheap), then the full sha256.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "models/manifest.h"
#include "models/progress.h"

namespace stream_tts::models {

// sha256 of a whole file, 1 MiB at a time, with progress under `label`. Throws Error(kNotFound)
// when the file cannot be opened, kUnavailable on a read error, kCancelled on a stop request.
std::string hash_file(const std::filesystem::path& path, const std::string& label, ProgressStyle style,
                      std::stop_token stop);

// Every problem with the files `manifest` lists in `folder`, one message each (empty: all good).
// Each message names the file, what was found and what was expected.
std::vector<std::string> verify_files(const std::filesystem::path& folder, const Manifest& manifest,
                                      ProgressStyle style, std::stop_token stop);

}  // namespace stream_tts::models
