// Open JTalk's text analysis up to the NJD word list: MeCab with an Open JTalk dictionary, then the
// NJD rules in the order pyopenjtalk's run_frontend() applies them (pronunciation, digits, accent
// phrases and types, devoicing, long vowels). The words it returns are what pyopenjtalk calls the
// "NJD features".
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream_tts/status.h"

namespace stream_tts::g2p {

// One NJD node, copied out of Open JTalk's C structures. Strings are UTF-8; "*" means "none", as in
// the dictionary.
struct NjdWord {
  std::string string;      // surface (text2mecab has made ASCII full-width)
  std::string pos;         // part of speech, e.g. 名詞, 記号
  std::string pos_group1;  // e.g. 数 for digits, 接尾 for suffixes
  std::string pos_group2;
  std::string pos_group3;
  std::string ctype;  // conjugation type
  std::string cform;  // conjugation form
  std::string orig;   // dictionary form
  std::string read;   // reading, katakana
  std::string pron;   // pronunciation, katakana; ’ marks a devoiced vowel
  int acc = 0;        // accent nucleus (mora index, 0 = flat)
  int mora_size = 0;
  std::string chain_rule;
  int chain_flag = -1;  // 1: joins the previous accent phrase, 0: starts one, -1: undecided
};

class NjdFrontend {
 public:
  // Loads the MeCab dictionary folder (sys.dic, unk.dic, matrix.bin, char.bin). Throws
  // Error(kNotFound) when it is missing or MeCab cannot load it.
  explicit NjdFrontend(const std::string& dictionary_dir);
  ~NjdFrontend();
  NjdFrontend(const NjdFrontend&) = delete;
  NjdFrontend& operator=(const NjdFrontend&) = delete;

  // Replaces *words with the NJD words of `text` (valid UTF-8; invalid sequences are replaced
  // first). Empty text gives no words and kOk. Not thread-safe: one analysis at a time.
  Status analyze(std::string_view text, std::vector<NjdWord>* words);

 private:
  struct Impl;  // MeCab and NJD state; keeps their C headers (and TRUE/BOOL macros) out of here
  std::unique_ptr<Impl> impl_;
};

}  // namespace stream_tts::g2p
