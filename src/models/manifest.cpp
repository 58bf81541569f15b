#include "models/manifest.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "core/json_writer.h"
#include "stream_tts/status.h"
#include "models/sha256.h"

namespace stream_tts::models {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string json_quoted(std::string_view s) {
  std::string out;
  append_json_string(&out, s);
  return out;
}

std::string string_field(object obj, std::string_view key, bool required) {
  std::string_view value;
  if (obj[key].get_string().get(value) != simdjson::SUCCESS) {
    if (required) throw Error(StatusCode::kDataError, fmt::format("manifest lacks \"{}\"", key));
    return {};
  }
  return std::string(value);
}

}  // namespace

std::uint64_t Manifest::total_size() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

Manifest Manifest::from_spec(const ModelSpec& spec) {
  Manifest m;
  m.name = spec.name;
  m.kind = spec.kind;
  m.description = spec.description;
  m.licence = spec.licence;
  m.homepage = spec.homepage;
  m.main = spec.main;
  m.source = "pypi";
  m.packages = spec.packages();
  for (const auto& f : spec.files) m.files.push_back({f.name, f.size, f.sha256});
  return m;
}

std::string Manifest::to_json() const {
  // One field per line: people read this file to see where a model came from.
  std::string out = "{\n  \"format\": 1";
  const auto field = [&](std::string_view key, std::string_view value) {
    out += fmt::format(",\n  {}: {}", json_quoted(key), json_quoted(value));
  };
  field("name", name);
  field("kind", kind);
  field("description", description);
  field("licence", licence);
  field("homepage", homepage);
  field("main", main);
  field("source", source);
  if (!source_path.empty()) field("source_path", source_path);
  out += ",\n  \"packages\": [";
  for (size_t i = 0; i < packages.size(); ++i) {
    out += fmt::format("{}\n    {{\"package\": {}, \"version\": {}}}", i ? "," : "",
                       json_quoted(packages[i].package), json_quoted(packages[i].version));
  }
  out += packages.empty() ? "]" : "\n  ]";
  out += ",\n  \"files\": [";
  for (size_t i = 0; i < files.size(); ++i) {
    out += fmt::format("{}\n    {{\"name\": {}, \"size\": {}, \"sha256\": {}}}", i ? "," : "",
                       json_quoted(files[i].name), files[i].size, json_quoted(files[i].sha256));
  }
  out += "\n  ]";
  out += fmt::format(",\n  \"size\": {}", total_size());
  field("installed_at", installed_at);
  out += "\n}\n";
  return out;
}

Manifest Manifest::parse(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  object obj;
  if (auto err = parser.parse(padded).get_object().get(obj); err != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError,
                fmt::format("manifest is not a JSON object: {}", simdjson::error_message(err)));
  }
  std::uint64_t format = 0;
  if (obj["format"].get_uint64().get(format) != simdjson::SUCCESS || format != 1) {
    throw Error(StatusCode::kDataError, "manifest format is not 1");
  }
  Manifest m;
  m.name = string_field(obj, "name", true);
  m.kind = string_field(obj, "kind", true);
  m.description = string_field(obj, "description", false);
  m.licence = string_field(obj, "licence", false);
  m.homepage = string_field(obj, "homepage", false);
  m.main = string_field(obj, "main", true);
  m.source = string_field(obj, "source", true);
  m.source_path = string_field(obj, "source_path", false);
  m.installed_at = string_field(obj, "installed_at", false);
  simdjson::dom::array packages;
  if (obj["packages"].get_array().get(packages) == simdjson::SUCCESS) {
    for (element e : packages) {
      object p;
      if (e.get_object().get(p) != simdjson::SUCCESS) continue;
      m.packages.push_back({string_field(p, "package", true), string_field(p, "version", true)});
    }
  }
  simdjson::dom::array files;
  if (obj["files"].get_array().get(files) != simdjson::SUCCESS || files.size() == 0) {
    throw Error(StatusCode::kDataError, "manifest lists no files");
  }
  for (element e : files) {
    object f;
    InstalledFile file;
    if (e.get_object().get(f) != simdjson::SUCCESS ||
        f["size"].get_uint64().get(file.size) != simdjson::SUCCESS) {
      throw Error(StatusCode::kDataError, "manifest has a malformed file entry");
    }
    file.name = string_field(f, "name", true);
    file.sha256 = string_field(f, "sha256", true);
    // Names come back as paths inside the model folder; a hand-edited manifest must not point out.
    if (file.name.empty() || file.name.find('/') != std::string::npos || file.name.front() == '.' ||
        !is_sha256_hex(file.sha256)) {
      throw Error(StatusCode::kDataError, fmt::format("manifest has a bad file entry \"{}\"", file.name));
    }
    m.files.push_back(std::move(file));
  }
  return m;
}

Manifest read_manifest(const std::filesystem::path& folder) {
  const auto path = folder / kManifestFileName;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, fmt::format("no manifest at {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return Manifest::parse(text.str());
  } catch (const Error& e) {
    throw Error(StatusCode::kDataError, fmt::format("{}: {}", path.string(), e.status().message()));
  }
}

void write_manifest(const std::filesystem::path& folder, const Manifest& manifest) {
  const auto path = folder / kManifestFileName;
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << manifest.to_json();
    out.flush();
    if (!out) throw Error(StatusCode::kUnavailable, fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(StatusCode::kUnavailable, fmt::format("cannot write {}", path.string()));
  }
}

std::string utc_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace stream_tts::models
