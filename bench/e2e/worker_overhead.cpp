// What the worker protocol adds to time to first audio: a request through the worker manager to
// the tone worker (a Python process, workers/python/stream_tts_worker/tone_worker.py) until its
// first chunk is in hand, against the worker's own processing time for that request (done.stats
// synth_ms: from the request reaching its handler until the chunk was sent) and against the same
// work done in process (the same sine samples computed here). For N requests after a warm-up:
//   first_chunk_ms   submit() until the first chunk event (the caller's view)
//   worker_ms        the worker's own synth_ms for the request (one chunk, so: its time to first
//   chunk) overhead_ms      first_chunk_ms - worker_ms: framing, pipes, JSON, the manager's and the
//   SDK's
//                    threads (the target: <= 2 ms)
//   in_process_ms    computing the same samples in this process (the work without any protocol)
// Two payload sizes: 10 ms of audio (240 samples: the fixed costs) and 500 ms (12,000 f32 samples,
// 48 KB: a clause-sized chunk from Kokoro). Prints one JSON object with p50/p95 of each.
// With --kokoro it also runs the built-in kokoro-ja worker (needs its venv and model) on a few
// sentences: first_chunk_ms against the worker's own first_chunk_ms stat (handler start to first
// chunk sent); the difference is the protocol's share of Kokoro's time to first audio.
//
//   bench_worker_overhead [--reps N] [--python PATH] [--kokoro] [--kokoro-reps N]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/stats.h"
#include "worker/worker_config.h"
#include "worker/worker_manager.h"

using namespace stream_tts;

namespace {

constexpr double kTargetOverheadMs = 2.0;  // the target on the 2-core development machine

struct Args {
  int reps = 200;
  std::string python = STREAM_TTS_BENCH_PYTHON;
  bool kokoro = false;
  int kokoro_reps = 12;
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
    } else if (flag == "--python") {
      a.python = value();
    } else if (flag == "--kokoro") {
      a.kokoro = true;
    } else if (flag == "--kokoro-reps") {
      a.kokoro_reps = std::atoi(value().c_str());
    } else {
      throw Error(StatusCode::kInvalidArgument,
                  "usage: bench_worker_overhead [--reps N] [--python PATH] [--kokoro] "
                  "[--kokoro-reps N]");
    }
  }
  if (a.reps < 1) throw Error(StatusCode::kInvalidArgument, "--reps must be >= 1");
  return a;
}

double stat_ms(const std::string& stats_json, const char* key) {
  const std::string k = std::string("\"") + key + "\":";
  const size_t at = stats_json.find(k);
  return at == std::string::npos ? NAN : std::strtod(stats_json.c_str() + at + k.size(), nullptr);
}

// The tone worker's samples (tone_worker.py: 0.3 sin(2 pi f n / rate)), computed here.
double in_process_ms(double frequency, int samples) {
  const double t0 = now_ms();
  std::vector<float> out(static_cast<size_t>(samples));
  const double step = 2.0 * M_PI * frequency / 24000.0;
  for (int i = 0; i < samples; ++i)
    out[static_cast<size_t>(i)] = static_cast<float>(0.3 * std::sin(step * i));
  volatile float sink = out.back();
  (void)sink;
  return now_ms() - t0;
}

struct Series {
  std::vector<double> first_chunk, worker, overhead, in_process;
};

std::string p50_p95(const std::vector<double>& v) {
  return JsonObject().add("p50", percentile(v, 50)).add("p95", percentile(v, 95)).str();
}

Series run(const Args& a, int chunk_ms) {
  worker::WorkerConfig c;
  c.name = "tone";
  c.command = {a.python, "-m", "stream_tts_worker.tone_worker"};
  c.args = {"--chunks", "1", "--chunk-ms", std::to_string(chunk_ms)};
  c.env["PYTHONPATH"] = STREAM_TTS_SOURCE_DIR "/workers/python";
  c.health_interval_s = 0;  // no pings in the measurement
  worker::WorkerManager m(c);
  Status s = m.start();
  if (!s) throw Error(s);
  const int samples = 24000 * chunk_ms / 1000;
  Series out;
  const int warmup = 20;
  for (int i = 0; i < warmup + a.reps; ++i) {
    worker::RequestFields r;
    r.text = "文" + std::to_string(i % 7);  // a few different tones
    const double t0 = now_ms();
    auto call = m.submit(r);
    if (!call) throw Error(call.status());
    worker::WorkerEvent e;
    s = call->next(&e);
    if (!s) throw Error(s);
    const double first = now_ms() - t0;
    if (e.payload.size() != static_cast<size_t>(samples) * 4)
      throw Error(StatusCode::kInternal, "unexpected chunk size");
    s = call->next(&e);
    if (!s || e.kind != worker::WorkerEvent::Kind::kDone)
      throw Error(StatusCode::kInternal, "no done");
    if (i < warmup) continue;
    const double worker_ms = stat_ms(e.stats_json, "synth_ms");
    out.first_chunk.push_back(first);
    out.worker.push_back(worker_ms);
    out.overhead.push_back(first - worker_ms);
    out.in_process.push_back(in_process_ms(200.0 + i % 7, samples));
  }
  return out;
}

// The built-in kokoro-ja worker: the protocol's share of its time to first audio.
std::string run_kokoro(const Args& a) {
  worker::WorkerConfig c = worker::WorkerCatalogue::builtin().find("kokoro-ja");
  c.health_interval_s = 0;
  worker::WorkerManager m(c);
  Status s = m.start();
  if (!s) throw Error(s);
  static const char* kTexts[] = {"今日はいい天気ですね。", "テストを実行してください。",
                                 "原因が分かりました、修正します。", "明日も晴れるでしょう。"};
  std::vector<double> first_chunk, worker_first, overhead;
  for (int i = 0; i < 2 + a.kokoro_reps; ++i) {
    worker::RequestFields r;
    r.text = kTexts[i % 4];
    const double t0 = now_ms();
    auto call = m.submit(r);
    if (!call) throw Error(call.status());
    worker::WorkerEvent e;
    double first = NAN;
    while ((s = call->next(&e)).is_ok() && e.kind == worker::WorkerEvent::Kind::kChunk) {
      if (std::isnan(first)) first = now_ms() - t0;
    }
    if (!s) throw Error(s);
    if (i < 2) continue;  // warm-up
    const double w = stat_ms(e.stats_json, "first_chunk_ms");
    first_chunk.push_back(first);
    worker_first.push_back(w);
    overhead.push_back(first - w);
  }
  return JsonObject()
      .add_raw("first_chunk_ms", p50_p95(first_chunk))
      .add_raw("worker_first_chunk_ms", p50_p95(worker_first))
      .add_raw("overhead_ms", p50_p95(overhead))
      .add("overhead_p50_within_target", percentile(overhead, 50) <= kTargetOverheadMs)
      .str();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse_args(argc, argv);
    log::set_level(log::Level::kWarn);
    JsonObject result;
    result.add("bench", "worker_overhead")
        .add("reps", a.reps)
        .add("target_overhead_ms", kTargetOverheadMs);
    for (int chunk_ms : {10, 500}) {
      const Series s = run(a, chunk_ms);
      const std::string key = "chunk_" + std::to_string(chunk_ms) + "ms";
      result.add_raw(key, JsonObject()
                              .add("samples", 24000 * chunk_ms / 1000)
                              .add_raw("first_chunk_ms", p50_p95(s.first_chunk))
                              .add_raw("worker_ms", p50_p95(s.worker))
                              .add_raw("overhead_ms", p50_p95(s.overhead))
                              .add_raw("in_process_ms", p50_p95(s.in_process))
                              .add("overhead_p50_within_target",
                                   percentile(s.overhead, 50) <= kTargetOverheadMs)
                              .str());
    }
    if (a.kokoro) result.add_raw("kokoro_ja", run_kokoro(a));
    std::printf("%s\n", result.str().c_str());
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_worker_overhead: %s\n", e.what());
    return 1;
  }
}
