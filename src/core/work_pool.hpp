#pragma once
// A bounded pool of threads for work that blocks: Argon2id hashing and database writes. A
// coroutine on the event loop hands work over with `co_await pool.Run(f)`: `f` runs on a pool
// thread and the coroutine resumes on its own executor afterwards, so the event loop never waits.
// At most `max_pending` pieces of work wait or run at once; beyond that Run fails at once with
// kUnavailable (retry after 1 s), which the API answers as 503 with Retry-After: overload costs
// an answer, never unbounded memory. Pool threads run at a lower scheduling priority (nice
// `kNice` above the process's) than the event loop, so hashing passwords on every core never delays the loop's answers.
// The reader threads of SetReadsBlock run at the loop's priority.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/error.hpp"

namespace gp {

class WorkPool {
 public:
  static constexpr int kNice = 10;

  // `threads` 0 means one per core (at least two); they run `nice` above the process's nice value.
  WorkPool(int threads, std::size_t max_pending, int nice = kNice);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Runs `work` (returning a Result<T>) on a pool thread. An exception thrown by `work` is
  // rethrown in the caller.
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F&>> Run(F work) {
    using R = std::invoke_result_t<F&>;
    if (pending_.fetch_add(1, std::memory_order_acq_rel) >= max_pending_) {
      pending_.fetch_sub(1, std::memory_order_acq_rel);
      ++refused_;
      co_return R(Overloaded());
    }
    Pending pending(pending_);
    co_return co_await boost::asio::co_spawn(
        context_.get_executor(), [&work]() -> boost::asio::awaitable<R> { co_return work(); },
        boost::asio::use_awaitable);
  }

  // Runs `work`, a database read, where the database allows: inline while reads do not block (SQLite,
  // a local file read through connections made for the loop); once SetReadsBlock has said they may
  // (PostgreSQL, across the network), on threads of their own, so that the event loop never waits on
  // the network. Those threads spend their time waiting for the database, not computing, so there
  // are as many as the database has connections, apart from the threads that hash passwords.
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F&>> Read(F work) {
    if (!readers_) co_return work();
    co_return co_await readers_->Run(std::move(work));
  }
  // Before the loop starts: reads run on `reader_threads` threads of their own from now on.
  void SetReadsBlock(int reader_threads);
  bool reads_block() const { return readers_ != nullptr; }

  // Stops taking work and waits for the threads to finish what they hold.
  void Join();

  int threads() const { return threads_; }
  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  std::size_t refused() const { return refused_.load(std::memory_order_relaxed); }
  static int DefaultThreads();

 private:
  struct Pending {
    explicit Pending(std::atomic<std::size_t>& count) : count_(count) {}
    ~Pending() { count_.fetch_sub(1, std::memory_order_acq_rel); }
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    std::atomic<std::size_t>& count_;
  };
  static tl::unexpected<Error> Overloaded();

  int threads_;
  std::size_t max_pending_;
  boost::asio::io_context context_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> workers_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> refused_{0};
  std::unique_ptr<WorkPool> readers_;  // set before the loop starts
};

}  // namespace gp
