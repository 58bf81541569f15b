#include "tts/g2p/kokoro_vocab.h"

#include <gtest/gtest.h>

#include "g2p_data.h"
#include "stream_tts/status.h"

namespace stream_tts::g2p {
namespace {

TEST(KokoroVocab, EncodesCodePointsAndDropsUnknownOnes) {
  const KokoroVocab vocab =
      KokoroVocab::parse(R"({"vocab": {"a": 43, "ʲ": 164, " ": 16, ".": 4}})");
  EXPECT_EQ(vocab.size(), 4u);
  EXPECT_EQ(vocab.encode("aʲ a«.»"), (std::vector<int64_t>{43, 164, 16, 43, 4}));
  EXPECT_EQ(vocab.id(U'ʲ'), 164);
  EXPECT_EQ(vocab.id(U'z'), -1);
}

TEST(KokoroVocab, RejectsMalformedFiles) {
  EXPECT_THROW(KokoroVocab::parse("{"), Error);
  EXPECT_THROW(KokoroVocab::parse(R"({"vocab": []})"), Error);
  EXPECT_THROW(KokoroVocab::parse(R"({"vocab": {"ab": 1}})"), Error);
  EXPECT_THROW(KokoroVocab::parse(R"({"vocab": {"a": -1}})"), Error);
  EXPECT_THROW(KokoroVocab::parse(R"({"vocab": {}})"), Error);
  EXPECT_THROW(KokoroVocab::load("/nonexistent/vocab.json"), Error);
}

// The packaged vocabulary: the ids the Python worker sends for the same phonemes
// ([vocab[c] for c in phonemes if c in vocab]).
TEST(KokoroVocab, PackagedVocabularyGivesTheWorkersIds) {
  ST_REQUIRE_MODEL(dir, "kokoro-ja");
  const KokoroVocab vocab = KokoroVocab::load(*dir + "/vocab.json");
  EXPECT_EQ(vocab.size(), 114u);
  EXPECT_EQ(vocab.encode("kʲoː βa ii teŋkʲi desɨ ne."),
            (std::vector<int64_t>{53,  164, 57,  158, 16, 75, 43, 16, 51,  51, 16, 62, 47,
                                  112, 53,  164, 51,  16, 46, 47, 61, 101, 16, 56, 47, 4}));
  EXPECT_EQ(vocab.encode("«hoɴ» o [ʨɨːi]"),
            (std::vector<int64_t>{50, 57, 115, 16, 57, 16, 21, 101, 158, 51}));
}

}  // namespace
}  // namespace stream_tts::g2p
