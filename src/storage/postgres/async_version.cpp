#include "storage/postgres/async_version.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gp::storage::postgres {
namespace {

namespace asio = boost::asio;

tl::unexpected<Error> Lost() { return Fail(ErrorCode::kUnavailable, "database unavailable: the version query failed"); }

}  // namespace

AsyncVersion::AsyncVersion(const asio::any_io_executor& loop, Open open, OffLoop off_loop,
                           std::chrono::milliseconds timeout)
    : loop_(loop), open_(std::move(open)), off_loop_(std::move(off_loop)), timeout_(timeout), finished_(loop) {
  finished_.expires_at(asio::steady_timer::time_point::max());
}

AsyncVersion::~AsyncVersion() { Close(); }

void AsyncVersion::Close() {
  socket_.reset();  // closes its own copy of the descriptor
  connection_.reset();
}

asio::awaitable<Result<DataVersion>> AsyncVersion::Current() {
  const uint64_t needed = started_ + 1;
  while (done_ < needed) {
    if (!running_) {
      running_ = true;
      const uint64_t query = ++started_;
      auto answer = co_await Query();
      last_ = std::move(answer);
      done_ = query;
      running_ = false;
      finished_.cancel();
    } else {
      // Woken by the end of each query (the timer is cancelled then; it never expires).
      boost::system::error_code ec;
      co_await finished_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  co_return last_;
}

asio::awaitable<Result<DataVersion>> AsyncVersion::Query() {
  if (!connection_) {
    auto opened = co_await off_loop_(open_);
    if (!opened) co_return tl::unexpected(opened.error());
    connection_ = std::move(*opened);
    PGconn* conn = connection_->native();
    if (PQsetnonblocking(conn, 1) != 0) {
      Close();
      co_return Lost();
    }
    // A descriptor of its own, so that the socket object and libpq never close the same one.
    int fd = ::dup(PQsocket(conn));
    if (fd < 0) {
      Close();
      co_return Lost();
    }
    socket_.emplace(loop_, fd);
  }
  PGconn* conn = connection_->native();
  // A server that stops answering (a network partition, a stalled backend) fails the query after
  // `timeout_` instead of holding every read behind it: the connection goes and a new one is made for
  // the next query.
  asio::steady_timer deadline(loop_, timeout_);
  deadline.async_wait([this, query = started_](const boost::system::error_code& ec) {
    // Only while this query still runs: a late wake-up must not cut the next one short.
    if (!ec && socket_ && running_ && started_ == query) {
      boost::system::error_code ignored;
      socket_->cancel(ignored);
    }
  });
  if (PQsendQuery(conn, "SELECT pg_current_snapshot()::text") == 0) {
    Close();
    co_return Lost();
  }
  // The query is small: it leaves at once, or after the socket can take it.
  for (int flushed = PQflush(conn); flushed != 0; flushed = PQflush(conn)) {
    boost::system::error_code ec;
    if (flushed < 0) {
      Close();
      co_return Lost();
    }
    co_await socket_->async_wait(asio::posix::stream_descriptor::wait_write,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Close();
      co_return Lost();
    }
  }
  // Every result, up to the end of the query, read as it arrives; the socket is waited on only after
  // libpq has read all that had come (the loop's wait is woken by what arrives after that).
  Result<DataVersion> answer = Lost();
  bool ended = false;
  while (!ended) {
    if (PQconsumeInput(conn) == 0) {
      Close();
      co_return Lost();
    }
    while (PQisBusy(conn) == 0) {
      PGresult* result = PQgetResult(conn);
      if (result == nullptr) {
        ended = true;
        break;
      }
      if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 && !PQgetisnull(result, 0, 0)) {
        DataVersion version;
        version.snapshot = PQgetvalue(result, 0, 0);
        answer = std::move(version);
      }
      PQclear(result);
    }
    if (ended) break;
    boost::system::error_code ec;
    co_await socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Close();
      co_return Lost();
    }
  }
  if (!answer || PQstatus(conn) != CONNECTION_OK) Close();
  co_return answer;
}

}  // namespace gp::storage::postgres
