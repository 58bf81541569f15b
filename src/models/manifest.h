// The manifest an installed model carries (manifest.json in its folder): what was installed, from
// where, under which licence, and the size and sha256 of every file. `models verify` and
// `models list` read it, so a model installed from a local file verifies the same way as a packaged one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "models/catalogue.h"

namespace stream_tts::models {

inline constexpr std::string_view kManifestFileName = "manifest.json";

struct InstalledFile {
  std::string name;         // file name inside the model folder
  std::uint64_t size = 0;   // bytes
  std::string sha256;       // 64 lowercase hex digits
};

struct Manifest {
  std::string name;
  std::string kind;
  std::string description;
  std::string licence;
  std::string homepage;
  std::string main;                   // as ModelSpec::main
  std::string source;                 // "pypi" (packages below) or "local" (source_path)
  std::vector<PackageRef> packages;   // pinned wheels the files were taken from
  std::string source_path;            // the file a local install was copied from
  std::vector<InstalledFile> files;
  std::string installed_at;           // UTC, ISO 8601 ("2026-11-26T10:53:00Z")

  std::uint64_t total_size() const;
  // A manifest for a catalogue model, before installation (installed_at left empty).
  static Manifest from_spec(const ModelSpec& spec);
  std::string to_json() const;
  // Throws Error(kDataError) when the text is not a manifest this program wrote.
  static Manifest parse(std::string_view json);
};

// Reads folder/manifest.json. Throws Error(kNotFound) when absent, kDataError when unreadable.
Manifest read_manifest(const std::filesystem::path& folder);
// Writes folder/manifest.json through a temporary file and a rename, so that a manifest is either
// the old one or the complete new one (a manifest marks a model as installed).
void write_manifest(const std::filesystem::path& folder, const Manifest& manifest);

// "2026-11-26T10:53:00Z" for now.
std::string utc_timestamp_now();

}  // namespace stream_tts::models
