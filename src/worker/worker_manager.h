// The worker manager (docs/worker-protocol.md, "The manager's promises"): runs a pool of worker
// processes for one WorkerConfig, sends them requests and hands their chunks back, and keeps the
// pool alive: health checks with ping, request timeouts, restarts with back-off, and re-issue of
// in-flight requests so that a worker killed mid-sentence loses and duplicates no chunk.
//
// Threads: one slot thread per pool process does all I/O with it (spawn, handshake, frames, its
// stderr, health checks, timeouts, restarts); callers submit() from any thread and read a
// WorkerCall's events on their own thread. One mutex guards the queue and every call's state.
//
// Ownership: the manager owns its processes and reaps them; shutdown() (or the destructor) sends
// `shutdown`, then SIGTERM, then SIGKILL, each after config.shutdown_grace_s. WorkerCalls borrow
// the manager, which must outlive them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "stream_tts/status.h"
#include "worker/messages.h"
#include "worker/worker_config.h"

namespace stream_tts::worker {

struct WorkerEvent {
  enum class Kind { kChunk, kDone };
  Kind kind = Kind::kChunk;
  uint64_t seq = 0;        // chunk: 0, 1, 2 ... once each, whatever restarts happened
  int sample_rate = 0;     // chunk (tts): Hz
  std::string format;      // chunk: "f32le" | "s16le" | "text"
  std::string payload;     // chunk: the samples or text
  uint64_t chunks = 0;     // done: the number of chunks delivered
  std::string text;        // done (translate workers): the whole translation
  std::string stats_json;  // done: the worker's "stats" object (ms of its own stages), raw JSON;
                           // may be empty
};

struct WorkerStats {
  uint64_t starts = 0;          // processes that sent capabilities (the first ones included)
  uint64_t restarts = 0;        // ... after a death
  uint64_t deaths = 0;          // exits, kills, protocol breaches, missed health checks, hangs
  uint64_t reissued = 0;        // requests sent again to a restarted worker
  uint64_t skipped_chunks = 0;  // chunks of re-issued requests not delivered twice
  uint64_t timeouts = 0;        // requests that ran past request_timeout_s
  uint64_t missed_pongs = 0;
  double last_restart_ms = 0.0;   // death noticed -> restarted worker ready (back-off included)
  size_t max_in_flight_seen = 0;  // the most requests one process had at once
};

namespace detail {
struct Shared;
struct CallState;
}  // namespace detail

// One request as the caller sees it. Move-only; destroying an unfinished call cancels it.
class WorkerCall {
 public:
  WorkerCall() = default;
  WorkerCall(WorkerCall&&) noexcept;
  WorkerCall& operator=(WorkerCall&&) noexcept;
  ~WorkerCall();

  uint64_t id() const;
  // Blocks for the next event: chunks in seq order, then one kDone. Then kEndOfStream. Errors: the
  // worker's error (mapped by status_code_for_error), kUnavailable (the request failed
  // max_attempts times, or the manager stopped), kCancelled (cancel(), or `stop` fired: the
  // request is cancelled too).
  Status next(WorkerEvent* event, std::stop_token stop = {});
  // Ends the request at once for the caller; the worker gets a `cancel` frame.
  void cancel();

 private:
  friend class WorkerManager;
  WorkerCall(detail::Shared* shared, std::shared_ptr<detail::CallState> state);
  detail::Shared* shared_ = nullptr;
  std::shared_ptr<detail::CallState> state_;
};

class WorkerManager {
 public:
  // The config must be valid (validate() empty); throws Error(kInvalidArgument) otherwise.
  explicit WorkerManager(WorkerConfig config);
  ~WorkerManager();
  WorkerManager(const WorkerManager&) = delete;
  WorkerManager& operator=(const WorkerManager&) = delete;

  // Starts every pool process and waits for its capabilities. On failure nothing is left running.
  // Errors: kUnavailable (cannot spawn; exited, or no capabilities within start_timeout_s),
  // kDataError (protocol breach; version mismatch, naming both versions), kInvalidArgument (kind
  // other than configured), kCancelled (`stop`).
  Status start(std::stop_token stop = {});
  // Valid after start() succeeded.
  const Capabilities& capabilities() const;
  const WorkerConfig& config() const;

  // Queues a request (any thread). Blocks while queue_limit requests wait for a process
  // (backpressure). Errors: kCancelled (`stop`), kUnavailable (not started, stopped, or every
  // process failed for good), kInvalidArgument (payload too large for a frame).
  Result<WorkerCall> submit(RequestFields request, std::stop_token stop = {});

  // Stops the pool (idempotent). Waiting calls end with kUnavailable.
  void shutdown();

  WorkerStats stats() const;
  // The pool's current process ids; 0 for a process that is down (tests, diagnostics).
  std::vector<pid_t> pids() const;
  // Waits until every pool process is up (after restarts); false on timeout.
  bool wait_ready(double timeout_s) const;

 private:
  std::unique_ptr<detail::Shared> shared_;
  std::mutex join_mutex_;  // shutdown() from two threads joins each slot thread once
};

}  // namespace stream_tts::worker
