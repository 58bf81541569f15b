#include "fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/log.h"

// libFuzzer calls this once before the first input; replay_main.cpp does the same.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Warnings about malformed lines are the expected reaction to most inputs. They are still
  // formatted (the formatting is code under test) but go nowhere: printing them would make the
  // fuzzer I/O-bound.
  stream_tts::log::set_level(stream_tts::log::Level::kTrace);
  stream_tts::log::set_sink([](stream_tts::log::Level, std::string_view) {});
  return 0;
}

namespace stream_tts::fuzz {

std::vector<std::string_view> split(std::string_view text, uint32_t seed) {
  std::vector<std::string_view> pieces;
  Rng rng(seed >> 2);
  size_t pos = 0;
  switch (seed & 3) {
    case 0:
      for (size_t i = 0; i < text.size(); ++i) pieces.push_back(text.substr(i, 1));
      return pieces;
    case 1: {
      const size_t cut = (seed >> 2) % (text.size() + 1);
      pieces.push_back(text.substr(0, cut));
      pieces.push_back(text.substr(cut));
      return pieces;
    }
    case 2:
      while (pos < text.size()) {
        const size_t n = std::min<size_t>(1 + rng.below(8), text.size() - pos);
        pieces.push_back(text.substr(pos, n));
        pos += n;
      }
      return pieces;
    default:
      while (pos < text.size()) {
        const size_t n = std::min<size_t>(rng.below(65), text.size() - pos);
        pieces.push_back(text.substr(pos, n));
        pos += n;
      }
      return pieces;
  }
}

std::vector<std::string_view> blocks(std::string_view text, size_t count, Rng& rng) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < count; ++i) cuts.push_back(rng.below(static_cast<uint32_t>(text.size() + 1)));
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t cut : cuts) {
    out.push_back(text.substr(start, cut - start));
    start = cut;
  }
  out.push_back(text.substr(start));
  return out;
}

std::string escaped(std::string_view bytes) {
  std::string out;
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7F) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

void fail(std::string_view what, std::string_view expected, std::string_view got) {
  std::fprintf(stderr, "\nFUZZ CHECK FAILED: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!expected.empty() || !got.empty()) {
    const std::string e = escaped(expected.substr(0, 2000));
    const std::string g = escaped(got.substr(0, 2000));
    std::fprintf(stderr, "  expected: \"%s\"\n  got:      \"%s\"\n", e.c_str(), g.c_str());
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace stream_tts::fuzz
