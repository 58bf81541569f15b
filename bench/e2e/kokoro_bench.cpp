// Native Kokoro-82M speed on this machine: per sentence, the whole-sentence time (and its stages)
// and peak memory, as JSON lines for bench/e2e/kokoro_bench.py, which runs onnxruntime on the same
// sentences in the same invocation and reports the ratios.
//
//   bench_kokoro --model DIR [--voice jf_alpha] [--runs 3] [--warmup 1]
//                [--stream --first F --max M --context C] TOKENS_FILE
//
// --stream (the window plan of kokoro_model.h, F/M/C frames of 12.5 ms): per sentence also the
// first-chunk time (prepare + first window) and the mel SNR of the windowed audio against the whole.
//
// TOKENS_FILE: one sentence per line, its phoneme token ids comma-separated, without the padding.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/mel_snr.h"
#include "nn/cpu/kernels.h"
#include "tts/kokoro/kokoro_model.h"

namespace {

using stream_tts::kokoro::KokoroModel;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

int usage() {
  std::fprintf(stderr, "usage: bench_kokoro --model DIR [--voice V] [--runs N] [--warmup N] [--threads N] TOKENS_FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_dir, voice = "jf_alpha", tokens_file;
  int runs = 3, warmup = 1, threads = 1;
  KokoroModel::WindowPlan plan;
  bool stream = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") model_dir = value();
    else if (a == "--voice") voice = value();
    else if (a == "--runs") runs = std::atoi(value().c_str());
    else if (a == "--warmup") warmup = std::atoi(value().c_str());
    else if (a == "--threads") threads = std::atoi(value().c_str());
    else if (a == "--stream") stream = true;
    else if (a == "--first") plan.first_frames = std::strtoul(value().c_str(), nullptr, 10);
    else if (a == "--max") plan.max_frames = std::strtoul(value().c_str(), nullptr, 10);
    else if (a == "--context") plan.context = std::strtoul(value().c_str(), nullptr, 10);
    else if (!a.empty() && a[0] == '-') return usage();
    else tokens_file = a;
  }
  if (model_dir.empty() || tokens_file.empty() || runs < 1 || warmup < 0 || threads < 1) return usage();
  // The int8 convolutions run on the nn/cpu pool; the other stages on the calling thread.
  stream_tts::nn::cpu::set_threads(threads);
  std::vector<std::vector<int64_t>> sentences;
  {
    std::ifstream in(tokens_file);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", tokens_file.c_str());
      return 1;
    }
    std::string line;
    while (std::getline(in, line)) {
      std::vector<int64_t> ids;
      std::stringstream ss(line);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (!item.empty()) ids.push_back(std::atoll(item.c_str()));
      }
      if (!ids.empty()) sentences.push_back(std::move(ids));
    }
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const KokoroModel model(model_dir);
    const double load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    auto table = model.voices().style_table(voice);
    if (!table) {
      std::fprintf(stderr, "%s\n", table.status().to_string().c_str());
      return 1;
    }
    std::printf("{\"load_ms\": %.1f, \"rss_after_load_mb\": %.1f}\n", load_ms, peak_rss_mb());
    for (size_t s = 0; s < sentences.size(); ++s) {
      std::vector<double> whole, front, decoder, generator;
      size_t samples = 0;
      for (int r = 0; r < warmup + runs; ++r) {
        KokoroModel::Timing timing;
        const auto start = std::chrono::steady_clock::now();
        auto audio = model.synthesize(sentences[s], *table, {}, {}, &timing);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!audio) {
          std::fprintf(stderr, "sentence %zu: %s\n", s, audio.status().to_string().c_str());
          return 1;
        }
        samples = audio->size();
        if (r < warmup) continue;
        whole.push_back(ms);
        front.push_back(timing.front_ms);
        decoder.push_back(timing.decoder_ms);
        generator.push_back(timing.generator_ms);
      }
      // Streaming: the first window's audio as soon as it exists, then the rest, against the whole.
      std::vector<double> first_chunk;
      double snr = 0;
      size_t windows = 0;
      for (int r = 0; stream && r < warmup + runs; ++r) {
        const auto start = std::chrono::steady_clock::now();
        auto prepared = model.prepare(sentences[s], *table, {});
        if (!prepared) {
          std::fprintf(stderr, "sentence %zu: %s\n", s, prepared.status().to_string().c_str());
          return 1;
        }
        const auto plan_windows = KokoroModel::windows(prepared->frames2, plan);
        auto first = model.generate(*prepared, plan_windows[0].first, plan_windows[0].second,
                                    plan.context);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!first) {
          std::fprintf(stderr, "sentence %zu: %s\n", s, first.status().to_string().c_str());
          return 1;
        }
        if (r < warmup) continue;
        first_chunk.push_back(ms);
        if (r + 1 < warmup + runs) continue;
        std::vector<float> chunked = std::move(first.value());
        for (size_t w = 1; w < plan_windows.size(); ++w) {
          auto part = model.generate(*prepared, plan_windows[w].first, plan_windows[w].second,
                                     plan.context);
          if (!part) return 1;
          chunked.insert(chunked.end(), part->begin(), part->end());
        }
        auto whole_audio = model.generate(*prepared, 0, prepared->frames2, 0);
        if (!whole_audio) return 1;
        snr = stream_tts::test::mel_snr_db(*whole_audio, chunked);
        windows = plan_windows.size();
      }
      std::printf(
          "{\"sentence\": %zu, \"tokens\": %zu, \"audio_s\": %.3f, \"whole_ms\": %.1f, "
          "\"front_ms\": %.1f, \"decoder_ms\": %.1f, \"generator_ms\": %.1f, "
          "\"first_chunk_ms\": %.1f, \"windows\": %zu, \"stream_mel_snr_db\": %.2f}\n",
          s, sentences[s].size(), static_cast<double>(samples) / KokoroModel::kSampleRate,
          median(whole), median(front), median(decoder), median(generator), median(first_chunk),
          windows, snr);
      std::fflush(stdout);
    }
    std::printf("{\"peak_rss_mb\": %.1f}\n", peak_rss_mb());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
