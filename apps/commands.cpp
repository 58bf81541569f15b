#include "commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "components.h"
#include "core/log.h"
#include "core/utf8.h"
#include "engine/pipeline.h"
#include "replay.h"
#include "worker/worker_config.h"

namespace stream_tts::cli {
namespace {

int exit_code_for(const Status& s) {
  if (s.is_ok()) return kExitOk;
  if (s.code() == StatusCode::kCancelled) return kExitInterrupted;
  return kExitFailure;
}

// Loads everything, then runs `body` with a Pipeline; prints the latency summary.
template <typename Body>
int with_pipeline(const CliConfig& config, Body body) {
  auto translator = load_translator(config);
  auto voices = load_voices(config);
  auto sink = open_output(config);
  log::info("speaking to {}", sink->describe());
  std::unique_ptr<MetricsLog> metrics =
      config.metrics.empty() ? std::make_unique<MetricsLog>() : std::make_unique<MetricsLog>(config.metrics);
  Pipeline pipeline(config.pipeline_options(), *translator, voices.router, *sink, *metrics);
  Status s = body(pipeline);
  Status c = sink->close();
  if (s.is_ok() && !c.is_ok()) s = c;
  if (!config.quiet && !metrics->records().empty()) std::fputs(metrics->summary().c_str(), stderr);
  // Gaps between sentences (the assistant still writing) count too, so this is not an error.
  if (sink->underruns() > 0) log::debug("{} playback gaps (buffer ran dry)", sink->underruns());
  if (!s.is_ok() && s.code() != StatusCode::kCancelled) log::error("{}", s.to_string());
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
  std::string line;
  uint64_t line_no = 0;
  while (!stop.stop_requested() && std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line = utf8::sanitize(line);
    std::string out;
    if (line.find_first_not_of(" \t") != std::string::npos) {
      auto r = translator->translate(line, stop);
      if (r) {
        out = std::move(r.value());
      } else {
        log::warn("line {}: {}; writing the source text", line_no, r.status().to_string());
        out = line;
      }
    }
    // One output line per input line, so outputs align with inputs for evaluation tools.
    for (char& c : out) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    std::cout << out << '\n' << std::flush;
  }
  return stop.stop_requested() ? kExitInterrupted : kExitOk;
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
