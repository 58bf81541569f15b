#include "models/model_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "models/catalogue.h"
#include "stream_tts/status.h"

namespace stream_tts::models {
namespace {

namespace fs = std::filesystem;

std::string install_hint() {
  return fmt::format("known models: {}; install one with: stream-tts models install NAME, "
                     "or pass the path of a .gguf file",
                     Catalogue::builtin().names());
}

}  // namespace

fs::path model_folder(std::string_view name) {
  if (!is_valid_model_name(name)) {
    throw Error(StatusCode::kInvalidArgument,
                fmt::format("'{}' is not a valid model name (lowercase letters, digits, '.', '_', '-')", name));
  }
  return models_dir() / std::string(name);
}

std::optional<Manifest> installed_manifest(std::string_view name) {
  const fs::path folder = model_folder(name);
  std::error_code ec;
  if (!fs::is_regular_file(folder / kManifestFileName, ec)) return std::nullopt;
  return read_manifest(folder);
}

std::vector<std::string> installed_models() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(models_dir(), ec)) {
    const std::string name = entry.path().filename().string();
    if (is_valid_model_name(name) && fs::is_regular_file(entry.path() / kManifestFileName, ec)) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

fs::path resolve_model(std::string_view name_or_path) {
  if (name_or_path.empty()) {
    throw Error(StatusCode::kInvalidArgument, "no model given (--model NAME|PATH); " + install_hint());
  }
  const fs::path as_path{std::string(name_or_path)};
  std::error_code ec;
  if (fs::exists(as_path, ec)) return as_path;
  // Catalogue names contain dots ("qwen2.5-..."), so only a slash or a file suffix marks a path.
  const bool looks_like_path = name_or_path.find('/') != std::string_view::npos ||
                               name_or_path.ends_with(".gguf") || name_or_path.ends_with(".bin") ||
                               name_or_path.ends_with(".onnx");
  if (looks_like_path || !is_valid_model_name(name_or_path)) {
    throw Error(StatusCode::kNotFound, fmt::format("model file '{}' does not exist", name_or_path));
  }
  const std::string name(name_or_path);
  const auto manifest = installed_manifest(name);
  if (!manifest) {
    if (Catalogue::builtin().find(name) != nullptr) {
      throw Error(StatusCode::kNotFound,
                  fmt::format("model '{}' is not installed; run: stream-tts models install {}", name, name));
    }
    throw Error(StatusCode::kNotFound,
                fmt::format("unknown model '{}' (and no such file); {}", name, install_hint()));
  }
  const fs::path folder = model_folder(name);
  // A missing or truncated file (a disk that filled up, a hand deletion) is caught here, before a
  // loader reads garbage; bit rot is left to `models verify`.
  for (const auto& file : manifest->files) {
    const auto size = fs::file_size(folder / file.name, ec);
    if (ec || size != file.size) {
      throw Error(StatusCode::kDataError,
                  fmt::format("model '{}' is damaged ({} is {}); run: stream-tts models install {} --force",
                              name, file.name, ec ? "missing" : fmt::format("{} bytes, not {}", size, file.size),
                              name));
    }
  }
  return manifest->main == "." ? folder : folder / manifest->main;
}

void remove_model(std::string_view name) {
  const fs::path folder = model_folder(name);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw Error(StatusCode::kNotFound, fmt::format("model '{}' is not installed", name));
  }
  fs::remove_all(folder, ec);
  if (ec) {
    throw Error(StatusCode::kUnavailable, fmt::format("cannot remove {}: {}", folder.string(), ec.message()));
  }
}

}  // namespace stream_tts::models
