// The baseline both end-to-end benchmarks compare against: Debian's `open_jtalk` program, one
// process per sentence, as a shell pipeline would run it.
#pragma once

#include <string>

namespace stream_tts::bench {

// Runs `program -x DICT -m VOICE -ow out_wav in_txt` (Debian's dictionary and voice) once and
// returns its wall time in milliseconds. Throws Error when it cannot start or fails.
double time_open_jtalk_program(const std::string& program, const std::string& in_txt,
                               const std::string& out_wav);

}  // namespace stream_tts::bench
