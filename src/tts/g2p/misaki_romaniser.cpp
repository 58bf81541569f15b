#include "tts/g2p/misaki_romaniser.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "core/utf8.h"
#include "tts/g2p/python_text.h"

namespace stream_tts::g2p {

namespace {

// misaki's HEPBURN table after all its updates, in its order: kana (and kana pairs) -> phonemes,
// punctuation -> Kokoro's punctuation.
constexpr std::pair<std::string_view, std::string_view> kHepburn[] = {
    {"ぁ", "a"},     {"あ", "a"},     {"ぃ", "i"},     {"い", "i"},     {"ぅ", "ɯ"},
    {"う", "ɯ"},     {"ぇ", "e"},     {"え", "e"},     {"ぉ", "o"},     {"お", "o"},
    {"か", "ka"},    {"が", "ɡa"},    {"き", "kʲi"},   {"ぎ", "ɡʲi"},   {"く", "kɯ"},
    {"ぐ", "ɡɯ"},    {"け", "ke"},    {"げ", "ɡe"},    {"こ", "ko"},    {"ご", "ɡo"},
    {"さ", "sa"},    {"ざ", "ʣa"},    {"し", "ɕi"},    {"じ", "ʥi"},    {"す", "sɨ"},
    {"ず", "zɨ"},    {"せ", "se"},    {"ぜ", "ʣe"},    {"そ", "so"},    {"ぞ", "ʣo"},
    {"た", "ta"},    {"だ", "da"},    {"ち", "ʨi"},    {"ぢ", "ʥi"},    {"つ", "ʦɨ"},
    {"づ", "zɨ"},    {"て", "te"},    {"で", "de"},    {"と", "to"},    {"ど", "do"},
    {"な", "na"},    {"に", "ɲi"},    {"ぬ", "nɯ"},    {"ね", "ne"},    {"の", "no"},
    {"は", "ha"},    {"ば", "ba"},    {"ぱ", "pa"},    {"ひ", "çi"},    {"び", "bʲi"},
    {"ぴ", "pʲi"},   {"ふ", "ɸɯ"},    {"ぶ", "bɯ"},    {"ぷ", "pɯ"},    {"へ", "he"},
    {"べ", "be"},    {"ぺ", "pe"},    {"ほ", "ho"},    {"ぼ", "bo"},    {"ぽ", "po"},
    {"ま", "ma"},    {"み", "mʲi"},   {"む", "mɯ"},    {"め", "me"},    {"も", "mo"},
    {"ゃ", "ja"},    {"や", "ja"},    {"ゅ", "jɯ"},    {"ゆ", "jɯ"},    {"ょ", "jo"},
    {"よ", "jo"},    {"ら", "ɾa"},    {"り", "ɾʲi"},   {"る", "ɾɯ"},    {"れ", "ɾe"},
    {"ろ", "ɾo"},    {"ゎ", "βa"},    {"わ", "βa"},    {"ゐ", "i"},     {"ゑ", "e"},
    {"を", "o"},     {"ゔ", "vɯ"},    {"ゕ", "ka"},    {"ゖ", "ke"},    {"ヷ", "va"},
    {"ヸ", "vʲi"},   {"ヹ", "ve"},    {"ヺ", "vo"},    {"いぇ", "je"},  {"うぃ", "βi"},
    {"うぇ", "βe"},  {"うぉ", "βo"},  {"きぇ", "kʲe"}, {"きゃ", "kʲa"}, {"きゅ", "kʲɨ"},
    {"きょ", "kʲo"}, {"ぎゃ", "ɡʲa"}, {"ぎゅ", "ɡʲɨ"}, {"ぎょ", "ɡʲo"}, {"くぁ", "kᵝa"},
    {"くぃ", "kᵝi"}, {"くぇ", "kᵝe"}, {"くぉ", "kᵝo"}, {"ぐぁ", "ɡᵝa"}, {"ぐぃ", "ɡᵝi"},
    {"ぐぇ", "ɡᵝe"}, {"ぐぉ", "ɡᵝo"}, {"しぇ", "ɕe"},  {"しゃ", "ɕa"},  {"しゅ", "ɕɨ"},
    {"しょ", "ɕo"},  {"じぇ", "ʥe"},  {"じゃ", "ʥa"},  {"じゅ", "ʥɨ"},  {"じょ", "ʥo"},
    {"ちぇ", "ʨe"},  {"ちゃ", "ʨa"},  {"ちゅ", "ʨɨ"},  {"ちょ", "ʨo"},  {"ぢゃ", "ʥa"},
    {"ぢゅ", "ʥɨ"},  {"ぢょ", "ʥo"},  {"つぁ", "ʦa"},  {"つぃ", "ʦʲi"}, {"つぇ", "ʦe"},
    {"つぉ", "ʦo"},  {"てぃ", "tʲi"}, {"てゅ", "tʲɨ"}, {"でぃ", "dʲi"}, {"でゅ", "dʲɨ"},
    {"とぅ", "tɯ"},  {"どぅ", "dɯ"},  {"にぇ", "ɲe"},  {"にゃ", "ɲa"},  {"にゅ", "ɲɨ"},
    {"にょ", "ɲo"},  {"ひぇ", "çe"},  {"ひゃ", "ça"},  {"ひゅ", "çɨ"},  {"ひょ", "ço"},
    {"びゃ", "bʲa"}, {"びゅ", "bʲɨ"}, {"びょ", "bʲo"}, {"ぴゃ", "pʲa"}, {"ぴゅ", "pʲɨ"},
    {"ぴょ", "pʲo"}, {"ふぁ", "ɸa"},  {"ふぃ", "ɸʲi"}, {"ふぇ", "ɸe"},  {"ふぉ", "ɸo"},
    {"ふゅ", "ɸʲɨ"}, {"ふょ", "ɸʲo"}, {"みゃ", "mʲa"}, {"みゅ", "mʲɨ"}, {"みょ", "mʲo"},
    {"りゃ", "ɾʲa"}, {"りゅ", "ɾʲɨ"}, {"りょ", "ɾʲo"}, {"ゔぁ", "va"},  {"ゔぃ", "vʲi"},
    {"ゔぇ", "ve"},  {"ゔぉ", "vo"},  {"ゔゅ", "bʲɨ"}, {"ゔょ", "bʲo"}, {"。", "."},
    {"、", ","},     {"？", "?"},     {"！", "!"},     {"「", "“"},     {"」", "”"},
    {"『", "“"},     {"』", "”"},     {"：", ":"},     {"；", ";"},     {"（", "("},
    {"）", ")"},     {"《", "("},     {"》", ")"},     {"【", "["},     {"】", "]"},
    {"・", " "},     {"，", ","},     {"～", "—"},     {"〜", "—"},     {"—", "—"},
    {"«", "“"},      {"»", "”"},      {"゚", ""},        {"゙", ""},
};

using Table = std::unordered_map<std::u32string, std::string>;

std::u32string decode_all(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) out.push_back(utf8::decode(s, &pos));
  return out;
}

std::string encode(char32_t cp) {
  std::string out;
  utf8::append(&out, cp);
  return out;
}

const Table& table() {
  static const Table kTable = [] {
    Table t;
    for (const auto& [kana, phonemes] : kHepburn)
      t.emplace(decode_all(kana), std::string(phonemes));
    return t;
  }();
  return kTable;
}

const std::string* find(char32_t a, char32_t b = 0) {
  std::u32string key(1, a);
  if (b != 0) key.push_back(b);
  const auto it = table().find(key);
  return it != table().end() ? &it->second : nullptr;
}

bool is_sutegana(char32_t c) {
  return c == U'ゃ' || c == U'ゅ' || c == U'ょ' || c == U'ぁ' || c == U'ぃ' || c == U'ぅ' ||
         c == U'ぇ' || c == U'ぉ';
}

// s without its last code point (Python's s[:-1]).
std::string drop_last(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && (static_cast<unsigned char>(s[end - 1]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end > 0 ? end - 1 : 0));
}

char32_t first_code_point(std::string_view s) {
  size_t pos = 0;
  return s.empty() ? 0 : utf8::decode(s, &pos);
}

// add_dakuten(): か -> が etc.; 0 when there is no voiced form.
char32_t add_dakuten(char32_t kana) {
  static constexpr std::u32string_view kPlain = U"かきくけこさしすせそたちつてとはひふへほ";
  static constexpr std::u32string_view kVoiced = U"がぎぐげござじずぜぞだぢづでどばびぶべぼ";
  const size_t i = kPlain.find(kana);
  return i == std::u32string_view::npos ? 0 : kVoiced[i];
}

// _get_single_mapping(pk, kk, nk); 0 stands for Python's None.
std::string single_mapping(char32_t pk, char32_t kk, char32_t nk) {
  // Odoriji: ゝ/ヽ repeat the previous kana (misaki returns the kana itself, not its phonemes),
  // ゞ repeats it voiced, 々 and 〃 cannot be resolved and are dropped.
  if (kk == U'〃' || kk == U'々' || kk == U'ゝ' || kk == U'ゞ' || kk == U'ヽ') {
    if (kk == U'ゝ' || kk == U'ヽ') return pk != 0 ? encode(pk) : std::string();
    if (kk == U'ゞ') {
      if (pk == 0) return "";
      const char32_t voiced = add_dakuten(pk);
      const std::string* p = voiced != 0 ? find(voiced) : nullptr;
      return p != nullptr ? *p : std::string();
    }
    return "";
  }
  if (pk != 0) {
    if (const std::string* p = find(pk, kk)) return *p;
  }
  if (nk != 0 && find(kk, nk) != nullptr) return "";
  if (nk != 0 && is_sutegana(nk)) {
    if (kk == U'っ') return "";
    // misaki raises KeyError for a kana it has no entry for (e.g. ん before ゃ); nothing is said
    // for that kana here.
    const std::string* p = find(kk);
    return (p != nullptr ? drop_last(*p) : std::string()) + *find(nk);
  }
  if (is_sutegana(kk)) return "";
  if (kk == U'ー') return "ː";
  if (kk == U'っ') return "ʔ";
  if (kk == U'ん') {
    // m before m/p/b, ŋ before k/ɡ, ɲ before ɲ/ʨ/ʥ, n before n/t/d/ɾ/z, ɴ otherwise.
    const std::string* next = nk != 0 ? find(nk) : nullptr;
    if (next != nullptr && !next->empty()) {
      const char32_t c = first_code_point(*next);
      if (c == U'm' || c == U'p' || c == U'b') return "m";
      if (c == U'k' || c == U'ɡ') return "ŋ";
      if (c == U'ɲ' || c == U'ʨ' || c == U'ʥ') return "ɲ";
      if (c == U'n' || c == U't' || c == U'd' || c == U'ɾ' || c == U'z') return "n";
    }
    return "ɴ";
  }
  const std::string* p = find(kk);
  return p != nullptr ? *p : std::string();
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// _romaji_word(); every word has misaki's char_type 6 (the tagger stand-in sets no other).
std::string romaji_word(const KanaWord& word) {
  if (is_ascii(word.surface)) return word.surface;
  const std::u32string hira = decode_all(word.hira);
  std::string out;
  for (size_t k = 0; k < hira.size(); ++k) {
    const char32_t pk = k > 0 ? hira[k - 1] : 0;
    const char32_t nk = k + 1 < hira.size() ? hira[k + 1] : 0;
    out += single_mapping(pk, hira[k], nk);
  }
  return out;
}

// Python's `needle in haystack` for strings: a substring test, true for an empty needle.
bool py_in(std::string_view needle, std::string_view haystack) {
  return haystack.find(needle) != std::string_view::npos;
}

struct Token {
  std::string text;
  bool space = false;
};

// The end of misaki's __call__: strip, collapse whitespace, ( ) -> « », and drop the spaces around
// ʔ: re.sub(r'(?<![!",.:;?»—…”]) (?=ʔ)|(?<=ʔ) (?!["«“])', '', ps).
std::string finish(std::string_view out) {
  const std::u32string in = decode_all(python_strip(out));
  std::u32string ps;
  ps.reserve(in.size());
  for (char32_t c : in) {
    if (is_python_space(c)) {
      if (ps.empty() || ps.back() != U' ') ps.push_back(U' ');
    } else if (c == U'(') {
      ps.push_back(U'«');
    } else if (c == U')') {
      ps.push_back(U'»');
    } else {
      ps.push_back(c);
    }
  }
  static constexpr std::u32string_view kKeepBefore = U"!\",.:;?»—…”";
  static constexpr std::u32string_view kKeepAfter = U"\"«“";
  std::string result;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i] == U' ') {
      const char32_t prev = i > 0 ? ps[i - 1] : 0;
      const char32_t next = i + 1 < ps.size() ? ps[i + 1] : 0;
      const bool before_glottal =
          next == U'ʔ' && (prev == 0 || kKeepBefore.find(prev) == std::u32string_view::npos);
      const bool after_glottal =
          prev == U'ʔ' && (next == 0 || kKeepAfter.find(next) == std::u32string_view::npos);
      if (before_glottal || after_glottal) continue;
    }
    utf8::append(&result, ps[i]);
  }
  return result;
}

}  // namespace

std::string katakana_to_hiragana(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = utf8::decode(text, &pos);
    if (cp >= U'ァ' && cp <= U'ヶ') {
      cp -= 0x60;
    } else if (cp == U'ヽ' || cp == U'ヾ') {
      cp -= 0x60;
    }
    utf8::append(&out, cp);
  }
  return out;
}

std::string MisakiRomaniser::romanise(const std::vector<KanaWord>& words) const {
  // _romaji_tokens(): greedy longest run of words whose joined surface is in the word list.
  std::vector<KanaWord> groups;
  size_t i = 0;
  while (i < words.size()) {
    size_t best = 0;  // end of the longest listed run starting at i, 0 if none
    std::string joined;
    for (size_t j = i; j < words.size(); ++j) {
      joined += words[j].surface;
      if (joined.size() > words_->max_length()) break;
      if (words_->contains(joined)) best = j + 1;
    }
    if (best == 0) best = i + 1;
    KanaWord group;
    for (size_t k = i; k < best; ++k) {
      group.surface += words[k].surface;
      group.hira += words[k].hira;
    }
    groups.push_back(std::move(group));
    i = best;
  }

  std::vector<Token> tokens;
  tokens.reserve(groups.size());
  for (const KanaWord& word : groups) {
    Token tok{romaji_word(word), false};
    // Punctuation with atypical spacing, with misaki's substring tests.
    if (py_in(word.surface, "「『«") || py_in(tok.text, "([")) {
      if (!tokens.empty()) tokens.back().space = true;
    } else if (py_in(word.surface, "」』»") || py_in(tok.text, "]).,?!:")) {
      if (!tokens.empty()) tokens.back().space = false;
      tok.space = true;
    } else {
      tok.space = tok.text != " ";
    }
    tokens.push_back(std::move(tok));
  }
  std::string out;
  for (Token& tok : tokens) {
    // "remove any leftover sokuon"
    for (size_t p; (p = tok.text.find("っ")) != std::string::npos;)
      tok.text.erase(p, std::string_view("っ").size());
    out += tok.text;
    if (tok.space) out += ' ';
  }
  return finish(out);
}

}  // namespace stream_tts::g2p
