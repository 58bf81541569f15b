// The cleaner (src/text/cleaner.h), driven as TextStage drives it: deltas, end_block() at each block
// end, one Cleaner for the whole stream.
//
// Differential: the same blocks pushed whole and pushed in fuzzer-chosen pieces (down to single
// bytes, splitting UTF-8 characters, fences and URLs) give the same output. Contracts checked on
// each block's output: valid UTF-8, no empty line, no leading hard break, ends with '\n' when
// anything was said. reset() forgets everything: afterwards the first block cleans as in a fresh
// Cleaner.
//
// Input: [options byte][u32 split seed][u32 block seed][markdown]. Option bits: 0 code_block_phrase
// "code block" (else silent), 1 speak_url_host off, 2 speak_tables off.
#include <string>
#include <vector>

#include "core/utf8.h"
#include "fuzz_support.h"
#include "text/cleaner.h"

namespace {

namespace fz = stream_tts::fuzz;
using stream_tts::Cleaner;
using stream_tts::CleanerOptions;

void check_block_output(std::string_view out) {
  fz::check(stream_tts::utf8::is_valid(out), "cleaner output is valid UTF-8", "", out);
  fz::check(out.find("\n\n") == std::string_view::npos, "cleaner output has no empty line", "", out);
  fz::check(out.empty() || out.front() != '\n', "cleaner output has no leading hard break", "", out);
  fz::check(out.empty() || out.back() == '\n', "a block's output ends with a hard break", "", out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fz::Params params(data, size, 9);
  const uint8_t bits = params.byte();
  const uint32_t split_seed = params.u32();
  fz::Rng block_rng(params.u32());
  CleanerOptions options;
  options.code_block_phrase = (bits & 1) ? "code block" : "";
  options.speak_url_host = (bits & 2) == 0;
  options.speak_tables = (bits & 4) == 0;

  const std::vector<std::string_view> blocks =
      fz::blocks(params.payload(), 1 + block_rng.below(3), block_rng);
  Cleaner whole(options);
  Cleaner pieces(options);
  std::string first_block_output;
  for (size_t b = 0; b < blocks.size(); ++b) {
    std::string want;
    whole.push(blocks[b], &want);
    whole.end_block(&want);
    check_block_output(want);
    if (b == 0) first_block_output = want;

    std::string got;
    for (std::string_view piece : fz::split(blocks[b], split_seed + static_cast<uint32_t>(b))) {
      pieces.push(piece, &got);
    }
    pieces.end_block(&got);
    fz::check(want == got, "cleaner: pieces give the output of the whole block", want, got);
  }

  // The whole-block Cleaner was fresh for the first block.
  whole.reset();
  std::string again;
  whole.push(blocks[0], &again);
  whole.end_block(&again);
  fz::check(again == first_block_output, "cleaner: after reset() a block cleans as in a fresh Cleaner",
            first_block_output, again);
  return 0;
}
