// Runs a helper program (pip, a Python one-liner that reads a wheel) without a shell, streaming its
// standard output to a callback and keeping the tail of its standard error for error messages.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

namespace stream_tts::models {

struct ProcessOptions {
  // Receives the child's stdout as it arrives. When empty, the child's stdout joins its stderr
  // (our stdout stays clean for output that scripts parse, such as `models path`).
  std::function<void(std::span<const char>)> on_stdout;
  // Copy the child's stderr to ours as it arrives (pip's own progress and warnings).
  bool forward_stderr = false;
  // How much of the child's stderr to keep for ProcessResult::stderr_tail.
  std::size_t stderr_tail_bytes = 16 * 1024;
  // A stop request sends SIGTERM to the child; run_process then returns once it has exited.
  std::stop_token stop;
};

struct ProcessResult {
  bool started = false;       // false: the program could not be run (see start_error)
  std::string start_error;    // e.g. "No such file or directory"
  int exit_code = -1;         // valid when the child exited normally
  int term_signal = 0;        // non-zero when a signal ended the child
  bool stopped = false;       // the stop token fired
  std::string stderr_tail;    // the last stderr_tail_bytes of the child's stderr

  bool ok() const { return started && term_signal == 0 && exit_code == 0 && !stopped; }
  // Stopped by us, or by a Ctrl-C that reached the child (same process group) before our own
  // handler had turned it into a stop request.
  bool interrupted() const { return stopped || term_signal == 2 /* SIGINT */; }
};

// Runs argv[0] (looked up in PATH) with argv; stdin is /dev/null. An exception thrown by on_stdout
// kills the child, waits for it and propagates.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options);

}  // namespace stream_tts::models
