#include "engine/runtime/thread_pool.h"

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SCRIBED_CPU_RELAX() _mm_pause()
#else
#define SCRIBED_CPU_RELAX() std::this_thread::yield()
#endif

namespace scribed::engine {
namespace {

// Spins before sleeping: a forward pass issues the next loop within
// microseconds, and waking a sleeping thread costs tens of them.
constexpr int kSpinIterations = 20000;

}  // namespace

struct ThreadPool::Impl {
  int size = 1;
  std::vector<std::thread> workers;

  // Current loop; written by the caller before `generation` is bumped.
  TaskFn fn = nullptr;
  const void* ctx = nullptr;
  int64_t num_tasks = 0;
  std::atomic<int64_t> next_task{0};
  std::atomic<int> busy_workers{0};

  std::atomic<uint64_t> generation{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<int> sleepers{0};

  void Work(int thread) {
    for (;;) {
      const int64_t task = next_task.fetch_add(1, std::memory_order_relaxed);
      if (task >= num_tasks) return;
      fn(ctx, task, thread);
    }
  }

  void WorkerLoop(int thread) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t gen = generation.load(std::memory_order_acquire);
      for (int i = 0; gen == seen && i < kSpinIterations; ++i) {
        SCRIBED_CPU_RELAX();
        gen = generation.load(std::memory_order_acquire);
      }
      if (gen == seen) {
        std::unique_lock<std::mutex> lock(mu);
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        cv.wait(lock, [&] {
          return generation.load(std::memory_order_acquire) != seen ||
                 stop.load(std::memory_order_acquire);
        });
        sleepers.fetch_sub(1, std::memory_order_relaxed);
        gen = generation.load(std::memory_order_acquire);
      }
      if (stop.load(std::memory_order_acquire)) return;
      seen = gen;
      Work(thread);
      busy_workers.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
};

ThreadPool::ThreadPool(int num_threads) : impl_(std::make_unique<Impl>()) {
  impl_->size = num_threads < 1 ? DefaultThreadCount() : num_threads;
  impl_->workers.reserve(static_cast<size_t>(impl_->size - 1));
  for (int t = 1; t < impl_->size; ++t) {
    impl_->workers.emplace_back([this, t] { impl_->WorkerLoop(t); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop.store(true, std::memory_order_release);
  }
  impl_->cv.notify_all();
  for (auto& w : impl_->workers) w.join();
}

int ThreadPool::size() const noexcept { return impl_->size; }

void ThreadPool::Run(int64_t num_tasks, TaskFn fn, const void* ctx) {
  if (num_tasks <= 0) return;
  Impl& s = *impl_;
  if (s.size == 1 || num_tasks == 1) {
    for (int64_t t = 0; t < num_tasks; ++t) fn(ctx, t, 0);
    return;
  }
  s.fn = fn;
  s.ctx = ctx;
  s.num_tasks = num_tasks;
  s.next_task.store(0, std::memory_order_relaxed);
  s.busy_workers.store(s.size - 1, std::memory_order_relaxed);
  s.generation.fetch_add(1, std::memory_order_seq_cst);
  if (s.sleepers.load(std::memory_order_seq_cst) > 0) {
    // Taking the lock orders this wake-up after a worker's predicate check.
    { std::lock_guard<std::mutex> lock(s.mu); }
    s.cv.notify_all();
  }
  s.Work(0);
  // Every worker must leave the loop before fn/ctx go out of scope.
  for (int i = 0; s.busy_workers.load(std::memory_order_acquire) != 0; ++i) {
    if (i < kSpinIterations) {
      SCRIBED_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
}

int DefaultThreadCount() noexcept {
  try {
    cpu_set_t set;
    CPU_ZERO(&set);
    const bool have_affinity = sched_getaffinity(0, sizeof(set), &set) == 0;
    std::set<std::pair<std::string, std::string>> cores;
    int allowed = 0;
    bool topology_ok = true;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (have_affinity && !CPU_ISSET(cpu, &set)) continue;
      if (!have_affinity && cpu >= static_cast<int>(std::thread::hardware_concurrency())) break;
      ++allowed;
      const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
      std::ifstream pkg(base + "physical_package_id"), core(base + "core_id");
      std::string p, c;
      if (!(pkg >> p) || !(core >> c)) {
        topology_ok = false;
        continue;
      }
      cores.emplace(p, c);
    }
    if (topology_ok && !cores.empty()) return static_cast<int>(cores.size());
    if (allowed > 0) return allowed;
  } catch (...) {
    // Fall through to the portable answer.
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

}  // namespace scribed::engine
