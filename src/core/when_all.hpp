#pragma once
// Runs several coroutines at once on the caller's executor and waits for all of them: N Webex
// calls cost one round trip, and hold no thread while they wait.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gp {

// The results in the order of `tasks`. An exception from any task is rethrown after all finished.
template <typename T>
boost::asio::awaitable<std::vector<T>> WhenAll(std::vector<std::function<boost::asio::awaitable<T>()>> tasks) {
  namespace asio = boost::asio;
  struct Shared {
    explicit Shared(const asio::any_io_executor& executor, std::size_t n)
        : done(executor, std::chrono::steady_clock::time_point::max()), results(n), left(n) {}
    asio::steady_timer done;
    std::vector<std::optional<T>> results;
    std::size_t left;
    std::exception_ptr error;
  };
  auto executor = co_await asio::this_coro::executor;
  auto shared = std::make_shared<Shared>(executor, tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    asio::co_spawn(
        executor,
        [shared, i, task = std::move(tasks[i])]() -> asio::awaitable<void> {
          try {
            shared->results[i].emplace(co_await task());
          } catch (...) {
            if (!shared->error) shared->error = std::current_exception();
          }
          if (--shared->left == 0) shared->done.cancel();
        },
        asio::detached);
  }
  while (shared->left > 0) {
    boost::system::error_code ec;
    co_await shared->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (shared->error) std::rethrow_exception(shared->error);
  std::vector<T> out;
  out.reserve(shared->results.size());
  for (auto& result : shared->results) out.push_back(std::move(*result));
  co_return out;
}

}  // namespace gp
