#include "tts/g2p/text_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "core/utf8.h"
#include "stream_tts/status.h"
#include "tts/g2p/num2kana.h"

namespace stream_tts::g2p {

namespace {

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

// re.sub(r'[〜～](?=\d)', 'から', text) and the Katakana Phonetic Extensions, before NFKC (so a
// full-width digit counts as a digit, as Python's \d matches any Unicode decimal digit).
std::string prenormalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t cp = utf8::decode(text, &pos);
    if (cp == U'〜' || cp == U'～') {
      size_t next = pos;
      if (next < text.size() && u_isdigit(static_cast<UChar32>(utf8::decode(text, &next)))) {
        out += "から";
        continue;
      }
    }
    // ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ -> クシストヌハヒフヘホムラリルレロ (NFKC leaves them
    // small).
    static constexpr char32_t kFullSize[16] = {U'ク', U'シ', U'ス', U'ト', U'ヌ', U'ハ',
                                               U'ヒ', U'フ', U'ヘ', U'ホ', U'ム', U'ラ',
                                               U'リ', U'ル', U'レ', U'ロ'};
    if (cp >= 0x31F0 && cp <= 0x31FF) {
      utf8::append(&out, kFullSize[cp - 0x31F0]);
      continue;
    }
    utf8::append(&out, cp);
  }
  return out;
}

std::string nfkc(const std::string& text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCInstance(status);
  if (U_FAILURE(status)) {
    throw Error(StatusCode::kInternal, std::string("ICU NFKC normaliser: ") + u_errorName(status));
  }
  icu::UnicodeString normalized =
      normalizer->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(text)), status);
  if (U_FAILURE(status)) {
    throw Error(StatusCode::kInternal,
                std::string("ICU NFKC normalisation: ") + u_errorName(status));
  }
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

// Length of a number with thousands separators at s[0]: 1-3 digits, then one or more ",ddd"
// groups, not followed by another digit. 0 if there is none.
size_t grouped_number_length(std::string_view s) {
  size_t lead = 0;
  while (lead < s.size() && lead < 4 && is_ascii_digit(s[lead])) ++lead;
  if (lead == 0 || lead > 3) return 0;
  size_t end = lead;
  size_t groups = 0;
  while (end + 4 <= s.size() && s[end] == ',' && is_ascii_digit(s[end + 1]) &&
         is_ascii_digit(s[end + 2]) && is_ascii_digit(s[end + 3]) &&
         (end + 4 == s.size() || !is_ascii_digit(s[end + 4]))) {
    end += 4;
    ++groups;
  }
  return groups > 0 ? end : 0;
}

// Counters that misaki's hiragana numbers read wrongly (checked against each other on 1-100 before
// ~50 counters): its "に年", "に人", "さん人", "じゅう%" lose the counter's reading (2年 -> に
// とし, 3人 -> さん じん, 10% -> じゅう) or its sound change (10本 -> じゅう ほん, 8回 -> はち
// かい). A number before one of these keeps its digits, and Open JTalk's njd_set_digit reads number
// and counter together (にねん, さんにん, じゅっパーセント, じゅっぽん, はっかい). docs/g2p.md.
bool followed_by_counter(std::string_view rest) {
  static constexpr std::string_view kCounters[] = {
      "つ", "歳", "才", "分", "月", "か月", "ヶ月", "カ月", "日", "人", "%",  "時", "年",   "本",
      "回", "個", "匹", "杯", "階", "冊",   "件",   "軒",   "頭", "羽", "足", "着", "泊",   "通",
      "曲", "品", "章", "話", "行", "歩",   "桁",   "位",   "晩", "点", "度", "番", "キロ", "週間"};
  for (std::string_view c : kCounters) {
    if (rest.starts_with(c)) return true;
  }
  return false;
}

// Unit symbols after a number (ASCII after NFKC), which misaki and Open JTalk spell letter by
// letter or drop (5kg -> ご ケージー, 100g -> ひゃく, 30℃ -> さんじゅう): the unit's Japanese name,
// so that the number is read with it as a counter. Longest first; a unit must not run into more
// letters.
struct Unit {
  std::string_view symbol;
  std::string_view name;
};
constexpr Unit kUnits[] = {{"kHz", "キロヘルツ"},  {"MHz", "メガヘルツ"},
                           {"GHz", "ギガヘルツ"},  {"°C", "度"},
                           {"kg", "キログラム"},   {"mg", "ミリグラム"},
                           {"km", "キロメートル"}, {"cm", "センチメートル"},
                           {"mm", "ミリメートル"}, {"mL", "ミリリットル"},
                           {"ml", "ミリリットル"}, {"KB", "キロバイト"},
                           {"kB", "キロバイト"},   {"MB", "メガバイト"},
                           {"GB", "ギガバイト"},   {"TB", "テラバイト"},
                           {"ms", "ミリ秒"},       {"Hz", "ヘルツ"},
                           {"g", "グラム"},        {"m", "メートル"},
                           {"L", "リットル"},      {"°", "度"}};

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The unit at the start of `rest`, or nullptr.
const Unit* unit_at(std::string_view rest) {
  for (const Unit& u : kUnits) {
    if (rest.starts_with(u.symbol) &&
        (rest.size() == u.symbol.size() || !is_ascii_letter(rest[u.symbol.size()]))) {
      return &u;
    }
  }
  return nullptr;
}

// misaki's own number step: every run of digits -> " " + Convert(run), and Convert()'s answer for
// more than 9 digits, an English sentence that Open JTalk then spells out.
std::string misaki_numbers(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (!is_ascii_digit(s[i])) {
      out += s[i++];
      continue;
    }
    size_t end = i;
    while (end < s.size() && is_ascii_digit(s[end])) ++end;
    out += ' ';
    out += end - i > 9 ? "Number length too long, choose less than 10 digits"
                       : number_to_kana(s.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace

std::string normalize_for_g2p(std::string_view text, NumberStyle style) {
  const std::string normalized = nfkc(prenormalize(utf8::sanitize(text)));
  if (style == NumberStyle::kMisaki) return misaki_numbers(normalized);
  // misaki: ''.join((' ' + Convert(t)) if t.isdigit() else t for t in re.findall(r'\d+|\D+', text))
  std::string out;
  out.reserve(normalized.size() * 2);
  const std::string_view s = normalized;
  size_t i = 0;
  while (i < s.size()) {
    if (!is_ascii_digit(s[i])) {
      out += s[i++];
      continue;
    }
    // The number: 1,234,567 (thousands separators), 3.14 (a decimal) or a plain run of digits.
    size_t end = i + grouped_number_length(s.substr(i));
    size_t point = std::string_view::npos;
    if (end == i) {
      while (end < s.size() && is_ascii_digit(s[end])) ++end;
      if (end + 1 < s.size() && s[end] == '.' && is_ascii_digit(s[end + 1])) {
        point = end++;
        while (end < s.size() && is_ascii_digit(s[end])) ++end;
      }
    }
    const std::string_view number = s.substr(i, end - i);
    const Unit* unit = unit_at(s.substr(end));
    // A number before a counter or a unit, or the numerator of a fraction (3分の1), keeps its
    // digits: Open JTalk's digit rules read it with its counter (read_fraction_bun() then fixes
    // the 分).
    const bool native =
        unit != nullptr || followed_by_counter(s.substr(end)) || out.ends_with("分の");
    out += ' ';
    if (native) {
      out += number;
      if (unit != nullptr) {
        out += unit->name;
        end += unit->symbol.size();
      }
    } else if (point != std::string_view::npos) {
      out += decimal_to_kana(s.substr(i, point - i), s.substr(point + 1, end - point - 1));
    } else {
      out += number_to_kana(number);  // skips the commas
    }
    i = end;
  }
  return out;
}

}  // namespace stream_tts::g2p
