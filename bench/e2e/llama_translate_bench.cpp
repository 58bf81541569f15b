// The `llama` translator on the CPU, as the engine uses it: one model, one session, the prompt
// prefix cached. Prints one JSON object:
//   load_ms             model load + prefix evaluation (once per process)
//   forced              R repetitions of one sentence (cached prefix + the sentence's turn ->
//   exactly
//                       --gen tokens): sentence_ms p50/p95, prefill tok/s, decode-loop tok/s
//                       (decode steps with argmax and detokenisation) -- comparable with
//                       llama-bench -pg / -n at the same depth (bench/e2e/llama_translate_bench.py
//                       runs both in one invocation)
//   translate           each sentence of --sentences (default: a built-in set of coding-assistant
//   prose)
//                       translated as in the pipeline: ms p50/p95/mean, tokens, fallbacks, the
//                       outputs
// With --print-prompt TEXT it prints {"prompt": ...}, the exact prompt text for that sentence, and
// exits.
//
//   bench_llama_translate --model NAME|PATH.gguf [--threads N] [--gpu-layers N] [--reps R] [--gen N]
//                         [--samples] [--full-vocab] [--draft-model NAME|PATH [--draft-tokens K]] [--sentences FILE] [--no-translate] [--print-prompt TEXT]
// --gpu-layers needs a llama.cpp built with CUDA (bench/gpu/ builds one on the GPU machine).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/json_writer.h"
#include "core/stats.h"
#include "translate/llama/llama_translator.h"

using namespace stream_tts;

namespace {

// About 24 tokens in the Qwen and Gemma vocabularies: the sentence length of BASELINES.md.
constexpr const char* kForcedSentence =
    "Next, I will update the parse_config function so that it returns an empty dict when the file "
    "is missing.";

const std::vector<std::string> kSentences = {
    "The tests passed, so I will commit the changes now.",
    "I found the bug: the cache never expires because the timestamp is compared in the wrong "
    "order.",
    "Next, I will update the `parse_config` function to handle empty files.",
    "Run npm test again after the fix.",
    "This change makes the build about twice as fast.",
    "Let me check the logs to see why the server crashed.",
    "The function returns None when the key is missing.",
    "I added a unit test for the new behaviour.",
    "Please review the pull request when you have time.",
    "The memory usage dropped from 2 GB to 512 MB.",
};

struct Args {
  std::string model;
  int threads = 0;
  int gpu_layers = 0;
  std::string draft_model;  // speculative decoding (speculative.h)
  int draft_tokens = 4;
  int reps = 5;
  int gen = 32;
  std::string sentences_file;
  bool translate = true;
  bool full_vocab = false;  // score every token (--full-vocab of the CLI) instead of the shortlist
  bool samples = false;  // also print every repetition's sentence_ms (sentence_ms_samples)
  std::string print_prompt;
  bool has_print_prompt = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(
      stderr,
      "error: %s\nusage: bench_llama_translate --model NAME|PATH.gguf [--threads N] [--gpu-layers N] "
      "[--draft-model M [--draft-tokens K]] [--full-vocab] [--reps R] [--samples] "
      "[--gen N] [--sentences FILE] [--no-translate] [--print-prompt TEXT]\n",
      why);
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + k).c_str());
      return argv[++i];
    };
    if (k == "--model") {
      a.model = value();
    } else if (k == "--threads") {
      a.threads = std::atoi(value().c_str());
    } else if (k == "--gpu-layers") {
      a.gpu_layers = std::atoi(value().c_str());
    } else if (k == "--draft-model") {
      a.draft_model = value();
    } else if (k == "--draft-tokens") {
      a.draft_tokens = std::atoi(value().c_str());
    } else if (k == "--reps") {
      a.reps = std::atoi(value().c_str());
    } else if (k == "--gen") {
      a.gen = std::atoi(value().c_str());
    } else if (k == "--sentences") {
      a.sentences_file = value();
    } else if (k == "--full-vocab") {
      a.full_vocab = true;
    } else if (k == "--samples") {
      a.samples = true;
    } else if (k == "--no-translate") {
      a.translate = false;
    } else if (k == "--print-prompt") {
      a.print_prompt = value();
      a.has_print_prompt = true;
    } else {
      usage(("unknown argument " + k).c_str());
    }
  }
  if (a.model.empty()) usage("--model is required");
  if (a.reps < 1 || a.gen < 1) usage("--reps and --gen must be at least 1");
  return a;
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string percentiles(const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  return JsonObject()
      .add("p50", percentile(v, 50))
      .add("p95", percentile(v, 95))
      .add("min", percentile(v, 0))
      .add("mean", mean)
      .str();
}

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  TranslatorConfig config;
  config.backend = "llama";
  config.model = args.model;
  config.threads = args.threads;
  config.gpu_layers = args.gpu_layers;
  config.draft_model = args.draft_model;
  config.draft_tokens = args.draft_tokens;
  config.full_vocab = args.full_vocab;
  try {
    auto t0 = std::chrono::steady_clock::now();
    LlamaTranslator translator(config);
    double load_ms = ms_since(t0);
    if (args.has_print_prompt) {
      auto prompt = translator.prompt_text(args.print_prompt);
      if (!prompt) throw Error(prompt.status());
      std::cout << JsonObject().add("prompt", *prompt).str() << "\n";
      return 0;
    }
    const auto& stats = translator.stats();

    // Forced length: warm up once (first-call allocations), then R timed repetitions.
    if (Status st = translator.generate_forced(kForcedSentence, args.gen); !st) throw Error(st);
    std::vector<double> sentence_ms, prefill_tps, decode_tps;
    int prompt_tokens = 0;
    long drafted = 0, accepted = 0;
    for (int r = 0; r < args.reps; ++r) {
      auto t = std::chrono::steady_clock::now();
      if (Status st = translator.generate_forced(kForcedSentence, args.gen); !st) throw Error(st);
      sentence_ms.push_back(ms_since(t));
      prompt_tokens = stats.last_prompt_tokens;
      prefill_tps.push_back(1000.0 * stats.last_prompt_tokens / stats.last_prefill_ms);
      // Tokens per second of the generation loop (with a draft model, a step yields several).
      decode_tps.push_back(1000.0 * (stats.last_generated_tokens - 1) / stats.last_decode_ms);
      drafted += stats.last_draft_tokens;
      accepted += stats.last_accepted_tokens;
    }
    std::string samples = "[";
    for (size_t i = 0; i < sentence_ms.size(); ++i) {
      if (i > 0) samples += ',';
      samples += std::to_string(sentence_ms[i]);
    }
    samples += "]";
    JsonObject forced_json;
    forced_json
                             .add("prompt_tokens", prompt_tokens)
                             .add("gen_tokens", args.gen)
                             .add("depth", stats.prefix_tokens)
                             .add("reps", args.reps)
                             .add_raw("sentence_ms", percentiles(sentence_ms))
                             .add("prefill_tok_s_p50", percentile(prefill_tps, 50))
                             .add("prefill_tok_s_max", percentile(prefill_tps, 100))
                             .add("decode_tok_s_p50", percentile(decode_tps, 50))
                             .add("decode_tok_s_max", percentile(decode_tps, 100));
    if (args.samples) forced_json.add_raw("sentence_ms_samples", samples);
    if (!args.draft_model.empty()) {
      forced_json.add("draft_model", args.draft_model)
          .add("draft_tokens", args.draft_tokens)
          .add("acceptance", drafted ? static_cast<double>(accepted) / drafted : 0.0);
    }
    std::string forced = forced_json.str();

    JsonObject report;
    report.add("model", args.model)
        .add("arch", translator.model_arch())
        .add("threads", args.threads)
        .add("gpu_layers", args.gpu_layers)
        .add("prefix_tokens", stats.prefix_tokens)
        .add("load_ms", load_ms)
        .add_raw("forced", forced);

    if (args.translate) {
      std::vector<std::string> sentences = kSentences;
      if (!args.sentences_file.empty()) {
        sentences.clear();
        std::ifstream in(args.sentences_file);
        if (!in) throw Error(StatusCode::kNotFound, "cannot read " + args.sentences_file);
        for (std::string line; std::getline(in, line);) {
          if (!line.empty()) sentences.push_back(line);
        }
      }
      std::vector<double> ms;
      std::vector<std::string> outputs;
      int fallbacks = 0, generated = 0;
      long t_drafted = 0, t_accepted = 0;
      for (const auto& s : sentences) {
        auto t = std::chrono::steady_clock::now();
        auto r = translator.translate(s);
        ms.push_back(ms_since(t));
        generated += stats.last_generated_tokens;
        t_drafted += stats.last_draft_tokens;
        t_accepted += stats.last_accepted_tokens;
        JsonObject o;
        o.add("source", s)
            .add("ms", ms.back())
            .add("prompt_tokens", stats.last_prompt_tokens)
            .add("generated_tokens", stats.last_generated_tokens)
            .add("prefill_ms", stats.last_prefill_ms)
            .add("decode_ms", stats.last_decode_ms)
            .add("bound", stats.last_token_bound);
        if (r) {
          o.add("output", *r);
        } else {
          ++fallbacks;
          o.add("error", r.status().to_string()).add("raw", stats.last_raw_output);
        }
        outputs.push_back(o.str());
      }
      report.add_raw("translate", JsonObject()
                                      .add("sentences", static_cast<int>(sentences.size()))
                                      .add_raw("ms", percentiles(ms))
                                      .add("generated_tokens", generated)
                                      .add("fallbacks", fallbacks)
                                      .add("acceptance", t_drafted ? static_cast<double>(t_accepted) / t_drafted : 0.0)
                                      .add_raw("outputs", json_array(outputs))
                                      .str());
    }
    std::cout << report.str() << "\n";
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
