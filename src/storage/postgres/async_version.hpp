#pragma once
// The data's version (Storage::Version) read from the event loop without blocking it: libpq's
// asynchronous calls on a connection of its own, its socket watched by the loop. Every read-only
// request asks it first; when the caches hold what the request needs, it is answered on the loop, as
// with SQLite, and the only cost to the database is this query. One runs at a time on the
// connection; the requests that come while it runs wait for the next one and share it. A caller gets
// the answer of a query sent after it called (one already on the way may have taken its snapshot
// before a commit the caller has seen), so the version never hides a change that was committed before
// the request came.
//
// Used from the loop only. When the connection fails the query answers kUnavailable, and the
// connection is opened again, off the loop, by the next caller (`reopen`).

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/error.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/records.hpp"

namespace gp::storage::postgres {

class AsyncVersion {
 public:
  // `open` makes a connection and may block: it is called through `off_loop`, which runs it on a
  // thread that may wait.
  using Open = std::function<Result<std::unique_ptr<Connection>>()>;
  using OffLoop = std::function<boost::asio::awaitable<Result<std::unique_ptr<Connection>>>(Open)>;

  // A query not answered within `timeout` fails (kUnavailable) and its connection is dropped.
  AsyncVersion(const boost::asio::any_io_executor& loop, Open open, OffLoop off_loop,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
  ~AsyncVersion();
  AsyncVersion(const AsyncVersion&) = delete;
  AsyncVersion& operator=(const AsyncVersion&) = delete;

  boost::asio::awaitable<Result<DataVersion>> Current();

  uint64_t queries() const { return done_; }

 private:
  boost::asio::awaitable<Result<DataVersion>> Query();
  void Close();

  boost::asio::any_io_executor loop_;
  Open open_;
  OffLoop off_loop_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
  std::optional<boost::asio::posix::stream_descriptor> socket_;
  uint64_t started_ = 0;
  uint64_t done_ = 0;
  bool running_ = false;
  Result<DataVersion> last_ = DataVersion{};
  // Waiters sleep on it; each finished query cancels it to wake them.
  boost::asio::steady_timer finished_;
};

}  // namespace gp::storage::postgres
