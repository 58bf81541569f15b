#include "tts/g2p/num2kana.h"

#include <array>

namespace stream_tts::g2p {

namespace {

// num2kana.py's hiragana_dict. The Python code joins pieces with spaces and removes them at the
// end; concatenating directly gives the same string.
constexpr std::array<std::string_view, 10> kDigit = {"ゼロ", "いち", "に",   "さん", "よん",
                                                     "ご",   "ろく", "なな", "はち", "きゅう"};
constexpr std::string_view kTen = "じゅう";
constexpr std::string_view kHundred = "ひゃく";
constexpr std::string_view kThousand = "せん";
constexpr std::string_view kTenThousand = "まん";
constexpr std::string_view kHundredMillion = "おく";

std::string_view digit(char c) {
  return kDigit[static_cast<size_t>(c - '0')];
}

std::string len_one(std::string_view s) {
  return std::string(digit(s[0]));
}

std::string len_two(std::string_view s) {
  if (s[0] == '0') return len_one(s.substr(1));
  if (s == "10") return std::string(kTen);
  if (s[0] == '1') return std::string(kTen) + len_one(s.substr(1));
  if (s[1] == '0') return len_one(s) + std::string(kTen);
  return std::string(digit(s[0])) + std::string(kTen) + std::string(digit(s[1]));
}

std::string len_three(std::string_view s) {
  std::string out;
  switch (s[0]) {
    case '1':
      out = kHundred;
      break;
    case '3':
      out = "さんびゃく";
      break;
    case '6':
      out = "ろっぴゃく";
      break;
    case '8':
      out = "はっぴゃく";
      break;
    default:
      out = std::string(digit(s[0])) + std::string(kHundred);
  }
  if (s.substr(1) == "00") return out;
  if (s[1] == '0') return out + std::string(digit(s[2]));
  return out + len_two(s.substr(1));
}

std::string len_four(std::string_view s, bool stand_alone) {
  if (s == "0000") return "";
  while (s[0] == '0') s.remove_prefix(1);
  if (s.size() == 1) return len_one(s);
  if (s.size() == 2) return len_two(s);
  if (s.size() == 3) return len_three(s);
  std::string out;
  if (s[0] == '1' && stand_alone) {
    out = kThousand;
  } else if (s[0] == '1') {
    out = "いっせん";
  } else if (s[0] == '3') {
    out = "さんぜん";
  } else if (s[0] == '8') {
    out = "はっせん";
  } else {
    out = std::string(digit(s[0])) + std::string(kThousand);
  }
  if (s.substr(1) == "000") return out;
  if (s[1] == '0') return out + len_two(s.substr(2));
  return out + len_three(s.substr(1));
}

// 5 to 9 digits.
std::string len_x(std::string_view s) {
  const std::string_view head = s.substr(0, s.size() - 4);
  std::string out;
  switch (head.size()) {
    case 1:
      out = len_one(head) + std::string(kTenThousand);
      break;
    case 2:
      out = len_two(head) + std::string(kTenThousand);
      break;
    case 3:
      out = len_three(head) + std::string(kTenThousand);
      break;
    case 4:
      out = len_four(head, false) + std::string(kTenThousand);
      break;
    default:  // 5: 億 and 万
      out = len_one(s) + std::string(kHundredMillion) + len_four(s.substr(1, 4), false);
      if (s.substr(1, 4) != "0000") out += kTenThousand;
  }
  return out + len_four(s.substr(s.size() - 4), false);
}

// Digits one by one, in katakana and separated by spaces: MeCab then keeps each digit a word of its
// own (hiragana runs such as なな はち or いち よん get cut into particles).
std::string digit_by_digit(std::string_view s) {
  static constexpr std::string_view kKatakana[] = {"ゼロ", "イチ", "ニ",   "サン", "ヨン",
                                                   "ゴ",   "ロク", "ナナ", "ハチ", "キュー"};
  std::string out;
  for (char c : s) {
    if (!out.empty()) out += ' ';
    out += kKatakana[c - '0'];
  }
  return out;
}

// 10 to 12 digits, the way len_x() reads 9: X億YYYY万ZZZZ.
std::string len_oku(std::string_view s) {
  const std::string_view head = s.substr(0, s.size() - 8);
  const std::string_view middle = s.substr(s.size() - 8, 4);
  std::string out = (head.size() == 2   ? len_two(head)
                     : head.size() == 3 ? len_three(head)
                                        : len_four(head, false));
  out += kHundredMillion;
  out += len_four(middle, false);
  if (middle != "0000") out += kTenThousand;
  return out + len_four(s.substr(s.size() - 4), false);
}

}  // namespace

std::string number_to_kana(std::string_view digits) {
  std::string s;
  for (char c : digits) {
    if (c >= '0' && c <= '9') s += c;
  }
  if (s.empty()) return "";
  // Convert() stops at 9 digits (and checks before it drops leading zeros). Up to 12 digits
  // without a leading zero are read as an amount with 億; anything else (a phone number, an ID)
  // digit by digit.
  if (s.size() > 9) return s.size() <= 12 && s[0] != '0' ? len_oku(s) : digit_by_digit(s);
  std::string_view v = s;
  while (v.size() > 1 && v[0] == '0') v.remove_prefix(1);
  switch (v.size()) {
    case 1:
      return len_one(v);
    case 2:
      return len_two(v);
    case 3:
      return len_three(v);
    case 4:
      return len_four(v, true);
    default:
      return len_x(v);
  }
}

std::string decimal_to_kana(std::string_view integer_part, std::string_view fraction_part) {
  while (integer_part.size() > 1 && integer_part[0] == '0') integer_part.remove_prefix(1);
  std::string out = number_to_kana(integer_part);
  // split_Point(): 10.5 -> じゅってんご (a final じゅう before the point becomes じゅっ).
  const size_t n = integer_part.size();
  if (n >= 2 && n <= 9 && integer_part[n - 1] == '0' && integer_part[n - 2] != '0') {
    static constexpr std::string_view kU = "う";
    if (out.ends_with(kU)) out.resize(out.size() - kU.size());
    out += "っ";
  }
  // The point and the fraction in spaced katakana, for the reason digit_by_digit() gives.
  out += " テン ";
  out += digit_by_digit(fraction_part);
  return out;
}

}  // namespace stream_tts::g2p
