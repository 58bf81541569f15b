#include <gtest/gtest.h>
#include <sndfile.h>

#include <filesystem>
#include <vector>

#include "audio/sink.h"
#include "test_util.h"

namespace stream_tts {
namespace {

struct WavContents {
  int rate = 0;
  int channels = 0;
  int format = 0;
  std::vector<float> samples;
};

WavContents read_wav(const std::string& path) {
  WavContents c;
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) {
    ADD_FAILURE() << "cannot open " << path << ": " << sf_strerror(nullptr);
    return c;
  }
  c.rate = info.samplerate;
  c.channels = info.channels;
  c.format = info.format;
  c.samples.resize(static_cast<size_t>(info.frames) * info.channels);
  sf_read_float(f, c.samples.data(), static_cast<sf_count_t>(c.samples.size()));
  sf_close(f);
  return c;
}

TEST(WavSink, WritesSixteenBitMonoAtTheRequestedRate) {
  test::TempDir dir;
  const std::string path = dir.file("sine.wav");
  SinkOptions options;
  options.sample_rate = 22050;
  auto sink = open_sink("wav:" + path, options);
  ASSERT_TRUE(sink) << sink.status().to_string();
  EXPECT_EQ((*sink)->sample_rate(), 22050);
  EXPECT_EQ((*sink)->describe(), "wav:" + path);

  const auto tone = test::sine(440.0, 22050, 22050, 0.5f);
  // In uneven pieces, as a synthesizer would hand them over.
  ASSERT_TRUE((*sink)->write(std::span(tone).first(1000)));
  ASSERT_TRUE((*sink)->write(std::span(tone).subspan(1000)));
  ASSERT_TRUE((*sink)->close());
  ASSERT_TRUE((*sink)->close()) << "close() must be idempotent";

  const WavContents wav = read_wav(path);
  EXPECT_EQ(wav.rate, 22050);
  EXPECT_EQ(wav.channels, 1);
  EXPECT_EQ(wav.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  ASSERT_EQ(wav.samples.size(), tone.size());
  EXPECT_NEAR(test::peak(wav.samples), 0.5f, 0.01f);
  EXPECT_NEAR(test::crossing_frequency(wav.samples, 22050), 440.0, 2.0);
  EXPECT_NEAR(wav.samples[100], tone[100], 1.0f / 16384);  // 16-bit quantisation
}

TEST(WavSink, DefaultRateIs48000) {
  test::TempDir dir;
  auto sink = open_sink("wav:" + dir.file("a.wav"), SinkOptions{});
  ASSERT_TRUE(sink);
  EXPECT_EQ((*sink)->sample_rate(), 48000);
}

TEST(WavSink, DrainMakesTheSamplesVisibleBeforeClose) {
  test::TempDir dir;
  const std::string path = dir.file("live.wav");
  auto sink = open_sink("wav:" + path, SinkOptions{});
  ASSERT_TRUE(sink);
  const auto tone = test::sine(1000.0, 48000, 4800, 0.3f);
  ASSERT_TRUE((*sink)->write(tone));
  ASSERT_TRUE((*sink)->drain());
  EXPECT_EQ(read_wav(path).samples.size(), tone.size());
}

TEST(WavSink, DestructorFinishesTheHeader) {
  test::TempDir dir;
  const std::string path = dir.file("dropped.wav");
  {
    auto sink = open_sink("wav:" + path, SinkOptions{});
    ASSERT_TRUE(sink);
    ASSERT_TRUE((*sink)->write(test::sine(1000.0, 48000, 480, 0.3f)));
  }
  EXPECT_EQ(read_wav(path).samples.size(), 480u);
}

// A process killed mid-run (a second Ctrl-C, SIGKILL, a crash) never reaches close(); the header
// must already count what was written.
TEST(WavSink, HeaderCountsEveryWriteWithoutDrainOrClose) {
  test::TempDir dir;
  const std::string path = dir.file("killed.wav");
  auto sink = open_sink("wav:" + path, SinkOptions{});
  ASSERT_TRUE(sink);
  ASSERT_TRUE((*sink)->write(test::sine(1000.0, 48000, 1000, 0.3f)));
  EXPECT_EQ(read_wav(path).samples.size(), 1000u);
  ASSERT_TRUE((*sink)->write(test::sine(1000.0, 48000, 500, 0.3f)));
  EXPECT_EQ(read_wav(path).samples.size(), 1500u);
  EXPECT_EQ(std::filesystem::file_size(path), 44u + 2u * 1500u);
}

TEST(WavSink, ClipsInsteadOfWrappingAround) {
  test::TempDir dir;
  const std::string path = dir.file("loud.wav");
  auto sink = open_sink("wav:" + path, SinkOptions{});
  ASSERT_TRUE(sink);
  const std::vector<float> loud{1.5f, -1.5f, 0.25f};
  ASSERT_TRUE((*sink)->write(loud));
  ASSERT_TRUE((*sink)->close());
  const WavContents wav = read_wav(path);
  ASSERT_EQ(wav.samples.size(), 3u);
  EXPECT_GT(wav.samples[0], 0.99f);
  EXPECT_LT(wav.samples[1], -0.99f);
  EXPECT_NEAR(wav.samples[2], 0.25f, 1e-3f);
}

TEST(WavSink, WriteAfterCloseFails) {
  test::TempDir dir;
  auto sink = open_sink("wav:" + dir.file("c.wav"), SinkOptions{});
  ASSERT_TRUE(sink);
  ASSERT_TRUE((*sink)->close());
  const std::vector<float> one{0.1f};
  EXPECT_EQ((*sink)->write(one).code(), StatusCode::kUnavailable);
}

TEST(WavSink, MissingFolderIsNotFoundAndNamesThePath) {
  auto sink = open_sink("wav:/nonexistent-st-folder/sub/x.wav", SinkOptions{});
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kNotFound);
  EXPECT_NE(sink.status().message().find("/nonexistent-st-folder/sub/x.wav"), std::string::npos);
}

TEST(WavSink, UncreatableFileIsUnavailableAndNamesThePath) {
  test::TempDir dir;
  const std::string path = dir.file("");  // the folder itself: exists, but is not a file
  auto sink = open_sink("wav:" + path, SinkOptions{});
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(sink.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace stream_tts
