// Speaker sink checks that need no sound card. Playback itself is tested against a real
// PulseAudio server in tests/integration/pulse_test.sh.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audio/sink.h"
#include "audio/speaker_sink.h"

// Under ASan, PortAudio's device probe makes ALSA dlopen its plugins, whose static initialisers
// allocate and which ALSA dlcloses again. LeakSanitizer's default fast unwinder cannot walk
// through those frame-pointer-less plugins, so the reports stop at "<unknown module>" and the
// "leak:libasound" suppression in tests/lsan.supp cannot match them. Unwinding with the slow
// (DWARF) unwinder, in this binary only, lets the stack reach libasound and be suppressed.
// Options from ASAN_OPTIONS still apply on top of this.
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }

namespace stream_tts {
namespace {

// The tests skip (with the reason) only when PortAudio itself cannot start, which the
// missing-device error presupposes; a machine without any sound card still initialises PortAudio.

TEST(SpeakerSink, MissingDeviceNameIsNotFoundAndListsTheDevices) {
  auto devices = list_output_devices();
  if (!devices) GTEST_SKIP() << "PortAudio cannot start: " << devices.status().to_string();
  auto sink = open_sink("speaker:no-such-device-st-audio-test", SinkOptions{});
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kNotFound);
  const std::string& message = sink.status().message();
  EXPECT_NE(message.find("no-such-device-st-audio-test"), std::string::npos) << message;
  EXPECT_NE(message.find("available output devices"), std::string::npos) << message;
}

TEST(SpeakerSink, MissingDeviceIndexIsNotFound) {
  auto devices = list_output_devices();
  if (!devices) GTEST_SKIP() << "PortAudio cannot start: " << devices.status().to_string();
  auto sink = open_sink("speaker:99999", SinkOptions{});
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.status().code(), StatusCode::kNotFound);
}

TEST(SpeakerSink, MonoIsSpreadToStereoInPlace) {
  std::vector<float> buffer{1, 2, 3, 4, 5, -1, -1, -1, -1, -1};  // 5 mono samples, then room
  audio::spread_mono_to_stereo(buffer.data(), 5);
  EXPECT_EQ(buffer, (std::vector<float>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}));
  std::vector<float> one{7, 0};
  audio::spread_mono_to_stereo(one.data(), 1);
  EXPECT_EQ(one, (std::vector<float>{7, 7}));
  audio::spread_mono_to_stereo(nullptr, 0);  // an empty callback buffer
}

TEST(SpeakerSink, DeviceListIsConsistent) {
  auto devices = list_output_devices();
  if (!devices) GTEST_SKIP() << "PortAudio cannot start: " << devices.status().to_string();
  int defaults = 0;
  for (const auto& d : *devices) {
    EXPECT_GE(d.index, 0);
    EXPECT_FALSE(d.name.empty());
    EXPECT_GT(d.max_output_channels, 0) << d.name;
    EXPECT_GT(d.default_sample_rate, 0) << d.name;
    defaults += d.is_default ? 1 : 0;
  }
  EXPECT_LE(defaults, 1);
}

}  // namespace
}  // namespace stream_tts
