#pragma once
// Transport over libcurl's multi interface driven by the Asio event loop: sockets are watched with
// Asio and curl's timeouts run on an Asio timer, so any number of calls in flight hold no thread.
// Connections are reused; never follows redirects; TCP_NODELAY; bounded connect time, total time
// (never past the call's deadline) and response size.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "webex/transport.hpp"

namespace gp::webex {

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{30000};
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  // Connections kept open for reuse, across all hosts.
  long max_idle_connections = 64;
};

class CurlTransport final : public Transport {
 public:
  // `executor` is the event loop (one thread) on which Send is called and curl is driven.
  explicit CurlTransport(boost::asio::any_io_executor executor, CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  boost::asio::awaitable<Result<HttpResult>> Send(HttpCall call,
                                                 std::chrono::steady_clock::time_point deadline) override;

  // Calls in flight now (for tests and metrics).
  std::size_t in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gp::webex
