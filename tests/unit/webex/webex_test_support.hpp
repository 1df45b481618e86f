#pragma once
// Test helpers for the Webex client: a tiny fake Webex served in-process on port 0 that records
// every request, a raw server for answers that one would not send, a waiter that records waits
// instead of waiting, a helper that runs a coroutine to completion on an io_context, and a log
// capture.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/message.hpp"
#include "http/server.hpp"
#include "webex/client.hpp"

namespace gp::webex::testing {

struct Recorded {
  std::string method;
  std::string path;
  std::string query;
  std::string authorization;
  std::string content_type;
  std::string body;
};

class FakeWebex {
 public:
  // `handler` sees each request and the number of earlier requests to the same method and path.
  using Handler = std::function<http::Response(const http::Request&, int previous_calls)>;

  explicit FakeWebex(Handler handler)
      : handler_(std::move(handler)),
        server_(http::ServerOptions{.port = 0, .access_log = false},
                [this](http::Request& request) { return Handle(request); }) {
    auto started = server_.Start();
    EXPECT_TRUE(started.has_value());
  }
  ~FakeWebex() { server_.Stop(); }

  std::string origin() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  std::string base_url() const { return origin() + "/v1"; }
  void Stop() { server_.Stop(); }

  std::vector<Recorded> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int Count(const std::string& method, const std::string& path) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& r : requests_) n += r.method == method && r.path == path ? 1 : 0;
    return n;
  }

 private:
  http::Response Handle(http::Request& request) {
    int previous = 0;
    {
      std::lock_guard lock(mutex_);
      previous = 0;
      for (const auto& r : requests_) previous += r.method == request.method && r.path == request.path ? 1 : 0;
      requests_.push_back({request.method, request.path, request.query,
                           std::string(request.headers.Get("Authorization").value_or("")),
                           std::string(request.headers.Get("Content-Type").value_or("")), request.body});
    }
    return handler_(request, previous);
  }

  Handler handler_;
  mutable std::mutex mutex_;
  std::vector<Recorded> requests_;
  http::Server server_;
};

// A server on 127.0.0.1, port 0, that answers each connection's first request with the same raw
// bytes, then keeps the connection open until the server goes (or closes it at once when
// `close_after_answer`). For answers gp::http::Server does not send: a Content-Length that the body
// never reaches, a HEAD answer without Content-Length.
class RawServer {
 public:
  explicit RawServer(std::string answer, bool close_after_answer = false)
      : answer_(std::move(answer)), close_after_answer_(close_after_answer) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  ~RawServer() {
    stopping_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // The heads (request line and headers) of the requests received.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static bool Readable(int fd, int timeout_ms) {
    pollfd ready{fd, POLLIN, 0};
    return ::poll(&ready, 1, timeout_ms) > 0;
  }

  void Serve() {
    std::vector<int> open;
    while (!stopping_) {
      if (!Readable(listener_, 20)) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string head;
      char buffer[4096];
      while (head.find("\r\n\r\n") == std::string::npos && Readable(fd, 2000)) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<std::size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(head.substr(0, head.find("\r\n\r\n")));
      }
      ::send(fd, answer_.data(), answer_.size(), MSG_NOSIGNAL);
      if (close_after_answer_) {
        ::close(fd);
      } else {
        open.push_back(fd);
      }
    }
    for (int fd : open) ::close(fd);
  }

  std::string answer_;
  bool close_after_answer_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

inline boost::asio::awaitable<void> Record(std::shared_ptr<std::vector<std::chrono::milliseconds>> target,
                                           std::chrono::milliseconds wait) {
  target->push_back(wait);
  co_return;
}

// Records the waits the client asks for; never waits.
struct RecordingWaiter {
  std::shared_ptr<std::vector<std::chrono::milliseconds>> waits =
      std::make_shared<std::vector<std::chrono::milliseconds>>();
  Waiter waiter() const {
    auto target = waits;
    return [target](std::chrono::milliseconds wait) { return Record(target, wait); };
  }
};

// Runs `task` on `ioc` (on this thread) until it completes and returns its result. Other work on
// the loop runs meanwhile; an exception thrown by the task is rethrown here.
template <typename T>
T Run(boost::asio::io_context& ioc, boost::asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool done = false;
  boost::asio::co_spawn(
      ioc,
      [&result, task = std::move(task)]() mutable -> boost::asio::awaitable<void> {
        result.emplace(co_await std::move(task));
      },
      [&failure, &done](std::exception_ptr e) {
        failure = e;
        done = true;
      });
  ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
  if (failure) std::rethrow_exception(failure);
  if (!result) throw std::runtime_error("the loop ran out of work before the task completed");
  return std::move(*result);
}

// Routes spdlog's default logger into a string for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

inline http::Response JsonResponse(int status, const std::string& body, const std::string& tracking = "") {
  http::Response response = http::Response::Json(status, body);
  if (!tracking.empty()) response.headers.Set("Trackingid", tracking);
  return response;
}

}  // namespace gp::webex::testing
