// The worker manager's shared state and its slot threads. Internal to st_worker.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "worker/frame.h"
#include "worker/messages.h"
#include "worker/process.h"
#include "worker/worker_manager.h"

namespace stream_tts::worker::detail {

// One request. Guarded by Shared::mutex, except the immutable id and frame.
struct CallState {
  uint64_t id = 0;
  std::string frame;               // the encoded request (id included), sent on every attempt
  std::condition_variable_any cv;  // events, finished
  std::deque<WorkerEvent> events;  // for the caller, in order
  bool finished = false;           // the caller has all it will get (a kDone event or `status`)
  Status status;                   // the error when finished without kDone
  bool end_returned = false;       // next() returned the last event or the error
  bool cancel_requested = false;   // the caller cancelled; a `cancel` frame is owed while in flight
  bool cancel_sent = false;
  int slot = -1;             // the slot it is in flight on; -1 while queued or done
  int failures = 0;          // attempts that ended in a death or timeout
  bool timed_out = false;    // the current attempt ran past request_timeout_s
  uint64_t delivered = 0;    // chunks given to the caller (over all attempts)
  uint64_t attempt_seq = 0;  // the next seq expected in the current attempt
  double sent_ms = 0.0;      // when the current attempt was sent
};

class Slot;

struct Shared {
  explicit Shared(WorkerConfig c) : config(std::move(c)) {}

  const WorkerConfig config;
  mutable std::mutex mutex;
  std::condition_variable_any changed;           // slot states, queue space
  std::deque<std::shared_ptr<CallState>> queue;  // not yet sent, in order
  std::vector<std::unique_ptr<Slot>> slots;
  bool started = false;
  bool stopping = false;
  Status fatal;  // every slot failed for good
  Capabilities capabilities;
  WorkerStats stats;
  int ready = 0;                     // slots serving now
  double all_down_since_ms = 0.0;    // when `ready` last dropped to 0
  std::atomic<uint64_t> next_id{1};  // request and ping ids

  // With the mutex held:
  void finish(CallState& c, Status status);
  void wake_slots();
  void fail_queue(const Status& status);
};

// One pool process: its thread spawns it, talks to it and restarts it.
class Slot {
 public:
  enum class State { kStarting, kReady, kDown, kFailed, kStopped };

  Slot(Shared& shared, int index);
  ~Slot();
  void start_thread();
  void join();
  void wake();  // any thread

  // Guarded by shared.mutex:
  State state = State::kStarting;
  Status start_status;                                // why the first start failed
  std::vector<std::shared_ptr<CallState>> in_flight;  // in the order sent
  pid_t pid = 0;
  size_t capacity = 1;        // requests in flight at most
  Capabilities capabilities;  // of the current process
  bool initial_done = false;  // the first launch succeeded or failed

 private:
  void run();
  Status launch(bool* permanent);
  Status handshake(bool* permanent);
  Status serve();
  void shutdown_process();
  void after_death(const Status& why, double backoff_s);
  Status pump(double deadline_ms);
  Status flush_output();
  Status take_frames(bool handshake, Capabilities* caps, bool* got_caps, bool* permanent);
  Status dispatch(Message& m, std::string payload);
  void forward_log(bool at_eof);
  void sleep_for(double seconds);

  Shared& shared_;
  const int index_;
  const std::string label_;
  std::thread thread_;
  int wake_fd_ = -1;
  std::unique_ptr<WorkerProcess> proc_;
  FrameDecoder decoder_;
  MessageParser parser_;
  std::string out_;  // frames waiting to be written
  size_t out_pos_ = 0;
  bool in_eof_ = false;  // frames stream ended
  bool exited_ = false;  // the process has exited (pidfd)
  bool hang_ = false;    // serve() ended on a request timeout
  uint64_t bytes_read_ = 0;
  std::string log_line_;  // a partial stderr line
  uint64_t ping_id_ = 0;  // the ping awaiting its pong, 0 = none
  double ping_deadline_ms_ = 0.0;
  double next_ping_ms_ = 0.0;
};

}  // namespace stream_tts::worker::detail
