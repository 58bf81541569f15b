// A loaded GGUF: the llama_model (weights, vocabulary) and what the translator derives from its
// metadata once (architecture, chat template). Read-only after loading and shared by every session
// that uses the same file, since the weights are the large part (hundreds of MB to GB).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct llama_model;
struct llama_vocab;

namespace stream_tts::llama {

class LlamaModel {
 public:
  // Returns the model at `path` loaded with `gpu_layers` offloaded layers, loading it on first use;
  // later calls with the same arguments share it while anyone holds it. Thread-safe. Throws Error:
  // kNotFound (no such file), kDataError (not a usable GGUF; llama.cpp's reason attached).
  // `repack`: let llama.cpp repack weights for its faster CPU matrix kernels (the default). Those
  // kernels round differently for one token and for a batch, so a batch's logits differ slightly
  // from token-by-token ones (up to ~0.3 for Qwen2.5-0.5B Q4_K_M); tests that compare the two turn
  // it off.
  static std::shared_ptr<const LlamaModel> load(const std::filesystem::path& path, int gpu_layers,
                                                bool repack = true);

  ~LlamaModel();
  LlamaModel(const LlamaModel&) = delete;
  LlamaModel& operator=(const LlamaModel&) = delete;

  // llama.cpp takes a non-const model when creating a context but does not modify it.
  llama_model* get() const { return model_; }
  const llama_vocab* vocab() const { return vocab_; }
  const std::filesystem::path& path() const { return path_; }
  // GGUF general.architecture ("qwen2", "gemma3", ...).
  const std::string& arch() const { return arch_; }
  // The template prompts are rendered with (see chat_template.h), and where it came from.
  const std::string& chat_template() const { return chat_template_; }
  const std::string& chat_template_origin() const { return chat_template_origin_; }
  int n_ctx_train() const { return n_ctx_train_; }

 private:
  LlamaModel() = default;

  llama_model* model_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  std::filesystem::path path_;
  std::string arch_;
  std::string chat_template_;
  std::string chat_template_origin_;
  int n_ctx_train_ = 0;
};

// The text of `token` (`special`: control tokens render as their text, otherwise as nothing).
std::string token_piece(const llama_vocab* vocab, int32_t token, bool special);
// The tokens of `text`, no BOS/EOS added; `parse_special`: turn markers such as <|im_start|> in the
// text become their control tokens.
std::vector<int32_t> tokenize_text(const llama_vocab* vocab, std::string_view text, bool add_special,
                                   bool parse_special);

}  // namespace stream_tts::llama
