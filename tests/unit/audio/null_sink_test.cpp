#include <gtest/gtest.h>

#include <vector>

#include "audio/null_sink.h"
#include "audio/sink.h"

namespace stream_tts {
namespace {

TEST(NullSink, CountsWhatItDiscards) {
  SinkOptions options;
  options.sample_rate = 16000;
  auto sink = open_sink("null", options);
  ASSERT_TRUE(sink) << sink.status().to_string();
  EXPECT_EQ((*sink)->sample_rate(), 16000);
  auto* null_sink = dynamic_cast<audio::NullSink*>(sink->get());
  ASSERT_NE(null_sink, nullptr);
  const std::vector<float> samples(1234, 0.5f);
  ASSERT_TRUE((*sink)->write(samples));
  ASSERT_TRUE((*sink)->write(std::span<const float>{}));
  ASSERT_TRUE((*sink)->write(samples));
  EXPECT_EQ(null_sink->samples_written(), 2468u);
  EXPECT_TRUE((*sink)->drain());
  EXPECT_EQ((*sink)->underruns(), 0u);
  EXPECT_TRUE((*sink)->close());
  EXPECT_TRUE((*sink)->close());
  EXPECT_EQ((*sink)->write(samples).code(), StatusCode::kUnavailable);
}

TEST(NullSink, DefaultRateIs48000) {
  auto sink = open_sink("null", SinkOptions{});
  ASSERT_TRUE(sink);
  EXPECT_EQ((*sink)->sample_rate(), 48000);
}

}  // namespace
}  // namespace stream_tts
