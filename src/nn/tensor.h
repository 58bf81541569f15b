// A read-only fp32 tensor view with shared ownership of its storage: either a slice of a memory-mapped
// weight file (no copy when the file already holds aligned fp32) or a buffer converted from F16/BF16.
// Loaded models are shared and read-only, so a view may be copied freely between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace stream_tts::nn {

struct FloatTensor {
  std::vector<int64_t> shape;
  const float* data = nullptr;
  std::shared_ptr<const void> owner;  // keeps the mapping or the converted buffer alive

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  bool empty() const { return data == nullptr; }
};

// Wraps an owned buffer (tests, converted weights).
inline FloatTensor make_tensor(std::vector<int64_t> shape, std::vector<float> values) {
  auto buffer = std::make_shared<std::vector<float>>(std::move(values));
  FloatTensor t;
  t.shape = std::move(shape);
  t.data = buffer->data();
  t.owner = std::move(buffer);
  return t;
}

}  // namespace stream_tts::nn
