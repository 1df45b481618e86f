#pragma once
// An HTTP/1.1 server on Boost.Beast with C++20 coroutines. It reads a request's head, decides from
// it how large a body it accepts (answering `Expect: 100-continue` only when it does), reads the
// body within that limit, awaits the handler's coroutine (handlers never block the loop: what may
// block they hand to a WorkPool), waits the response's delay on a timer, and writes the response
// in one write — or, for a streaming response, its chunks as they come (http/stream.hpp). Stop()
// stops accepting, ends streams and lets requests in flight finish.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/error.hpp"
#include "http/client_address.hpp"
#include "http/router.hpp"
#include "http/tls.hpp"

namespace gp::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port()
  std::size_t body_limit = 1024 * 1024;
  // The body limit of one request, from its method and target (as sent, query included); unset,
  // every request has `body_limit`. It is asked once the head has arrived and before any of the
  // body is read, so a Content-Length above it is refused at once and a chunked body as soon as it
  // passes it.
  std::function<std::size_t(std::string_view method, std::string_view target)> body_limit_for;
  // How many requests may be reading a body larger than `body_limit` (or a chunked one, whose size
  // is unknown, on a route that allows more) at the same time; one more is answered 503 with
  // `Retry-After` before its body is read. With the limits, this bounds the memory bodies take.
  int large_body_slots = 4;
  // Such a body must have arrived within this (the others: within `read_timeout` with the head).
  std::chrono::seconds large_body_timeout{300};
  std::size_t header_limit = 16 * 1024;
  std::chrono::seconds read_timeout{30};
  // Threads running the server's own event loop; ignored when the server is given a loop.
  int io_threads = 1;
  // Log one line per request at info level (off: at debug level).
  bool access_log = true;
  // Peers whose X-Forwarded-For names the client (Request::remote_address); see client_address.hpp.
  TrustedProxies trusted_proxies;
  // Added to the answers the server gives by itself (413, 431, 400, 503).
  std::vector<std::pair<std::string, std::string>> refusal_headers;
  // Told of every answer once its status is final: the method, the route that matched
  // (Request::route, "" when none did, kRefusedRoute for the server's own refusals), the status and
  // how long it took — for a stream, when it opens. Called on the loop; must be quick and must not
  // block.
  std::function<void(std::string_view method, std::string_view route, int status,
                     std::chrono::duration<double> took)>
      on_answer;
  // How long Stop() lets requests in flight finish.
  std::chrono::milliseconds drain_grace{5000};
  // Both files set: the server speaks HTTPS only (http/tls.hpp). Plain HTTP sent to it is answered
  // 400 and the connection closed.
  TlsFiles tls;
  // A connection must have completed its TLS handshake within this.
  std::chrono::milliseconds tls_handshake_timeout{10000};
};

// What Stop() found and did: requests in flight and streams open when it began, and the requests
// still unfinished when the grace ran out (they are cut off with the loop).
struct DrainReport {
  int requests = 0;
  int streams = 0;
  int unfinished = 0;
};

// The route given to ServerOptions::on_answer for answers the server gives by itself.
inline constexpr std::string_view kRefusedRoute = "refused";

using AsyncHandler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Server {
 public:
  // Runs `handler` on the server's own event loop (`io_threads` threads); it must not block.
  Server(ServerOptions options, Handler handler);
  // Runs on `loop`, which the caller runs (on one thread) and stops after Stop().
  Server(ServerOptions options, AsyncHandler handler, boost::asio::io_context& loop);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving (on background threads when the server owns its loop).
  Result<void> Start();
  uint16_t port() const;
  // Blocks until Stop() is called or SIGINT/SIGTERM arrives (when `handle_signals`).
  void Wait(bool handle_signals = true);
  // Stops accepting (new connections are refused), ends streams (writing their farewell), lets
  // requests in flight finish with their answers (up to `drain_grace`; each closes its connection),
  // then returns. Not to be called on the loop's own thread. Only the first call does anything.
  DrainReport Stop();
  // Requests being handled and streams open now.
  int in_flight() const;
  bool tls() const;
  // Loads the TLS files again (blocking: not on the loop). On success the connections accepted from
  // then on use the new certificate and those open keep theirs; on failure (the error names the
  // file, as LoadTlsContext does) the current one stays. Without TLS, a no-op.
  Result<void> ReloadTls();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gp::http
