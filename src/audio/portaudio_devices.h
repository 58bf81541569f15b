// Output-device enumeration and lookup on top of PortAudio. Internal to st_audio.
// Every function here requires a live PortAudioSession on the calling thread's behalf.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audio/sink.h"

namespace stream_tts::audio {

// Every device with at least one output channel, in PortAudio index order.
std::vector<OutputDevice> enumerate_output_devices();

// Picks the device for "speaker[:QUERY]". Empty query: the default output device (or the first
// output device when the host API names no default). All digits: that PortAudio index.
// Otherwise a case-insensitive name match: an exact name wins, else the first name containing
// the query. Errors: kNotFound (listing what exists) when a query matches nothing,
// kUnavailable when there is no output device at all.
Result<OutputDevice> find_output_device(std::string_view query);

// "  0: default (ALSA, 48000 Hz, 2 ch) [default]" per line; "  (none)" when empty.
std::string format_device_list(const std::vector<OutputDevice>& devices);

}  // namespace stream_tts::audio
