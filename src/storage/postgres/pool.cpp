#include "storage/postgres/pool.hpp"

#include <utility>

#include "core/loop_thread.hpp"

namespace gp::storage::postgres {

PooledConnection::~PooledConnection() {
  if (connection_ != nullptr) pool_->GiveBack(std::move(connection_));
}

ConnectionPool::ConnectionPool(std::string url, PoolOptions options) : url_(std::move(url)), options_(options) {}

ConnectionPool::~ConnectionPool() = default;

Result<PooledConnection> ConnectionPool::Acquire() {
  if (loop_thread::Current()) loop_thread::ReportBlocking("a PostgreSQL call");
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->StillAlive()) return PooledConnection(*this, std::move(connection));
      // Closed by the server while idle: drop it (outside the lock) and look again.
      --open_;
      lock.unlock();
      connection.reset();
      lock.lock();
    }
    if (open_ < options_.size) break;
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      return Fail(ErrorCode::kUnavailable,
                  "database unavailable: no free connection within " +
                      std::to_string(options_.acquire_timeout.count()) + " ms (pool of " +
                      std::to_string(options_.size) + ")");
    }
  }
  // A slot is ours; connecting takes time, so it happens outside the lock.
  ++open_;
  lock.unlock();
  auto opened = Connection::Open(url_, options_.connect);
  if (!opened) {
    lock.lock();
    --open_;
    available_.notify_one();
    return tl::unexpected(opened.error());
  }
  return PooledConnection(*this, std::move(*opened));
}

void ConnectionPool::GiveBack(std::unique_ptr<Connection> connection) {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    if (connection->Healthy() && !connection->InFailedTransaction()) {
      idle_.push_back(std::move(connection));
    } else {
      // What ended this connection (a restart, a terminated backend, a network failure) has most likely
      // ended the idle ones too: close them all, so that the next call opens a fresh connection instead
      // of failing on another dead one.
      closing.push_back(std::move(connection));
      for (auto& idle : idle_) closing.push_back(std::move(idle));
      idle_.clear();
      open_ -= static_cast<int>(closing.size());
    }
    available_.notify_all();
  }
  // Closing talks to the socket: outside the lock.
  closing.clear();
}

}  // namespace gp::storage::postgres
