#include "nn/safetensors/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace stream_tts::nn {
namespace {

// A safetensors image: header JSON (padded with spaces to 8 bytes, as the reference writer does) + data.
std::string image(const std::string& header, const std::string& data) {
  std::string h = header;
  while (h.size() % 8 != 0) h.push_back(' ');
  std::string out(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + h + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

TEST(Safetensors, ReadsF32F16Bf16AndMetadata) {
  const uint16_t f16[] = {0x3c00, 0xc000, 0x0001, 0x7bff};  // 1, -2, smallest subnormal, 65504
  const uint16_t bf16[] = {0x3f80, 0xc040};                 // 1, -3
  std::string data = floats({1.5f, -2.0f, 3.0f, 4.25f});
  data.append(reinterpret_cast<const char*>(f16), sizeof f16);
  data.append(reinterpret_cast<const char*>(bf16), sizeof bf16);
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}})";
  auto file = SafetensorsFile::from_bytes(image(header, data), "mem.safetensors");
  ASSERT_TRUE(file) << file.status().to_string();
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->tensors().size(), 3u);
  auto a = file->load_f32("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 2}));
  EXPECT_FLOAT_EQ(a->data[0], 1.5f);
  EXPECT_FLOAT_EQ(a->data[3], 4.25f);
  auto h = file->load_f32("h");
  ASSERT_TRUE(h);
  EXPECT_FLOAT_EQ(h->data[0], 1.0f);
  EXPECT_FLOAT_EQ(h->data[1], -2.0f);
  EXPECT_FLOAT_EQ(h->data[2], 5.9604645e-8f);
  EXPECT_FLOAT_EQ(h->data[3], 65504.0f);
  auto b = file->load_f32("b");
  ASSERT_TRUE(b);
  EXPECT_FLOAT_EQ(b->data[0], 1.0f);
  EXPECT_FLOAT_EQ(b->data[1], -3.0f);
  auto missing = file->load_f32("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(Safetensors, RefusesUnsupportedDtypeOnLoad) {
  const std::string header = R"({"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  auto file = SafetensorsFile::from_bytes(image(header, std::string(8, '\0')), "mem");
  ASSERT_TRUE(file);
  auto t = file->load_f32("i");
  EXPECT_EQ(t.status().code(), StatusCode::kDataError);
  EXPECT_NE(t.status().message().find("I64"), std::string::npos);
}

struct Corrupt {
  const char* what;
  std::string bytes;
  const char* expect;  // a substring of the error message
};

TEST(Safetensors, CorruptFilesAreErrorsNamingTheFile) {
  const std::string good_header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string good = image(good_header, floats({1, 2}));
  std::string huge_len = good;
  huge_len[7] = 0x7f;
  const std::vector<Corrupt> cases = {
      {"empty", "", "shorter than"},
      {"short", "abc", "shorter than"},
      {"header past end", good.substr(0, 20), "truncated"},
      {"data truncated", good.substr(0, good.size() - 4), "truncated"},
      {"huge header length", huge_len, "implausible"},
      {"not json", image("{not json", ""), "JSON"},
      {"array header", image("[1,2]", ""), "JSON object"},
      {"no dtype", image(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", floats({1})), "dtype"},
      {"no shape", image(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", floats({1})), "shape"},
      {"negative dim", image(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", floats({1})), "dimension"},
      {"size mismatch", image(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2})), "needs"},
      {"reversed offsets", image(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", floats({1, 2})),
       "data_offsets"},
      {"offsets past data", image(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", floats({1, 2})),
       "truncated"},
      {"overflowing shape",
       image(R"({"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}})", floats({1, 2})),
       "large"},
      {"entry not object", image(R"({"a":5})", ""), "not an object"},
  };
  for (const auto& c : cases) {
    auto file = SafetensorsFile::from_bytes(c.bytes, "bad.safetensors");
    ASSERT_FALSE(file) << c.what;
    EXPECT_EQ(file.status().code(), StatusCode::kDataError) << c.what;
    EXPECT_NE(file.status().message().find("bad.safetensors"), std::string::npos) << c.what;
    EXPECT_NE(file.status().message().find(c.expect), std::string::npos)
        << c.what << ": " << file.status().message();
  }
}

TEST(Safetensors, OpenMapsFilesAndReportsMissingOnes) {
  auto missing = SafetensorsFile::open("/nonexistent/model.safetensors");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/model.safetensors"), std::string::npos);

  const auto dir = std::filesystem::temp_directory_path() / ("st_safetensors_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "t.safetensors").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << image(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})", floats({7, 8, 9}));
  }
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file) << file.status().to_string();
  auto w = file->load_f32("w");
  ASSERT_TRUE(w);
  EXPECT_FLOAT_EQ(w->data[2], 9.0f);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "\x10\0\0\0";
  }
  auto bad = SafetensorsFile::open(path);
  EXPECT_EQ(bad.status().code(), StatusCode::kDataError);
  EXPECT_NE(bad.status().message().find(path), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Safetensors, ReadsTheGoldenModel) {
  auto file = SafetensorsFile::open(std::string(STREAM_TTS_GOLDEN_DIR) + "/nmt/tiny-nllb/model.safetensors");
  ASSERT_TRUE(file) << file.status().to_string();
  const TensorInfo* shared = file->info("model.shared.weight");
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->dtype, DType::kF32);
  EXPECT_EQ(shared->shape.size(), 2u);
}

TEST(Half, ConvertsSpecialValues) {
  EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_EQ(half_to_float(0x8000), -0.0f);
  EXPECT_FLOAT_EQ(half_to_float(0x3555), 0.333251953125f);
  EXPECT_FLOAT_EQ(bf16_to_float(0x4049), 3.140625f);
}

}  // namespace
}  // namespace stream_tts::nn
