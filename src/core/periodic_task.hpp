#pragma once
// Background work on the event loop instead of hand-made threads: a coroutine body run every
// `interval` (and at once when woken), one run at a time. A run that fails (throws) is logged and
// the schedule goes on. Stop() ends the schedule; a run in progress finishes first.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace gp {

class PeriodicTask {
 public:
  using Body = std::function<boost::asio::awaitable<void>()>;

  PeriodicTask(const boost::asio::any_io_executor& executor, std::string name, std::chrono::milliseconds interval,
               Body body);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // The first run starts after `first_delay`. Safe from any thread.
  void Start(std::chrono::milliseconds first_delay = std::chrono::milliseconds(0));
  // Runs again as soon as the current run (if any) is over. Safe from any thread.
  void Wake();
  // No further runs. Safe from any thread.
  void Stop();

  uint64_t runs() const;
  uint64_t failures() const;
  bool running() const;  // a run is in progress

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace gp
