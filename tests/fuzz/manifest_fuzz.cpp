// The installed-model manifest reader (src/models/manifest.h, Manifest::parse; read_manifest reads
// the file and calls it). A rejected document throws Error(kDataError) and nothing else; an accepted
// one has safe file names (they become paths inside the model folder) and survives
// to_json() -> parse() unchanged.
//
// Input: the manifest JSON.
#include <string>

#include "fuzz_support.h"
#include "manifest_check.h"
#include "models/manifest.h"
#include "stream_tts/status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  namespace fz = stream_tts::fuzz;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  models::Manifest m;
  try {
    m = models::Manifest::parse(json);
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "a bad manifest is kDataError", "", e.what());
    return 0;
  }
  fz::check(!m.files.empty(), "manifest: an accepted manifest lists files");
  for (const models::InstalledFile& f : m.files) {
    fz::check(!f.name.empty() && f.name.find('/') == std::string::npos && f.name.front() != '.',
              "manifest: file names stay inside the model folder", "", f.name);
  }
  (void)m.total_size();
  fz::check_manifest_round_trip(m);
  return 0;
}
