// Output-device listing and the "speaker:DEVICE" lookup.
#include <portaudio.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "audio/portaudio_devices.h"
#include "audio/portaudio_session.h"
#include "audio/sink.h"

namespace stream_tts {
namespace audio {
namespace {

constexpr const char* kNoDeviceHint = "no audio output device; use --out wav:FILE";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::vector<OutputDevice> enumerate_output_devices() {
  std::vector<OutputDevice> devices;
  const PaDeviceIndex count = Pa_GetDeviceCount();  // negative on error: no devices
  const PaDeviceIndex default_index = Pa_GetDefaultOutputDevice();
  for (PaDeviceIndex i = 0; i < count; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info == nullptr || info->maxOutputChannels <= 0) continue;
    OutputDevice d;
    d.index = i;
    d.name = info->name != nullptr ? info->name : "";
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    d.host_api = api != nullptr && api->name != nullptr ? api->name : "";
    d.default_sample_rate = static_cast<int>(info->defaultSampleRate + 0.5);
    d.max_output_channels = info->maxOutputChannels;
    d.is_default = i == default_index;
    devices.push_back(std::move(d));
  }
  return devices;
}

std::string format_device_list(const std::vector<OutputDevice>& devices) {
  if (devices.empty()) return "  (none)";
  std::string out;
  for (const auto& d : devices) {
    if (!out.empty()) out += '\n';
    out += "  " + std::to_string(d.index) + ": " + d.name + " (" + d.host_api + ", " +
           std::to_string(d.default_sample_rate) + " Hz, " + std::to_string(d.max_output_channels) +
           " ch)" + (d.is_default ? " [default]" : "");
  }
  return out;
}

Result<OutputDevice> find_output_device(std::string_view query) {
  const std::vector<OutputDevice> devices = enumerate_output_devices();
  if (query.empty()) {
    if (devices.empty()) return Status(StatusCode::kUnavailable, kNoDeviceHint);
    for (const auto& d : devices) {
      if (d.is_default) return d;
    }
    // Some host APIs name no default although devices exist; the first one is as good a guess
    // as the user would make, and it is reported in describe().
    return devices.front();
  }

  const OutputDevice* match = nullptr;
  if (all_digits(query)) {
    int index = -1;
    std::from_chars(query.data(), query.data() + query.size(), index);
    for (const auto& d : devices) {
      if (d.index == index) match = &d;
    }
  } else {
    const std::string wanted = lower(query);
    for (const auto& d : devices) {
      if (lower(d.name) == wanted) {
        match = &d;
        break;
      }
    }
    if (match == nullptr) {
      for (const auto& d : devices) {
        if (lower(d.name).find(wanted) != std::string::npos) {
          match = &d;
          break;
        }
      }
    }
  }
  if (match != nullptr) return *match;

  std::string message = "no audio output device matches \"" + std::string(query) +
                        "\"; available output devices:\n" + format_device_list(devices);
  if (devices.empty()) message += std::string("\n") + kNoDeviceHint;
  return Status(StatusCode::kNotFound, std::move(message));
}

}  // namespace audio

Result<std::vector<OutputDevice>> list_output_devices() {
  auto session = audio::PortAudioSession::open();
  if (!session) return session.status();
  return audio::enumerate_output_devices();
}

}  // namespace stream_tts
