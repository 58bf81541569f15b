#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace stream_tts {
namespace {

TEST(JsonWriter, EscapesAndFormats) {
  std::string s = JsonObject()
                      .add("id", 3)
                      .add("text", "a \"q\" \\ \n\t\x01 日本")
                      .add("ms", 1.5)
                      .add("nan", std::numeric_limits<double>::quiet_NaN())
                      .add("ok", true)
                      .add_raw("obj", "{\"a\":1}")
                      .str();
  EXPECT_EQ(s, "{\"id\":3,\"text\":\"a \\\"q\\\" \\\\ \\n\\t\\u0001 日本\",\"ms\":1.500,\"nan\":null,"
               "\"ok\":true,\"obj\":{\"a\":1}}");
}

TEST(JsonWriter, EmptyObject) { EXPECT_EQ(JsonObject().str(), "{}"); }

}  // namespace
}  // namespace stream_tts
