// Shared by the catalogue and manifest targets: a manifest written by to_json() reads back equal.
#pragma once

#include <string>

#include "fuzz_support.h"
#include "models/manifest.h"
#include "stream_tts/status.h"

namespace stream_tts::fuzz {

inline void check_same_manifest(const models::Manifest& a, const models::Manifest& b) {
  const std::string ja = a.to_json();
  const std::string jb = b.to_json();
  check(ja == jb, "manifest: read back equal", ja, jb);
  check(a.name == b.name && a.kind == b.kind && a.description == b.description &&
            a.licence == b.licence && a.homepage == b.homepage && a.main == b.main &&
            a.source == b.source && a.source_path == b.source_path &&
            a.installed_at == b.installed_at && a.packages == b.packages &&
            a.files.size() == b.files.size(),
        "manifest: fields read back equal", ja, jb);
  for (size_t i = 0; i < a.files.size(); ++i) {
    check(a.files[i].name == b.files[i].name && a.files[i].size == b.files[i].size &&
              a.files[i].sha256 == b.files[i].sha256,
          "manifest: files read back equal", ja, jb);
  }
}

// to_json() must give a document that parse() accepts and that holds the same manifest.
inline void check_manifest_round_trip(const models::Manifest& m) {
  const std::string json = m.to_json();
  models::Manifest back;
  try {
    back = models::Manifest::parse(json);
  } catch (const Error& e) {
    fail("manifest: to_json() output does not parse", json, e.what());
  }
  check_same_manifest(m, back);
}

}  // namespace stream_tts::fuzz
