// A blocking, bounded multi-producer/multi-consumer queue between pipeline stages.
// close() wakes every waiter: push() then fails and pop() returns what is left, then nullopt.
// clear() drops queued items (cancellation); push_dropping_oldest() is the non-blocking push of
// a queue that prefers fresh items to old ones. Not for the audio callback (it locks).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace stream_tts {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Blocks while full. Returns false if the queue is closed.
  bool push(T value) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }

  // Never blocks: when the queue is full, its oldest item makes room and is moved to *dropped
  // (which is left empty otherwise). Returns false if the queue is closed.
  bool push_dropping_oldest(T value, std::optional<T>* dropped) {
    dropped->reset();
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    if (items_.size() >= capacity_) {
      dropped->emplace(std::move(items_.front()));
      items_.pop_front();
    }
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open. nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return value;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  size_t clear() {
    std::lock_guard lock(mutex_);
    size_t n = items_.size();
    items_.clear();
    not_full_.notify_all();
    return n;
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace stream_tts
