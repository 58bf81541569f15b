#include "commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "components.h"
#include "core/log.h"
#include "core/utf8.h"
#include "engine/pipeline.h"
#include "input/input_adapter.h"
#include "replay.h"
#include "signals.h"
#include "worker/worker_config.h"

namespace stream_tts::cli {
namespace {

int exit_code_for(const Status& s) {
  if (s.is_ok()) return kExitOk;
  if (s.code() == StatusCode::kCancelled) return kExitInterrupted;
  return kExitFailure;
}

// Loads everything, then runs `body` with a Pipeline; prints the latency summary and says how
// the run ended when it did not simply finish (interrupted, output failed, sentences dropped).
template <typename Body>
int with_pipeline(const CliConfig& config, Body body) {
  auto translator = load_translator(config);
  auto voices = load_voices(config);
  auto sink = open_output(config);
  log::info("speaking to {}", sink->describe());
  std::unique_ptr<MetricsLog> metrics =
      config.metrics.empty() ? std::make_unique<MetricsLog>() : std::make_unique<MetricsLog>(config.metrics);
  metrics->keep_records(false);  // the summary needs only the times; memory stays flat over long runs
  Pipeline pipeline(config.pipeline_options(), *translator, voices.router, *sink, *metrics);
  Status s = body(pipeline);
  // A signal that arrived as the input ended (a Ctrl-C once everything was spoken, with the input
  // closing just after): the user was told "stopping", so the run reports where it stopped.
  if (s.is_ok() && stop_signal_arrived()) s = Status(StatusCode::kCancelled, "interrupted");
  // Closing finishes a WAV file's header whatever happened before (interrupted, disk full).
  Status c = sink->close();
  if (!config.quiet && metrics->count() > 0) std::fputs(metrics->summary().c_str(), stderr);
  // Only gaps inside a sentence count (the pipeline ends each utterance); pauses between sentences,
  // while the assistant is still writing, do not. A warning, not an error: what was late still played.
  if (sink->underruns() > 0) {
    log::warn("{} underrun(s): the speaker ran out of audio mid-sentence (synthesis fell behind playback)",
              sink->underruns());
  }

  const RunReport& run = pipeline.last_run();
  const size_t spoken = metrics->spoken();
  if (run.dropped > 0) {
    log::warn("{} of {} sentences dropped because speech fell behind (--backlog drop-oldest)", run.dropped,
              run.sentences);
  }
  if (s.code() == StatusCode::kCancelled) {
    log::info("stopped after {} of {} sentences; {} closed{}", spoken, run.sentences, sink->describe(),
              c.is_ok() ? "" : ": " + c.message());
  } else if (s.code() == StatusCode::kUnavailable) {
    // The output failed mid-run (reader gone, disk full, device lost): say so once, with what is kept.
    log::error("audio output failed: {}; stopped after {} of {} sentences{}", s.message(), spoken,
               run.sentences, c.is_ok() ? "" : "; closing it failed too: " + c.message());
  } else if (!s.is_ok()) {
    log::error("{}", s.to_string());
  } else if (!c.is_ok()) {
    log::error("{}", c.to_string());
    s = c;
  }
  return exit_code_for(s);
}

}  // namespace

int run_speak(const CliConfig& config, std::stop_token stop) {
  int fd = STDIN_FILENO;
  std::jthread replay;
  if (config.demo) {
    ReplayTiming timing;
    timing.speed = config.demo_speed;
    replay = start_replay(demo_transcript(), timing, &fd);
  } else if (!config.input_file.empty() && config.input_file != "-") {
    fd = ::open(config.input_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      log::error("cannot open input file {}", config.input_file);
      return kExitFailure;
    }
  } else if (::isatty(STDIN_FILENO)) {
    log::info("reading from the terminal; end with Ctrl-D (or run with --demo for a sample)");
  }
  int code = with_pipeline(config, [&](Pipeline& p) { return p.run(fd, stop); });
  if (fd != STDIN_FILENO) ::close(fd);
  return code;
}

int run_say(const CliConfig& config, const std::vector<std::string>& words, std::stop_token stop) {
  std::string text;
  for (const auto& w : words) {
    if (!text.empty()) text += ' ';
    text += w;
  }
  text = utf8::sanitize(text);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    log::error("say: nothing to say (give the text as arguments)");
    return kExitUsage;
  }
  return with_pipeline(config, [&](Pipeline& p) { return p.run_text(text, stop); });
}

int run_translate(const CliConfig& config, std::stop_token stop) {
  auto translator = load_translator(config);
  // LineReader's short waits notice Ctrl-C / SIGTERM while stdin is idle (a blocking getline did
  // not: the program hung until the next line arrived or a second signal killed it).
  LineReader reader(STDIN_FILENO, config.max_line_bytes);
  std::vector<LineReader::Line> lines;
  uint64_t last_line_no = 0;
  constexpr int kPollMs = 50;
  Status status;
  while (!stop.stop_requested()) {
    lines.clear();
    status = reader.read(kPollMs, &lines);
    for (auto& l : lines) {
      if (stop.stop_requested()) break;
      // One output line per input line, so outputs align with inputs for evaluation tools: an
      // over-long line that the reader skipped (with a warning) becomes an empty output line.
      for (; last_line_no + 1 < l.line_no; ++last_line_no) std::cout << '\n';
      last_line_no = l.line_no;
      const std::string line = utf8::sanitize(l.text);
      std::string out;
      if (line.find_first_not_of(" \t") != std::string::npos) {
        auto r = translator->translate(line, stop);
        if (r) {
          out = std::move(r.value());
        } else {
          log::warn("line {}: {}; writing the source text", l.line_no, r.status().to_string());
          out = line;
        }
      }
      for (char& c : out) {
        if (c == '\n' || c == '\r') c = ' ';
      }
      std::cout << out << '\n' << std::flush;
    }
    if (!status) break;  // end of input, or a read error
  }
  if (stop.stop_requested() || stop_signal_arrived()) return kExitInterrupted;
  if (status.code() != StatusCode::kEndOfStream) {
    log::error("reading stdin: {}", status.to_string());
    return kExitFailure;
  }
  return kExitOk;
}

int run_devices() {
  auto devices = list_output_devices();
  if (!devices) {
    log::error("{}", devices.status().to_string());
    return kExitFailure;
  }
  if (devices->empty()) std::cout << "no output devices\n";
  for (const auto& d : *devices) {
    std::cout << (d.is_default ? "* " : "  ") << d.index << ": " << d.name << " [" << d.host_api << ", "
              << d.default_sample_rate << " Hz, " << d.max_output_channels << " ch]\n";
  }
  return kExitOk;
}

int run_voices(const CliConfig& config) {
  std::vector<std::string> backends = synthesizer_backends();
  // Every configured speech worker, started to ask it (a worker that cannot start says why).
  const worker::WorkerCatalogue workers = worker::WorkerCatalogue::load(config.workers);
  for (const std::string& name : workers.names()) {
    if (workers.find(name).kind == "tts") backends.push_back("worker:" + name);
  }
  for (const std::string& backend : backends) {
    try {
      SynthesizerConfig sc;
      sc.backend = backend;
      sc.workers_file = config.workers;
      auto synth = make_synthesizer(sc);
      for (const auto& v : synth->voices()) {
        std::cout << backend << "\t" << v.name << "\t" << v.lang << "\t" << synth->sample_rate() << " Hz\t"
                  << v.description << "\n";
      }
    } catch (const Error& e) {
      std::cout << backend << "\t(unavailable: " << e.what() << ")\n";
    }
  }
  return kExitOk;
}

}  // namespace stream_tts::cli
