// PeriodicTask on an event loop driven by the test thread: runs on schedule and when woken, counts a
// failing run and goes on, and ends for good when stopped.
#include "core/periodic_task.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "run_sync.hpp"

namespace gp {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::RunUntil;

asio::awaitable<void> Wait(std::chrono::milliseconds wait) {
  asio::steady_timer timer(co_await asio::this_coro::executor, wait);
  co_await timer.async_wait(asio::use_awaitable);
}

TEST(PeriodicTask, RunsOnEveryInterval) {
  asio::io_context io;
  int runs = 0;
  PeriodicTask task(io.get_executor(), "test", 10ms, [&]() -> asio::awaitable<void> {
    ++runs;
    co_return;
  });
  task.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return task.runs() >= 3; }));
  EXPECT_EQ(runs, static_cast<int>(task.runs()));
  EXPECT_EQ(task.failures(), 0u);
  task.Stop();
}

TEST(PeriodicTask, WakeRunsItPromptly) {
  asio::io_context io;
  PeriodicTask task(io.get_executor(), "test", 1h, []() -> asio::awaitable<void> { co_return; });
  task.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return task.runs() == 1; }));  // the first run is at once
  const auto woken = std::chrono::steady_clock::now();
  task.Wake();
  ASSERT_TRUE(RunUntil(io, [&] { return task.runs() == 2; }, 2s));  // not an hour
  EXPECT_LT(std::chrono::steady_clock::now() - woken, 500ms);
  task.Stop();
}

TEST(PeriodicTask, AWakeDuringARunGivesOneMoreRunRightAfter) {
  asio::io_context io;
  bool in_first_run = false;
  PeriodicTask* self = nullptr;
  PeriodicTask task(io.get_executor(), "test", 1h, [&]() -> asio::awaitable<void> {
    if (self->runs() == 0) {
      in_first_run = true;
      EXPECT_TRUE(self->running());
      co_await Wait(50ms);
    }
  });
  self = &task;
  task.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return in_first_run; }));
  task.Wake();
  ASSERT_TRUE(RunUntil(io, [&] { return task.runs() == 2; }, 2s));
  EXPECT_FALSE(task.running());
  task.Stop();
}

TEST(PeriodicTask, AFailingRunIsCountedAndTheScheduleGoesOn) {
  asio::io_context io;
  int attempts = 0;
  PeriodicTask task(io.get_executor(), "test", 5ms, [&]() -> asio::awaitable<void> {
    if (++attempts <= 2) throw std::runtime_error("run failed");
    co_return;
  });
  task.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return task.runs() >= 4; }));
  EXPECT_EQ(task.failures(), 2u);
  EXPECT_FALSE(task.running());
  task.Stop();
}

TEST(PeriodicTask, StopEndsTheScheduleAfterTheRunInProgress) {
  asio::io_context io;
  bool run_started = false;
  bool run_finished = false;
  PeriodicTask task(io.get_executor(), "test", 5ms, [&]() -> asio::awaitable<void> {
    run_started = true;
    co_await Wait(30ms);
    run_finished = true;
  });
  task.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return run_started; }));
  task.Stop();
  // The loop has nothing left to do once the task's coroutine ended: run() returns by itself.
  const auto stopped = std::chrono::steady_clock::now();
  io.restart();
  io.run_for(3s);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, 2s) << "the task kept the loop busy after Stop()";
  EXPECT_TRUE(run_finished);
  EXPECT_EQ(task.runs(), 1u);
  EXPECT_FALSE(task.running());
}

TEST(PeriodicTask, AFirstDelayPutsOffTheFirstRun) {
  asio::io_context io;
  PeriodicTask task(io.get_executor(), "test", 1h, []() -> asio::awaitable<void> { co_return; });
  const auto started = std::chrono::steady_clock::now();
  task.Start(100ms);
  ASSERT_TRUE(RunUntil(io, [&] { return task.runs() == 1; }, 2s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms);
  task.Stop();
}

}  // namespace
}  // namespace gp
