// WorkPool: work runs on a pool thread, the coroutine resumes on the loop's thread, the queue is
// bounded, and exceptions come back to the caller.
#include "core/work_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include <future>
#include <latch>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "run_sync.hpp"

namespace gp {
namespace {

namespace asio = boost::asio;
using test_support::RunSync;
using test_support::RunUntil;

TEST(WorkPool, RunsWorkOnAPoolThreadAndResumesOnTheLoopsThread) {
  asio::io_context io;
  WorkPool pool(2, 8);
  const auto loop_thread = std::this_thread::get_id();  // RunSync runs the loop here
  std::thread::id work_thread;
  std::thread::id resumed_thread;
  auto result = RunSync(io, [&]() -> asio::awaitable<Result<int>> {
    auto value = co_await pool.Run([&]() -> Result<int> {
      work_thread = std::this_thread::get_id();
      return 42;
    });
    resumed_thread = std::this_thread::get_id();
    co_return value;
  }());
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 42);
  EXPECT_NE(work_thread, std::thread::id());
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(resumed_thread, loop_thread);
  EXPECT_EQ(pool.pending(), 0u);
}

TEST(WorkPool, ReadRunsInlineUntilReadsBlockThenOnAPoolThread) {
  asio::io_context io;
  WorkPool pool(2, 8);
  const auto loop_thread = std::this_thread::get_id();
  auto where = [&] {
    return RunSync(io, pool.Read([]() -> Result<std::thread::id> { return std::this_thread::get_id(); }));
  };
  auto inline_read = where();
  ASSERT_TRUE(inline_read);
  EXPECT_EQ(*inline_read, loop_thread);
  pool.SetReadsBlock(2);
  auto pooled_read = where();
  ASSERT_TRUE(pooled_read);
  EXPECT_NE(*pooled_read, loop_thread);
  EXPECT_NE(*pooled_read, std::thread::id());
}

TEST(WorkPool, ReadsThatBlockDoNotWaitForTheWorkersWork) {
  asio::io_context io;
  WorkPool pool(1, 8);
  pool.SetReadsBlock(1);
  std::latch release(1);
  std::atomic<bool> busy{false};
  // The only worker is held by work that waits until the read is done.
  auto held = asio::co_spawn(io, pool.Run([&]() -> Result<int> {
    busy = true;
    release.wait();
    return 1;
  }), asio::use_future);
  ASSERT_TRUE(RunUntil(io, [&] { return busy.load(); }));
  auto read = RunSync(io, pool.Read([]() -> Result<int> { return 2; }), std::chrono::seconds(5));
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, 2);
  release.count_down();
  ASSERT_TRUE(RunUntil(io, [&] { return held.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  EXPECT_EQ(*held.get(), 1);
}

TEST(WorkPool, PoolThreadsRunAtALowerPriorityThanTheLoop) {
  asio::io_context io;
  WorkPool pool(2, 8);
  const int loop_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  auto pool_nice = RunSync(io, pool.Run([]() -> Result<int> {
    errno = 0;
    return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  }));
  ASSERT_TRUE(pool_nice);
  EXPECT_EQ(*pool_nice, std::min(19, loop_nice + WorkPool::kNice));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))), loop_nice);
}

TEST(WorkPool, ReaderThreadsRunAtTheLoopsPriority) {
  asio::io_context io;
  WorkPool pool(2, 8);
  pool.SetReadsBlock(2);
  const int loop_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  auto reader_nice = RunSync(io, pool.Read([]() -> Result<int> {
    errno = 0;
    return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  }));
  ASSERT_TRUE(reader_nice);
  EXPECT_EQ(*reader_nice, loop_nice);
}

TEST(WorkPool, RefusesAtOnceWhenMaxPendingIsReached) {
  asio::io_context io;
  std::latch release(1);  // outlives the pool, whose threads wait on it
  WorkPool pool(2, 2);
  std::atomic<int> started{0};
  // Whatever happens below, the workers are let go before the pool joins them.
  struct Release {
    std::latch& latch;
    ~Release() {
      if (!latch.try_wait()) latch.count_down();
    }
  } guard{release};

  auto blocked = [&]() -> asio::awaitable<Result<int>> {
    co_return co_await pool.Run([&]() -> Result<int> {
      ++started;
      release.wait();
      return 1;
    });
  };
  auto first = asio::co_spawn(io, blocked(), asio::use_future);
  auto second = asio::co_spawn(io, blocked(), asio::use_future);
  ASSERT_TRUE(RunUntil(io, [&] { return started.load() == 2; }));
  EXPECT_EQ(pool.pending(), 2u);

  const auto before = std::chrono::steady_clock::now();
  auto refused = RunSync(io, pool.Run([]() -> Result<int> { return 3; }));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));  // did not wait
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().retry_after_seconds, 1);
  EXPECT_EQ(refused.error().reason, "overloaded");
  EXPECT_EQ(pool.refused(), 1u);

  release.count_down();
  ASSERT_TRUE(RunUntil(io, [&] {
    return first.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
           second.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  EXPECT_EQ(*first.get(), 1);
  EXPECT_EQ(*second.get(), 1);
  EXPECT_EQ(pool.pending(), 0u);
  // Room again.
  auto accepted = RunSync(io, pool.Run([]() -> Result<int> { return 4; }));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(*accepted, 4);
}

TEST(WorkPool, RethrowsTheWorksExceptionInTheCaller) {
  asio::io_context io;
  WorkPool pool(2, 8);
  std::string caught;
  RunSync(io, [&]() -> asio::awaitable<void> {
    try {
      co_await pool.Run([]() -> Result<int> { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
  }());
  EXPECT_EQ(caught, "boom");
  EXPECT_EQ(pool.pending(), 0u);
}

TEST(WorkPool, ZeroThreadsMeansOnePerCoreAndAtLeastTwo) {
  WorkPool pool(0, 8);
  EXPECT_EQ(pool.threads(), WorkPool::DefaultThreads());
  EXPECT_GE(pool.threads(), 2);
}

}  // namespace
}  // namespace gp
