#include "core/loop_thread.hpp"

#include <atomic>
#include <chrono>

#include "core/log.hpp"

namespace gp::loop_thread {
namespace {

thread_local bool on_loop = false;
std::atomic<uint64_t> reports{0};
std::atomic<int64_t> last_logged_ms{0};

}  // namespace

Mark::Mark() { on_loop = true; }
Mark::~Mark() { on_loop = false; }

bool Current() { return on_loop; }

void ReportBlocking(const char* what) {
  reports.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  int64_t last = last_logged_ms.load(std::memory_order_relaxed);
  if (now - last < 1000 || !last_logged_ms.compare_exchange_strong(last, now)) return;
  log::error("{} ran on the event loop, which waits for it before any other request", what);
}

uint64_t BlockingReports() { return reports.load(std::memory_order_relaxed); }

}  // namespace gp::loop_thread
