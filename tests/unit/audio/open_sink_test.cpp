// Spec parsing and option checks of open_sink(); the sinks themselves have their own tests.
#include <gtest/gtest.h>

#include <string>

#include "audio/sink.h"

namespace stream_tts {
namespace {

class BadSpec : public ::testing::TestWithParam<const char*> {};

TEST_P(BadSpec, IsInvalidArgumentListingTheValidForms) {
  auto sink = open_sink(GetParam(), SinkOptions{});
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = sink.status().message();
  for (const char* form : {"speaker", "speaker:DEVICE", "wav:FILE", "raw", "null"}) {
    EXPECT_NE(message.find(form), std::string::npos) << "missing " << form << " in: " << message;
  }
}

INSTANTIATE_TEST_SUITE_P(OpenSink, BadSpec,
                         ::testing::Values("", "bogus", "wav", "wav:", "raw:x", "null:y", "speaker:",
                                           "Speaker", "file:out.wav"));

TEST(OpenSink, RejectsBadOptionsAllAtOnce) {
  SinkOptions options;
  options.sample_rate = -1;
  options.buffer_ms = 0;
  options.latency_ms = -5;
  auto sink = open_sink("null", options);
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = sink.status().message();
  EXPECT_NE(message.find("sample_rate"), std::string::npos) << message;
  EXPECT_NE(message.find("buffer_ms"), std::string::npos) << message;
  EXPECT_NE(message.find("latency_ms"), std::string::npos) << message;
}

TEST(OpenSink, RejectsAbsurdSampleRates) {
  SinkOptions options;
  options.sample_rate = 10;
  auto sink = open_sink("null", options);
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace stream_tts
