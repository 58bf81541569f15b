#include <gtest/gtest.h>

#include "core/log.h"
#include "stream_tts/status.h"

namespace stream_tts {
namespace {

TEST(Status, OkAndError) {
  Status ok;
  EXPECT_TRUE(ok.is_ok());
  Status bad(StatusCode::kNotFound, "model x.gguf");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.to_string(), "not found: model x.gguf");
  Error e(bad);
  EXPECT_STREQ(e.what(), "not found: model x.gguf");
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> r = 5;
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
  Result<int> e = Status(StatusCode::kDataError, "bad");
  EXPECT_FALSE(e);
  EXPECT_EQ(e.status().code(), StatusCode::kDataError);
}

TEST(Log, SinkReceivesMessagesAtOrAboveLevel) {
  std::vector<std::string> seen;
  log::set_sink([&](log::Level, std::string_view m) { seen.emplace_back(m); });
  log::set_level(log::Level::kWarn);
  log::info("hidden {}", 1);
  log::warn("line {}: bad json", 7);
  log::set_sink(nullptr);
  log::set_level(log::Level::kInfo);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "line 7: bad json");
  log::Level l;
  EXPECT_TRUE(log::parse_level("debug", &l));
  EXPECT_EQ(l, log::Level::kDebug);
  EXPECT_FALSE(log::parse_level("loud", &l));
}

}  // namespace
}  // namespace stream_tts
