#include "audio/wav_sink.h"

#include <sndfile.h>

#include <filesystem>
#include <string_view>
#include <system_error>

namespace stream_tts::audio {
namespace {

// libsndfile's "System error : No space left on device." -> "No space left on device".
std::string reason(std::string_view message) {
  constexpr std::string_view kPrefix = "System error : ";
  if (message.substr(0, kPrefix.size()) == kPrefix) message.remove_prefix(kPrefix.size());
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.remove_suffix(1);
  return std::string(message);
}

class WavSink final : public AudioSink {
 public:
  WavSink(SNDFILE* file, std::string path, int sample_rate)
      : file_(file), path_(std::move(path)), sample_rate_(sample_rate) {}
  ~WavSink() override { close(); }
  WavSink(const WavSink&) = delete;
  WavSink& operator=(const WavSink&) = delete;

  std::string describe() const override { return "wav:" + path_; }
  int sample_rate() const override { return sample_rate_; }

  Status write(std::span<const float> samples) override {
    if (file_ == nullptr) return Status(StatusCode::kUnavailable, "wav sink is closed: " + path_);
    if (samples.empty()) return Status::ok();
    const auto wanted = static_cast<sf_count_t>(samples.size());
    const sf_count_t written = sf_write_float(file_, samples.data(), wanted);
    if (written != wanted) {
      // The frames that did reach the file stay in it; close() still writes a header for them.
      return Status(StatusCode::kUnavailable, "cannot write " + path_ + ": " + reason(sf_strerror(file_)));
    }
    return Status::ok();
  }

  // A file is "played" once the OS has it: push libsndfile's buffer and the header as it stands,
  // so a reader that opens the file now sees everything written so far.
  Status drain() override {
    if (file_ != nullptr) {
      sf_command(file_, SFC_UPDATE_HEADER_NOW, nullptr, 0);
      sf_write_sync(file_);
    }
    return Status::ok();
  }

  // sf_close rewrites the RIFF/data sizes in the header; without it the file claims no samples.
  Status close() override {
    if (file_ == nullptr) return Status::ok();
    const int err = sf_close(file_);
    file_ = nullptr;
    if (err != 0) {
      return Status(StatusCode::kUnavailable, "cannot finish " + path_ + ": " + sf_error_number(err));
    }
    return Status::ok();
  }

 private:
  SNDFILE* file_;
  std::string path_;
  int sample_rate_;
};

}  // namespace

Result<std::unique_ptr<AudioSink>> open_wav_sink(const std::string& path, int sample_rate) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (file == nullptr) {
    const std::string why = sf_strerror(nullptr);
    std::error_code ec;
    const std::filesystem::path parent = std::filesystem::absolute(path, ec).parent_path();
    if (!ec && !std::filesystem::is_directory(parent, ec)) {
      return Status(StatusCode::kNotFound,
                    "cannot create WAV file " + path + ": folder " + parent.string() + " does not exist");
    }
    return Status(StatusCode::kUnavailable, "cannot create WAV file " + path + ": " + why);
  }
  // Synthesizers may overshoot [-1, 1] slightly; clip instead of letting the integer wrap around
  // into a loud click.
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  // The header is rewritten after every write (a seek and 44 bytes per chunk of audio), so that a
  // file cut short by a kill, a second Ctrl-C or a crash still says how much audio it holds
  // instead of claiming none. close() writes it a last time.
  sf_command(file, SFC_SET_UPDATE_HEADER_AUTO, nullptr, SF_TRUE);
  return std::unique_ptr<AudioSink>(new WavSink(file, path, sample_rate));
}

}  // namespace stream_tts::audio
