// SHA-256 (FIPS 180-4), streaming. Model files are checked against the sha256 values that
// MODELS.md records; hashing in process lets one pass over the bytes both write and verify them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace stream_tts::models {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::byte> data);
  void update(std::string_view data) { update(std::as_bytes(std::span(data.data(), data.size()))); }
  // Ends the message; the object must not be updated afterwards.
  std::array<std::uint8_t, 32> finish();
  // finish() as 64 lowercase hex digits.
  std::string finish_hex();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// One-shot convenience: sha256_hex("abc") -> "ba7816bf...".
std::string sha256_hex(std::string_view data);

// True for 64 lowercase hex digits (the form catalogues and manifests store).
bool is_sha256_hex(std::string_view s);

}  // namespace stream_tts::models
