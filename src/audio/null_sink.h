// "null": a sink that discards samples but counts them (tests, benchmarks, --out null).
#pragma once

#include <atomic>
#include <memory>

#include "audio/sink.h"

namespace stream_tts::audio {

class NullSink final : public AudioSink {
 public:
  explicit NullSink(int sample_rate) : sample_rate_(sample_rate) {}
  std::string describe() const override;
  int sample_rate() const override { return sample_rate_; }
  Status write(std::span<const float> samples) override;
  Status drain() override { return Status::ok(); }
  Status close() override;
  // Samples accepted by write() since construction; any thread may read it.
  uint64_t samples_written() const { return samples_written_.load(std::memory_order_relaxed); }

 private:
  int sample_rate_;
  std::atomic<uint64_t> samples_written_{0};
  bool closed_ = false;
};

}  // namespace stream_tts::audio
