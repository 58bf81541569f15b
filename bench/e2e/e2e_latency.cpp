// End-to-end latency: replays a Claude Code transcript through the real pipeline with realistic
// pacing (deltas every 30 ms) — in-process Open JTalk, eSpeak NG, null sink — and reports the time
// from sentence-complete to the first sample handed to the sink, p50/p95 over all sentences.
// Baseline in the same run: the `open_jtalk` program per sentence (what a shell script would do),
// timed from start to finished WAV for the same sentences.
//
//   bench_e2e_latency [--transcript FILE] [--runs N] [--speed S] [--no-baseline]
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/stats.h"
#include "core/utf8.h"
#include "engine/pipeline.h"
#include "open_jtalk_program.h"
#include "replay.h"

using namespace stream_tts;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(StatusCode::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string stats_json(const std::vector<double>& v) {
  return JsonObject()
      .add("n", static_cast<unsigned long long>(v.size()))
      .add("p50_ms", percentile(v, 50))
      .add("p95_ms", percentile(v, 95))
      .str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string transcript_path = STREAM_TTS_DEMO_TRANSCRIPT;
  int runs = 3;
  double speed = 1.0;
  bool baseline = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--transcript" && i + 1 < argc) transcript_path = argv[++i];
    else if (a == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
    else if (a == "--speed" && i + 1 < argc) speed = std::stod(argv[++i]);
    else if (a == "--no-baseline") baseline = false;
    else {
      std::cerr << "usage: bench_e2e_latency [--transcript FILE] [--runs N] [--speed S] [--no-baseline]\n";
      return 2;
    }
  }
  log::set_level(log::Level::kWarn);
  try {
    const std::string transcript = read_file(transcript_path);
    auto translator = make_translator({});
    SynthesizerConfig ojt;
    ojt.backend = "openjtalk";
    SynthesizerConfig esp;
    esp.backend = "espeak";
    auto ja = make_synthesizer(ojt);
    auto en = make_synthesizer(esp);
    VoiceRouter router;
    router.add("ja", ja.get(), "openjtalk");
    router.add("en", en.get(), "espeak");

    std::vector<double> latency, first_chunk, synth_start;
    std::vector<std::string> sentences;
    for (int run = 0; run < runs; ++run) {
      auto sink = open_sink("null", {});
      if (!sink) throw Error(sink.status());
      MetricsLog metrics;
      Pipeline pipeline(PipelineOptions{}, *translator, router, **sink, metrics);
      int fd = -1;
      ReplayTiming timing;
      timing.speed = speed;
      auto writer = start_replay(transcript, timing, &fd);
      Status s = pipeline.run(fd);
      writer.join();
      ::close(fd);
      if (!s) throw Error(s);
      for (const auto& r : metrics.records()) {
        latency.push_back(r.times.first_sample_ms - r.times.complete_ms);
        first_chunk.push_back(r.times.first_chunk_ms - r.times.translated_ms);
        synth_start.push_back(r.times.translated_ms - r.times.complete_ms);
        if (run == 0) sentences.push_back(r.translated);
      }
    }
    JsonObject out;
    out.add("transcript", transcript_path)
        .add("runs", runs)
        .add("sentences_per_run", static_cast<unsigned long long>(sentences.size()))
        .add_raw("complete_to_first_sample", stats_json(latency))
        .add_raw("complete_to_translated", stats_json(synth_start))
        .add_raw("translated_to_first_chunk", stats_json(first_chunk));
    if (baseline) {
      auto dir = std::filesystem::temp_directory_path() / ("st_bench_" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir);
      std::vector<double> program;
      for (int run = 0; run < runs; ++run) {
        for (const auto& s : sentences) {
          if (!utf8::looks_japanese(s)) continue;
          const auto txt = dir / "in.txt";
          std::ofstream(txt) << s << "\n";
          program.push_back(bench::time_open_jtalk_program("open_jtalk", txt, dir / "out.wav"));
        }
      }
      std::filesystem::remove_all(dir);
      out.add_raw("baseline_open_jtalk_program_per_sentence", stats_json(program));
      out.add("ratio_p50_baseline_over_stream_tts", percentile(program, 50) / percentile(latency, 50));
    }
    std::cout << out.str() << std::endl;
  } catch (const Error& e) {
    std::cerr << "bench_e2e_latency: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
