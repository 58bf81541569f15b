#include "tts/g2p/word_list.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/utf8.h"
#include "stream_tts/status.h"
#include "tts/g2p/python_text.h"

namespace stream_tts::g2p {

WordList WordList::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "cannot read the misaki word list " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(StatusCode::kNotFound, "cannot read the misaki word list " + path);
  return from_text(std::move(text).str());
}

WordList WordList::from_text(std::string text) {
  WordList list;
  list.text_ = std::move(text);
  const std::string_view all = list.text_;
  size_t start = 0;
  while (start <= all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view word = python_strip(all.substr(start, end - start));
    // Python's `for line in r` yields no empty last line after a final newline.
    if (end < all.size() || start < all.size()) list.words_.push_back(word);
    start = end + 1;
  }
  std::sort(list.words_.begin(), list.words_.end());
  list.words_.erase(std::unique(list.words_.begin(), list.words_.end()), list.words_.end());
  for (std::string_view w : list.words_) list.max_length_ = std::max(list.max_length_, w.size());
  return list;
}

bool WordList::contains(std::string_view word) const {
  return std::binary_search(words_.begin(), words_.end(), word);
}

}  // namespace stream_tts::g2p
