#include "text/word.h"

#include <array>
#include <cstdint>
#include <string>

#include "core/utf8.h"
#include "text/char_class.h"

namespace stream_tts::text {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool equals_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && starts_with_ci(a, b);
}

// Where a URL starts inside a word ("(https://…", "**www.…"), or npos.
size_t find_url_start(std::string_view w) {
  size_t i = 0;
  static constexpr ByteSet kOpeners("*_~(\"'");
  while (i < w.size() && kOpeners.has(w[i])) ++i;
  const std::string_view rest = w.substr(i);
  for (std::string_view scheme : {"http://", "https://", "ftp://", "www."}) {
    if (starts_with_ci(rest, scheme) && rest.size() > scheme.size()) return i;
  }
  return std::string_view::npos;
}

// Trailing characters that end the sentence rather than the URL: "(see https://x.io/a)." — the
// ")" is kept only when the URL itself opened a parenthesis (wiki-style links).
size_t url_end(std::string_view w, size_t begin) {
  static constexpr ByteSet kTrailers(".,:;!?*_~'\"]>");
  size_t end = w.size();
  long balance = 0;  // '(' minus ')' in w[begin, end)
  for (size_t i = begin; i < end; ++i) balance += (w[i] == '(') - (w[i] == ')');
  while (end > begin) {
    const char c = w[end - 1];
    if (c == ')') {
      if (balance >= 0) break;
      ++balance;
    } else if (!kTrailers.has(c)) {
      break;
    }
    --end;
  }
  return end;
}

bool is_path_char(char c) {
  static constexpr ByteSet kPathChars(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-~+@/");
  return kPathChars.has(c);
}

// "github.com/org/repo" written without a scheme is a link, not a file path.
bool is_domain_path(std::string_view core) {
  const size_t slash = core.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const std::string_view host = core.substr(0, slash);
  const size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string_view tld = host.substr(dot + 1);
  static constexpr std::array<std::string_view, 20> kTlds = {
      "com", "org", "net", "io", "dev", "ai", "co", "jp", "gov", "edu",
      "app", "sh", "me", "gg", "xyz", "info", "uk", "de", "rs", "so"};
  for (std::string_view t : kTlds) {
    if (equals_ci(tld, t)) return true;
  }
  return false;
}

// Emphasis delimiter run w[i, j) of '*', '_' or '~': true when it is kept as a character.
// Marks are removed without pairing them (pairing would hold text back until the closer arrives):
// a run that touches a word on one side only is emphasis; a run inside a word is kept for '_'
// (snake_case) and a single '*' (2*3, a*b), a run standing alone is kept when it is one character
// ("2 * 3"). '~' is strikethrough only as "~~"; a single "~" (~/path, ~5 ms) stays.
bool keep_delimiter_run(std::string_view w, size_t i, size_t j) {
  const char d = w[i];
  const size_t len = j - i;
  const char before = i > 0 ? w[i - 1] : ' ';
  const char after = j < w.size() ? w[j] : ' ';
  if (d == '~') return len == 1;
  const bool word_before = is_ascii_alnum(before);
  const bool word_after = is_ascii_alnum(after);
  if (word_before && word_after) {
    if (d == '_') return true;
    return len == 1 || (is_ascii_digit(before) && is_ascii_digit(after));  // 2**10
  }
  if (before == ' ' && after == ' ') return len == 1;
  return false;
}

struct NamedEntity {
  std::string_view name;
  std::string_view text;
};

// Decodes "&name;" / "&#NN;" / "&#xHH;" at s[amp]. On success sets *end past ';' and *text.
// A non-breaking space decodes to " " (the caller turns it into a word gap).
bool decode_entity(std::string_view s, size_t amp, size_t* end, std::string* text) {
  const size_t semi_offset = s.substr(amp + 1, 10).find(';');
  if (semi_offset == std::string_view::npos || semi_offset == 0) return false;
  const size_t semi = amp + 1 + semi_offset;
  const std::string_view name = s.substr(amp + 1, semi - amp - 1);
  text->clear();
  if (name[0] == '#') {
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return false;
    uint32_t cp = 0;
    for (char c : digits) {
      uint32_t v;
      if (is_ascii_digit(c)) {
        v = static_cast<uint32_t>(c - '0');
      } else if (hex && ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') {
        v = static_cast<uint32_t>(ascii_lower(c) - 'a' + 10);
      } else {
        return false;
      }
      cp = cp * (hex ? 16 : 10) + v;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp == 0xA0 || cp == '\t' || cp == '\n') {
      *text = " ";
    } else if (cp >= 0x20 && cp != 0x7F && !is_emoji_component(cp)) {
      utf8::append(text, cp);
    }
    *end = semi + 1;
    return true;
  }
  static constexpr std::array<NamedEntity, 18> kNamed = {{
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
      {"mdash", "\u2014"}, {"ndash", "\u2013"}, {"hellip", "\u2026"}, {"copy", "\u00a9"},
      {"reg", "\u00ae"}, {"trade", "\u2122"}, {"times", "\u00d7"}, {"rarr", "\u2192"},
      {"larr", "\u2190"}, {"middot", "\u00b7"}, {"laquo", "\u00ab"}, {"raquo", "\u00bb"},
  }};
  for (const NamedEntity& e : kNamed) {
    if (name == e.name) {
      *text = e.text;
      *end = semi + 1;
      return true;
    }
  }
  return false;
}

// Prose word without URL or path: escapes, entities, emphasis runs.
void emit_prose(std::string_view w, const WordContext& ctx) {
  std::string acc;
  std::string decoded;
  acc.reserve(w.size());
  auto flush = [&] {
    ctx.out->text(acc);
    acc.clear();
  };
  for (size_t i = 0; i < w.size();) {
    const char c = w[i];
    if (c == '\\' && i + 1 < w.size() && is_ascii_punct(w[i + 1])) {
      acc.push_back(w[i + 1]);
      i += 2;
    } else if (c == '&') {
      size_t end = 0;
      if (decode_entity(w, i, &end, &decoded)) {
        if (decoded == " ") {
          flush();
          ctx.out->space();
        } else {
          acc += decoded;
        }
        i = end;
      } else {
        acc.push_back(c);
        ++i;
      }
    } else if (c == '*' || c == '_' || c == '~') {
      size_t j = i;
      while (j < w.size() && w[j] == c) ++j;
      if (keep_delimiter_run(w, i, j)) acc.append(w.substr(i, j - i));
      i = j;
    } else {
      acc.push_back(c);
      ++i;
    }
  }
  flush();
}

// Splits "(**src/a/b/c.cpp**)," into affixes and the path-like core between them.
void split_affixes(std::string_view w, size_t* core_begin, size_t* core_end) {
  static constexpr ByteSet kLeading("(\"'*_");
  static constexpr ByteSet kTrailing(".,:;!?)\"'*_");
  size_t b = 0;
  while (b < w.size() && kLeading.has(w[b])) ++b;
  size_t e = w.size();
  while (e > b && kTrailing.has(w[e - 1])) --e;
  *core_begin = b;
  *core_end = e;
}

}  // namespace

std::string_view url_host(std::string_view url) {
  std::string_view rest = url;
  const size_t scheme = rest.find("://");
  if (scheme != std::string_view::npos) rest = rest.substr(scheme + 3);
  else if (starts_with_ci(rest, "mailto:")) rest = rest.substr(7);
  const size_t stop = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, stop);
  const size_t at = host.rfind('@');
  if (at != std::string_view::npos) host = host.substr(at + 1);
  const size_t colon = host.find(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  if (starts_with_ci(host, "www.")) host = host.substr(4);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

std::string_view long_path_tail(std::string_view path) {
  if (path.find('/') == std::string_view::npos) return {};
  for (char c : path) {
    if (!is_path_char(c)) return {};
  }
  size_t components = 0;
  std::string_view last;
  for (size_t i = 0; i < path.size();) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      ++components;
      last = path.substr(i, j - i);
    }
    i = j + 1;
  }
  if (components < 3) return {};
  const bool rooted = path.starts_with('/') || path.starts_with("~/") || path.starts_with("./") ||
                      path.starts_with("../");
  if (rooted || path.back() == '/') return last;
  const size_t dot = last.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == last.size()) return {};
  for (char c : last.substr(dot + 1)) {
    if (is_ascii_alpha(c)) return last;
  }
  return {};
}

void emit_url(std::string_view url, const WordContext& ctx) {
  if (!ctx.options->speak_url_host) return;
  const std::string_view host = url_host(url);
  ctx.out->text("link to");
  ctx.out->space();
  // A host-less URL ("https://") still reads as a link rather than as punctuation.
  // Code spans and autolinks may hold any bytes: the host goes through the same filter as text.
  emit_plain(host.empty() ? std::string_view("a page") : host, *ctx.out);
}

void emit_word(std::string_view w, const WordContext& ctx) {
  if (w.empty()) return;
  if (ctx.heading && w.find_first_not_of('#') == std::string_view::npos) return;

  const size_t url = find_url_start(w);
  if (url != std::string_view::npos) {
    const size_t end = url_end(w, url);
    emit_prose(w.substr(0, url), ctx);
    emit_url(w.substr(url, end - url), ctx);
    emit_prose(w.substr(end), ctx);
    return;
  }
  size_t b = 0;
  size_t e = 0;
  split_affixes(w, &b, &e);
  const std::string_view core = w.substr(b, e - b);
  if (is_domain_path(core)) {
    emit_prose(w.substr(0, b), ctx);
    emit_url(core, ctx);
    emit_prose(w.substr(e), ctx);
    return;
  }
  const std::string_view tail = long_path_tail(core);
  if (!tail.empty()) {
    emit_prose(w.substr(0, b), ctx);
    ctx.out->text(tail);
    emit_prose(w.substr(e), ctx);
    return;
  }
  emit_prose(w, ctx);
}

void emit_code_text(std::string_view code, const WordContext& ctx) {
  // Word by word so that a path inside a longer span ("`ls /usr/local/lib/x.so`") is shortened.
  for (size_t i = 0; i < code.size();) {
    if (is_ascii_space(code[i])) {
      ctx.out->space();
      ++i;
      continue;
    }
    size_t j = i;
    while (j < code.size() && !is_ascii_space(code[j])) ++j;
    const std::string_view w = code.substr(i, j - i);
    const size_t url = find_url_start(w);
    if (url == 0) {
      emit_url(w.substr(0, url_end(w, 0)), ctx);
    } else if (is_domain_path(w)) {
      emit_url(w, ctx);
    } else if (std::string_view tail = long_path_tail(w); !tail.empty()) {
      ctx.out->text(tail);
    } else {
      emit_plain(w, *ctx.out);
    }
    i = j;
  }
}

void emit_plain(std::string_view text, SpeechOutput& out) {
  size_t run = 0;  // start of the pending run of kept bytes
  size_t pos = 0;
  while (pos < text.size()) {
    const auto b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {
      if (is_ascii_space(static_cast<char>(b))) {
        out.text(text.substr(run, pos - run));
        out.space();
        run = ++pos;
      } else {
        ++pos;
      }
      continue;
    }
    const size_t at = pos;
    const char32_t cp = utf8::decode(text, &pos);
    const bool invalid = cp == 0xFFFD && pos - at == 1;
    if (invalid || is_emoji_component(cp) || cp == 0xA0) {
      out.text(text.substr(run, at - run));
      if (cp == 0xA0) out.space();
      run = pos;
    }
  }
  out.text(text.substr(run));
}

}  // namespace stream_tts::text
