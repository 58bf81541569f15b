// What every fuzz target shares: reading the parameter bytes at the front of an input, cutting a
// stream into fuzzer-chosen pieces, and failing loudly when a property does not hold.
//
// Input layout of the targets that take parameters: [parameter bytes][payload]. Parameters are
// read from the front and read as 0 past the end, so every byte string is a valid input; the
// payload is whatever follows them. tests/fuzz/make_corpus.py writes seeds in the same layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The libFuzzer entry point every target defines (libFuzzer's main, or replay_main.cpp, calls it).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace stream_tts::fuzz {

class Params {
 public:
  // The first `count` bytes of the input are parameters; the rest is the payload.
  Params(const uint8_t* data, size_t size, size_t count)
      : head_(reinterpret_cast<const char*>(data), size < count ? size : count),
        payload_(reinterpret_cast<const char*>(data) + head_.size(), size - head_.size()) {}

  uint8_t byte() {
    if (pos_ >= head_.size()) return 0;
    return static_cast<uint8_t>(head_[pos_++]);
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  std::string_view payload() const { return payload_; }

 private:
  std::string_view head_;
  std::string_view payload_;
  size_t pos_ = 0;
};

// A small deterministic generator (xorshift32): the same seed gives the same pieces on every
// platform, which std::mt19937's distributions do not promise.
class Rng {
 public:
  explicit Rng(uint32_t seed) : state_(seed * 2654435761u + 0x9E3779B9u) {
    if (state_ == 0) state_ = 1;
  }
  uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  // Uniform enough in [0, n); n > 0.
  uint32_t below(uint32_t n) { return next() % n; }

 private:
  uint32_t state_;
};

// Cuts `text` into consecutive pieces whose concatenation is `text`. The seed's low two bits pick
// the pattern: byte by byte; two pieces cut at a chosen byte; pieces of 1..8 bytes; pieces of
// 0..64 bytes (empty pieces included: a streaming API must accept them).
std::vector<std::string_view> split(std::string_view text, uint32_t seed);

// Cuts `text` into `count` consecutive blocks (some may be empty) at offsets drawn from `rng`.
std::vector<std::string_view> blocks(std::string_view text, size_t count, Rng& rng);

// Prints `what` and the escaped strings, then abort()s: libFuzzer records the input as a crash and
// the replay driver writes it out. Fuzz targets check properties with this, never with assert()
// (which NDEBUG removes).
[[noreturn]] void fail(std::string_view what, std::string_view expected = {},
                       std::string_view got = {});
inline void check(bool ok, std::string_view what, std::string_view expected = {},
                  std::string_view got = {}) {
  if (!ok) fail(what, expected, got);
}

// C-style escaping of arbitrary bytes for failure messages.
std::string escaped(std::string_view bytes);

}  // namespace stream_tts::fuzz
