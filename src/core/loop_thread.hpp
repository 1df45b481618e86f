#pragma once
// Which thread is the event loop's. Work that may block (a PostgreSQL call) asks, and reports itself
// when it finds it is on the loop, where it would delay every request meanwhile.

#include <cstdint>

namespace gp::loop_thread {

// Marks the calling thread as the event loop's while it lives.
class Mark {
 public:
  Mark();
  ~Mark();
  Mark(const Mark&) = delete;
  Mark& operator=(const Mark&) = delete;
};

bool Current();

// Logs (at most once a second) that blocking work named `what` ran on the event loop, and counts it.
void ReportBlocking(const char* what);
uint64_t BlockingReports();

}  // namespace gp::loop_thread
