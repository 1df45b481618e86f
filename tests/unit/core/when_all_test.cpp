// WhenAll: the tasks wait at the same time, and the results come back in the order of the tasks.
#include "core/when_all.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include <boost/asio/io_context.hpp>

#include "run_sync.hpp"

namespace gp {
namespace {

namespace asio = boost::asio;
using test_support::RunSync;
using Task = std::function<asio::awaitable<int>()>;

asio::awaitable<int> After(std::chrono::milliseconds wait, int value) {
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  co_await timer.async_wait(asio::use_awaitable);
  co_return value;
}

TEST(WhenAll, TasksWaitConcurrently) {
  asio::io_context io;
  std::vector<Task> tasks;
  for (int i = 0; i < 3; ++i) tasks.emplace_back([i] { return After(std::chrono::milliseconds(200), i); });
  const auto started = std::chrono::steady_clock::now();
  auto results = RunSync(io, WhenAll(std::move(tasks)));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  // One after the other would take 600 ms.
  EXPECT_LT(elapsed, std::chrono::milliseconds(450));
  EXPECT_EQ(results, (std::vector<int>{0, 1, 2}));
}

TEST(WhenAll, ResultsKeepTheOrderOfTheTasksNotOfTheirEnds) {
  asio::io_context io;
  std::vector<int> finished;
  std::vector<Task> tasks;
  for (int i = 0; i < 3; ++i) {
    // The last task ends first.
    tasks.emplace_back([i, &finished]() -> asio::awaitable<int> {
      int value = co_await After(std::chrono::milliseconds(60 - 20 * i), 10 * i);
      finished.push_back(i);
      co_return value;
    });
  }
  auto results = RunSync(io, WhenAll(std::move(tasks)));
  EXPECT_EQ(finished, (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(results, (std::vector<int>{0, 10, 20}));
}

TEST(WhenAll, AnExceptionIsRethrownAfterEveryTaskFinished) {
  asio::io_context io;
  int finished = 0;
  std::vector<Task> tasks;
  tasks.emplace_back([&]() -> asio::awaitable<int> {
    co_await After(std::chrono::milliseconds(1), 0);
    throw std::runtime_error("task failed");
  });
  for (int i = 0; i < 2; ++i) {
    tasks.emplace_back([&]() -> asio::awaitable<int> {
      co_await After(std::chrono::milliseconds(40), 0);
      ++finished;
      co_return 1;
    });
  }
  std::string caught;
  RunSync(io, [&]() -> asio::awaitable<void> {
    try {
      co_await WhenAll(std::move(tasks));
    } catch (const std::runtime_error& e) {
      caught = e.what();
      // Nothing is left running behind the caller's back.
      EXPECT_EQ(finished, 2);
    }
  }());
  EXPECT_EQ(caught, "task failed");
}

TEST(WhenAll, NoTasksGiveNoResults) {
  asio::io_context io;
  auto results = RunSync(io, WhenAll(std::vector<Task>{}));
  EXPECT_TRUE(results.empty());
}

}  // namespace
}  // namespace gp
