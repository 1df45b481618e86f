#pragma once
// An HTTP/1.1 server on Boost.Beast with C++20 coroutines. It reads a request within limits, hands
// it to a Handler (on the I/O threads, or on a worker pool when handlers may block), waits the
// response's delay without blocking, and writes the response in one write. Stop() drains
// connections gracefully.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "http/router.hpp"

namespace gp::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port()
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};
  int io_threads = 1;
  // 0 runs handlers on the I/O threads (they must not block); N > 0 runs them on N workers.
  int worker_threads = 0;
  // With workers: requests for which this returns true still run on the I/O threads, saving two
  // thread hand-offs. Only for handlers that never wait on the network or on slow work.
  std::function<bool(const Request&)> run_inline;
  // Log one line per request at info level (off: at debug level).
  bool access_log = true;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads.
  Result<void> Start();
  uint16_t port() const;
  // Blocks until Stop() is called or SIGINT/SIGTERM arrives (when `handle_signals`).
  void Wait(bool handle_signals = true);
  // Stops accepting, lets requests in flight finish (up to a grace period), then returns.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gp::http
