// The segmenter (src/text/segmenter.h), driven as TextStage drives it: push() per cleaned delta with
// increasing times, flush() at each block end, one Segmenter for the whole stream.
//
// Differential: the same blocks pushed whole and pushed in fuzzer-chosen pieces give the same
// sentences, up to the one documented dependence on the split (tests/unit/text/absorbed.h: closers
// that arrive after a Japanese terminator in a later push are not joined to its sentence).
// Contracts checked on every sentence: non-empty, no leading or trailing ASCII blank, something
// speakable, valid UTF-8 when the input was; complete_ms never later than the call that emitted it
// and never decreasing.
//
// Input: [max_bytes byte][u32 split seed][u32 block seed][text]. max_bytes: 0 = no limit,
// 255 = the default (400), else that many bytes.
#include <string>
#include <vector>

#include "core/utf8.h"
#include "fuzz_support.h"
#include "text/char_class.h"
#include "text/segmenter.h"
#include "unit/text/absorbed.h"

namespace {

namespace fz = stream_tts::fuzz;
using stream_tts::SegmentedSentence;
using stream_tts::Segmenter;
using stream_tts::SegmenterOptions;

// Checks the sentences appended since `from` by a call made at `now_ms`.
void check_new(const std::vector<SegmentedSentence>& out, size_t from, double now_ms, bool valid_input) {
  for (size_t i = from; i < out.size(); ++i) {
    const std::string& s = out[i].text;
    fz::check(!s.empty(), "segmenter: no empty sentence");
    fz::check(!stream_tts::text::is_ascii_space(s.front()) && !stream_tts::text::is_ascii_space(s.back()),
              "segmenter: sentences are trimmed", "", s);
    fz::check(stream_tts::text::has_speakable(s), "segmenter: every sentence has something to say", "", s);
    fz::check(!valid_input || stream_tts::utf8::is_valid(s), "segmenter: valid UTF-8 in, valid out", "", s);
    fz::check(out[i].complete_ms <= now_ms, "segmenter: complete_ms is not in the future");
    fz::check(i == 0 || out[i - 1].complete_ms <= out[i].complete_ms, "segmenter: complete_ms never decreases");
  }
}

std::string joined(const std::vector<std::string>& sentences) {
  std::string out;
  for (const std::string& s : sentences) out += s + "\n";
  return out;
}

std::vector<std::string> texts(const std::vector<SegmentedSentence>& sentences) {
  std::vector<std::string> out;
  for (const SegmentedSentence& s : sentences) out.push_back(s.text);
  return stream_tts::golden::without_absorbed(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fz::Params params(data, size, 9);
  const uint8_t max_bytes = params.byte();
  const uint32_t split_seed = params.u32();
  fz::Rng block_rng(params.u32());
  SegmenterOptions options;
  options.max_bytes = max_bytes == 255 ? SegmenterOptions{}.max_bytes : max_bytes;
  const std::vector<std::string_view> blocks =
      fz::blocks(params.payload(), 1 + block_rng.below(3), block_rng);
  // Per block: a block cut inside a character drops its partial end (flush() says so) and the next
  // block starts with continuation bytes.
  bool valid_input = true;
  for (std::string_view b : blocks) valid_input = valid_input && stream_tts::utf8::is_valid(b);
  Segmenter whole(options);
  Segmenter pieces(options);
  std::vector<SegmentedSentence> want;
  std::vector<SegmentedSentence> got;
  double t = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    size_t from = want.size();
    whole.push(blocks[b], ++t, &want);
    whole.flush(++t, &want);
    check_new(want, from, t, valid_input);
    fz::check(!whole.has_pending(), "segmenter: nothing pending after flush()");

    for (std::string_view piece : fz::split(blocks[b], split_seed + static_cast<uint32_t>(b))) {
      from = got.size();
      pieces.push(piece, ++t, &got);
      check_new(got, from, t, valid_input);
    }
    from = got.size();
    pieces.flush(++t, &got);
    check_new(got, from, t, valid_input);
  }
  const std::string w = joined(texts(want));
  const std::string g = joined(texts(got));
  fz::check(w == g, "segmenter: pieces give the sentences of the whole text", w, g);
  return 0;
}
