#include "translate/llama/llama_model.h"

#include <llama.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <system_error>
#include <tuple>
#include <utility>

#include "core/log.h"
#include "stream_tts/status.h"
#include "translate/llama/chat_template.h"
#include "translate/llama/llama_log.h"

namespace stream_tts::llama {
namespace {

std::string meta_string(const llama_model* model, const char* key) {
  char buf[256];
  int32_t n = llama_model_meta_val_str(model, key, buf, sizeof buf);
  if (n < 0) return {};
  return std::string(buf, static_cast<size_t>(std::min<int32_t>(n, sizeof buf - 1)));
}

}  // namespace

std::shared_ptr<const LlamaModel> LlamaModel::load(const std::filesystem::path& path,
                                                   int gpu_layers, bool repack) {
  init_llama_once();
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(path, ec);
  if (ec || !std::filesystem::is_regular_file(canonical, ec)) {
    throw Error(StatusCode::kNotFound, "model file " + path.string() + " does not exist");
  }

  // One load per (file, offload) in the process: translators of several sessions share the weights.
  static std::mutex mutex;
  static std::map<std::tuple<std::string, int, bool>, std::weak_ptr<const LlamaModel>> loaded;
  std::lock_guard lock(mutex);
  auto key = std::make_tuple(canonical.string(), gpu_layers, repack);
  if (auto it = loaded.find(key); it != loaded.end()) {
    if (auto alive = it->second.lock()) return alive;
  }

  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = gpu_layers;
  params.use_extra_bufts = repack;
  std::shared_ptr<LlamaModel> m(new LlamaModel());
  m->model_ = llama_model_load_from_file(canonical.c_str(), params);
  if (m->model_ == nullptr) {
    std::string why = last_llama_error();
    throw Error(StatusCode::kDataError,
                "cannot load model " + path.string() + (why.empty() ? "" : ": llama.cpp: " + why));
  }
  m->vocab_ = llama_model_get_vocab(m->model_);
  m->path_ = canonical;
  m->arch_ = meta_string(m->model_, "general.architecture");
  m->n_ctx_train_ = llama_model_n_ctx_train(m->model_);
  m->chat_template_ = choose_template(llama_model_chat_template(m->model_, nullptr), m->arch_,
                                      &m->chat_template_origin_);
  log::debug("llama: loaded {} (arch {}, chat template {})", canonical.string(), m->arch_,
             m->chat_template_origin_);
  loaded[key] = m;
  return m;
}

LlamaModel::~LlamaModel() {
  if (model_ != nullptr) llama_model_free(model_);
}

std::string token_piece(const llama_vocab* vocab, int32_t token, bool special) {
  char buf[128];
  int32_t n = llama_token_to_piece(vocab, token, buf, sizeof buf, 0, special);
  if (n >= 0) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(-n), '\0');
  n = llama_token_to_piece(vocab, token, big.data(), static_cast<int32_t>(big.size()), 0, special);
  big.resize(static_cast<size_t>(std::max(n, 0)));
  return big;
}

std::vector<int32_t> tokenize_text(const llama_vocab* vocab, std::string_view text, bool add_special,
                                   bool parse_special) {
  std::vector<llama_token> tokens(text.size() + 4);
  int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-static_cast<int64_t>(n)));
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, parse_special);
  }
  tokens.resize(static_cast<size_t>(std::max(n, 0)));
  return tokens;
}

}  // namespace stream_tts::llama
