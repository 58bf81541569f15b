// Cuts text too long for one Open JTalk utterance into pieces. The HTS engine generates the
// parameters of a whole utterance before its first sample (about 12 ms per second of speech on the
// development machine), so an unsegmented 2,000-character paragraph would keep the listener waiting
// for seconds and could not be cancelled meanwhile. Pieces are vocoded one after another in the
// same stream.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stream_tts {

// Above this, text is split; at or below it, it is one utterance, exactly as Open JTalk would say
// it. 600 bytes is about 200 Japanese characters, some 25 s of speech.
constexpr size_t kMaxUtteranceBytes = 600;

// Returns {text} when text.size() <= max_bytes. Otherwise one piece per sentence (ending after
// 。！？!? or a newline, with any closing brackets or quotes that follow); a sentence longer than
// max_bytes is cut after its last 、，, or space that keeps it within max_bytes, else at a
// character boundary. Pieces keep every byte of the input, in order; invalid UTF-8 bytes count as
// one character each.
std::vector<std::string> split_for_synthesis(std::string_view text,
                                             size_t max_bytes = kMaxUtteranceBytes);

}  // namespace stream_tts
