#include <gtest/gtest.h>

#include "translate/translator.h"

namespace stream_tts {
namespace {

TEST(Translator, NonePassesTextThrough) {
  auto t = make_translator({});
  EXPECT_EQ(t->name(), "none");
  EXPECT_EQ(t->target_lang(), "");
  auto r = t->translate("Hello, world.");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "Hello, world.");
}

TEST(Translator, UnknownBackendIsAClearError) {
  TranslatorConfig c;
  c.backend = "magic";
  try {
    make_translator(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("magic"), std::string::npos);
  }
}

}  // namespace
}  // namespace stream_tts
