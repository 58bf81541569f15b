#include "models/catalogue.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include <algorithm>

#include "models/sha256.h"
#include "stream_tts/status.h"

namespace stream_tts::models {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Reads catalogue fields, collecting problems with their location instead of stopping at the
// first, so that a contributor fixes a new entry in one round.
class Reader {
 public:
  std::string text(object obj, std::string_view key, const std::string& where, bool required) {
    std::string_view value;
    const auto field = obj[key];
    if (field.error() == simdjson::NO_SUCH_FIELD) {
      if (required) problem(where, fmt::format("missing \"{}\"", key));
      return {};
    }
    if (field.get_string().get(value) != simdjson::SUCCESS) {
      problem(where, fmt::format("\"{}\" must be a string", key));
      return {};
    }
    if (required && value.empty()) problem(where, fmt::format("\"{}\" is empty", key));
    return std::string(value);
  }

  std::uint64_t count(object obj, std::string_view key, const std::string& where) {
    std::uint64_t value = 0;
    if (obj[key].get_uint64().get(value) != simdjson::SUCCESS || value == 0) {
      problem(where, fmt::format("\"{}\" must be a positive integer", key));
      return 0;
    }
    return value;
  }

  // Copied out: a default-constructed dom::array must not be iterated.
  std::vector<element> array(object obj, std::string_view key, const std::string& where) {
    simdjson::dom::array value;
    if (obj[key].get_array().get(value) != simdjson::SUCCESS || value.size() == 0) {
      problem(where, fmt::format("\"{}\" must be a non-empty array", key));
      return {};
    }
    std::vector<element> out;
    for (element e : value) out.push_back(e);
    return out;
  }

  void problem(const std::string& where, std::string what) {
    problems_.push_back(where.empty() ? std::move(what) : where + ": " + what);
  }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

PartSource read_part(Reader& r, element e, const std::string& where) {
  PartSource part;
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    r.problem(where, "a part must be an object");
    return part;
  }
  part.source.package = r.text(obj, "package", where, true);
  part.source.version = r.text(obj, "version", where, true);
  part.member = r.text(obj, "member", where, true);
  return part;
}

FileSpec read_file(Reader& r, element e, const std::string& where) {
  FileSpec file;
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    r.problem(where, "a file must be an object");
    return file;
  }
  file.name = r.text(obj, "name", where, true);
  // The name becomes a path inside the model folder: no directories, nothing hidden.
  if (!file.name.empty() && (file.name.find('/') != std::string::npos || file.name.front() == '.')) {
    r.problem(where, fmt::format("file name \"{}\" must be a plain, non-hidden file name", file.name));
  }
  file.size = r.count(obj, "size", where);
  file.sha256 = r.text(obj, "sha256", where, true);
  if (!file.sha256.empty() && !is_sha256_hex(file.sha256)) {
    r.problem(where, "\"sha256\" must be 64 lowercase hex digits");
  }
  size_t i = 0;
  for (element part : r.array(obj, "parts", where)) {
    file.parts.push_back(read_part(r, part, fmt::format("{}.parts[{}]", where, i++)));
  }
  return file;
}

ModelSpec read_model(Reader& r, element e, size_t index) {
  ModelSpec model;
  std::string where = fmt::format("models[{}]", index);
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    r.problem(where, "a model must be an object");
    return model;
  }
  model.name = r.text(obj, "name", where, true);
  if (!model.name.empty()) {
    where = fmt::format("models[{}] ({})", index, model.name);
    if (!is_valid_model_name(model.name)) r.problem(where, "invalid name");
  }
  model.kind = r.text(obj, "kind", where, true);
  model.description = r.text(obj, "description", where, false);
  model.licence = r.text(obj, "licence", where, true);
  model.homepage = r.text(obj, "homepage", where, false);
  model.main = r.text(obj, "main", where, true);
  size_t i = 0;
  for (element file : r.array(obj, "files", where)) {
    model.files.push_back(read_file(r, file, fmt::format("{}.files[{}]", where, i++)));
  }
  const bool main_listed = std::any_of(model.files.begin(), model.files.end(),
                                       [&](const FileSpec& f) { return f.name == model.main; });
  if (!model.main.empty() && model.main != "." && !main_listed) {
    r.problem(where, fmt::format("\"main\" names \"{}\", which is not one of its files", model.main));
  }
  return model;
}

}  // namespace

std::uint64_t ModelSpec::total_size() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

std::vector<PackageRef> ModelSpec::packages() const {
  std::vector<PackageRef> out;
  for (const auto& f : files) {
    for (const auto& p : f.parts) {
      if (std::find(out.begin(), out.end(), p.source) == out.end()) out.push_back(p.source);
    }
  }
  return out;
}

Catalogue Catalogue::parse(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  element root;
  if (auto err = parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError,
                fmt::format("model catalogue is not valid JSON: {}", simdjson::error_message(err)));
  }
  Reader r;
  Catalogue catalogue;
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    throw Error(StatusCode::kDataError, "model catalogue must be a JSON object");
  }
  std::uint64_t format = 0;
  if (obj["format"].get_uint64().get(format) != simdjson::SUCCESS || format != 1) {
    r.problem("", "\"format\" must be 1 (this program reads catalogue format 1)");
  }
  size_t i = 0;
  for (element model : r.array(obj, "models", "")) {
    catalogue.models_.push_back(read_model(r, model, i++));
  }
  for (size_t a = 0; a < catalogue.models_.size(); ++a) {
    for (size_t b = a + 1; b < catalogue.models_.size(); ++b) {
      if (!catalogue.models_[a].name.empty() && catalogue.models_[a].name == catalogue.models_[b].name) {
        r.problem("", fmt::format("models[{}] and models[{}] are both named \"{}\"", a, b,
                                  catalogue.models_[a].name));
      }
    }
  }
  if (!r.problems().empty()) {
    throw Error(StatusCode::kDataError,
                fmt::format("model catalogue: {}", fmt::join(r.problems(), "; ")));
  }
  return catalogue;
}

const Catalogue& Catalogue::builtin() {
  // Parsed on first use; a broken built-in catalogue is a build defect that the unit tests catch.
  static const Catalogue catalogue = parse(builtin_catalogue_json());
  return catalogue;
}

const ModelSpec* Catalogue::find(std::string_view name) const {
  for (const auto& m : models_) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string Catalogue::names() const {
  std::string out;
  for (const auto& m : models_) {
    if (!out.empty()) out += ", ";
    out += m.name;
  }
  return out;
}

bool is_valid_model_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return lower_or_digit(c) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace stream_tts::models
