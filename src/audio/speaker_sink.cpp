// The speaker sink: a PortAudio output stream fed from a lock-free SPSC ring.
//
// Threads. The producer (the engine's synthesis stage) calls write()/drain()/close(); PortAudio's
// real-time thread calls on_output(). discard() and underruns() may come from any thread.
// The callback touches only the ring and atomics: no lock, no allocation, no logging, no syscall,
// so a slow producer can never make it miss its deadline.
//
// Counters. written_ counts samples the producer pushed; consumed_ counts samples the callback took
// out of the ring (played or skipped). Both only grow, which makes "has everything up to here been
// played" (drain) and "drop everything written up to here" (discard) simple comparisons.
//
// Underruns. The sink is "playing" from a write() until the next drain(), discard() or
// end_utterance() (the engine calls it after each sentence). When a
// callback finds fewer samples than the device asked for while playing, the producer promised more
// audio and was late: that starts one underrun, however many callbacks the gap lasts (a count per
// callback would depend on the device's period size, 3 ms on one device and 20 ms on another).
// The gap ends with the first callback that is served in full. Silence before the first write,
// after drain(), discard() and end_utterance() is expected and not counted: so the count is of
// gaps inside a sentence (synthesis fell behind playback), the glitches a listener hears.
#include "audio/speaker_sink.h"

#include <portaudio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "audio/portaudio_devices.h"
#include "audio/portaudio_session.h"
#include "core/log.h"
#include "core/spsc_ring.h"

namespace stream_tts::audio {
namespace {

using Clock = std::chrono::steady_clock;

// How long write() sleeps when the ring is full, and drain() between checks. The callback frees
// space in device-period steps (5–20 ms), so polling faster only burns CPU.
constexpr auto kFullWait = std::chrono::milliseconds(5);
constexpr auto kDrainPoll = std::chrono::milliseconds(2);
// A device that takes no sample for this long has stopped (unplugged, server gone): write() and
// drain() report kUnavailable instead of blocking forever.
constexpr auto kStallTimeout = std::chrono::seconds(3);
// drain() waits at most this long beyond the reported output latency for the DAC clock, in case a
// host API reports a time base that never reaches the last sample's time.
constexpr double kDacSlackSeconds = 0.25;
// Smallest ring, whatever buffer_ms says: a few device periods, so write() can always make progress.
constexpr size_t kMinRingSamples = 8192;

static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

Status pa_failure(const std::string& what, PaError err) {
  return Status(StatusCode::kUnavailable, what + ": " + Pa_GetErrorText(err));
}

class SpeakerSink final : public AudioSink {
 public:
  SpeakerSink(std::unique_ptr<PortAudioSession> session, OutputDevice device, int rate, int channels,
              size_t ring_samples)
      : session_(std::move(session)),
        device_(std::move(device)),
        rate_(rate),
        channels_(channels),
        ring_(ring_samples) {}

  ~SpeakerSink() override { close(); }
  SpeakerSink(const SpeakerSink&) = delete;
  SpeakerSink& operator=(const SpeakerSink&) = delete;

  Status start(const PaStreamParameters& params) {
    PaError err = Pa_OpenStream(&stream_, nullptr, &params, rate_, paFramesPerBufferUnspecified,
                                paNoFlag, &SpeakerSink::callback, this);
    if (err != paNoError) {
      stream_ = nullptr;
      return pa_failure("cannot open audio output \"" + device_.name + "\"", err);
    }
    err = Pa_StartStream(stream_);
    if (err != paNoError) return pa_failure("cannot start audio output \"" + device_.name + "\"", err);
    if (const PaStreamInfo* info = Pa_GetStreamInfo(stream_)) output_latency_ = info->outputLatency;
    log::debug("speaker: {} ({}) at {} Hz, {} channel(s), output latency {:.1f} ms, ring {} samples",
               device_.name, device_.host_api, rate_, channels_, output_latency_ * 1000.0,
               ring_.capacity());
    return Status::ok();
  }

  std::string describe() const override {
    return "speaker:" + device_.name + " (" + device_.host_api + ") @" + std::to_string(rate_) + " Hz";
  }
  int sample_rate() const override { return rate_; }
  uint64_t underruns() const override { return underruns_.load(std::memory_order_relaxed); }

  Status write(std::span<const float> samples) override {
    if (stream_ == nullptr) return Status(StatusCode::kUnavailable, "speaker sink is closed");
    if (broken_) return stalled();
    const uint32_t generation = discard_generation_.load(std::memory_order_acquire);
    StallWatch watch(consumed_.load(std::memory_order_acquire));
    while (!samples.empty()) {
      // A discard() from another thread while we wait for room cancels the rest of this chunk too:
      // it was written before the discard, even if it had not reached the ring yet.
      if (discard_generation_.load(std::memory_order_acquire) != generation) return Status::ok();
      const size_t n = ring_.write(samples.data(), samples.size());
      if (n > 0) {
        written_.fetch_add(n, std::memory_order_release);
        // After the samples are in the ring, so the callback never sees "playing" with an empty
        // ring that is about to be filled.
        playing_.store(true, std::memory_order_release);
        samples = samples.subspan(n);
        continue;
      }
      if (watch.stalled(consumed_.load(std::memory_order_acquire))) return stalled();
      std::this_thread::sleep_for(kFullWait);
    }
    return Status::ok();
  }

  Status drain() override {
    if (stream_ == nullptr) return Status::ok();
    if (broken_) return stalled();
    playing_.store(false, std::memory_order_release);
    const uint64_t target = written_.load(std::memory_order_acquire);
    StallWatch watch(consumed_.load(std::memory_order_acquire));
    while (true) {
      const uint64_t consumed = consumed_.load(std::memory_order_acquire);
      if (consumed >= target) break;
      if (watch.stalled(consumed)) return stalled();
      std::this_thread::sleep_for(kDrainPoll);
    }
    // The ring is empty, but the last samples are still in the host's buffers. Wait until the
    // stream clock passes the DAC time the callback computed for the last real sample.
    const double last_sample_time = last_sample_dac_time_.load(std::memory_order_acquire);
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(output_latency_ + kDacSlackSeconds));
    while (Pa_GetStreamTime(stream_) < last_sample_time && Clock::now() < deadline) {
      std::this_thread::sleep_for(kDrainPoll);
    }
    return Status::ok();
  }

  void end_utterance() override { playing_.store(false, std::memory_order_release); }

  void discard() override {
    playing_.store(false, std::memory_order_release);
    discard_generation_.fetch_add(1, std::memory_order_acq_rel);
    // The callback drops everything up to this count. Samples pushed after it (a new sentence
    // written right after the cancellation) survive, which ring.discard_all() would not guarantee.
    discard_to_.store(written_.load(std::memory_order_acquire), std::memory_order_release);
  }

  // Stops the stream; audio still buffered is dropped (call drain() first to hear it).
  Status close() override {
    if (stream_ == nullptr) return Status::ok();
    Status result;
    // Pa_StopStream lets the device play out what it already holds (no click); the callback keeps
    // running until then, which is fine because the ring outlives the stream.
    PaError err = Pa_StopStream(stream_);
    if (err != paNoError && err != paStreamIsStopped) result = pa_failure("cannot stop audio output", err);
    err = Pa_CloseStream(stream_);
    if (err != paNoError && result.is_ok()) result = pa_failure("cannot close audio output", err);
    stream_ = nullptr;
    session_.reset();
    return result;
  }

 private:
  // Notices when the callback has stopped taking samples for kStallTimeout.
  class StallWatch {
   public:
    explicit StallWatch(uint64_t consumed) : last_(consumed), since_(Clock::now()) {}
    bool stalled(uint64_t consumed) {
      if (consumed != last_) {
        last_ = consumed;
        since_ = Clock::now();
        return false;
      }
      return Clock::now() - since_ > kStallTimeout;
    }

   private:
    uint64_t last_;
    Clock::time_point since_;
  };

  // Also makes every later write()/drain() fail at once instead of waiting out the timeout again.
  Status stalled() {
    broken_ = true;
    return Status(StatusCode::kUnavailable,
                  "audio output \"" + device_.name + "\" stopped taking samples (device or sound server gone?)");
  }

  static int callback(const void* /*input*/, void* output, unsigned long frames,
                      const PaStreamCallbackTimeInfo* time, PaStreamCallbackFlags /*flags*/, void* self) {
    static_cast<SpeakerSink*>(self)->on_output(static_cast<float*>(output), frames, time);
    return paContinue;
  }

  // Real-time thread. Only the ring and atomics below.
  void on_output(float* out, unsigned long frames, const PaStreamCallbackTimeInfo* time) {
    uint64_t consumed = consumed_.load(std::memory_order_relaxed);  // only this thread writes it
    const uint64_t discard_to = discard_to_.load(std::memory_order_acquire);
    if (discard_to > consumed) consumed += ring_.skip(discard_to - consumed);

    // Mono samples go to the front of the buffer; for a stereo stream they are spread out below.
    const size_t got = ring_.read(out, frames);
    consumed += got;
    consumed_.store(consumed, std::memory_order_release);
    if (got < frames) {
      std::fill(out + got, out + frames, 0.0f);
      if (playing_.load(std::memory_order_acquire) && !starving_) {
        underruns_.fetch_add(1, std::memory_order_relaxed);
        starving_ = true;
      }
    } else {
      starving_ = false;
    }
    if (got > 0 && time != nullptr && time->outputBufferDacTime > 0) {
      last_sample_dac_time_.store(time->outputBufferDacTime + static_cast<double>(got) / rate_,
                                  std::memory_order_release);
    }
    if (channels_ == 2) spread_mono_to_stereo(out, frames);
  }

  std::unique_ptr<PortAudioSession> session_;  // outlives stream_
  OutputDevice device_;
  int rate_;
  int channels_;  // 1, or 2 when the device refused mono (the callback duplicates)
  SpscRing<float> ring_;
  PaStream* stream_ = nullptr;
  double output_latency_ = 0.0;  // seconds, as PortAudio reports it for the open stream
  bool broken_ = false;          // producer only: the device stopped taking samples

  std::atomic<uint64_t> written_{0};               // producer: samples pushed into the ring
  std::atomic<uint64_t> consumed_{0};              // callback: samples taken out (played or skipped)
  std::atomic<uint64_t> discard_to_{0};            // callback skips samples below this count
  std::atomic<uint32_t> discard_generation_{0};    // bumped by discard(); aborts a blocked write()
  std::atomic<bool> playing_{false};               // audio is expected (see the top of the file)
  std::atomic<double> last_sample_dac_time_{0.0};  // stream time when the last real sample plays
  std::atomic<uint64_t> underruns_{0};
  bool starving_ = false;  // callback only: inside a counted underrun
};

}  // namespace

void spread_mono_to_stereo(float* buffer, size_t frames) {
  // Back to front, so no mono sample is overwritten before it is copied: 2i >= i.
  for (size_t i = frames; i-- > 0;) {
    buffer[2 * i + 1] = buffer[i];
    buffer[2 * i] = buffer[i];
  }
}

Result<std::unique_ptr<AudioSink>> open_speaker_sink(std::string_view device_query,
                                                     const SinkOptions& options) {
  auto session = PortAudioSession::open();
  if (!session) return session.status();
  auto device = find_output_device(device_query);
  if (!device) return device.status();
  const PaDeviceInfo* info = Pa_GetDeviceInfo(device->index);
  if (info == nullptr) return Status(StatusCode::kUnavailable, "audio output \"" + device->name + "\" vanished");

  PaStreamParameters params{};
  params.device = device->index;
  params.sampleFormat = paFloat32;
  params.suggestedLatency =
      options.latency_ms > 0 ? options.latency_ms / 1000.0 : info->defaultHighOutputLatency;
  params.hostApiSpecificStreamInfo = nullptr;
  // Run at the device's own rate: the engine resamples once, with a known converter, instead of
  // leaving it to whatever the host API (or the ALSA plug layer) would pick.
  const double rate = info->defaultSampleRate;
  params.channelCount = 1;
  PaError supported = Pa_IsFormatSupported(nullptr, &params, rate);
  if (supported != paFormatIsSupported && info->maxOutputChannels >= 2) {
    params.channelCount = 2;  // some hardware devices only take stereo frames
    supported = Pa_IsFormatSupported(nullptr, &params, rate);
  }
  if (supported != paFormatIsSupported) {
    return pa_failure("audio output \"" + device->name + "\" takes neither mono nor stereo float32 at " +
                          std::to_string(static_cast<int>(rate)) + " Hz",
                      supported);
  }

  const int rate_hz = static_cast<int>(rate + 0.5);
  const size_t ring_samples = std::max(
      kMinRingSamples, static_cast<size_t>(static_cast<int64_t>(options.buffer_ms) * rate_hz / 1000));
  auto sink = std::make_unique<SpeakerSink>(std::move(session.value()), std::move(device.value()), rate_hz,
                                            params.channelCount, ring_samples);
  if (Status s = sink->start(params); !s) return s;
  return std::unique_ptr<AudioSink>(std::move(sink));
}

}  // namespace stream_tts::audio
