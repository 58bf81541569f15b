// Time to first audio of the in-process, streaming Open JTalk backend, against the `open_jtalk`
// program run per sentence (what a shell pipeline would do) on the same sentence, in the same
// invocation. For N repetitions it measures
//   first_chunk_ms   start() until the first AudioChunk is in hand (text analysis, parameter
//   generation,
//                    one block of vocoding)
//   whole_ms         start() until the last chunk (the whole sentence, in process)
//   open_jtalk_ms    spawn `open_jtalk -x DICT -m VOICE -ow OUT.wav IN.txt` until it exits
// and prints one JSON object with p50/p95 of each and their ratios.
//
//   bench_openjtalk_first_chunk [--reps N] [--text UTF8] [--open-jtalk PATH]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/stats.h"
#include "open_jtalk_program.h"
#include "tts/openjtalk/openjtalk_synthesizer.h"

using namespace stream_tts;

namespace {

// About 3.2 seconds of speech with the Debian voice (the program prints the measured length).
constexpr const char* kDefaultText = "どこで生まれたかとんと見当がつかぬ。";
constexpr double kTargetFirstChunkMs =
    30.0;  // the target on the 2-core development machine

struct Args {
  int reps = 20;
  std::string text = kDefaultText;
  std::string open_jtalk = "open_jtalk";
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(StatusCode::kInvalidArgument, flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--reps") {
      a.reps = std::atoi(value().c_str());
    } else if (flag == "--text") {
      a.text = value();
    } else if (flag == "--open-jtalk") {
      a.open_jtalk = value();
    } else {
      throw Error(
          StatusCode::kInvalidArgument,
          "usage: bench_openjtalk_first_chunk [--reps N] [--text UTF8] [--open-jtalk PATH]");
    }
  }
  if (a.reps < 1) throw Error(StatusCode::kInvalidArgument, "--reps must be >= 1");
  return a;
}

struct InProcessRun {
  double first_chunk_ms = 0;
  double whole_ms = 0;
  size_t samples = 0;
};

InProcessRun run_in_process(Synthesizer& synth, const std::string& text) {
  InProcessRun run;
  const double t0 = now_ms();
  auto stream = synth.start(text, {});
  if (!stream) throw Error(stream.status());
  bool first = true;
  for (;;) {
    AudioChunk chunk;
    Status s = (*stream)->next(&chunk);
    if (!s) throw Error(s);
    if (first) {
      run.first_chunk_ms = now_ms() - t0;
      first = false;
    }
    run.samples += chunk.samples.size();
    if (chunk.is_last) break;
  }
  run.whole_ms = now_ms() - t0;
  return run;
}

std::string p50_p95(const std::vector<double>& v) {
  return JsonObject().add("p50", percentile(v, 50)).add("p95", percentile(v, 95)).str();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse_args(argc, argv);
    auto synth = make_openjtalk_synthesizer({});

    const auto dir =
        std::filesystem::temp_directory_path() / ("stream-tts-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const std::string in_txt = (dir / "input.txt").string();
    const std::string out_wav = (dir / "x.wav").string();
    std::ofstream(in_txt) << args.text << "\n";

    // One warm-up of each: page cache for the dictionary and voice, first-touch allocations.
    const InProcessRun warm = run_in_process(*synth, args.text);
    bench::time_open_jtalk_program(args.open_jtalk, in_txt, out_wav);

    // Interleaved, so that a noisy neighbour on this shared machine hits both sides alike.
    std::vector<double> first_chunk, whole, process;
    for (int i = 0; i < args.reps; ++i) {
      const InProcessRun r = run_in_process(*synth, args.text);
      first_chunk.push_back(r.first_chunk_ms);
      whole.push_back(r.whole_ms);
      process.push_back(bench::time_open_jtalk_program(args.open_jtalk, in_txt, out_wav));
    }
    std::filesystem::remove_all(dir);

    const double first_p50 = percentile(first_chunk, 50);
    const double whole_p50 = percentile(whole, 50);
    const double process_p50 = percentile(process, 50);
    const std::string ratios = JsonObject()
                                   .add("open_jtalk_over_first_chunk_p50", process_p50 / first_p50)
                                   .add("open_jtalk_over_whole_p50", process_p50 / whole_p50)
                                   .add("first_chunk_over_whole_p50", first_p50 / whole_p50)
                                   .str();
    std::cout << JsonObject()
                     .add("bench", "openjtalk_first_chunk")
                     .add("text", args.text)
                     .add("audio_seconds", static_cast<double>(warm.samples) / synth->sample_rate())
                     .add("sample_rate", synth->sample_rate())
                     .add("reps", args.reps)
                     .add_raw("first_chunk_ms", p50_p95(first_chunk))
                     .add_raw("in_process_whole_ms", p50_p95(whole))
                     .add_raw("open_jtalk_process_ms", p50_p95(process))
                     .add_raw("ratios", ratios)
                     .add("target_first_chunk_ms", kTargetFirstChunkMs)
                     .add("meets_target", percentile(first_chunk, 95) <= kTargetFirstChunkMs)
                     .str()
              << "\n";
    return 0;
  } catch (const Error& e) {
    std::cerr << "bench_openjtalk_first_chunk: " << e.what() << "\n";
    return 1;
  }
}
