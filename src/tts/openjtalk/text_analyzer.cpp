#include "tts/openjtalk/text_analyzer.h"

#include <algorithm>
#include <filesystem>
#include <new>

#include "core/utf8.h"

// Open JTalk's front-end headers (third party, from STREAM_TTS_OPENJTALK_SRC). They are not
// self-contained: the rule modules use NJD and JPCommon types without including them, so the order
// is open_jtalk.c's. mecab.h is C++ and declares its own extern "C" block; the others wrap
// themselves too.
// clang-format off
#include "mecab.h"
#include "njd.h"
#include "jpcommon.h"
#include "text2mecab.h"
#include "mecab2njd.h"
#include "njd_set_pronunciation.h"
#include "njd_set_digit.h"
#include "njd_set_accent_phrase.h"
#include "njd_set_accent_type.h"
#include "njd_set_unvoiced_vowel.h"
#include "njd_set_long_vowel.h"
#include "njd2jpcommon.h"
// clang-format on

namespace stream_tts {

// text2mecab() writes without a bound; its widest rewrite turns one ASCII byte into a 3-byte
// full-width character (e.g. "~" -> "〜"), everything else is copied or shrinks.
constexpr size_t kText2MecabGrowth = 3;

struct TextAnalyzer::Impl {
  Mecab mecab;
  NJD njd;
  JPCommon jpcommon;
  std::string mecab_input;  // text2mecab's output, reused between calls

  Impl() {
    Mecab_initialize(&mecab);
    NJD_initialize(&njd);
    JPCommon_initialize(&jpcommon);
  }
  ~Impl() {
    Mecab_clear(&mecab);
    NJD_clear(&njd);
    JPCommon_clear(&jpcommon);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Returns the three analysers to their empty state; they keep their loaded dictionary.
  void refresh() {
    JPCommon_refresh(&jpcommon);
    NJD_refresh(&njd);
    Mecab_refresh(&mecab);
  }
};

TextAnalyzer::TextAnalyzer(const std::string& dictionary_dir) : impl_(std::make_unique<Impl>()) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Mecab_load only prints to stderr on failure; checking first gives the caller a precise error.
  if (!fs::is_regular_file(fs::path(dictionary_dir) / "sys.dic", ec)) {
    throw Error(StatusCode::kNotFound, "Open JTalk dictionary not found: " + dictionary_dir +
                                           "/sys.dic (apt install open-jtalk-mecab-naist-jdic)");
  }
  if (Mecab_load(&impl_->mecab, dictionary_dir.c_str()) != TRUE) {
    throw Error(StatusCode::kNotFound,
                "cannot load the Open JTalk dictionary in " + dictionary_dir);
  }
}

TextAnalyzer::~TextAnalyzer() = default;

Status TextAnalyzer::analyze(std::string_view text, std::vector<std::string>* labels) {
  labels->clear();
  Impl& m = *impl_;
  try {
    // The C code trusts its input: text2mecab() copies a whole multi-byte sequence on the strength
    // of its lead byte (reading past the end of a truncated one) and stops at a NUL. Sanitised
    // UTF-8 without NULs is what it can handle.
    std::string input = utf8::sanitize(text);
    std::erase(input, '\0');
    // Blank text would reach JPCommon, which prints a warning to stderr for it; answer it here
    // instead.
    const bool blank = std::all_of(input.begin(), input.end(),
                                   [](char c) { return static_cast<unsigned char>(c) <= 0x20; });
    if (blank) return {StatusCode::kDataError, "nothing to say: the text is empty"};
    m.mecab_input.assign(input.size() * kText2MecabGrowth + 1, '\0');
    text2mecab(m.mecab_input.data(), input.c_str());

    // Open JTalk's own order (bin/open_jtalk.c); each step rewrites the NJD node list in place.
    if (Mecab_analysis(&m.mecab, m.mecab_input.c_str()) != TRUE) {
      m.refresh();
      return {StatusCode::kInternal, "MeCab could not analyse the text"};
    }
    mecab2njd(&m.njd, Mecab_get_feature(&m.mecab), Mecab_get_size(&m.mecab));
    njd_set_pronunciation(&m.njd);
    njd_set_digit(&m.njd);
    njd_set_accent_phrase(&m.njd);
    njd_set_accent_type(&m.njd);
    njd_set_unvoiced_vowel(&m.njd);
    njd_set_long_vowel(&m.njd);
    njd2jpcommon(&m.jpcommon, &m.njd);
    JPCommon_make_label(&m.jpcommon);

    const int size = JPCommon_get_label_size(&m.jpcommon);
    char** features = JPCommon_get_label_feature(&m.jpcommon);
    labels->reserve(size > 0 ? static_cast<size_t>(size) : 0);
    for (int i = 0; i < size && features != nullptr; ++i) labels->emplace_back(features[i]);
    m.refresh();
  } catch (const std::bad_alloc&) {
    m.refresh();
    labels->clear();
    return {StatusCode::kInternal, "out of memory in Open JTalk text analysis"};
  }
  // Open JTalk speaks only when there is more than the leading and trailing silence.
  if (labels->size() <= 2) {
    labels->clear();
    return {StatusCode::kDataError, "nothing to say: the text has no pronounceable Japanese"};
  }
  return {};
}

}  // namespace stream_tts
