#pragma once
// Lets concurrent callers share one run of an asynchronous operation: the first caller starts it,
// the others wait for its result instead of starting their own (one token refresh for many
// requests). For coroutines on one single-threaded executor only: nothing here is locked.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gp {

template <typename T>
class SingleFlight {
 public:
  boost::asio::awaitable<T> Run(std::function<boost::asio::awaitable<T>()> operation) {
    if (auto flight = flight_) {
      // Someone else's run is in flight: wait until it completes (its end cancels the timer).
      while (!flight->finished) {
        boost::system::error_code ec;
        co_await flight->done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      }
      if (flight->error) std::rethrow_exception(flight->error);
      co_return *flight->result;
    }
    auto flight = std::make_shared<Flight>(co_await boost::asio::this_coro::executor);
    flight_ = flight;
    std::optional<T> result;
    try {
      result.emplace(co_await operation());
    } catch (...) {
      flight->error = std::current_exception();
    }
    flight_.reset();
    flight->result = result;
    flight->finished = true;
    flight->done.cancel();
    if (flight->error) std::rethrow_exception(flight->error);
    co_return std::move(*result);
  }

  bool in_flight() const { return flight_ != nullptr; }

 private:
  struct Flight {
    explicit Flight(const boost::asio::any_io_executor& executor)
        : done(executor, std::chrono::steady_clock::time_point::max()) {}
    boost::asio::steady_timer done;
    std::optional<T> result;
    std::exception_ptr error;
    bool finished = false;
  };
  std::shared_ptr<Flight> flight_;
};

}  // namespace gp
