// A slot: one pool process and the thread that does all I/O with it. The loop is
//   launch (spawn, hello, capabilities) -> serve (requests, chunks, pings, timeouts) -> on death:
//   SIGKILL and reap, re-queue the requests in flight at the front of the queue, back off, again.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/clock.h"
#include "core/log.h"
#include "core/utf8.h"
#include "worker/manager_state.h"

namespace stream_tts::worker::detail {
namespace {

constexpr double kBackoffFirstS = 0.1;
constexpr double kBackoffMaxS = 5.0;
constexpr double kHealthyForResetS = 30.0;
constexpr size_t kReadBytes = 64 * 1024;
constexpr int kReadsPerPoll = 16;          // then other descriptors get a turn
constexpr size_t kMaxLogLineBytes = 4096;  // a longer line is cut (a worker printing a 1 MB array)
constexpr double kForever = std::numeric_limits<double>::infinity();

std::string slot_label(const WorkerConfig& c, int index) {
  return c.pool > 1 ? c.name + "#" + std::to_string(index) : c.name;
}

// The Python SDK writes "LEVEL message" (logging's "%(levelname)s %(message)s"); its levels carry
// over. Any other line is info.
void log_worker_line(const std::string& label, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.empty()) return;
  static constexpr std::pair<std::string_view, log::Level> kLevels[] = {
      {"DEBUG ", log::Level::kDebug},
      {"INFO ", log::Level::kInfo},
      {"WARNING ", log::Level::kWarn},
      {"ERROR ", log::Level::kError},
      {"CRITICAL ", log::Level::kError}};
  log::Level level = log::Level::kInfo;
  for (const auto& [prefix, l] : kLevels) {
    if (line.substr(0, prefix.size()) == prefix) {
      level = l;
      line.remove_prefix(prefix.size());
      break;
    }
  }
  log::emit(level, "{}: {}", label, utf8::sanitize(line));
}

int poll_timeout_ms(double deadline_ms) {
  if (!std::isfinite(deadline_ms)) return 60000;
  const double left = deadline_ms - now_ms();
  if (left <= 0) return 0;
  return static_cast<int>(std::min(60000.0, std::ceil(left)));
}

void drain_eventfd(int fd) {
  uint64_t count;
  while (::read(fd, &count, sizeof(count)) > 0) {
  }
}

}  // namespace

void Shared::finish(CallState& c, Status status) {
  if (c.finished) return;
  c.finished = true;
  c.status = std::move(status);
  c.cv.notify_all();
}

void Shared::wake_slots() {
  for (auto& s : slots) s->wake();
}

void Shared::fail_queue(const Status& status) {
  for (auto& c : queue) finish(*c, status);
  queue.clear();
  changed.notify_all();
}

Slot::Slot(Shared& shared, int index)
    : shared_(shared), index_(index), label_(slot_label(shared.config, index)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Slot::~Slot() {
  join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Slot::start_thread() {
  thread_ = std::thread([this] { run(); });
}

void Slot::join() {
  if (thread_.joinable()) thread_.join();
}

void Slot::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void Slot::sleep_for(double seconds) {
  const double deadline = now_ms() + seconds * 1000.0;
  for (;;) {
    {
      std::lock_guard lock(shared_.mutex);
      if (shared_.stopping) return;
    }
    const int timeout = poll_timeout_ms(deadline);
    if (timeout <= 0) return;
    pollfd p{wake_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout) > 0) drain_eventfd(wake_fd_);
  }
}

void Slot::run() {
  // A write to a worker that just died raises SIGPIPE; on this thread it stays blocked (and
  // pending, harmlessly, until the thread ends), so the write fails with EPIPE instead of killing
  // the process. The process-wide disposition is not ours to change.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

  const WorkerConfig& cfg = shared_.config;
  double backoff_s = kBackoffFirstS;
  bool first = true;
  double died_ms = 0.0;
  for (;;) {
    {
      std::lock_guard lock(shared_.mutex);
      if (shared_.stopping) break;
      state = State::kStarting;
    }
    bool permanent = false;
    Status s = launch(&permanent);
    if (!s) {
      if (proc_) {
        proc_->kill_and_reap();
        forward_log(true);
        proc_.reset();
      }
      std::unique_lock lock(shared_.mutex);
      if (shared_.stopping) break;
      if (first || permanent) {
        state = State::kFailed;
        start_status = s;
        if (!first) {
          log::error("worker {} cannot be restarted: {}", label_, s.message());
          const bool all_failed =
              std::all_of(shared_.slots.begin(), shared_.slots.end(),
                          [](const auto& o) { return o->state == State::kFailed; });
          if (all_failed) {
            shared_.fatal = s;
            shared_.fail_queue(s);
          }
        }
        initial_done = true;
        shared_.changed.notify_all();
        return;
      }
      state = State::kDown;
      log::warn("worker {}: restart failed: {}; trying again in {:.1f} s", label_, s.message(),
                backoff_s);
      if (shared_.ready == 0 &&
          now_ms() - shared_.all_down_since_ms > cfg.start_timeout_s * 1000.0) {
        shared_.fail_queue(
            {StatusCode::kUnavailable, "worker " + cfg.name + " is down: " + s.message()});
      }
      lock.unlock();
      sleep_for(backoff_s);
      backoff_s = std::min(backoff_s * 2, kBackoffMaxS);
      continue;
    }

    const double ready_ms = now_ms();
    {
      std::lock_guard lock(shared_.mutex);
      state = State::kReady;
      pid = proc_->pid();
      ++shared_.ready;
      ++shared_.stats.starts;
      if (!first) {
        ++shared_.stats.restarts;
        shared_.stats.last_restart_ms = ready_ms - died_ms;
      }
      initial_done = true;
      shared_.changed.notify_all();
    }
    if (!first)
      log::info("worker {} restarted in {:.0f} ms (pid {})", label_, ready_ms - died_ms,
                proc_->pid());
    first = false;

    hang_ = false;
    Status why = serve();
    bool stopping;
    {
      std::lock_guard lock(shared_.mutex);
      stopping = shared_.stopping;
      --shared_.ready;
      if (shared_.ready == 0) shared_.all_down_since_ms = now_ms();
      state = State::kDown;
      pid = 0;
    }
    if (stopping) break;
    died_ms = now_ms();
    if (died_ms - ready_ms >= kHealthyForResetS * 1000.0) backoff_s = kBackoffFirstS;
    after_death(why, backoff_s);
    sleep_for(backoff_s);
    backoff_s = std::min(backoff_s * 2, kBackoffMaxS);
  }

  shutdown_process();
  std::lock_guard lock(shared_.mutex);
  for (auto& c : in_flight) {
    c->slot = -1;
    shared_.finish(*c, {StatusCode::kUnavailable, "worker " + cfg.name + " stopped"});
  }
  in_flight.clear();
  state = State::kStopped;
  initial_done = true;
  shared_.changed.notify_all();
}

Status Slot::launch(bool* permanent) {
  *permanent = false;
  decoder_ = FrameDecoder();
  out_.clear();
  out_pos_ = 0;
  in_eof_ = false;
  exited_ = false;
  log_line_.clear();
  ping_id_ = 0;
  auto p = WorkerProcess::spawn(shared_.config);
  if (!p) return p.status();
  proc_ = std::move(p.value());
  return handshake(permanent);
}

Status Slot::handshake(bool* permanent) {
  const WorkerConfig& cfg = shared_.config;
  const double deadline = now_ms() + cfg.start_timeout_s * 1000.0;
  bool hello_sent = false;
  for (;;) {
    if (!hello_sent && proc_->write_fd() >= 0) {
      append_frame(&out_, hello_header());
      hello_sent = true;
    }
    Capabilities caps;
    bool got = false;
    Status s = take_frames(true, &caps, &got, permanent);
    if (!s) return s;
    if (got) {
      auto refuse = [&](StatusCode code, const std::string& why) {
        *permanent = true;
        return Status(code, "worker " + cfg.name + " " + why);
      };
      if (caps.protocol != kProtocolVersion) {
        return refuse(StatusCode::kDataError, "speaks protocol " + std::to_string(caps.protocol) +
                                                  ", stream-tts speaks " +
                                                  std::to_string(kProtocolVersion));
      }
      if (caps.kind != cfg.kind) {
        return refuse(StatusCode::kInvalidArgument,
                      "reports kind '" + caps.kind + "' but is configured as '" + cfg.kind + "'");
      }
      if (cfg.kind == "tts" && caps.sample_rate <= 0)
        return refuse(StatusCode::kDataError, "reports no sample_rate");
      if (cfg.kind == "tts" && caps.sample_format != "f32le" && caps.sample_format != "s16le") {
        return refuse(StatusCode::kDataError, "reports sample_format '" + caps.sample_format +
                                                  "' (expected f32le or s16le)");
      }
      if (caps.max_in_flight < 1) caps.max_in_flight = 1;
      size_t cap = static_cast<size_t>(caps.max_in_flight);
      if (cfg.max_in_flight > 0) cap = std::min(cap, static_cast<size_t>(cfg.max_in_flight));
      std::lock_guard lock(shared_.mutex);
      capacity = cap;
      capabilities = std::move(caps);
      return {};
    }
    if (in_eof_ || exited_) {
      // Give it a moment to exit so that the message can say how (e.g. status 1 after a traceback).
      proc_->wait_exit(0.5);
      forward_log(true);
      return {StatusCode::kUnavailable, "worker " + label_ + " " + proc_->exit_description() +
                                            " before reporting its capabilities"};
    }
    if (now_ms() >= deadline) {
      return {StatusCode::kUnavailable,
              fmt::format("worker {} did not report its capabilities within {} s "
                          "(start_timeout_s)",
                          label_, cfg.start_timeout_s)};
    }
    {
      std::lock_guard lock(shared_.mutex);
      if (shared_.stopping) return {StatusCode::kCancelled, "stopping"};
    }
    s = pump(deadline);
    if (!s) return s;
  }
}

Status Slot::serve() {
  const WorkerConfig& cfg = shared_.config;
  const double interval_ms = cfg.health_interval_s * 1000.0;
  const double timeout_ms = cfg.request_timeout_s * 1000.0;
  next_ping_ms_ = interval_ms > 0 ? now_ms() + interval_ms : kForever;
  ping_id_ = 0;
  // Frames that came in the same read as the capabilities.
  Status early = take_frames(false, nullptr, nullptr, nullptr);
  if (!early) return early;
  for (;;) {
    const double now = now_ms();
    double wake_at = kForever;
    uint64_t timed_out = 0;
    {
      std::lock_guard lock(shared_.mutex);
      if (shared_.stopping) return {};
      while (in_flight.size() < capacity && !shared_.queue.empty()) {
        std::shared_ptr<CallState> c = std::move(shared_.queue.front());
        shared_.queue.pop_front();
        c->slot = index_;
        c->sent_ms = now;
        c->attempt_seq = 0;
        c->timed_out = false;
        c->cancel_sent = false;
        out_ += c->frame;
        in_flight.push_back(std::move(c));
        shared_.changed.notify_all();  // room in the queue for submit()
      }
      shared_.stats.max_in_flight_seen =
          std::max(shared_.stats.max_in_flight_seen, in_flight.size());
      for (auto& c : in_flight) {
        if (c->cancel_requested && !c->cancel_sent) {
          append_frame(&out_, cancel_header(c->id));
          c->cancel_sent = true;
        }
        const double deadline = c->sent_ms + timeout_ms;
        if (now >= deadline) {
          c->timed_out = true;
          if (timed_out == 0) timed_out = c->id;
          ++shared_.stats.timeouts;
        }
        wake_at = std::min(wake_at, deadline);
      }
    }
    if (timed_out != 0) {
      hang_ = true;
      return {StatusCode::kUnavailable,
              fmt::format("did not finish request {} within {} s (request_timeout_s)", timed_out,
                          cfg.request_timeout_s)};
    }
    if (interval_ms > 0) {
      if (ping_id_ != 0 && now >= ping_deadline_ms_) {
        std::lock_guard lock(shared_.mutex);
        ++shared_.stats.missed_pongs;
        return {
            StatusCode::kUnavailable,
            fmt::format("missed its health check (no pong within {} s)", cfg.health_interval_s)};
      }
      if (ping_id_ == 0 && now >= next_ping_ms_) {
        ping_id_ = shared_.next_id.fetch_add(1);
        append_frame(&out_, ping_header(ping_id_));
        ping_deadline_ms_ = now + interval_ms;
        next_ping_ms_ = now + interval_ms;
      }
      wake_at = std::min(wake_at, ping_id_ != 0 ? ping_deadline_ms_ : next_ping_ms_);
    }
    Status s = pump(wake_at);
    if (!s) return s;
    s = take_frames(false, nullptr, nullptr, nullptr);
    if (!s) return s;
    if (exited_ && !in_eof_) {
      // Dead: what it wrote before dying is still in the pipe. Deliver it, then report the death.
      for (int i = 0; i < 1000 && !in_eof_; ++i) {
        const uint64_t before = bytes_read_;
        s = pump(now_ms());
        if (!s) return s;
        s = take_frames(false, nullptr, nullptr, nullptr);
        if (!s) return s;
        if (bytes_read_ == before) break;
      }
    }
    if (in_eof_) {
      Status t = decoder_.finish();
      if (!t) return {StatusCode::kDataError, "broke the protocol: " + t.message()};
      return {StatusCode::kUnavailable, "closed its output"};
    }
    if (exited_) return {StatusCode::kUnavailable, "exited"};
  }
}

Status Slot::take_frames(bool handshake, Capabilities* caps, bool* got_caps, bool* permanent) {
  for (;;) {
    Frame f;
    bool got = false;
    Status s = decoder_.next(&f, &got);
    if (!s) return {StatusCode::kDataError, "broke the protocol: " + s.message()};
    if (!got) return {};
    Message m;
    s = parser_.parse(f.header, &m);
    if (!s) return {StatusCode::kDataError, "broke the protocol: " + s.message()};
    if (!handshake) {
      s = dispatch(m, std::move(f.payload));
      if (!s) return s;
      continue;
    }
    const std::string& name = shared_.config.name;
    if (m.type == MessageType::kCapabilities) {
      *caps = std::move(m.capabilities);
      *got_caps = true;
      return {};
    }
    if (m.type == MessageType::kError) {
      if (m.code == "version") {
        *permanent = true;
        return {StatusCode::kDataError, "worker " + name +
                                            ": protocol version mismatch (stream-tts speaks " +
                                            std::to_string(kProtocolVersion) + "): " + m.message};
      }
      return {StatusCode::kUnavailable,
              "worker " + name + " failed to start: " + m.code + ": " + m.message};
    }
    if (m.type == MessageType::kUnknown) {
      log::debug("worker {}: skipped a frame of unknown type '{}'", label_, m.type_name);
      continue;
    }
    return {StatusCode::kDataError, "worker " + name + " broke the protocol: '" + m.type_name +
                                        "' before its capabilities"};
  }
}

Status Slot::dispatch(Message& m, std::string payload) {
  switch (m.type) {
    case MessageType::kPong:
      if (m.has_id && m.id == ping_id_) ping_id_ = 0;
      return {};
    case MessageType::kChunk:
    case MessageType::kDone:
      break;
    case MessageType::kError:
      if (!m.has_id) {
        log::warn("worker {}: error {}: {}", label_, m.code, m.message);
        return {};
      }
      break;
    default:
      log::debug("worker {}: skipped a '{}' frame", label_, m.type_name);
      return {};
  }
  std::lock_guard lock(shared_.mutex);
  auto it = std::find_if(in_flight.begin(), in_flight.end(),
                         [&](const auto& c) { return c->id == m.id; });
  if (it == in_flight.end()) {
    log::debug("worker {}: '{}' for request {}, which is not in flight; skipped", label_,
               m.type_name, m.id);
    return {};
  }
  CallState& c = **it;
  const std::string& name = shared_.config.name;
  if (m.type == MessageType::kChunk) {
    if (m.seq != c.attempt_seq) {
      return {StatusCode::kDataError,
              fmt::format("broke the protocol: chunk seq {} of request {} where {} was due", m.seq,
                          m.id, c.attempt_seq)};
    }
    ++c.attempt_seq;
    if (c.cancel_requested) return {};
    if (m.seq < c.delivered) {  // a re-issued request repeating what the caller already has
      ++shared_.stats.skipped_chunks;
      return {};
    }
    WorkerEvent e;
    e.seq = m.seq;
    e.sample_rate = m.sample_rate > 0 ? m.sample_rate : capabilities.sample_rate;
    e.format = m.format.empty() ? capabilities.sample_format : m.format;
    const size_t width = e.format == "f32le" ? 4 : e.format == "s16le" ? 2 : 1;
    if (payload.size() % width != 0) {
      return {StatusCode::kDataError,
              fmt::format("broke the protocol: {} chunk of {} bytes (request {})", e.format,
                          payload.size(), m.id)};
    }
    e.payload = std::move(payload);
    c.events.push_back(std::move(e));
    ++c.delivered;
    c.cv.notify_all();
    return {};
  }
  if (m.type == MessageType::kDone) {
    if (!m.stats_json.empty())
      log::debug("worker {}: request {} done, {} chunks, stats {}", label_, m.id, m.chunks,
                 m.stats_json);
    if (m.chunks != c.attempt_seq) {
      log::debug("worker {}: request {} done says {} chunks, {} arrived", label_, m.id, m.chunks,
                 c.attempt_seq);
    }
    if (!c.cancel_requested) {
      WorkerEvent e;
      e.kind = WorkerEvent::Kind::kDone;
      e.chunks = c.delivered;
      e.text = std::move(m.text);
      e.stats_json = std::move(m.stats_json);
      c.events.push_back(std::move(e));
      c.finished = true;
      c.cv.notify_all();
    }
  } else if (!c.cancel_requested) {
    shared_.finish(
        c, {status_code_for_error(m.code), "worker " + name + ": " + m.code + ": " + m.message});
  }
  c.slot = -1;
  in_flight.erase(it);
  return {};
}

Status Slot::flush_output() {
  const int fd = proc_->write_fd();
  if (fd < 0) return {};
  while (out_pos_ < out_.size()) {
    const ssize_t n = ::write(fd, out_.data() + out_pos_, out_.size() - out_pos_);
    if (n > 0) {
      out_pos_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return {StatusCode::kUnavailable,
            std::string("closed its input (") + std::strerror(errno) + ")"};
  }
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  }
  return {};
}

Status Slot::pump(double deadline_ms) {
  Status s = flush_output();
  if (!s) return s;
  const bool want_write = out_pos_ < out_.size() && proc_->write_fd() >= 0;
  pollfd fds[5];
  int n = 0;
  int i_frames = -1, i_write = -1, i_log = -1, i_exit = -1, i_listen = -1;
  if (proc_->frames_fd() >= 0 && !in_eof_) {
    i_frames = n;
    fds[n++] = {proc_->frames_fd(),
                static_cast<short>(
                    POLLIN | (want_write && proc_->write_fd() == proc_->frames_fd() ? POLLOUT : 0)),
                0};
  }
  if (want_write && proc_->write_fd() != proc_->frames_fd()) {
    i_write = n;
    fds[n++] = {proc_->write_fd(), POLLOUT, 0};
  }
  if (proc_->log_fd() >= 0) {
    i_log = n;
    fds[n++] = {proc_->log_fd(), POLLIN, 0};
  }
  if (proc_->exit_fd() >= 0 && !exited_) {
    i_exit = n;
    fds[n++] = {proc_->exit_fd(), POLLIN, 0};
  }
  if (proc_->listen_fd() >= 0) {
    i_listen = n;
    fds[n++] = {proc_->listen_fd(), POLLIN, 0};
  }
  const int i_wake = n;
  fds[n++] = {wake_fd_, POLLIN, 0};
  if (::poll(fds, static_cast<nfds_t>(n), poll_timeout_ms(deadline_ms)) < 0) {
    return errno == EINTR
               ? Status()
               : Status(StatusCode::kInternal, std::string("poll: ") + std::strerror(errno));
  }
  if (fds[i_wake].revents) drain_eventfd(wake_fd_);
  if (i_log >= 0 && fds[i_log].revents) forward_log(false);
  if (i_exit >= 0 && fds[i_exit].revents) exited_ = true;
  if (i_listen >= 0 && fds[i_listen].revents) {
    s = proc_->accept_connection();
    if (!s && s.code() != StatusCode::kEndOfStream) return s;
  }
  if (i_frames >= 0 && (fds[i_frames].revents & (POLLIN | POLLHUP | POLLERR))) {
    for (int i = 0; i < kReadsPerPoll; ++i) {
      char* buf = decoder_.prepare(kReadBytes);
      const ssize_t r = ::read(proc_->frames_fd(), buf, kReadBytes);
      decoder_.commit(r > 0 ? static_cast<size_t>(r) : 0);
      if (r > 0) {
        bytes_read_ += static_cast<uint64_t>(r);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) in_eof_ = true;  // EOF, or reset
      break;
    }
  }
  const bool writable = (i_write >= 0 && fds[i_write].revents) ||
                        (i_frames >= 0 && (fds[i_frames].revents & POLLOUT));
  if (writable) return flush_output();
  return {};
}

void Slot::forward_log(bool drain) {
  if (!proc_ || proc_->log_fd() < 0) return;
  char buf[4096];
  for (int i = 0; i < (drain ? 4096 : kReadsPerPoll); ++i) {
    const ssize_t n = ::read(proc_->log_fd(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) {
        if (!log_line_.empty()) log_worker_line(label_, log_line_);
        log_line_.clear();
        proc_->close_log();
      }
      return;
    }
    log_line_.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = log_line_.find('\n', start)) != std::string::npos; start = nl + 1) {
      log_worker_line(label_, std::string_view(log_line_).substr(start, nl - start));
    }
    log_line_.erase(0, start);
    if (log_line_.size() > kMaxLogLineBytes) {
      log_worker_line(label_, log_line_.substr(0, kMaxLogLineBytes) + " [cut]");
      log_line_.clear();
    }
  }
}

void Slot::after_death(const Status& why, double backoff_s) {
  const WorkerConfig& cfg = shared_.config;
  const pid_t dead_pid = proc_->pid();
  proc_->kill_and_reap();
  forward_log(true);  // a traceback, typically
  const std::string how = proc_->exit_description();
  proc_.reset();
  size_t again_count = 0;
  {
    std::lock_guard lock(shared_.mutex);
    ++shared_.stats.deaths;
    std::vector<std::shared_ptr<CallState>> again;
    for (auto& c : in_flight) {
      c->slot = -1;
      if (c->cancel_requested) continue;  // the caller already has its kCancelled
      // A hang is the fault of the request that ran too long; a death, of every request in flight.
      if (!hang_ || c->timed_out) ++c->failures;
      if (c->failures >= cfg.max_attempts) {
        shared_.finish(
            *c, {StatusCode::kUnavailable,
                 fmt::format("worker {}: request {} failed {} times; the last time the worker {}",
                             cfg.name, c->id, c->failures, why.message())});
        continue;
      }
      again.push_back(c);
    }
    in_flight.clear();
    shared_.queue.insert(shared_.queue.begin(), again.begin(), again.end());
    shared_.stats.reissued += again.size();
    again_count = again.size();
    shared_.wake_slots();
  }
  log::warn("worker {} (pid {}) {} ({}); {} request(s) to send again; restarting in {:.1f} s",
            label_, dead_pid, why.message(), how, again_count, backoff_s);
}

void Slot::shutdown_process() {
  if (!proc_) return;
  const WorkerConfig& cfg = shared_.config;
  const double grace_ms = cfg.shutdown_grace_s * 1000.0;
  // Frames that still arrive are read and dropped; logs keep flowing.
  auto wait_exit = [&](double ms) {
    const double deadline = now_ms() + ms;
    out_.clear();  // nothing more to say
    out_pos_ = 0;
    while (!proc_->reap_if_exited()) {
      if (now_ms() >= deadline) return false;
      if (!pump(std::min(deadline, now_ms() + 20.0))) in_eof_ = true;
      Frame f;
      bool got = true;
      while (got) {
        if (!decoder_.next(&f, &got)) {
          decoder_ = FrameDecoder();
          break;
        }
      }
    }
    return true;
  };
  if (proc_->write_fd() >= 0) {
    append_frame(&out_, shutdown_header());
    const double deadline = now_ms() + std::min(grace_ms, 500.0);
    while (out_pos_ < out_.size() && now_ms() < deadline && !exited_) {
      if (!pump(deadline)) break;
    }
    proc_->close_output();
  }
  if (!wait_exit(grace_ms)) {
    log::warn("worker {} (pid {}) did not exit after shutdown; sending SIGTERM", label_,
              proc_->pid());
    proc_->signal(SIGTERM);
    if (!wait_exit(grace_ms)) {
      log::warn("worker {} (pid {}) ignored SIGTERM; killing it", label_, proc_->pid());
      proc_->kill_and_reap();
    }
  }
  forward_log(true);
  log::debug("worker {} {}", label_, proc_->exit_description());
  proc_.reset();
}

}  // namespace stream_tts::worker::detail
