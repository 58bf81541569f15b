// Greedy decoding into Japanese over a shortlist of the vocabulary, on the CPU.
//
// Why: the LM head is the largest single product of a small chat model's decode step — for
// qwen2.5-coder-1.5b Q4_K_M its 151,936 x 1,536 Q6_K output matrix is 191 MB of the 980 MB a token
// reads (19.5 %). A Japanese translation only uses the tokens of Japanese text (kana, kanji, CJK and
// ASCII punctuation, digits; 34,760 of Qwen's 151,936) and the words it copies from the English
// source (identifiers, product names). The session stops llama.cpp's graph right after the final
// norm (its "result_norm" tensor, through the scheduler's eval callback) and this class scores only
// the shortlisted rows, reading them from the GGUF file with ggml's own dot kernels — the same
// quantised rows and the same kernels llama.cpp would use for those tokens.
//
// Not exact: a step whose full-vocabulary argmax lies outside the list takes the best listed token
// instead. The list holds every token a Japanese sentence is written with; what it leaves out are
// letters-only English and other-script tokens that do not occur in the source sentence.
// `--full-vocab` scores every token.
//
// Threads: the object is read-only after create() and may be shared by sessions of its model;
// argmax() uses the caller's scratch buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct llama_model;
struct llama_vocab;

namespace stream_tts::llama {

class LmHeadShortlist {
 public:
  // Maps the output matrix of the GGUF at `path` (output.weight, or token_embd.weight when the
  // model ties them) and lists the Japanese-text tokens of its vocabulary. nullptr, with the reason
  // in `why`, when the file's output layer is not one this can reproduce (an output bias, a matrix
  // type without a CPU dot kernel, a width that does not match the model).
  static std::unique_ptr<LmHeadShortlist> create(const std::string& path, const llama_model* model,
                                                 std::string* why);
  ~LmHeadShortlist();
  LmHeadShortlist(const LmHeadShortlist&) = delete;
  LmHeadShortlist& operator=(const LmHeadShortlist&) = delete;

  // Tokens of `sentence` that a translation may copy, beyond the base list: the tokens of the
  // sentence and of each of its words alone and after a space (a word is tokenised differently
  // after a Japanese character than after an English one). Sorted, unique, none in the base list.
  std::vector<int32_t> source_tokens(std::string_view sentence) const;

  // The best token among the base list and `extra` for the final hidden state `hidden` (n_embd
  // floats, after the final norm), scanned by `threads` threads (OpenMP where built with it).
  // `scratch` is resized as needed.
  int32_t argmax(const float* hidden, const std::vector<int32_t>& extra,
                 std::vector<uint8_t>& scratch, int threads = 1) const;
  // Scores of `tokens` for `hidden` (the same products as argmax; a self-check against llama.cpp's
  // own logits).
  std::vector<float> scores(const float* hidden, const std::vector<int32_t>& tokens,
                            std::vector<uint8_t>& scratch) const;

  const std::vector<int32_t>& base() const { return base_; }
  bool in_base(int32_t token) const;
  int n_embd() const { return n_embd_; }
  int n_vocab() const { return n_vocab_; }

 private:
  LmHeadShortlist() = default;
  // Quantises `hidden` into the dot kernel's input type.
  const void* quantize(const float* hidden, std::vector<uint8_t>& scratch) const;
  float dot(int32_t token, const void* q) const;
  // Where `token`'s row is: the packed copy for base tokens, the file mapping for the others.
  const uint8_t* row(int32_t token) const;

  const llama_vocab* vocab_ = nullptr;
  int n_embd_ = 0;
  int n_vocab_ = 0;
  int type_ = 0;          // ggml_type of the output matrix
  int vec_dot_type_ = 0;  // ggml_type the dot kernel wants the hidden state in
  size_t row_bytes_ = 0;
  const uint8_t* rows_ = nullptr;  // first row of the matrix inside the mapping
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  std::vector<int32_t> base_;      // sorted
  std::vector<uint8_t> base_rows_;  // the rows of base_, in its order
  std::vector<uint8_t> in_base_;   // n_vocab flags
};

// True when every character of `piece` can appear in Japanese output text: kana, kanji, CJK and
// general punctuation, full- and half-width forms, ASCII digits, punctuation and whitespace — not
// ASCII letters. Bytes that are not valid UTF-8 on their own (pieces of a multi-byte character, as
// byte-level vocabularies have) count as Japanese too. Empty pieces do not.
bool is_japanese_output_piece(std::string_view piece);

}  // namespace stream_tts::llama
