#include "tts/g2p/njd_frontend.h"

#include <algorithm>
#include <filesystem>
#include <new>

#include "core/utf8.h"

// Open JTalk's front-end headers (third party, from STREAM_TTS_OPENJTALK_SRC). They are not
// self-contained, so the order is open_jtalk.c's; mecab.h declares its own extern "C" block.
// clang-format off
#include "mecab.h"
#include "njd.h"
#include "text2mecab.h"
#include "mecab2njd.h"
#include "njd_set_pronunciation.h"
#include "njd_set_digit.h"
#include "njd_set_accent_phrase.h"
#include "njd_set_accent_type.h"
#include "njd_set_unvoiced_vowel.h"
#include "njd_set_long_vowel.h"
// clang-format on

namespace stream_tts::g2p {

namespace {

// text2mecab() writes without a bound; its widest rewrite turns one ASCII byte into a 3-byte
// full-width character, everything else is copied or shrinks.
constexpr size_t kText2MecabGrowth = 3;

std::string or_empty(const char* s) {
  return s != nullptr ? std::string(s) : std::string();
}

}  // namespace

struct NjdFrontend::Impl {
  Mecab mecab;
  NJD njd;
  std::string mecab_input;      // text2mecab's output, reused between calls
  std::vector<char*> features;  // MeCab's features minus whitespace, into MeCab's own buffers

  Impl() {
    Mecab_initialize(&mecab);
    NJD_initialize(&njd);
  }
  ~Impl() {
    Mecab_clear(&mecab);
    NJD_clear(&njd);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void refresh() {
    NJD_refresh(&njd);
    Mecab_refresh(&mecab);
  }
};

NjdFrontend::NjdFrontend(const std::string& dictionary_dir) : impl_(std::make_unique<Impl>()) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Mecab_load only prints to stderr on failure; checking first gives the caller a precise error.
  for (const char* file : {"sys.dic", "unk.dic", "matrix.bin", "char.bin"}) {
    if (!fs::is_regular_file(fs::path(dictionary_dir) / file, ec)) {
      throw Error(StatusCode::kNotFound, "Open JTalk dictionary incomplete: " + dictionary_dir +
                                             "/" + file + " is missing");
    }
  }
  if (Mecab_load(&impl_->mecab, dictionary_dir.c_str()) != TRUE) {
    throw Error(StatusCode::kNotFound,
                "cannot load the Open JTalk dictionary in " + dictionary_dir);
  }
}

NjdFrontend::~NjdFrontend() = default;

Status NjdFrontend::analyze(std::string_view text, std::vector<NjdWord>* words) {
  words->clear();
  Impl& m = *impl_;
  // The C code trusts its input: text2mecab() copies a whole multi-byte sequence on the strength of
  // its lead byte and stops at a NUL, so it gets sanitised UTF-8 without NULs.
  std::string input = utf8::sanitize(text);
  std::erase(input, '\0');
  if (input.empty()) return {};
  try {
    m.mecab_input.assign(input.size() * kText2MecabGrowth + 1, '\0');
    text2mecab(m.mecab_input.data(), input.c_str());
    if (m.mecab_input[0] == '\0') return {};  // only control characters
    if (Mecab_analysis(&m.mecab, m.mecab_input.c_str()) != TRUE) {
      m.refresh();
      return {StatusCode::kInternal, "MeCab could not analyse the text"};
    }
    // pyopenjtalk-plus drops MeCab's whitespace words ("記号,空白") before NJD sees them: the
    // digit and accent-phrase rules then join across a space as they would without it.
    char** features = Mecab_get_feature(&m.mecab);
    const int size = Mecab_get_size(&m.mecab);
    m.features.clear();
    for (int i = 0; i < size && features != nullptr; ++i) {
      const std::string_view feature = features[i];
      const size_t comma = feature.find(',');
      if (comma != std::string_view::npos && feature.substr(comma + 1).starts_with("記号,空白"))
        continue;
      m.features.push_back(features[i]);
    }
    // pyopenjtalk's run_frontend() order; each step rewrites the node list in place.
    mecab2njd(&m.njd, m.features.data(), static_cast<int>(m.features.size()));
    njd_set_pronunciation(&m.njd);
    njd_set_digit(&m.njd);
    njd_set_accent_phrase(&m.njd);
    njd_set_accent_type(&m.njd);
    njd_set_unvoiced_vowel(&m.njd);
    njd_set_long_vowel(&m.njd);
    for (NJDNode* node = m.njd.head; node != nullptr; node = node->next) {
      NjdWord w;
      w.string = or_empty(NJDNode_get_string(node));
      w.pos = or_empty(NJDNode_get_pos(node));
      w.pos_group1 = or_empty(NJDNode_get_pos_group1(node));
      w.pos_group2 = or_empty(NJDNode_get_pos_group2(node));
      w.pos_group3 = or_empty(NJDNode_get_pos_group3(node));
      w.ctype = or_empty(NJDNode_get_ctype(node));
      w.cform = or_empty(NJDNode_get_cform(node));
      w.orig = or_empty(NJDNode_get_orig(node));
      w.read = or_empty(NJDNode_get_read(node));
      w.pron = or_empty(NJDNode_get_pron(node));
      w.acc = NJDNode_get_acc(node);
      w.mora_size = NJDNode_get_mora_size(node);
      w.chain_rule = or_empty(NJDNode_get_chain_rule(node));
      w.chain_flag = NJDNode_get_chain_flag(node);
      words->push_back(std::move(w));
    }
    m.refresh();
  } catch (const std::bad_alloc&) {
    m.refresh();
    words->clear();
    return {StatusCode::kInternal, "out of memory in Open JTalk text analysis"};
  }
  return {};
}

}  // namespace stream_tts::g2p
