// SpscRing: the lock-free queue between the synthesis thread and the audio callback.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "core/spsc_ring.h"

namespace stream_tts {
namespace {

TEST(SpscRing, RoundsCapacityUpToPowerOfTwo) {
  EXPECT_EQ(SpscRing<float>(1000).capacity(), 1024u);
  EXPECT_EQ(SpscRing<float>(1024).capacity(), 1024u);
  EXPECT_EQ(SpscRing<float>(1).capacity(), 1u);
}

TEST(SpscRing, WriteStopsWhenFullAndReadStopsWhenEmpty) {
  SpscRing<int> ring(8);
  std::vector<int> in(10);
  std::iota(in.begin(), in.end(), 0);
  EXPECT_EQ(ring.write(in.data(), in.size()), 8u);
  EXPECT_EQ(ring.free_space(), 0u);
  EXPECT_EQ(ring.write(in.data(), 1), 0u);
  std::vector<int> out(10, -1);
  EXPECT_EQ(ring.read(out.data(), out.size()), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i], i);
  EXPECT_EQ(ring.read(out.data(), 1), 0u);
}

TEST(SpscRing, WrapsAroundTheEndOfTheBuffer) {
  SpscRing<int> ring(8);
  int next_in = 0;
  int next_out = 0;
  // Odd sizes so that reads and writes straddle the end of the array at every offset.
  for (int round = 0; round < 50; ++round) {
    std::vector<int> in(5);
    for (int& v : in) v = next_in++;
    ASSERT_EQ(ring.write(in.data(), in.size()), 5u);
    std::vector<int> out(5);
    ASSERT_EQ(ring.read(out.data(), out.size()), 5u);
    for (int v : out) ASSERT_EQ(v, next_out++);
    ASSERT_EQ(ring.size(), 0u);
  }
  // Partly filled, then a write that splits into tail and head pieces.
  std::vector<int> a{1, 2, 3, 4, 5, 6};
  ASSERT_EQ(ring.write(a.data(), 6), 6u);
  std::vector<int> out(4);
  ASSERT_EQ(ring.read(out.data(), 4), 4u);
  std::vector<int> b{7, 8, 9, 10, 11, 12};
  ASSERT_EQ(ring.write(b.data(), 6), 6u);
  std::vector<int> rest(8);
  ASSERT_EQ(ring.read(rest.data(), 8), 8u);
  EXPECT_EQ(rest, (std::vector<int>{5, 6, 7, 8, 9, 10, 11, 12}));
}

TEST(SpscRing, EmptyTransfersWithNullPointersAreHarmless) {
  SpscRing<float> ring(4);
  EXPECT_EQ(ring.write(nullptr, 0), 0u);
  EXPECT_EQ(ring.read(nullptr, 0), 0u);
}

TEST(SpscRing, SkipDropsOnlyWhatIsAskedFor) {
  SpscRing<int> ring(8);
  std::vector<int> in{1, 2, 3, 4, 5};
  ring.write(in.data(), in.size());
  EXPECT_EQ(ring.skip(3), 3u);
  EXPECT_EQ(ring.skip(10), 2u);  // never past what was written
  std::vector<int> more{6, 7};
  ring.write(more.data(), more.size());
  std::vector<int> out(2);
  ASSERT_EQ(ring.read(out.data(), 2), 2u);
  EXPECT_EQ(out, more);
}

TEST(SpscRing, DiscardAllEmptiesTheRing) {
  SpscRing<int> ring(8);
  std::vector<int> in{1, 2, 3};
  ring.write(in.data(), in.size());
  ring.discard_all();
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_EQ(ring.free_space(), 8u);
}

// One producer and one consumer hammer a small ring with uneven chunk sizes; every value must
// arrive exactly once and in order. TSan-free proof is the order check plus the checksum.
TEST(SpscRing, ConcurrentProducerAndConsumerKeepEveryValueInOrder) {
  constexpr uint64_t kTotal = 10'000'000;
  SpscRing<uint32_t> ring(4096);
  uint64_t sent_sum = 0;
  std::thread producer([&] {
    std::vector<uint32_t> chunk(1024);
    uint64_t next = 0;
    size_t step = 1;
    while (next < kTotal) {
      const size_t want = std::min<uint64_t>(step, kTotal - next);
      for (size_t i = 0; i < want; ++i) chunk[i] = static_cast<uint32_t>((next + i) * 2654435761u);
      size_t done = 0;
      while (done < want) {
        const size_t n = ring.write(chunk.data() + done, want - done);
        if (n == 0) std::this_thread::yield();
        done += n;
      }
      for (size_t i = 0; i < want; ++i) sent_sum += chunk[i];
      next += want;
      step = step % 997 + 13;  // chunk sizes wander between 13 and 1009
    }
  });

  uint64_t received = 0;
  uint64_t received_sum = 0;
  bool in_order = true;
  std::vector<uint32_t> buf(777);
  while (received < kTotal) {
    const size_t n = ring.read(buf.data(), buf.size());
    if (n == 0) {
      std::this_thread::yield();
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      in_order &= buf[i] == static_cast<uint32_t>((received + i) * 2654435761u);
      received_sum += buf[i];
    }
    received += n;
  }
  producer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(received, kTotal);
  EXPECT_EQ(received_sum, sent_sum);
  EXPECT_EQ(ring.size(), 0u);
}

}  // namespace
}  // namespace stream_tts
