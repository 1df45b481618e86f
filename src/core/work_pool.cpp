#include "core/work_pool.hpp"

#include <algorithm>
#include <thread>

namespace gp {

int WorkPool::DefaultThreads() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency())); }

WorkPool::WorkPool(int threads, std::size_t max_pending)
    : threads_(threads > 0 ? threads : DefaultThreads()),
      max_pending_(std::max<std::size_t>(1, max_pending)),
      pool_(static_cast<std::size_t>(threads_)) {}

WorkPool::~WorkPool() { Join(); }

void WorkPool::Join() { pool_.join(); }

tl::unexpected<Error> WorkPool::Overloaded() {
  Error error{ErrorCode::kUnavailable, "The portal is busy. Please try again in a moment."};
  error.reason = "overloaded";
  error.retry_after_seconds = 1;
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace gp
