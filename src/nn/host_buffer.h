// Allocation for weight matrices: 2 MiB-aligned and marked for transparent huge pages. A decoder step
// streams every weight once; with 4 KiB pages (a file mapping, or plain malloc where THP is "madvise")
// the TLB misses cost about as much as the memory traffic on the machines measured here.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <vector>

#include "nn/tensor.h"

namespace stream_tts::nn {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kHuge = size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHuge) {
      if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return static_cast<T*>(p);
      throw std::bad_alloc();
    }
    const size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, rounded);
    if (p == nullptr) throw std::bad_alloc();
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure just means small pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { std::free(p); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

// A copy of `t` in huge-page memory (same shape).
inline FloatTensor copy_to_huge_pages(const FloatTensor& t) {
  auto buffer = std::make_shared<HugeVector<float>>(t.data, t.data + t.numel());
  FloatTensor out;
  out.shape = t.shape;
  out.data = buffer->data();
  out.owner = std::move(buffer);
  return out;
}

}  // namespace stream_tts::nn
