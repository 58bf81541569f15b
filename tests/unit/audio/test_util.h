// Helpers shared by the audio tests.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <numbers>
#include <span>
#include <string>
#include <vector>

namespace stream_tts::test {

inline std::vector<float> sine(double freq_hz, int rate, size_t frames, float amplitude) {
  std::vector<float> out(frames);
  for (size_t i = 0; i < frames; ++i) {
    out[i] = amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * freq_hz * i / rate));
  }
  return out;
}

// Upward zero crossings per second over the whole signal: the frequency of a clean sine.
inline double crossing_frequency(std::span<const float> x, int rate) {
  size_t crossings = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    if (x[i - 1] < 0.0f && x[i] >= 0.0f) ++crossings;
  }
  return static_cast<double>(crossings) * rate / static_cast<double>(x.size());
}

inline float peak(std::span<const float> x) {
  float p = 0.0f;
  for (float v : x) p = std::max(p, std::fabs(v));
  return p;
}

// A fresh folder under the test temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("st-audio-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

}  // namespace stream_tts::test
