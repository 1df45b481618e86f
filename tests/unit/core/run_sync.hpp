#pragma once
// Drives an io_context from the test's own thread, so the test thread is the event loop's thread:
// RunSync runs one coroutine to its end; RunUntil runs the loop until a condition holds. Both give
// up at a deadline, so a broken implementation fails the test instead of hanging it.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace gp::test_support {

// Runs the loop in short slices until `done()` holds; false when `timeout` passed first.
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    if (io.run_one_for(std::chrono::milliseconds(5)) == 0 && io.stopped()) {
      // Nothing queued on the loop: what the condition waits for happens on another thread.
      std::this_thread::yield();
    }
  }
  return true;
}

// co_spawn with use_future, then runs the loop until the coroutine has finished; returns its value
// or rethrows its exception. Throws when it has not finished within `timeout`.
template <typename T>
T RunSync(boost::asio::io_context& io, boost::asio::awaitable<T> task,
          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  bool finished = RunUntil(
      io, [&] { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }, timeout);
  if (!finished) throw std::runtime_error("RunSync: the coroutine did not finish in time");
  return future.get();
}

}  // namespace gp::test_support
