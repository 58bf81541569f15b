// Lock-free single-producer / single-consumer ring buffer of trivially copyable values.
// One thread calls write(), one other thread calls read(); neither blocks, locks or allocates,
// so read() is safe in a real-time audio callback. Capacity is rounded up to a power of two.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

namespace stream_tts {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  explicit SpscRing(size_t min_capacity) {
    size_t cap = 1;
    while (cap < min_capacity) cap <<= 1;
    capacity_ = cap;
    mask_ = cap - 1;
    data_ = std::make_unique<T[]>(cap);
  }

  size_t capacity() const { return capacity_; }
  // Approximate from either side; exact when the other side is idle.
  size_t size() const { return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire); }
  size_t free_space() const { return capacity_ - size(); }

  // Producer: copies up to n values; returns how many were copied.
  size_t write(const T* src, size_t n) {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t tail = tail_.load(std::memory_order_acquire);
    n = std::min(n, capacity_ - (head - tail));
    copy_in(head, src, n);
    head_.store(head + n, std::memory_order_release);
    return n;
  }

  // Consumer: copies up to n values; returns how many were copied.
  size_t read(T* dst, size_t n) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    n = std::min(n, head - tail);
    copy_out(tail, dst, n);
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }

  // Consumer: drops up to n values without copying them; returns how many were dropped.
  // Lets a consumer cancel exactly what was written before a given point, unlike discard_all(),
  // which would also drop values the producer pushed after the cancellation was requested.
  size_t skip(size_t n) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    n = std::min(n, head - tail);
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }

  // Consumer: drops everything buffered (used to cancel playback).
  void discard_all() { tail_.store(head_.load(std::memory_order_acquire), std::memory_order_release); }

 private:
  // n == 0 returns early: callers may pass an empty span's nullptr, and memcpy(nullptr, ..., 0)
  // is undefined behaviour (UBSan reports it).
  void copy_in(size_t pos, const T* src, size_t n) {
    if (n == 0) return;
    const size_t start = pos & mask_;
    const size_t first = std::min(n, capacity_ - start);
    std::memcpy(&data_[start], src, first * sizeof(T));
    std::memcpy(&data_[0], src + first, (n - first) * sizeof(T));
  }
  void copy_out(size_t pos, T* dst, size_t n) const {
    if (n == 0) return;
    const size_t start = pos & mask_;
    const size_t first = std::min(n, capacity_ - start);
    std::memcpy(dst, &data_[start], first * sizeof(T));
    std::memcpy(dst + first, &data_[0], (n - first) * sizeof(T));
  }

  size_t capacity_ = 0;
  size_t mask_ = 0;
  std::unique_ptr<T[]> data_;
  alignas(64) std::atomic<size_t> head_{0};  // written by the producer
  alignas(64) std::atomic<size_t> tail_{0};  // written by the consumer
};

}  // namespace stream_tts
