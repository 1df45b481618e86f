// The HTTP server over a real loopback socket, byte by byte: what a client sees on the wire.
#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace gp::http {
namespace {

// A blocking TCP client on 127.0.0.1 with a receive timeout, so that a broken server fails the
// test instead of hanging it.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() { close(fd_); }

  bool connected() const { return connected_; }

  // Sends everything; returns the errno of the first failure, or 0.
  int Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t sent = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0) return errno;
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return 0;
  }

  // Waits until the server has sent something (or closed), up to 5 s.
  bool WaitReadable() {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 5000) == 1;
  }

  void FinishSending() { shutdown(fd_, SHUT_WR); }

  // Reads until the server closes; `error` gets the errno that ended it, or 0 for a clean close.
  std::string ReadAll(int& error) {
    std::string received;
    char buffer[4096];
    for (;;) {
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received.append(buffer, static_cast<size_t>(n));
        continue;
      }
      error = n == 0 ? 0 : errno;
      return received;
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.body_limit = 1024;
    options.header_limit = 1024;
    options.access_log = false;
    server_ = std::make_unique<Server>(options, [this](Request& request) {
      ++handled_;
      return Response::Text(200, "got " + std::to_string(request.body.size()) + " bytes");
    });
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message;
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<Server> server_;
  std::atomic<int> handled_{0};
};

TEST_F(ServerTest, AnswersARequestAndKeepsTheConnectionOpen) {
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  std::string request = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
  ASSERT_EQ(client.Send(request + request), 0);
  client.FinishSending();
  int error = -1;
  std::string response = client.ReadAll(error);
  EXPECT_EQ(error, 0);
  // Two answers on one connection.
  size_t first = response.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << response;
  EXPECT_NE(response.find("HTTP/1.1 200", first + 1), std::string::npos) << response;
  EXPECT_NE(response.find("got 5 bytes"), std::string::npos) << response;
  EXPECT_EQ(handled_.load(), 2);
}

TEST_F(ServerTest, ATooLargeBodyIsRefusedAndTheClientCanFinishSendingAndReadTheRefusal) {
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  const size_t body_size = 2 * 1024 * 1024;
  std::string head = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body_size) + "\r\n\r\n";
  std::string part(64 * 1024, 'x');
  ASSERT_EQ(client.Send(head + part), 0);
  // The refusal is on its way before the body is complete.
  ASSERT_TRUE(client.WaitReadable());
  // The rest still goes through: closing on unread data would make the kernel reset the connection.
  EXPECT_EQ(client.Send(std::string(body_size - part.size(), 'x')), 0) << std::strerror(errno);
  client.FinishSending();
  int error = -1;
  std::string response = client.ReadAll(error);
  EXPECT_EQ(error, 0) << std::strerror(error);
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
  EXPECT_NE(response.find(R"("code":"too_large")"), std::string::npos) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, TooLargeHeadersAre431AndBrokenHttpIs400) {
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.connected());
    ASSERT_EQ(client.Send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n"), 0);
    client.FinishSending();
    int error = -1;
    std::string response = client.ReadAll(error);
    EXPECT_EQ(response.rfind("HTTP/1.1 431", 0), 0u) << response;
  }
  {
    RawClient client(server_->port());
    ASSERT_TRUE(client.connected());
    ASSERT_EQ(client.Send("NOT HTTP AT ALL\r\n\r\n"), 0);
    client.FinishSending();
    int error = -1;
    std::string response = client.ReadAll(error);
    EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  }
  EXPECT_EQ(handled_.load(), 0);
}

}  // namespace
}  // namespace gp::http
