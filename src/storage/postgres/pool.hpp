#pragma once
// A bounded pool of PostgreSQL connections, opened on demand. A caller waits a bounded time for a free
// connection (then kUnavailable), so a stalled database never piles up threads for ever. A connection
// that libpq has seen fail is closed rather than returned, and so are the idle ones then (a server
// restart or pg_terminate_backend ends them all): the next call opens a fresh connection.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/postgres/connection.hpp"

namespace gp::storage::postgres {

struct PoolOptions {
  int size = 8;
  std::chrono::milliseconds acquire_timeout{3000};
  ConnectOptions connect;
};

class ConnectionPool;

// A connection lent by the pool; given back when this goes away.
class PooledConnection {
 public:
  PooledConnection(ConnectionPool& pool, std::unique_ptr<Connection> connection)
      : pool_(&pool), connection_(std::move(connection)) {}
  PooledConnection(PooledConnection&& other) noexcept = default;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();

  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_.get(); }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<Connection> connection_;
};

class ConnectionPool {
 public:
  // Does not connect; see Acquire.
  ConnectionPool(std::string url, PoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();

  // An idle connection that still looks alive, or a new one while fewer than `size` are open; waits up
  // to `acquire_timeout` for one to be given back. kUnavailable when none comes or the database cannot
  // be reached.
  Result<PooledConnection> Acquire();

 private:
  friend class PooledConnection;
  void GiveBack(std::unique_ptr<Connection> connection);

  const std::string url_;
  const PoolOptions options_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle, lent, or being opened
};

}  // namespace gp::storage::postgres
