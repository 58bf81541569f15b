#include "worker/worker_manager.h"

#include <algorithm>
#include <chrono>

#include "core/log.h"
#include "worker/manager_state.h"

namespace stream_tts::worker {

using detail::CallState;
using detail::Shared;
using detail::Slot;

// --- WorkerCall --------------------------------------------------------------------------------

WorkerCall::WorkerCall(Shared* shared, std::shared_ptr<CallState> state)
    : shared_(shared), state_(std::move(state)) {}

WorkerCall::WorkerCall(WorkerCall&& other) noexcept
    : shared_(other.shared_), state_(std::move(other.state_)) {
  other.shared_ = nullptr;
}

WorkerCall& WorkerCall::operator=(WorkerCall&& other) noexcept {
  if (this != &other) {
    cancel();
    shared_ = other.shared_;
    state_ = std::move(other.state_);
    other.shared_ = nullptr;
  }
  return *this;
}

WorkerCall::~WorkerCall() {
  cancel();
}

uint64_t WorkerCall::id() const {
  return state_ ? state_->id : 0;
}

Status WorkerCall::next(WorkerEvent* event, std::stop_token stop) {
  if (!state_) return {StatusCode::kInvalidArgument, "no request"};
  CallState& c = *state_;
  {
    std::unique_lock lock(shared_->mutex);
    if (c.end_returned) return {StatusCode::kEndOfStream, "request finished"};
    c.cv.wait(lock, stop, [&] { return !c.events.empty() || c.finished; });
    if (!c.events.empty()) {
      *event = std::move(c.events.front());
      c.events.pop_front();
      if (event->kind == WorkerEvent::Kind::kDone) c.end_returned = true;
      return {};
    }
    if (c.finished) {
      c.end_returned = true;
      return c.status;
    }
  }
  cancel();  // `stop` fired
  std::lock_guard lock(shared_->mutex);
  c.end_returned = true;
  return {StatusCode::kCancelled, "cancelled"};
}

void WorkerCall::cancel() {
  if (!state_ || shared_ == nullptr) return;
  std::lock_guard lock(shared_->mutex);
  CallState& c = *state_;
  if (c.finished) return;
  c.events.clear();
  c.cancel_requested = true;
  shared_->finish(c, {StatusCode::kCancelled, "cancelled"});
  if (c.slot < 0) {
    auto& q = shared_->queue;
    q.erase(std::remove(q.begin(), q.end(), state_), q.end());
    shared_->changed.notify_all();
  } else {
    shared_->slots[static_cast<size_t>(c.slot)]->wake();  // it owes the worker a `cancel`
  }
}

// --- WorkerManager -----------------------------------------------------------------------------

WorkerManager::WorkerManager(WorkerConfig config) {
  auto problems = config.validate();
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    throw Error(StatusCode::kInvalidArgument, msg);
  }
  shared_ = std::make_unique<Shared>(std::move(config));
}

WorkerManager::~WorkerManager() {
  shutdown();
}

const WorkerConfig& WorkerManager::config() const {
  return shared_->config;
}
const Capabilities& WorkerManager::capabilities() const {
  return shared_->capabilities;
}

Status WorkerManager::start(std::stop_token stop) {
  Shared& s = *shared_;
  Status result;
  {
    std::unique_lock lock(s.mutex);
    if (s.started || s.stopping)
      return {StatusCode::kInvalidArgument, "worker " + s.config.name + " was started before"};
    s.started = true;
    for (int i = 0; i < s.config.pool; ++i) s.slots.push_back(std::make_unique<Slot>(s, i));
    for (auto& slot : s.slots) slot->start_thread();
    const bool done = s.changed.wait(lock, stop, [&] {
      return std::all_of(s.slots.begin(), s.slots.end(),
                         [](const auto& slot) { return slot->initial_done; });
    });
    if (!done) {
      result = {StatusCode::kCancelled, "stopped while worker " + s.config.name + " was starting"};
    } else {
      for (const auto& slot : s.slots) {
        if (!slot->start_status.is_ok()) {
          result = slot->start_status;
          break;
        }
      }
    }
    if (result.is_ok()) {
      s.capabilities = s.slots.front()->capabilities;
      log::debug(
          "worker {} ready: {} process(es), kind {}, {} voice(s), {} Hz {}, max_in_flight {}",
          s.config.name, s.slots.size(), s.capabilities.kind, s.capabilities.voices.size(),
          s.capabilities.sample_rate, s.capabilities.sample_format, s.capabilities.max_in_flight);
    }
  }
  if (!result.is_ok()) shutdown();
  return result;
}

Result<WorkerCall> WorkerManager::submit(RequestFields request, std::stop_token stop) {
  Shared& s = *shared_;
  auto c = std::make_shared<CallState>();
  c->id = s.next_id.fetch_add(1);
  Status f = append_frame(&c->frame, request_header(c->id, request), request.payload);
  if (!f) return f;
  std::unique_lock lock(s.mutex);
  if (!s.started)
    return Status(StatusCode::kUnavailable, "worker " + s.config.name + " is not started");
  s.changed.wait(lock, stop, [&] {
    return s.stopping || !s.fatal.is_ok() || s.queue.size() < s.config.queue_limit;
  });
  if (s.stopping) return Status(StatusCode::kUnavailable, "worker " + s.config.name + " stopped");
  if (!s.fatal.is_ok()) return s.fatal;
  if (stop.stop_requested())
    return Status(StatusCode::kCancelled, "cancelled while waiting for a free worker");
  s.queue.push_back(c);
  s.wake_slots();
  return WorkerCall(&s, std::move(c));
}

void WorkerManager::shutdown() {
  if (!shared_) return;
  Shared& s = *shared_;
  std::vector<Slot*> slots;
  {
    std::lock_guard lock(s.mutex);
    if (!s.stopping) {
      s.stopping = true;
      s.fail_queue({StatusCode::kUnavailable, "worker " + s.config.name + " stopped"});
      s.wake_slots();
      s.changed.notify_all();
    }
    for (auto& slot : s.slots) slots.push_back(slot.get());
  }
  std::lock_guard join_lock(join_mutex_);
  for (Slot* slot : slots) slot->join();
}

WorkerStats WorkerManager::stats() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->stats;
}

std::vector<pid_t> WorkerManager::pids() const {
  std::lock_guard lock(shared_->mutex);
  std::vector<pid_t> p;
  for (const auto& slot : shared_->slots) p.push_back(slot->pid);
  return p;
}

bool WorkerManager::wait_ready(double timeout_s) const {
  Shared& s = *shared_;
  std::unique_lock lock(s.mutex);
  return s.changed.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] {
    return !s.slots.empty() && std::all_of(s.slots.begin(), s.slots.end(), [](const auto& slot) {
      return slot->state == Slot::State::kReady;
    });
  });
}

}  // namespace stream_tts::worker
