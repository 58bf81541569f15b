#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "audio/sink.h"
#include "test_util.h"

namespace stream_tts {
namespace {

// Feeds `in` in chunks of `chunk` samples, then flushes.
std::vector<float> resample_in_chunks(Resampler& r, const std::vector<float>& in, size_t chunk) {
  std::vector<float> out;
  for (size_t i = 0; i < in.size(); i += chunk) {
    const size_t n = std::min(chunk, in.size() - i);
    EXPECT_TRUE(r.process(std::span(in).subspan(i, n), false, &out));
  }
  EXPECT_TRUE(r.process({}, true, &out));
  return out;
}

TEST(Resampler, UpsamplesWithTheRightLengthAndFrequency) {
  Resampler r(22050, 48000);
  EXPECT_EQ(r.in_rate(), 22050);
  EXPECT_EQ(r.out_rate(), 48000);
  const auto in = test::sine(1000.0, 22050, 22050, 0.5f);  // one second
  const auto out = resample_in_chunks(r, in, 441);
  EXPECT_NEAR(static_cast<double>(out.size()), 48000.0, 4.0);
  EXPECT_NEAR(test::crossing_frequency(out, 48000), 1000.0, 3.0);
  // Away from the edges (filter start-up), the amplitude is kept.
  EXPECT_NEAR(test::peak(std::span(out).subspan(4800, 38400)), 0.5f, 0.01f);
}

TEST(Resampler, DownsamplesWithTheRightLengthAndFrequency) {
  Resampler r(48000, 16000);
  const auto in = test::sine(440.0, 48000, 96000, 0.5f);  // two seconds
  const auto out = resample_in_chunks(r, in, 1000);
  EXPECT_NEAR(static_cast<double>(out.size()), 32000.0, 4.0);
  EXPECT_NEAR(test::crossing_frequency(out, 16000), 440.0, 2.0);
}

TEST(Resampler, ChunkingDoesNotChangeTheResult) {
  const auto in = test::sine(300.0, 24000, 24000, 0.5f);
  Resampler a(24000, 44100);
  Resampler b(24000, 44100);
  const auto whole = resample_in_chunks(a, in, in.size());
  const auto pieces = resample_in_chunks(b, in, 37);
  ASSERT_EQ(whole.size(), pieces.size());
  for (size_t i = 0; i < whole.size(); i += 101) ASSERT_NEAR(whole[i], pieces[i], 1e-4f) << i;
}

TEST(Resampler, EndResetsForTheNextUtterance) {
  Resampler r(22050, 48000);
  const auto in = test::sine(500.0, 22050, 11025, 0.5f);
  const auto first = resample_in_chunks(r, in, 512);
  const auto second = resample_in_chunks(r, in, 512);
  EXPECT_EQ(first.size(), second.size());
  EXPECT_NEAR(static_cast<double>(first.size()), 24000.0, 4.0);
}

TEST(Resampler, SameRateIsACopy) {
  Resampler r(48000, 48000);
  const auto in = test::sine(1000.0, 48000, 1000, 0.5f);
  std::vector<float> out;
  ASSERT_TRUE(r.process(in, true, &out));
  EXPECT_EQ(out, in);
}

TEST(Resampler, RejectsBadRates) {
  EXPECT_THROW(Resampler(0, 48000), Error);
  EXPECT_THROW(Resampler(48000, -1), Error);
  EXPECT_THROW(Resampler(1, 48000), Error);  // ratio beyond libsamplerate's 256
}

}  // namespace
}  // namespace stream_tts
