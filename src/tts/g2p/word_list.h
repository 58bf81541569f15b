// misaki's JA_WORDS (data/ja_words.txt, 147,570 surfaces): runs of Open JTalk words whose joined
// surface is listed are romanised as one word, without spaces inside ("三年" -> sanneɴ).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stream_tts::g2p {

class WordList {
 public:
  WordList() = default;
  // One word per line, UTF-8; surrounding whitespace is dropped, as misaki's line.strip() does.
  // Throws Error(kNotFound) when the file cannot be read.
  static WordList load(const std::string& path);
  // From the file's contents (tests).
  static WordList from_text(std::string text);

  bool contains(std::string_view word) const;
  // Bytes of the longest word: a longer span cannot be listed.
  size_t max_length() const { return max_length_; }
  size_t size() const { return words_.size(); }

 private:
  std::string text_;                     // the words, one after another
  std::vector<std::string_view> words_;  // into text_, sorted, unique
  size_t max_length_ = 0;
};

}  // namespace stream_tts::g2p
