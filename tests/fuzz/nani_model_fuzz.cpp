// The reading model of a lone 何 (src/tts/g2p/nani_model.h, NaniModel::parse): a protobuf reader of
// our own for two ONNX files, an encoder of six OneHotEncoders and a TreeEnsembleClassifier forest,
// both from the user's model folder (kokoro-ja-g2p). A rejected pair throws Error(kDataError) and
// nothing else (no std::length_error, no bad_alloc from a length field); an accepted one has at least
// one tree, evaluates (reads_nan walks every tree from its root to a leaf: no cycle, no branch out
// of range) and gives the same answers when parsed again.
//
// Input: u32 encoder length (taken modulo the payload size + 1), then the encoder's bytes, then the
// forest's.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "stream_tts/status.h"
#include "tts/g2p/nani_model.h"

namespace {

// Words whose fields are what the real encoder's categories hold (a match activates a one-hot
// feature) and what it never saw (all zeros).
std::vector<stream_tts::g2p::NjdWord> probe_words() {
  using stream_tts::g2p::NjdWord;
  NjdWord no{.string = "の", .pos = "助詞", .pos_group1 = "連体化", .pos_group2 = "*", .ctype = "*", .cform = "*"};
  no.pron = "ノ";
  NjdWord nin{.string = "人", .pos = "名詞", .pos_group1 = "接尾", .pos_group2 = "助数詞", .ctype = "*", .cform = "*"};
  nin.pron = "ニン";
  NjdWord a{.string = "a", .pos = "a", .pos_group1 = "a", .pos_group2 = "a", .ctype = "a", .cform = "a"};
  a.pron = "a";
  return {no, nin, a, NjdWord{}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace stream_tts;
  namespace fz = stream_tts::fuzz;
  fz::Params params(data, size, 4);
  const std::string_view payload = params.payload();
  const size_t cut = params.u32() % (payload.size() + 1);
  const std::string_view encoder = payload.substr(0, cut);
  const std::string_view forest = payload.substr(cut);

  static const std::vector<g2p::NjdWord> words = probe_words();
  std::vector<bool> first;
  try {
    const g2p::NaniModel model = g2p::NaniModel::parse(encoder, forest);
    fz::check(model.tree_count() > 0, "nani: an accepted forest has a tree");
    for (const auto& w : words) first.push_back(model.reads_nan(w));
  } catch (const Error& e) {
    fz::check(e.status().code() == StatusCode::kDataError, "nani: a bad model is kDataError", "", e.what());
    return 0;
  } catch (const std::exception& e) {
    fz::fail("nani: a bad model throws only stream_tts::Error", "", e.what());
  }
  // Deterministic: the same bytes, parsed again (from copies, so no view into the old ones survives).
  const std::string encoder_copy(encoder);
  const std::string forest_copy(forest);
  const g2p::NaniModel again = g2p::NaniModel::parse(encoder_copy, forest_copy);
  for (size_t i = 0; i < words.size(); ++i) {
    fz::check(again.reads_nan(words[i]) == first[i], "nani: parsing again gives the same reading");
  }
  return 0;
}
