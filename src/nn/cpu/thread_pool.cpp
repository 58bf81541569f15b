#include "nn/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace stream_tts::nn::cpu {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// Work is cut into several chunks per thread, taken from a shared counter: on a loaded machine a
// descheduled thread then delays the step by one small chunk, not by its whole share. The counter
// carries the run's generation in its high half, so that a worker waking late cannot take (or
// finish) a chunk of a run that is over.
class Pool {
 public:
  ~Pool() { resize(1); }

  void resize(int n) {
    n = std::max(1, n);
    if (n == threads_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
      ++generation_;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    quit_ = false;
    threads_ = n;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, start = generation_] { work(start); });
  }

  int threads() const { return threads_; }

  void run(int n, int min_per_thread, const std::function<void(int, int)>& fn) {
    const int useful = std::max(1, std::min(threads_, n / std::max(1, min_per_thread)));
    if (useful == 1) {
      fn(0, n);
      return;
    }
    // Callers from different threads (two models translating at once) take turns.
    std::lock_guard<std::mutex> turn(run_mu_);
    // Chunks of a multiple of 4 items (the kernels' row blocks), about 8 per thread.
    int chunk = std::max(min_per_thread / 2, (n + useful * 8 - 1) / (useful * 8));
    chunk = (chunk + 3) / 4 * 4;
    const int chunks = (n + chunk - 1) / chunk;
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      gen = ++generation_;
      fn_ = &fn;
      n_ = n;
      chunk_ = chunk;
      chunks_ = chunks;
      done_.store(0, std::memory_order_relaxed);
      next_.store(gen << 32, std::memory_order_release);
    }
    cv_.notify_all();
    take_chunks(gen, &fn, n, chunk, chunks);
    // Spin with a CPU pause, not sched_yield: next to another process on the same core (a build, a
    // fuzzer, a second engine), yield hands it the core for up to a scheduler slice each time the
    // last chunk is still running elsewhere, and a decoder step waits here dozens of times (NLLB int8
    // under two background processes: 1.6 s -> 0.85 s a sentence, docs/nmt.md). The spin is bounded
    // in time (a pause takes 10-140 cycles depending on the CPU), then the caller sleeps.
    constexpr auto kSpin = std::chrono::microseconds(200);
    const auto spin_start = std::chrono::steady_clock::now();
    for (int spin = 1; done_.load(std::memory_order_acquire) != chunks; ++spin) {
      if (spin % 64 == 0 && std::chrono::steady_clock::now() - spin_start > kSpin) {
        std::unique_lock<std::mutex> lock(mu_);
        done_cv_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == chunks; });
        break;
      }
      cpu_relax();
    }
  }

 private:
  // Takes chunks of run `gen` until none is left; false when the run is over.
  void take_chunks(uint64_t gen, const std::function<void(int, int)>* fn, int n, int chunk, int chunks) {
    for (;;) {
      uint64_t v = next_.load(std::memory_order_acquire);
      int index;
      do {
        if ((v >> 32) != gen) return;
        index = static_cast<int>(v & 0xffffffffu);
        if (index >= chunks) return;
      } while (!next_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel));
      (*fn)(index * chunk, std::min(n, (index + 1) * chunk));
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
        std::lock_guard<std::mutex> lock(mu_);
        done_cv_.notify_one();
      }
    }
  }

  void work(uint64_t seen) {
    for (;;) {
      const std::function<void(int, int)>* fn;
      int n, chunk, chunks;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (quit_) return;
        fn = fn_;
        n = n_;
        chunk = chunk_;
        chunks = chunks_;
      }
      take_chunks(seen, fn, n, chunk, chunks);
    }
  }

  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  int threads_ = 1;
  bool quit_ = false;
  uint64_t generation_ = 0;
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0, chunk_ = 1, chunks_ = 0;
  std::atomic<uint64_t> next_{0};  // generation << 32 | next chunk index
  std::atomic<int> done_{0};       // chunks finished in the current run
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void pool_set_threads(int n) { pool().resize(n); }
int pool_threads() { return pool().threads(); }
void parallel_for(int n, int min_per_thread, const std::function<void(int, int)>& fn) {
  pool().run(n, min_per_thread, fn);
}

}  // namespace stream_tts::nn::cpu
