#include "engine/runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace scribed::engine {
namespace {

TEST(ThreadPoolTest, EveryTaskRunsExactlyOnceOverManyTinyLoops) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    std::vector<std::atomic<int>> hits(257);
    std::atomic<int> bad_thread{0};
    for (int iter = 0; iter < 600; ++iter) {
      const int n = iter % 257;
      pool.ParallelFor(n, [&](int64_t task, int thread) {
        if (thread < 0 || thread >= threads) bad_thread.fetch_add(1);
        hits[task].fetch_add(1, std::memory_order_relaxed);
      });
      for (int i = 0; i < 257; ++i) {
        ASSERT_EQ(hits[i].exchange(0), i < n ? 1 : 0) << "threads " << threads << " n " << n;
      }
    }
    EXPECT_EQ(bad_thread.load(), 0);
  }
}

TEST(ThreadPoolTest, WorkersShareTheLoadAndWakeAfterSleeping) {
  ThreadPool pool(2);
  std::atomic<int> by_worker{0};
  // Slow tasks so the worker certainly takes some.
  pool.ParallelFor(64, [&](int64_t, int thread) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    if (thread == 1) by_worker.fetch_add(1);
  });
  EXPECT_GT(by_worker.load(), 0);
  // Long enough for the worker to stop spinning and sleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::atomic<int> count{0};
  pool.ParallelFor(1000, [&](int64_t, int) { count.fetch_add(1); });
  EXPECT_EQ(count.load(), 1000);
}

TEST(ThreadPoolTest, DefaultThreadCountIsSane) {
  const int n = DefaultThreadCount();
  EXPECT_GE(n, 1);
  EXPECT_LE(n, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), n);
}

}  // namespace
}  // namespace scribed::engine
