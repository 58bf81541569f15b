#include "tts/voice_blend.h"

#include <gtest/gtest.h>

namespace stream_tts {
namespace {

TEST(VoiceBlend, OneVoiceOrABlendWithEitherSeparator) {
  auto one = parse_voice_blend("jf_alpha");
  ASSERT_TRUE(one.is_ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].name, "jf_alpha");
  EXPECT_DOUBLE_EQ((*one)[0].weight, 1.0);
  for (const char* spec : {"jf_alpha:0.7,jm_kumo:0.3", "jf_alpha:0.7+jm_kumo:0.3"}) {
    auto blend = parse_voice_blend(spec);
    ASSERT_TRUE(blend.is_ok()) << spec;
    ASSERT_EQ(blend->size(), 2u);
    EXPECT_EQ((*blend)[0].name, "jf_alpha");
    EXPECT_DOUBLE_EQ((*blend)[0].weight, 0.7);
    EXPECT_EQ((*blend)[1].name, "jm_kumo");
    EXPECT_DOUBLE_EQ((*blend)[1].weight, 0.3);
  }
  auto equal = parse_voice_blend("a,b+c");
  ASSERT_TRUE(equal.is_ok());
  ASSERT_EQ(equal->size(), 3u);
  EXPECT_DOUBLE_EQ((*equal)[2].weight, 1.0);
}

TEST(VoiceBlend, RejectsMalformedSpecsNamingThem) {
  for (const char* bad : {"", "a:", "a:0", "a:-1", "a:x", "a:1e7", "a+", "+b", "a,", ",b", ":0.5",
                          "a:0.5:0.5", "a,a", "a:0.2+b,a"}) {
    auto r = parse_voice_blend(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << r.status().message();
  }
}

}  // namespace
}  // namespace stream_tts
