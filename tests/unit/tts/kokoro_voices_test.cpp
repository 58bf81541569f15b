// Kokoro's voices (.npz of style tables): a small archive made here, broken archives rejected with
// clear errors, and the installed voices with the worker's blending.
#include "tts/kokoro/kokoro_voices.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <string>

#include "models/model_store.h"
#include "stream_tts/status.h"
#include "tts/kokoro/npz_reader.h"

namespace stream_tts::kokoro {
namespace {

uint32_t crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : data) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  return crc ^ 0xFFFFFFFFu;
}

void le(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

std::string npy(const std::string& descr, const std::string& shape, std::string_view data) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  le(&out, header.size(), 2);
  return out + header + std::string(data);
}

// A stored (not deflated) zip, as np.savez writes one (without its zip64 extras).
std::string zip(const std::vector<std::pair<std::string, std::string>>& entries, int method = 0) {
  std::string out, central;
  for (const auto& [name, data] : entries) {
    const size_t offset = out.size();
    const uint32_t crc = crc32(data);
    out += "PK\x03\x04";
    le(&out, 20, 2);
    le(&out, 0, 2);
    le(&out, method, 2);
    le(&out, 0, 4);
    le(&out, crc, 4);
    le(&out, data.size(), 4);
    le(&out, data.size(), 4);
    le(&out, name.size(), 2);
    le(&out, 0, 2);
    out += name + data;
    central += "PK\x01\x02";
    le(&central, 20, 2);
    le(&central, 20, 2);
    le(&central, 0, 2);
    le(&central, method, 2);
    le(&central, 0, 4);
    le(&central, crc, 4);
    le(&central, data.size(), 4);
    le(&central, data.size(), 4);
    le(&central, name.size(), 2);
    le(&central, 0, 2);
    le(&central, 0, 2);
    le(&central, 0, 2);
    le(&central, 0, 2);
    le(&central, 0, 4);
    le(&central, offset, 4);
    central += name;
  }
  const size_t cd_offset = out.size();
  out += central;
  out += "PK\x05\x06";
  le(&out, 0, 4);
  le(&out, entries.size(), 2);
  le(&out, entries.size(), 2);
  le(&out, central.size(), 4);
  le(&out, cd_offset, 4);
  le(&out, 0, 2);
  return out;
}

std::string table(size_t rows, float base) {
  std::vector<float> v(rows * 256);
  for (size_t i = 0; i < v.size(); ++i) v[i] = base + static_cast<float>(i) * 0.001f;
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}

std::string two_voices() {
  return zip({{"a.npy", npy("<f4", "(3, 1, 256)", table(3, 1.0f))},
              {"b.npy", npy("<f4", "(3, 256)", table(3, -2.0f))}});
}

TEST(KokoroVoices, ReadsASmallArchive) {
  const KokoroVoices v = KokoroVoices::parse(two_voices(), "v.npz");
  EXPECT_EQ(v.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(v.rows(), 3u);
  auto a = v.style_table("a");
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_EQ(a->size(), 3u * 256);
  EXPECT_FLOAT_EQ((*a)[0], 1.0f);
  EXPECT_FLOAT_EQ((*a)[257], 1.0f + 257 * 0.001f);
  // Rows by token count: min(n, rows) - 1.
  EXPECT_FLOAT_EQ(KokoroVoices::style_row(*a, 1)[0], (*a)[0]);
  EXPECT_FLOAT_EQ(KokoroVoices::style_row(*a, 2)[0], (*a)[256]);
  EXPECT_FLOAT_EQ(KokoroVoices::style_row(*a, 99)[5], (*a)[512 + 5]);
  EXPECT_EQ(KokoroVoices::style_row(*a, 2).size(), 256u);
}

TEST(KokoroVoices, BlendsAreNormalisedWeightedSums) {
  const KokoroVoices v = KokoroVoices::parse(two_voices(), "v.npz");
  const auto a = v.style_table("a").value();
  const auto b = v.style_table("b").value();
  for (const char* spec : {"a:0.7,b:0.3", "b:0.3+a:0.7", "a:7,b:3"}) {
    auto blend = v.style_table(spec);
    ASSERT_TRUE(blend.is_ok()) << spec << ": " << blend.status().to_string();
    for (size_t i : {size_t{0}, size_t{300}, size_t{767}}) {
      EXPECT_NEAR((*blend)[i], 0.7f * a[i] + 0.3f * b[i], 1e-5) << spec << " " << i;
    }
  }
  auto half = v.style_table("a,b");  // no weights: equal parts
  ASSERT_TRUE(half.is_ok());
  EXPECT_NEAR((*half)[10], 0.5f * (a[10] + b[10]), 1e-6);
  for (const char* bad : {"c", "a:0", "a:-1", "a:x", "a,a", ":0.5", "a:0.5,", ""}) {
    const auto r = v.style_table(bad);
    EXPECT_FALSE(r.is_ok()) << bad;
    if (!r.is_ok()) EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(v.style_table("c").status().message().find("voices: a, b"), std::string::npos);
}

std::string error_of(const std::string& bytes) {
  try {
    (void)KokoroVoices::parse(bytes, "v.npz");
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kDataError);
    return e.status().message();
  }
  return "(parsed)";
}

TEST(KokoroVoices, BrokenArchivesAreRejectedWithTheReason) {
  auto has = [](const std::string& m, const char* part) {
    return m.find(part) != std::string::npos;
  };
  const std::string good = two_voices();
  // Every truncation: an error naming the file, never a crash.
  for (size_t n = 0; n < good.size(); n += 7) {
    EXPECT_EQ(error_of(good.substr(0, n)).rfind("v.npz", 0), 0u) << n;
  }
  EXPECT_TRUE(has(error_of("not a zip at all, but long enough"), "not a zip archive"));
  std::string flipped = good;
  flipped[200] ^= 0x40;  // inside a.npy's data
  EXPECT_TRUE(has(error_of(flipped), "a.npy: CRC mismatch"));
  EXPECT_TRUE(
      has(error_of(zip({{"a.npy", npy("<f4", "(3, 1, 256)", table(3, 0))}}, 8)), "compressed"));
  EXPECT_TRUE(has(error_of(zip({{"a.npy", npy("<f4", "(4, 1, 256)", table(3, 0))}})),
                  "its shape and dtype need"));
  EXPECT_TRUE(has(error_of(zip({{"a.npy", npy("<f4", "(99999999999, 99999999999)", "")}})),
                  "more elements than"));
  EXPECT_TRUE(has(error_of(zip({{"a.npy", npy(">f4", "(3, 1, 256)", table(3, 0))}})),
                  "not a little-endian"));
  EXPECT_TRUE(has(error_of(zip({{"a.npy", npy("<f8", "(3, 1, 128)", table(3, 0))}})),
                  "voice a is not float32"));
  EXPECT_TRUE(has(error_of(zip({{"a.npy", npy("<f4", "(3, 1, 256)", table(3, 0))},
                                {"b.npy", npy("<f4", "(2, 1, 256)", table(2, 0))}})),
                  "voice b has 2 rows, the others 3"));
  EXPECT_TRUE(has(error_of(zip({{"readme.txt", "hello"}})), "no voices"));
  EXPECT_TRUE(has(error_of(zip({{"a.npy", "not npy"}})), "no \\x93NUMPY magic"));
}

TEST(KokoroVoices, TheInstalledVoices) {
  std::string dir;
  try {
    dir = models::resolve_model("kokoro-ja").string();
  } catch (const std::exception&) {
  }
  const std::string path = dir + "/voices_ja.npz";
  if (dir.empty() || !std::filesystem::exists(path)) {
    GTEST_SKIP() << "needs the kokoro-ja model: stream-tts models install kokoro-ja";
  }
  const KokoroVoices v = KokoroVoices::load(path);
  EXPECT_EQ(v.names(), (std::vector<std::string>{"jf_alpha", "jf_gongitsune", "jf_nezumi",
                                                 "jf_tebukuro", "jm_kumo"}));
  EXPECT_EQ(v.rows(), 510u);
  const auto alpha = v.style_table("jf_alpha").value();
  const auto kumo = v.style_table("jm_kumo").value();
  // Values numpy reads from the same file.
  EXPECT_FLOAT_EQ(alpha[0], -0.1301537f);
  EXPECT_FLOAT_EQ(alpha[1], 0.19921233f);
  EXPECT_FLOAT_EQ(alpha[2 * 256 + 7], -0.22395381f);
  EXPECT_FLOAT_EQ(kumo[509 * 256 + 255], 0.22057112f);
  // The blend the issue names, as the worker computes it (numpy: -0.19516867 at row 2, column 7).
  const auto blend = v.style_table("jf_alpha:0.7,jm_kumo:0.3").value();
  EXPECT_NEAR(blend[2 * 256 + 7], -0.19516867f, 1e-6);
  EXPECT_NEAR(blend[100 * 256 + 100], -0.004039906f, 1e-6);
  EXPECT_EQ(KokoroVoices::style_row(blend, 3).data(), blend.data() + 2 * 256);
}

}  // namespace
}  // namespace stream_tts::kokoro
