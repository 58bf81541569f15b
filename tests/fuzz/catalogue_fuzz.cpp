// The model catalogue's JSON reader (src/models/catalogue.h, Catalogue::parse). A rejected document
// throws Error(kDataError) and nothing else; an accepted one obeys the rules the installer relies on
// (valid model names, plain file names, sha256 digests, `main` among the files), and its manifest
// (Manifest::from_spec, to_json) reads back field for field: the catalogue's strings are arbitrary
// JSON strings, so this is the manifest writer's escaping under test.
//
// Input: the catalogue JSON.
#include <string>

#include "fuzz_support.h"
#include "manifest_check.h"
#include "models/catalogue.h"
#include "models/manifest.h"
#include "stream_tts/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  using namespace stream_tts::models;
  namespace fz = stream_tts::fuzz;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  Catalogue catalogue;
  try {
    catalogue = Catalogue::parse(json);
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "a bad catalogue is kDataError", "",
              e.what());
    return 0;
  }
  for (const ModelSpec& m : catalogue.models()) {
    fz::check(is_valid_model_name(m.name), "catalogue: model names are valid", "", m.name);
    fz::check(catalogue.find(m.name) == &m, "catalogue: find() finds the model", "", m.name);
    fz::check(!m.files.empty(), "catalogue: a model has files", "", m.name);
    bool main_listed = m.main == ".";
    for (const FileSpec& f : m.files) {
      fz::check(!f.name.empty() && f.name.find('/') == std::string::npos && f.name.front() != '.',
                "catalogue: plain file names", "", f.name);
      fz::check(f.size > 0 && !f.parts.empty(), "catalogue: files have a size and parts", "", f.name);
      main_listed = main_listed || f.name == m.main;
    }
    fz::check(main_listed, "catalogue: main is one of the files", "", m.main);
    (void)m.total_size();
    (void)m.packages();
    fz::check_manifest_round_trip(Manifest::from_spec(m));
  }
  (void)catalogue.names();
  return 0;
}
