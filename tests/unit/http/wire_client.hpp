#pragma once
// A blocking TCP client on 127.0.0.1 for tests that look at what the server puts on the wire:
// reads poll with a deadline, so a broken server fails the test instead of hanging it. Also a
// decoder for chunked bodies.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace gp::http::test_support {

class WireClient {
 public:
  explicit WireClient(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;
  ~WireClient() { close(fd_); }

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t sent = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0) return false;
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // Reads into received() until `done(received())` holds, the server closes, or `timeout` passes;
  // returns whether `done` held.
  bool ReadUntil(const std::function<bool(const std::string&)>& done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      if (closed_) return false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) != 1) continue;
      char buffer[4096];
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        continue;
      }
      received_.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }
  // Until the server closes the connection.
  bool ReadToEnd(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    ReadUntil([this](const std::string&) { return closed_; }, timeout);
    return closed_;
  }
  // Until a whole response with a Content-Length body has arrived.
  bool ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return ReadUntil([](const std::string& text) { return CompleteResponse(text); }, timeout);
  }

  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }

  // True when `text` holds a head and a body as long as its Content-Length says.
  static bool CompleteResponse(const std::string& text) {
    auto end_of_head = text.find("\r\n\r\n");
    if (end_of_head == std::string::npos) return false;
    std::string head = text.substr(0, end_of_head);
    std::size_t length = 0;
    for (std::string_view name : {"Content-Length: ", "content-length: "}) {
      if (auto at = head.find(name); at != std::string::npos) length = std::stoul(head.substr(at + name.size()));
    }
    return text.size() >= end_of_head + 4 + length;
  }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

// The head of a response (up to the blank line) and its chunked body decoded; `complete` tells
// whether the last (empty) chunk has arrived. nullopt while the head is incomplete, or when the
// chunk framing is broken.
struct Chunked {
  std::string head;
  std::string body;
  bool complete = false;
};

inline std::optional<Chunked> DecodeChunked(const std::string& text) {
  auto end_of_head = text.find("\r\n\r\n");
  if (end_of_head == std::string::npos) return std::nullopt;
  Chunked out;
  out.head = text.substr(0, end_of_head + 2);
  std::size_t at = end_of_head + 4;
  for (;;) {
    auto line_end = text.find("\r\n", at);
    if (line_end == std::string::npos) return out;  // more to come
    std::size_t size = 0;
    try {
      size = std::stoul(text.substr(at, line_end - at), nullptr, 16);
    } catch (...) {
      return std::nullopt;
    }
    if (size == 0) {
      out.complete = text.compare(line_end, 4, "\r\n\r\n") == 0;
      return out;
    }
    if (text.size() < line_end + 2 + size + 2) return out;  // the chunk is still arriving
    out.body += text.substr(line_end + 2, size);
    if (text.compare(line_end + 2 + size, 2, "\r\n") != 0) return std::nullopt;
    at = line_end + 2 + size + 2;
  }
}

}  // namespace gp::http::test_support
