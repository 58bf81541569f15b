#include "translate/nmt/nmt_translator.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "core/log.h"
#include "nn/cpu/kernels.h"
#include "translate/nmt/nmt_model.h"
#include "translate/nmt/nmt_shortlist.h"
#include "translate/nmt/nmt_tokenizer.h"
#if STREAM_TTS_HAVE_CUDA
#include "translate/nmt/nmt_cuda_runner.h"
#endif

namespace stream_tts {
namespace {

// Greedy fp32 decoding reads the LM head (or a shortlist's compact head) through an int8 screen: the
// exact argmax for a quarter of the bytes (nmt_model.h). Beam search needs every logit; int8 heads need none.
bool wants_argmax_screen(const TranslatorConfig& config) { return !config.int8 && config.beams == 1; }

// The short code the engine routes speech by ("jpn_Jpan" -> "ja").
std::string iso_language(const std::string& code) {
  static const std::pair<const char*, const char*> kCodes[] = {
      {"jpn", "ja"}, {"eng", "en"}, {"deu", "de"}, {"fra", "fr"}, {"spa", "es"},
      {"ita", "it"}, {"por", "pt"}, {"rus", "ru"}, {"zho", "zh"}, {"kor", "ko"}};
  for (const auto& [three, two] : kCodes) {
    if (code.rfind(three, 0) == 0) return two;
  }
  return code;
}

}  // namespace

struct NmtTranslator::Impl {
  std::shared_ptr<const NmtModel> model;
  std::unique_ptr<NmtTokenizer> tokenizer;
  std::unique_ptr<NmtRunner> runner;  // --device cpu
#if STREAM_TTS_HAVE_CUDA
  std::unique_ptr<NmtCudaRunner> cuda;  // --device cuda
#endif
  TranslatorConfig config;
  std::vector<int> source_ids, output_ids;
};

std::string validate_nmt_config(const TranslatorConfig& config) {
  std::string problems;
  auto add = [&](const std::string& p) { problems += (problems.empty() ? "" : "; ") + p; };
  if (config.model.empty()) add("--translate nmt needs --model DIR (a Hugging Face model directory, docs/nmt.md)");
  if (config.device != "cpu" && config.device != "cuda") add("--device must be cpu or cuda");
#if !STREAM_TTS_HAVE_CUDA
  if (config.device == "cuda") {
    add("--device cuda: this build has no CUDA path (rebuild with -DSTREAM_TTS_CUDA=ON, docs/nmt.md)");
  }
#endif
  if (config.max_tokens < 1) add("--max-tokens must be positive");
  if (config.beams < 1 || config.beams > 16) add("--beams must be 1..16");
  if (config.device == "cuda" && config.beams > 1) {
    add("--beams > 1: beam search runs on the CPU only (--device cpu); the CUDA path decodes greedily");
  }
  return problems;
}

NmtTranslator::NmtTranslator(const TranslatorConfig& config) : impl_(std::make_unique<Impl>()) {
  if (std::string problems = validate_nmt_config(config); !problems.empty()) {
    throw Error(StatusCode::kInvalidArgument, problems);
  }
  impl_->config = config;
  const int threads = config.threads > 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  nn::cpu::set_threads(threads);
#if STREAM_TTS_HAVE_CUDA
  if (config.device == "cuda") {
    // Strict device choice: no usable GPU is an error, never a silent CPU fallback.
    if (std::string problem = nmt_cuda_device_problem(); !problem.empty()) {
      throw Error(StatusCode::kUnavailable, "--device cuda: " + problem);
    }
    // fp32 host weights: the runner rounds them to fp16 or quantizes them to int8 on the GPU.
    impl_->model = NmtModel::load(config.model, false);
    impl_->tokenizer = NmtTokenizer::load(config.model, impl_->model->config, config.source_lang, config.target_lang);
    NmtCudaOptions options;
    options.weights = config.int8 ? NmtCudaWeights::kInt8 : NmtCudaWeights::kFp16;
    options.max_decoder_tokens = std::max(512, config.max_tokens + 1);
    if (!config.shortlist.empty()) options.shortlist = shortlist_ids(config.shortlist);
    impl_->cuda = std::make_unique<NmtCudaRunner>(impl_->model, options);
  }
#endif
  if (!impl_->model) {
    // Greedy fp32 decoding reads the LM head through an int8 screen (exact argmax, nmt_model.h): the
    // full head's, or with a shortlist only its compact head's.
    const bool screen = wants_argmax_screen(config);
    impl_->model = NmtModel::load(config.model, config.int8, screen && config.shortlist.empty());
    impl_->tokenizer = NmtTokenizer::load(config.model, impl_->model->config, config.source_lang, config.target_lang);
    impl_->runner = std::make_unique<NmtRunner>(impl_->model);
    if (!config.shortlist.empty()) {
      impl_->runner->set_shortlist(make_nmt_shortlist(*impl_->model, shortlist_ids(config.shortlist), screen));
    }
  }
  const NmtConfig& c = impl_->model->config;
  const std::string engine =
      impl_->runner ? fmt::format("CPU {}, {} threads, int8 kernel {}", config.int8 ? "int8" : "fp32", threads,
                                  nn::cpu::int8_kernel_name())
                    : fmt::format("CUDA {}", config.int8 ? "int8" : "fp16");
  log::debug("nmt: {} ({} + {} layers, d_model {}, vocab {}), {}", config.model, c.encoder_layers, c.decoder_layers,
             c.d_model, c.vocab_size, engine);
}

NmtTranslator::~NmtTranslator() = default;

std::vector<int> NmtTranslator::shortlist_ids(const std::string& path) const {
  const NmtConfig& c = impl_->model->config;
  std::vector<int> ids = read_nmt_shortlist(path, *impl_->tokenizer, c.decoder_vocab_size);
  ids = shortlist_with_specials(std::move(ids), c, *impl_->tokenizer);
  log::debug("nmt: shortlist {}: {} of {} tokens (with the special tokens)", path, ids.size(), c.decoder_vocab_size);
  return ids;
}

void NmtTranslator::set_shortlist_ids(std::vector<int> ids) {
  if (!impl_->runner) throw Error(StatusCode::kInvalidArgument, "set_shortlist_ids: CPU path only (--device cpu)");
  const NmtConfig& c = impl_->model->config;
  // shortlist_with_specials drops ids out of range; a benchmark's wrong id must be an error instead.
  for (int id : ids) {
    if (id < 0 || id >= c.decoder_vocab_size) {
      throw Error(StatusCode::kInvalidArgument,
                  fmt::format("set_shortlist_ids: id {} outside the decoder vocabulary ({})", id, c.decoder_vocab_size));
    }
  }
  const size_t listed = ids.size();
  ids = shortlist_with_specials(std::move(ids), c, *impl_->tokenizer);
  log::debug("nmt: shortlist of {} ids: {} tokens (with the special tokens)", listed, ids.size());
  impl_->runner->set_shortlist(make_nmt_shortlist(*impl_->model, std::move(ids), wants_argmax_screen(impl_->config)));
}

std::string NmtTranslator::target_lang() const {
  if (impl_->model->config.arch == NmtArch::kMarian) return iso_language(impl_->config.target_lang);
  return iso_language(nllb_language_code(impl_->config.target_lang));
}

Result<std::string> NmtTranslator::translate(std::string_view sentence, std::stop_token stop) {
  impl_->source_ids = impl_->tokenizer->encode_source(sentence);
  GenerateOptions options;
  options.max_new_tokens = impl_->config.max_tokens;
  options.forced_bos = impl_->tokenizer->forced_bos();
  if (!options.forced_bos) options.forced_bos = impl_->model->config.forced_bos_token_id;
  options.num_beams = impl_->config.beams;
#if STREAM_TTS_HAVE_CUDA
  auto ids = impl_->cuda ? impl_->cuda->generate(impl_->source_ids, options, stop)
                         : beam_generate(*impl_->runner, impl_->source_ids, options, stop);
#else
  auto ids = beam_generate(*impl_->runner, impl_->source_ids, options, stop);
#endif
  if (!ids) return ids.status();
  impl_->output_ids = std::move(ids.value());
  return impl_->tokenizer->decode(impl_->output_ids);
}

const std::vector<int>& NmtTranslator::last_source_ids() const { return impl_->source_ids; }
const std::vector<int>& NmtTranslator::last_output_ids() const { return impl_->output_ids; }

Status NmtTranslator::generate_forced(const std::vector<int>& source_ids, int tokens) {
#if STREAM_TTS_HAVE_CUDA
  if (impl_->cuda) {
    auto ids = impl_->cuda->generate_forced(source_ids, tokens);
    return ids ? Status::ok() : ids.status();
  }
#endif
  const NmtConfig& c = impl_->model->config;
  if (Status s = impl_->runner->encode(source_ids, tokens + 1); !s) return s;
  int token = c.decoder_start_token_id;
  for (int i = 0; i < tokens; ++i) {
    if (Status s = impl_->runner->advance(token); !s) return s;
    token = impl_->runner->argmax({});
  }
  return Status::ok();
}

}  // namespace stream_tts
