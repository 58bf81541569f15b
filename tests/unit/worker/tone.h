// The real tone worker (workers/python/stream_tts_worker/tone_worker.py) as the manager tests run
// it.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <string>
#include <vector>

#include "worker/worker_config.h"

namespace stream_tts::worker::test {

// The interpreter itself, not a pyenv shim script (which costs a second per start).
inline WorkerConfig tone_config(std::vector<std::string> args = {}) {
  WorkerConfig c;
  c.name = "tone";
  c.command = {STREAM_TTS_TEST_PYTHON, "-m", "stream_tts_worker.tone_worker"};
  c.args = std::move(args);
  c.env["PYTHONPATH"] = STREAM_TTS_SOURCE_DIR "/workers/python";
  c.start_timeout_s = 10;
  c.request_timeout_s = 10;
  c.health_interval_s = 5;
  c.shutdown_grace_s = 1;
  return c;
}

// True when this process has no child left, running or zombie.
inline bool no_children() {
  int status;
  return ::waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

}  // namespace stream_tts::worker::test
