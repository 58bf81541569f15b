#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <optional>
#include <thread>

#include "core/bounded_queue.h"
#include "core/spsc_ring.h"
#include "core/stats.h"

namespace stream_tts {
namespace {

TEST(BoundedQueue, KeepsOrderAcrossThreadsAndBlocksWhenFull) {
  BoundedQueue<int> q(2);
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.push(i));
    q.close();
  });
  int expected = 0;
  while (auto v = q.pop()) {
    EXPECT_EQ(*v, expected++);
    EXPECT_LE(q.size(), 2u);
  }
  producer.join();
  EXPECT_EQ(expected, 1000);
}

TEST(BoundedQueue, CloseWakesBlockedProducerAndConsumer) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.push(1));
  std::thread producer([&] { EXPECT_FALSE(q.push(2)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.close();
  producer.join();
  EXPECT_EQ(q.pop().value_or(-1), 1);  // what was accepted is not lost
  EXPECT_FALSE(q.pop().has_value());
}

TEST(BoundedQueue, ClearDropsItems) {
  BoundedQueue<int> q(4);
  q.push(1);
  q.push(2);
  EXPECT_EQ(q.clear(), 2u);
  EXPECT_EQ(q.size(), 0u);
}

TEST(BoundedQueue, PushDroppingOldestNeverBlocksAndHandsBackTheOldest) {
  BoundedQueue<int> q(2);
  std::optional<int> dropped;
  EXPECT_TRUE(q.push_dropping_oldest(1, &dropped));
  EXPECT_TRUE(q.push_dropping_oldest(2, &dropped));
  EXPECT_FALSE(dropped.has_value());
  EXPECT_TRUE(q.push_dropping_oldest(3, &dropped));  // full: 1 makes room
  EXPECT_EQ(dropped.value_or(-1), 1);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop().value_or(-1), 2);
  EXPECT_EQ(q.pop().value_or(-1), 3);
  q.close();
  EXPECT_FALSE(q.push_dropping_oldest(4, &dropped));
  EXPECT_FALSE(dropped.has_value());
}

TEST(SpscRing, WrapsAroundAndRespectsCapacity) {
  SpscRing<float> ring(5);  // rounds to 8
  EXPECT_EQ(ring.capacity(), 8u);
  float in[10];
  std::iota(in, in + 10, 0.0f);
  EXPECT_EQ(ring.write(in, 10), 8u);
  float out[10] = {};
  EXPECT_EQ(ring.read(out, 5), 5u);
  EXPECT_EQ(out[4], 4.0f);
  EXPECT_EQ(ring.write(in, 4), 4u);  // wraps
  EXPECT_EQ(ring.read(out, 10), 7u);
  EXPECT_EQ(out[0], 5.0f);
  EXPECT_EQ(out[2], 7.0f);
  EXPECT_EQ(out[3], 0.0f);
  EXPECT_EQ(out[6], 3.0f);
}

TEST(SpscRing, ConcurrentTransferIsLossless) {
  SpscRing<int> ring(64);
  constexpr int kCount = 200000;
  std::thread producer([&] {
    int next = 0;
    while (next < kCount) {
      int block[7];
      int n = std::min(7, kCount - next);
      for (int i = 0; i < n; ++i) block[i] = next + i;
      next += static_cast<int>(ring.write(block, static_cast<size_t>(n)));
    }
  });
  int expected = 0;
  int buf[13];
  while (expected < kCount) {
    size_t n = ring.read(buf, 13);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(buf[i], expected++);
  }
  producer.join();
}

TEST(Stats, Percentile) {
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2}, 50), 2.0);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({10}, 95), 10.0);
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
}

}  // namespace
}  // namespace stream_tts
