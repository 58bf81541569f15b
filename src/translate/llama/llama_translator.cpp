#include "translate/llama/llama_translator.h"

#include <llama.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "core/log.h"
#include "core/utf8.h"
#include "translate/llama/llama_log.h"
#include "translate/llama/llama_model.h"
#include "translate/llama/llama_session.h"
#include "translate/llama/lm_head_shortlist.h"
#include "translate/llama/postprocess.h"
#include "translate/llama/prompt.h"
#include "translate/llama/protected_spans.h"
#include "translate/llama/speculative.h"

#if STREAM_TTS_HAVE_MODEL_STORE
#include "models/model_store.h"
#endif

namespace stream_tts {
namespace {

constexpr int kMaxContextSentences = 4;

std::filesystem::path resolve_model_path(const std::string& name_or_path) {
#if STREAM_TTS_HAVE_MODEL_STORE
  return models::resolve_model(name_or_path);
#else
  // Built without the model store: only paths work.
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) return name_or_path;
  throw Error(StatusCode::kNotFound,
              "model '" + name_or_path + "' is not a file (this build has no model store)");
#endif
}

// At most ~80 bytes of `s` on one line, cut at a character boundary.
std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out(s.substr(0, utf8::complete_prefix(s.substr(0, kMax))));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s.size() > kMax ? out + "..." : out;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// What --threads 0 means: one thread per physical core this process may run on (SMT siblings count
// once, as in llama.cpp's own tools: two threads on one core share its vector units and only add
// barrier waits).
//
// Why all cores, although the voice synthesises on the same cores while the next sentence is
// translated: measured on the 2-core machine, whole pipeline (tools/eval/pipeline_threads.py, the
// partial_tools fixture, qwen2.5-coder-0.5b, 3 interleaved rounds; README "Models"), 1 thread
// took 1.60x as long as 2 to speak the transcript, and OMP_WAIT_POLICY=passive 1.12x. ggml waits
// for its threads at a barrier after every operation (hundreds per token); libgomp's default spins
// there briefly (about 300k iterations, then sleeps), which costs less than a futex sleep and
// wake-up per operation, and the spinning between sentences ends within milliseconds. The wait
// policy cannot be changed from here anyway: libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once,
// when it is loaded (before main), and the ggml threadpool's `poll` setting only applies to builds
// without OpenMP (scripts/fetch-llama.sh builds with it).
int default_threads() {
  int available = static_cast<int>(std::thread::hardware_concurrency());
#if defined(__linux__)
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
    available = CPU_COUNT(&mask);
    std::set<std::string> cores;  // one entry per physical core: its list of sibling CPUs
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &mask)) continue;
      std::ifstream f("/sys/devices/system/cpu/cpu" + std::to_string(cpu) +
                      "/topology/thread_siblings_list");
      std::string siblings;
      if (!(f >> siblings)) {
        cores.clear();  // topology unknown: count every CPU
        break;
      }
      cores.insert(siblings);
    }
    if (!cores.empty()) available = static_cast<int>(cores.size());
  }
#endif
  return std::max(1, available);
}

}  // namespace

bool llama_has_gpu_backend() {
  llama::init_llama_once();
  return llama_supports_gpu_offload();
}

std::string validate_llama_config(const TranslatorConfig& c) {
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (c.model.empty()) add("--translate llama needs --model NAME|PATH.gguf");
  if (c.max_tokens < 1)
    add("max_tokens must be at least 1 (got " + std::to_string(c.max_tokens) + ")");
  if (c.threads < 0)
    add("threads must be 0 (all cores) or more (got " + std::to_string(c.threads) + ")");
  if (c.gpu_layers < -1)
    add("gpu_layers must be -1 (all), 0 or more (got " + std::to_string(c.gpu_layers) + ")");
  if (c.context_sentences < 0 || c.context_sentences > kMaxContextSentences) {
    add("context_sentences must be within 0.." + std::to_string(kMaxContextSentences));
  }
  // The prompt and the output checks are written for English -> Japanese.
  if (c.source_lang != "en" || c.target_lang != "ja") {
    add("the llama translator translates en -> ja (got " + c.source_lang + " -> " + c.target_lang +
        ")");
  }
  if (c.draft_tokens < 1 || c.draft_tokens > 16)
    add("draft_tokens must be within 1..16 (got " + std::to_string(c.draft_tokens) + ")");
  if (c.gpu_layers != 0) {
    if (!llama_has_gpu_backend()) {
      add("--gpu-layers " + std::to_string(c.gpu_layers) +
          ": this build of llama.cpp has no GPU backend (built without CUDA); use --gpu-layers 0");
    }
  }
  return problems;
}

struct LlamaTranslator::Impl {
  TranslatorConfig config;
  std::shared_ptr<const llama::LlamaModel> model;
  std::unique_ptr<llama::PromptBuilder> prompt;
  std::unique_ptr<llama::LmHeadShortlist> shortlist;  // the session uses it: declared before it
  std::unique_ptr<llama::LlamaSession> session;
  std::shared_ptr<const llama::LlamaModel> draft_model;  // --draft-model: speculative decoding
  std::unique_ptr<llama::LlamaSession> draft_session;
  std::deque<llama::TranslationPair>
      history;  // the last context_sentences translations, oldest first
  Stats stats;

  // Builds the prompt for `sentence` and generates; fills the per-sentence stats.
  Result<llama::Generation> run(std::string_view sentence, llama::GenerateOptions options,
                                std::stop_token stop) {
    std::vector<llama::TranslationPair> context(history.begin(), history.end());
    auto suffix = prompt->suffix(context, sentence);
    if (!suffix) return suffix.status();
    if (session->shortlist() != nullptr)
      session->set_extra_tokens(session->shortlist()->source_tokens(sentence));
    auto gen = draft_session ? llama::generate_speculative(*session, *draft_session, *suffix,
                                                           options, config.draft_tokens, stop)
                             : session->generate(*suffix, options, stop);
    if (!gen) return gen.status();
    stats.last_draft_tokens = gen->draft_tokens;
    stats.last_accepted_tokens = gen->accepted_tokens;
    stats.prompt_tokens_evaluated = session->prompt_tokens_evaluated();
    stats.last_prompt_tokens = gen->prompt_tokens;
    stats.last_generated_tokens = gen->generated_tokens;
    stats.last_decoded_tokens = gen->decoded_tokens;
    stats.last_token_bound = options.max_new_tokens;
    stats.last_hit_bound = gen->hit_bound;
    stats.last_prefill_ms = gen->prefill_ms;
    stats.last_decode_ms = gen->decode_ms;
    stats.last_raw_output = gen->text;
    return gen;
  }
};

LlamaTranslator::LlamaTranslator(const TranslatorConfig& config) : impl_(std::make_unique<Impl>()) {
  if (std::string problems = validate_llama_config(config); !problems.empty()) {
    throw Error(StatusCode::kInvalidArgument, problems);
  }
  llama::init_llama_once();
  impl_->config = config;
  impl_->model = llama::LlamaModel::load(resolve_model_path(config.model), config.gpu_layers);
  impl_->prompt = std::make_unique<llama::PromptBuilder>(impl_->model->chat_template());
  if (impl_->prompt->prefix().empty()) {
    log::warn(
        "llama: the chat template of {} does not allow caching the prompt prefix; every sentence "
        "evaluates the whole prompt",
        impl_->model->path().string());
  }
  llama::SessionOptions so;
  so.threads = config.threads > 0 ? config.threads : default_threads();
  so.backend_sampling = config.gpu_layers != 0;
  // On the CPU the LM head is a fifth of a step's bytes for a 1.5B model; a GPU run chooses inside
  // the graph (backend sampling), and a draft model verifies with every position's logits.
  if (!config.full_vocab && config.gpu_layers == 0 && config.draft_model.empty()) {
    std::string why;
    impl_->shortlist =
        llama::LmHeadShortlist::create(impl_->model->path().string(), impl_->model->get(), &why);
    if (impl_->shortlist == nullptr) {
      log::info("llama: scoring the whole vocabulary of {}: {}",
                impl_->model->path().filename().string(), why);
    }
    so.shortlist = impl_->shortlist.get();
  }
  impl_->session = std::make_unique<llama::LlamaSession>(impl_->model, so);
  if (Status st = impl_->session->set_prefix(impl_->prompt->prefix()); !st) throw Error(st);
  impl_->stats.prefix_tokens = impl_->session->prefix_tokens();
  if (!config.draft_model.empty()) {
    impl_->draft_model =
        llama::LlamaModel::load(resolve_model_path(config.draft_model), config.gpu_layers);
    impl_->draft_session = std::make_unique<llama::LlamaSession>(impl_->draft_model, so);
    if (std::string why = llama::speculative_incompatibility(*impl_->session, *impl_->draft_session);
        !why.empty()) {
      throw Error(StatusCode::kInvalidArgument,
                  "--draft-model " + config.draft_model + " cannot draft for " + config.model + ": " + why);
    }
    // The prompt is rendered with the target's template: the draft sees the same tokens.
    if (Status st = impl_->draft_session->set_prefix(impl_->prompt->prefix()); !st) throw Error(st);
  }
  impl_->stats.prompt_tokens_evaluated = impl_->session->prompt_tokens_evaluated();
  log::debug("llama: {} ready: arch {}, template {}, prefix {} tokens, {} threads, context {}, "
             "output over {} of {} tokens",
             impl_->model->path().filename().string(), impl_->model->arch(),
             impl_->model->chat_template_origin(), impl_->stats.prefix_tokens,
             impl_->session->threads(), impl_->session->n_ctx(),
             impl_->session->shortlist() != nullptr
                 ? static_cast<int>(impl_->session->shortlist()->base().size())
                 : llama_vocab_n_tokens(impl_->model->vocab()),
             llama_vocab_n_tokens(impl_->model->vocab()));
}

LlamaTranslator::~LlamaTranslator() = default;

std::string LlamaTranslator::target_lang() const {
  return impl_->config.target_lang;
}
const LlamaTranslator::Stats& LlamaTranslator::stats() const {
  return impl_->stats;
}
std::string LlamaTranslator::model_arch() const {
  return impl_->model->arch();
}
std::string LlamaTranslator::chat_template_origin() const {
  return impl_->model->chat_template_origin();
}

Result<std::string> LlamaTranslator::translate(std::string_view sentence, std::stop_token stop) {
  if (is_blank(sentence)) return std::string();
  // The assistant may already answer in Japanese: nothing to translate.
  if (utf8::looks_japanese(sentence)) return std::string(sentence);

  auto spans = llama::find_protected_spans(sentence);
  llama::GenerateOptions options;
  options.max_new_tokens =
      llama::output_token_bound(impl_->session->count_tokens(sentence), impl_->config.max_tokens);
  options.stop_after_sentence_ends = llama::expected_sentence_ends(sentence);
  auto gen = impl_->run(sentence, options, stop);
  if (!gen) return gen.status();

  std::string cleaned = llama::clean_model_output(gen->text, sentence);
  llama::GenerationOutcome outcome{gen->hit_bound, llama::count_prose_words(sentence, spans)};
  Status st = llama::check_translation(cleaned, outcome);
  auto restored = st ? llama::restore_protected_spans(cleaned, spans) : Result<std::string>(st);
  if (!restored) {
    // The caller speaks the source instead and warns with this message; what the model wrote helps to
    // see why (a small base model echoing the instruction, a note instead of a translation).
    return Status(restored.status().code(),
                  restored.status().message() + " (model output: \"" + excerpt(gen->text) + "\")");
  }

  if (impl_->config.context_sentences > 0) {
    impl_->history.push_back({std::string(sentence), *restored});
    while (static_cast<int>(impl_->history.size()) > impl_->config.context_sentences)
      impl_->history.pop_front();
  }
  return restored;
}

Result<std::string> LlamaTranslator::prompt_text(std::string_view sentence) const {
  std::vector<llama::TranslationPair> context(impl_->history.begin(), impl_->history.end());
  auto suffix = impl_->prompt->suffix(context, sentence);
  if (!suffix) return suffix.status();
  return impl_->prompt->prefix() + *suffix;
}

Status LlamaTranslator::generate_forced(std::string_view sentence, int tokens,
                                        std::stop_token stop) {
  llama::GenerateOptions options;
  options.max_new_tokens = tokens;
  options.stop_at_end_of_turn = false;
  options.stop_at_line = false;
  auto gen = impl_->run(sentence, options, stop);
  return gen ? Status::ok() : gen.status();
}

}  // namespace stream_tts
