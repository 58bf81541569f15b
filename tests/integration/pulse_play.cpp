// Helper for tests/integration/pulse_test.sh: drives the speaker sink against a real sound server
// and analyses what a recorder captured.
//
//   pulse_play list
//   pulse_play play SPEC [FREQ_HZ]   plays a sine through open_sink(SPEC) and checks the sink's
//                                    timing: drain waits for playback, discard drops buffered
//                                    audio but keeps what follows, underruns are counted only
//                                    while audio is expected
//   pulse_play lose-server SPEC      plays while the caller kills the server: write() must fail
//                                    with kUnavailable instead of hanging
//   pulse_play analyse FILE FREQ_HZ  checks a recording: tone present, frequency within 3 %
//
// Exit status 0 when every check passes; each failed check prints one "FAIL:" line.
#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "audio/sink.h"

namespace {

using stream_tts::AudioSink;
using Clock = std::chrono::steady_clock;

int g_failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Writes `seconds` of a continuous sine (phase carried across calls) with one write() call:
// chunked writes would let a busy machine (2 cores, sanitizers) starve the device between
// chunks, and the underrun checks below must count only the gaps the test makes on purpose.
class ToneWriter {
 public:
  ToneWriter(AudioSink& sink, double freq) : sink_(sink), freq_(freq) {}
  bool write(double seconds) {
    const int rate = sink_.sample_rate();
    std::vector<float> buf(static_cast<size_t>(seconds * rate));
    for (float& v : buf) {
      v = 0.5f * static_cast<float>(std::sin(phase_));
      phase_ = std::fmod(phase_ + 2.0 * std::numbers::pi * freq_ / rate, 2.0 * std::numbers::pi);
    }
    if (auto s = sink_.write(buf); !s) {
      check(false, "write: " + s.to_string());
      return false;
    }
    return true;
  }

 private:
  AudioSink& sink_;
  double freq_;
  double phase_ = 0.0;
};

int list() {
  auto devices = stream_tts::list_output_devices();
  if (!devices) {
    std::printf("%s\n", devices.status().to_string().c_str());
    return 1;
  }
  for (const auto& d : *devices) {
    std::printf("%d: %s (%s, %d Hz, %d ch)%s\n", d.index, d.name.c_str(), d.host_api.c_str(),
                d.default_sample_rate, d.max_output_channels, d.is_default ? " [default]" : "");
  }
  return 0;
}

int play(const std::string& spec, double freq) {
  stream_tts::SinkOptions options;
  options.buffer_ms = 10000;
  auto opened = stream_tts::open_sink(spec, options);
  if (!opened) {
    std::printf("FAIL: open %s: %s\n", spec.c_str(), opened.status().to_string().c_str());
    return 1;
  }
  AudioSink& sink = **opened;
  std::printf("sink: %s\n", sink.describe().c_str());
  check(sink.sample_rate() >= 8000 && sink.sample_rate() <= 192000,
        "plausible device rate " + std::to_string(sink.sample_rate()));
  ToneWriter tone(sink, freq);

  // 1. Everything is written at once (the ring holds it), so drain() must wait ~1.5 s of playback.
  auto t0 = Clock::now();
  if (!tone.write(1.5)) return 1;
  const double write_s = seconds_since(t0);
  auto status = sink.drain();
  const double drain_total_s = seconds_since(t0);
  check(status.is_ok(), "drain: " + status.to_string());
  check(write_s < 0.5, "writes into the ring do not block (" + std::to_string(write_s) + " s)");
  check(drain_total_s > 1.4 && drain_total_s < 2.5,
        "write+drain of 1.5 s lasts about 1.5 s (" + std::to_string(drain_total_s) + " s)");
  check(sink.underruns() == 0, "no underrun while the ring was full (" + std::to_string(sink.underruns()) + ")");

  // 2. Silence after drain() is not an underrun.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  check(sink.underruns() == 0, "idle after drain counts no underrun (" + std::to_string(sink.underruns()) + ")");

  // 3. discard() drops the 5 s still buffered; what is written afterwards plays in full.
  if (!tone.write(5.0)) return 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  t0 = Clock::now();
  sink.discard();
  if (!tone.write(0.5)) return 1;
  status = sink.drain();
  const double after_discard_s = seconds_since(t0);
  check(status.is_ok(), "drain after discard: " + status.to_string());
  check(after_discard_s > 0.4 && after_discard_s < 1.5,
        "after discard only the new 0.5 s plays (" + std::to_string(after_discard_s) + " s)");

  // 4. A producer that stops without drain() starves the device: that is one underrun.
  if (!tone.write(0.1)) return 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const uint64_t starved = sink.underruns();
  check(starved == 1, "a 0.3 s gap counts one underrun (" + std::to_string(starved) + ")");
  status = sink.drain();
  check(status.is_ok(), "final drain: " + status.to_string());

  // 5. The pause after end_utterance() (between sentences) is not an underrun.
  if (!tone.write(0.1)) return 1;
  sink.end_utterance();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  check(sink.underruns() == starved, "a pause after end_utterance() counts no underrun (" +
                                         std::to_string(sink.underruns()) + ")");
  status = sink.drain();
  check(status.is_ok(), "drain after end_utterance: " + status.to_string());

  status = sink.close();
  check(status.is_ok(), "close: " + status.to_string());
  check(sink.close().is_ok(), "close is idempotent");
  check(sink.write(std::vector<float>(10, 0.0f)).code() == stream_tts::StatusCode::kUnavailable,
        "write after close is kUnavailable");
  return g_failures == 0 ? 0 : 1;
}

// The script kills the sound server while this plays: write() must fail with kUnavailable within
// a few seconds instead of blocking forever, and drain()/close() must not hang either.
int lose_server(const std::string& spec) {
  stream_tts::SinkOptions options;
  options.buffer_ms = 500;  // small, so write() soon waits on the device
  auto opened = stream_tts::open_sink(spec, options);
  if (!opened) {
    std::printf("FAIL: open %s: %s\n", spec.c_str(), opened.status().to_string().c_str());
    return 1;
  }
  AudioSink& sink = **opened;
  std::vector<float> silence(static_cast<size_t>(sink.sample_rate() / 10), 0.0f);
  const auto t0 = Clock::now();
  stream_tts::Status status;
  while (status.is_ok() && seconds_since(t0) < 20.0) status = sink.write(silence);
  const double failed_after = seconds_since(t0);
  check(status.code() == stream_tts::StatusCode::kUnavailable,
        "write fails with kUnavailable once the server is gone: " + status.to_string());
  check(failed_after < 10.0, "... within 10 s (" + std::to_string(failed_after) + " s)");
  const auto t1 = Clock::now();
  check(sink.drain().code() == stream_tts::StatusCode::kUnavailable, "drain reports it too");
  sink.close();
  check(seconds_since(t1) < 2.0, "drain and close do not wait again (" + std::to_string(seconds_since(t1)) + " s)");
  return g_failures == 0 ? 0 : 1;
}

int analyse(const std::string& path, double freq) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) {
    std::printf("FAIL: cannot read %s: %s\n", path.c_str(), sf_strerror(nullptr));
    return 1;
  }
  std::vector<float> frames(static_cast<size_t>(info.frames) * info.channels);
  sf_readf_float(f, frames.data(), info.frames);
  sf_close(f);
  std::vector<float> x(static_cast<size_t>(info.frames));
  for (size_t i = 0; i < x.size(); ++i) x[i] = frames[i * info.channels];  // first channel

  // Blocks of 10 ms: the tone is "on" where a block's RMS says so; the silence around and between
  // the phases of `play` is left out.
  const size_t block = static_cast<size_t>(info.samplerate / 100);
  std::vector<bool> on(x.size(), false);
  size_t active_samples = 0;
  double active_power = 0.0;
  for (size_t b = 0; b + block <= x.size(); b += block) {
    double power = 0.0;
    for (size_t i = b; i < b + block; ++i) power += x[i] * x[i];
    if (std::sqrt(power / block) < 0.05) continue;
    active_samples += block;
    active_power += power;
    std::fill(on.begin() + static_cast<std::ptrdiff_t>(b), on.begin() + static_cast<std::ptrdiff_t>(b + block), true);
  }
  const double active_s = static_cast<double>(active_samples) / info.samplerate;
  std::printf("recording: %s, %d Hz, %d ch, %.2f s, tone on for %.2f s\n", path.c_str(), info.samplerate,
              info.channels, static_cast<double>(info.frames) / info.samplerate, active_s);
  check(active_s > 1.5, "the recording holds the tone for more than 1.5 s (" + std::to_string(active_s) + " s)");
  if (active_samples == 0) return 1;
  const double rms = std::sqrt(active_power / active_samples);
  check(rms > 0.2 && rms < 0.5, "tone level is that of a 0.5 sine (rms " + std::to_string(rms) + ")");

  // Frequency from the median period between upward zero crossings (interpolated between samples).
  // The median ignores the odd period broken by a dropout, which a loaded machine may cause in the
  // sound server; the dropouts are reported separately and not failed on, since they are not the
  // sink's doing when the sink counted no underrun.
  std::vector<double> periods;
  double last_crossing = -1.0;
  for (size_t i = 1; i < x.size(); ++i) {
    if (!on[i] || !on[i - 1]) {
      last_crossing = -1.0;
      continue;
    }
    // The slope test skips the tiny crossings of the server resampler's ringing at the tone's
    // edges; a 0.5 sine at 1 kHz rises by ~0.06 per sample at 48 kHz.
    if (x[i - 1] < 0.0f && x[i] >= 0.0f && x[i] - x[i - 1] > 0.02f) {
      const double t = static_cast<double>(i - 1) + x[i - 1] / (x[i - 1] - x[i]);
      if (last_crossing >= 0.0) periods.push_back(t - last_crossing);
      last_crossing = t;
    }
  }
  if (periods.empty()) {
    check(false, "the recording has zero crossings");
    return 1;
  }
  std::vector<double> sorted = periods;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
  const double median_period = sorted[sorted.size() / 2];
  const double measured = info.samplerate / median_period;
  size_t irregular = 0;
  for (double p : periods) irregular += std::fabs(p - median_period) > 0.25 * median_period ? 1 : 0;
  // `play` itself makes about three: the phase jump at the discard and the short gaps after drains.
  std::printf("periods: %zu, irregular (dropouts, glitches, phase jumps): %zu\n", periods.size(), irregular);
  check(std::fabs(measured - freq) < 0.02 * freq,
        "tone frequency " + std::to_string(measured) + " Hz is within 2 % of " + std::to_string(freq));
  return g_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "list") return list();
  if (mode == "play" && argc >= 3) return play(argv[2], argc > 3 ? std::atof(argv[3]) : 1000.0);
  if (mode == "lose-server" && argc >= 3) return lose_server(argv[2]);
  if (mode == "analyse" && argc >= 4) return analyse(argv[2], std::atof(argv[3]));
  std::fprintf(stderr, "usage: pulse_play list | play SPEC [FREQ] | lose-server SPEC | analyse FILE FREQ\n");
  return 2;
}
