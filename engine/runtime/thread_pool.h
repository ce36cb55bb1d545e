// A persistent worker pool for the hundreds of short parallel loops a forward
// pass issues per token: workers spin briefly, then sleep, between loops.
//
// Thread-compatible: one thread at a time calls ParallelFor.
#pragma once

#include <cstdint>
#include <memory>

namespace scribed::engine {

class ThreadPool {
 public:
  // `num_threads` counts the calling thread; 1 means no workers. Values < 1 use
  // DefaultThreadCount().
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const noexcept;

  // Calls fn(task, thread) for every task in [0, num_tasks), spread over all
  // threads (thread < size(); the caller is thread 0), and returns when all
  // calls have returned. fn must not throw and must not call ParallelFor.
  template <class F>
  void ParallelFor(int64_t num_tasks, const F& fn) {
    Run(num_tasks, [](const void* ctx, int64_t task, int thread) {
      (*static_cast<const F*>(ctx))(task, thread);
    }, &fn);
  }

 private:
  using TaskFn = void (*)(const void* ctx, int64_t task, int thread);
  void Run(int64_t num_tasks, TaskFn fn, const void* ctx);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Physical cores available to this process (hyper-threads share the memory
// bandwidth decode is bound by, so they are not counted).
int DefaultThreadCount() noexcept;

}  // namespace scribed::engine
