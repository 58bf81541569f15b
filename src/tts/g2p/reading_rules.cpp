#include "tts/g2p/reading_rules.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/utf8.h"

namespace stream_tts::g2p {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.ends_with(suffix);
}

// Ported from pyopenjtalk-plus's is_high_confidence_nani_context(): the next word alone says ナニ.
bool next_says_nani(const NjdWord* next) {
  if (next == nullptr) return false;
  const std::string& o = next->orig;
  return o == "を" || o == "が" || o == "に" || o == "も" || o == "より" || o == "する" ||
         (next->string == "で" && next->pos == "助動詞" && next->ctype == "特殊・ダ");
}

// The vowel row of a katakana (pyopenjtalk-plus's _DAN_MAP); 0 for others (ン, ッ, ー, small ャ…).
char vowel_row(char32_t kana) {
  static constexpr std::u32string_view kRows[] = {
      U"アカサタナハマヤラワガザダバパァ", U"イキシチニヒミリギジヂビピィ",
      U"ウクスツヌフムユルグズヅブプヴゥ", U"エケセテネヘメレゲゼデベペェ",
      U"オコソトノホモヨロヲゴゾドボポォ"};
  static constexpr char kVowels[] = {'a', 'i', 'u', 'e', 'o'};
  for (size_t r = 0; r < 5; ++r) {
    if (kRows[r].find(kana) != std::u32string_view::npos) return kVowels[r];
  }
  return 0;
}

char32_t last_code_point(std::string_view s) {
  size_t start = s.size();
  while (start > 0 && (static_cast<unsigned char>(s[start - 1]) & 0xC0) == 0x80) --start;
  if (start == 0) return 0;
  --start;
  return utf8::decode(s, &start);
}

}  // namespace

void read_nani(const NaniModel& nani, std::vector<NjdWord>* words) {
  auto& w = *words;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i].orig != "何") continue;
    const NjdWord* next = i + 1 < w.size() ? &w[i + 1] : nullptr;
    // 「何で」 split into 何 + the case particle で keeps the dictionary's ナン.
    const bool keep_nan = next != nullptr && next->orig == "で" && next->pos == "助詞" &&
                          next->pos_group1 == "格助詞";
    const bool numerator = i >= 2 && w[i - 1].string == "の" && ends_with(w[i - 2].string, "分") &&
                           ends_with(w[i - 2].pron, "ブン");
    bool nan = false;
    if (numerator) {
      nan = true;
    } else if (next_says_nani(next)) {
      nan = false;
    } else if (keep_nan) {
      nan = true;
    } else {
      nan = next != nullptr && nani.reads_nan(*next);  // sentence end: ナニ
    }
    w[i].pron = w[i].read = nan ? "ナン" : "ナニ";
  }
}

void unlengthen_auxiliary_u(std::vector<NjdWord>* words) {
  auto& w = *words;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i + 1].pron != "ー" || w[i + 1].read != "ウ") continue;
    std::string_view pron = w[i].pron;
    while (pron.ends_with("’")) pron.remove_suffix(std::string_view("’").size());
    if (pron.empty()) continue;
    const char row = vowel_row(last_code_point(pron));
    if (row == 'a' || row == 'i' || row == 'e') w[i + 1].pron = "ウ";
  }
}

void read_fraction_bun(std::vector<NjdWord>* words) {
  auto& w = *words;
  for (size_t i = 1; i + 2 < w.size(); ++i) {
    if (w[i].string == "分" && w[i].pos_group1 == "接尾" && w[i - 1].pos_group1 == "数" &&
        w[i + 1].string == "の" && w[i + 2].pos_group1 == "数") {
      w[i].read = w[i].pron = "ブン";
      // The number before it had taken プン's sound change (十 ジュッ, 六 ロッ): undo it.
      static constexpr std::pair<std::string_view, std::string_view> kUnchanged[] = {
          {"一", "イチ"}, {"六", "ロク"}, {"八", "ハチ"}, {"十", "ジュー"}, {"百", "ヒャク"}};
      for (const auto& [digit, pron] : kUnchanged) {
        if (w[i - 1].string == digit && w[i - 1].pron.ends_with("ッ"))
          w[i - 1].read = w[i - 1].pron = pron;
      }
    }
  }
}

void read_maru(std::vector<NjdWord>* words) {
  auto& w = *words;
  for (size_t i = 0; i < w.size();) {
    size_t end = i;
    while (end < w.size() && w[end].string == "〇") ++end;
    if (end - i >= 2) {
      for (size_t k = i; k < end; ++k) w[k].read = w[k].pron = "マル";
    }
    i = std::max(end, i + 1);
  }
}

namespace {

std::u32string decode_all(std::string_view s) {
  std::u32string out;
  size_t pos = 0;
  while (pos < s.size()) out.push_back(utf8::decode(s, &pos));
  return out;
}

std::string encode_all(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) utf8::append(&out, c);
  return out;
}

bool is_katakana_word(std::u32string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char32_t c) {
    return (c >= U'ァ' && c <= U'ヴ') || c == U'ー' || c == U'ヽ' || c == U'ヾ';
  });
}

// _restore_spelling(): `pron` with the loanword spellings of `surface` put back, when the two match
// character for character apart from the dictionary's replacements (and devoicing marks); nullopt
// when they do not match or nothing was replaced.
std::optional<std::u32string> restore_spelling(std::u32string_view surface,
                                               std::u32string_view pron) {
  // Longest first, so that ヴャ is not consumed as ヴ.
  static constexpr std::pair<std::u32string_view, std::u32string_view> kRestorations[] = {
      {U"ヴャ", U"ビャ"}, {U"ヴュ", U"ビュ"}, {U"ヴョ", U"ビョ"}, {U"ヴァ", U"バ"},
      {U"ヴィ", U"ビ"},   {U"ヴェ", U"ベ"},   {U"ヴォ", U"ボ"},   {U"ヴ", U"ブ"},
      {U"スィ", U"シ"},   {U"ズィ", U"ジ"},   {U"テュ", U"チュ"}, {U"デュ", U"ヂュ"},
      {U"イェ", U"イエ"}, {U"シィ", U"シー"}, {U"リェ", U"リエ"}, {U"ニェ", U"ニエ"},
      {U"ヒェ", U"ヒエ"}, {U"ミェ", U"ミエ"}, {U"ビェ", U"ビエ"}, {U"ピェ", U"ピエ"},
      {U"キェ", U"ケ"},   {U"ギェ", U"ゲ"},   {U"グゥ", U"グウ"}, {U"クゥ", U"クウ"}};
  std::u32string restored;
  size_t si = 0;
  size_t pi = 0;
  bool changed = false;
  while (si < surface.size()) {
    if (pron.substr(pi).starts_with(U'’')) {
      restored.push_back(U'’');
      ++pi;
      continue;
    }
    bool replaced = false;
    for (const auto& [original, collapsed] : kRestorations) {
      if (surface.substr(si).starts_with(original) && pron.substr(pi).starts_with(collapsed)) {
        restored += original;
        si += original.size();
        pi += collapsed.size();
        changed = replaced = true;
        break;
      }
    }
    if (replaced) continue;
    const char32_t c = surface[si];
    // ウェイヴ spelled with イ where the dictionary has the long vowel ー (ウェーブ).
    if ((c == U'イ' || c == U'ウ') && pron.substr(pi).starts_with(U'ー')) {
      restored.push_back(U'ー');
      ++si;
      ++pi;
      continue;
    }
    if (!pron.substr(pi).starts_with(c)) return std::nullopt;
    restored.push_back(c);
    ++si;
    ++pi;
  }
  if (pron.substr(pi).starts_with(U'’')) {
    restored.push_back(U'’');
    ++pi;
  }
  if (pi != pron.size() || !changed) return std::nullopt;
  return restored;
}

}  // namespace

void restore_loanword_kana(std::vector<NjdWord>* words) {
  for (NjdWord& w : *words) {
    const std::u32string surface = decode_all(w.string);
    if (!is_katakana_word(surface)) continue;
    if (auto read = restore_spelling(surface, decode_all(w.read))) w.read = encode_all(*read);
    if (auto pron = restore_spelling(surface, decode_all(w.pron))) w.pron = encode_all(*pron);
  }
}

void apply_reading_rules(const NaniModel& nani, std::vector<NjdWord>* words) {
  read_fraction_bun(words);
  read_maru(words);
  read_nani(nani, words);
  unlengthen_auxiliary_u(words);
  restore_loanword_kana(words);
}

}  // namespace stream_tts::g2p
