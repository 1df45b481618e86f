#include "core/work_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "core/log.hpp"

namespace gp {

int WorkPool::DefaultThreads() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency())); }

WorkPool::WorkPool(int threads, std::size_t max_pending, int nice)
    : threads_(threads > 0 ? threads : DefaultThreads()),
      max_pending_(std::max<std::size_t>(1, max_pending)),
      context_(threads_) {
  guard_.emplace(context_.get_executor());
  for (int i = 0; i < threads_; ++i) {
    workers_.emplace_back([this, nice] {
      // Linux applies a nice value to one thread when given its thread id.
      auto tid = static_cast<id_t>(syscall(SYS_gettid));
      int current = getpriority(PRIO_PROCESS, tid);
      if (nice != 0 && setpriority(PRIO_PROCESS, tid, std::min(19, current + nice)) != 0) {
        log::debug("work pool: could not lower a thread's priority");
      }
      context_.run();
    });
  }
}

WorkPool::~WorkPool() { Join(); }

void WorkPool::SetReadsBlock(int reader_threads) {
  // At the loop's priority: they compute little, and what they wait for is a page someone is loading.
  readers_ = std::make_unique<WorkPool>(std::max(1, reader_threads), max_pending_, /*nice=*/0);
}

void WorkPool::Join() {
  if (readers_) readers_->Join();
  guard_.reset();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

tl::unexpected<Error> WorkPool::Overloaded() {
  Error error{ErrorCode::kUnavailable, "The portal is busy. Please try again in a moment."};
  error.reason = "overloaded";
  error.retry_after_seconds = 1;
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace gp
