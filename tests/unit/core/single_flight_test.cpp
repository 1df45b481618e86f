// SingleFlight: concurrent callers share one run of the operation, its result and its exception.
#include "core/single_flight.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include <boost/asio/io_context.hpp>

#include "core/when_all.hpp"
#include "run_sync.hpp"

namespace gp {
namespace {

namespace asio = boost::asio;
using test_support::RunSync;

// An operation that takes a while (so callers overlap) and counts its runs.
asio::awaitable<int> SlowAnswer(int& runs, int answer, bool fail) {
  ++runs;
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(30));
  co_await timer.async_wait(asio::use_awaitable);
  if (fail) throw std::runtime_error("the operation failed");
  co_return answer;
}

TEST(SingleFlight, ConcurrentCallersShareOneRun) {
  asio::io_context io;
  SingleFlight<int> flight;
  int runs = 0;
  std::vector<std::function<asio::awaitable<int>()>> callers;
  for (int i = 0; i < 5; ++i) {
    // Each caller would answer differently if it ran the operation itself.
    callers.emplace_back([&, i] { return flight.Run([&, i] { return SlowAnswer(runs, 100 + i, false); }); });
  }
  auto answers = RunSync(io, WhenAll(std::move(callers)));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(answers, std::vector<int>(5, 100));
  EXPECT_FALSE(flight.in_flight());
}

TEST(SingleFlight, AnExceptionReachesEveryCaller) {
  asio::io_context io;
  SingleFlight<int> flight;
  int runs = 0;
  int caught = 0;
  std::vector<std::function<asio::awaitable<int>()>> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&]() -> asio::awaitable<int> {
      try {
        co_return co_await flight.Run([&] { return SlowAnswer(runs, 1, true); });
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "the operation failed");
        ++caught;
      }
      co_return -1;
    });
  }
  auto answers = RunSync(io, WhenAll(std::move(callers)));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(caught, 4);
  EXPECT_EQ(answers, std::vector<int>(4, -1));
  EXPECT_FALSE(flight.in_flight());
}

TEST(SingleFlight, ALaterCallStartsAFreshRun) {
  asio::io_context io;
  SingleFlight<int> flight;
  int runs = 0;
  EXPECT_EQ(RunSync(io, flight.Run([&] { return SlowAnswer(runs, 1, false); })), 1);
  EXPECT_EQ(RunSync(io, flight.Run([&] { return SlowAnswer(runs, 2, false); })), 2);
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace gp
