// The HTTP server over a real loopback socket, byte by byte: what a client sees on the wire.
#include "http/server.hpp"

#include "http/request_id.hpp"

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

namespace gp::http {
namespace {

// The value of `name` in the head of the first response in `response` ("" when absent).
std::string HeaderOf(const std::string& response, const std::string& name) {
  auto head = response.substr(0, response.find("\r\n\r\n"));
  auto at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return head.substr(at, head.find("\r\n", at) - at);
}

// A server whose handler answers with the id it was given; `trusted` names the proxies.
class RequestIdTest : public ::testing::Test {
 protected:
  void Start(const std::string& trusted) {
    ServerOptions options;
    options.body_limit = 1024;
    options.access_log = false;
    options.trusted_proxies = TrustedProxies::Parse(trusted).value();
    server_ = std::make_unique<Server>(
        options, [](Request& request) { return Response::Text(200, "id=" + request.request_id); });
    ASSERT_TRUE(server_->Start());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // Sends `request` on a new connection that ends after it; returns all the server said.
  std::string Exchange(const std::string& request) {
    RawClient client(server_->port());
    EXPECT_TRUE(client.connected());
    EXPECT_EQ(client.Send(request), 0);
    client.FinishSending();
    int error = -1;
    return client.ReadAll(error);
  }

  std::unique_ptr<Server> server_;
};

TEST_F(RequestIdTest, EveryAnswerCarriesTheIdTheHandlerSaw) {
  Start("");
  auto first = Exchange("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
  auto second = Exchange("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
  auto id = HeaderOf(first, "X-Request-Id");
  ASSERT_FALSE(id.empty()) << first;
  EXPECT_TRUE(IsAcceptableRequestId(id)) << id;
  EXPECT_NE(first.find("id=" + id), std::string::npos) << first;
  EXPECT_NE(HeaderOf(second, "X-Request-Id"), id) << "each request has its own id";
}

TEST_F(RequestIdTest, AnIdFromAnUntrustedPeerIsReplaced) {
  Start("");  // 127.0.0.1, the test's address, is no proxy
  auto response = Exchange("GET /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: forged-by-client\r\n\r\n");
  auto id = HeaderOf(response, "X-Request-Id");
  ASSERT_FALSE(id.empty()) << response;
  EXPECT_NE(id, "forged-by-client");
  EXPECT_EQ(response.find("forged-by-client"), std::string::npos) << response;
}

TEST_F(RequestIdTest, ATrustedProxysIdIsKeptWhenItIsPlain) {
  Start("127.0.0.1");
  auto kept = Exchange("GET /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: 3f2c9a.proxy_id-7\r\n\r\n");
  EXPECT_EQ(HeaderOf(kept, "X-Request-Id"), "3f2c9a.proxy_id-7") << kept;
  EXPECT_NE(kept.find("id=3f2c9a.proxy_id-7"), std::string::npos) << kept;
  // Not plain, or too long: the server makes its own.
  for (const std::string& bad :
       {std::string("has space"), std::string("quote\"d"), std::string(129, 'a')}) {
    auto replaced = Exchange("GET /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: " + bad + "\r\n\r\n");
    auto id = HeaderOf(replaced, "X-Request-Id");
    EXPECT_FALSE(id.empty()) << replaced;
    EXPECT_NE(id, bad);
    EXPECT_TRUE(IsAcceptableRequestId(id)) << id;
  }
}

TEST_F(RequestIdTest, TheServersOwnRefusalsCarryAnIdToo) {
  Start("127.0.0.1");
  auto refused = Exchange(
      "POST /a HTTP/1.1\r\nHost: t\r\nX-Request-Id: big-upload-1\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 413", 0), 0u) << refused;
  EXPECT_EQ(HeaderOf(refused, "X-Request-Id"), "big-upload-1") << refused;
  auto broken = Exchange("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(broken.rfind("HTTP/1.1 400", 0), 0u) << broken;
  EXPECT_FALSE(HeaderOf(broken, "X-Request-Id").empty()) << broken;
}

TEST(RequestId, AcceptsOnlyShortPlainIds) {
  EXPECT_TRUE(IsAcceptableRequestId("a"));
  EXPECT_TRUE(IsAcceptableRequestId("0123abcdEF._-"));
  EXPECT_TRUE(IsAcceptableRequestId(std::string(128, 'x')));
  EXPECT_FALSE(IsAcceptableRequestId(""));
  EXPECT_FALSE(IsAcceptableRequestId(std::string(129, 'x')));
  EXPECT_FALSE(IsAcceptableRequestId("a b"));
  EXPECT_FALSE(IsAcceptableRequestId("a\nb"));
  EXPECT_FALSE(IsAcceptableRequestId("id=1"));
  EXPECT_FALSE(IsAcceptableRequestId("caf\xc3\xa9"));
  EXPECT_EQ(ChooseRequestId(true, "proxy-1", "own-1"), "proxy-1");
  EXPECT_EQ(ChooseRequestId(false, "proxy-1", "own-1"), "own-1");
  EXPECT_EQ(ChooseRequestId(true, std::nullopt, "own-1"), "own-1");
  EXPECT_EQ(ChooseRequestId(true, "bad id", "own-1"), "own-1");
}

}  // namespace
}  // namespace gp::http
