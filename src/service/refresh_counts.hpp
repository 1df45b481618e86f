#pragma once
// How many Webex tokens a service obtained and failed to obtain (refreshed with a refresh token, or
// issued for a guest), for metrics. Updated from coroutines on the loop, read from any thread.

#include <atomic>
#include <cstdint>

namespace gp::service {

struct RefreshCounts {
  std::atomic<uint64_t> succeeded{0};
  std::atomic<uint64_t> failed{0};

  void Count(bool ok) { (ok ? succeeded : failed).fetch_add(1, std::memory_order_relaxed); }
};

}  // namespace gp::service
