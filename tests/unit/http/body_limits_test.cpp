// Per-route body limits, checked while a body streams in: what a client sees on the wire when its
// body is too large for its route, when the few slots for large bodies are taken, and when it asks
// `Expect: 100-continue`. Refusals that arrive before the client has finished sending show that
// the server never buffers a body beyond its limit first.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>

#include "wire_client.hpp"

namespace gp::http {
namespace {

using namespace std::chrono_literals;
using test_support::WireClient;

constexpr std::size_t kCommonLimit = 1024;
constexpr std::size_t kUploadLimit = 256 * 1024;

// Polls `done` until it holds or `timeout` passes (the server runs on threads of its own).
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class BodyLimitsTest : public ::testing::Test {
 protected:
  void Start(int slots) {
    ServerOptions options;
    options.body_limit = kCommonLimit;
    options.body_limit_for = [](std::string_view method, std::string_view target) {
      return method == "POST" && target.starts_with("/upload") ? kUploadLimit : kCommonLimit;
    };
    options.large_body_slots = slots;
    options.access_log = false;
    options.refusal_headers = {{"X-Frame-Options", "DENY"}};
    server_ = std::make_unique<Server>(options, [this](Request& request) {
      ++handled_;
      return Response::Text(200, "got " + std::to_string(request.body.size()) + " bytes");
    });
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message;
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  static std::string Head(std::string_view target, std::size_t length,
                          std::string_view extra = "") {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(length) + "\r\n" +
           std::string(extra) + "\r\n";
  }
  static std::string ChunkedHead(std::string_view target) {
    return "POST " + std::string(target) +
           " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  }
  static std::string Chunk(std::size_t size) {
    char length[32];
    std::snprintf(length, sizeof length, "%zx\r\n", size);
    return length + std::string(size, 'x') + "\r\n";
  }

  // Sends a whole request on a new connection and returns the answer.
  std::string Exchange(const std::string& request) {
    WireClient client(server_->port());
    EXPECT_TRUE(client.connected());
    EXPECT_TRUE(client.Send(request));
    EXPECT_TRUE(client.ReadResponse()) << client.received();
    return client.received();
  }

  static bool StatusIs(const std::string& response, int status) {
    return response.rfind("HTTP/1.1 " + std::to_string(status) + " ", 0) == 0;
  }

  std::unique_ptr<Server> server_;
  std::atomic<int> handled_{0};
};

TEST_F(BodyLimitsTest, ABigBodyIsAcceptedOnTheUploadRouteOnly) {
  Start(4);
  const std::size_t size = 200 * 1024;
  std::string accepted = Exchange(Head("/upload", size) + std::string(size, 'x'));
  EXPECT_TRUE(StatusIs(accepted, 200)) << accepted.substr(0, 200);
  EXPECT_NE(accepted.find("got 204800 bytes"), std::string::npos);

  // Elsewhere the head alone earns the refusal: it arrives before any of the body was sent.
  WireClient client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Head("/messages", size)));
  ASSERT_TRUE(client.ReadResponse()) << client.received();
  EXPECT_TRUE(StatusIs(client.received(), 413)) << client.received();
  EXPECT_NE(client.received().find(R"("code":"too_large")"), std::string::npos);
  EXPECT_NE(client.received().find("X-Frame-Options: DENY"), std::string::npos)
      << client.received();
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(BodyLimitsTest, AContentLengthAboveTheRouteLimitIsRefusedBeforeTheBodyIsSent) {
  Start(4);
  WireClient client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Head("/upload", 100 * 1024 * 1024)));
  ASSERT_TRUE(client.ReadResponse()) << client.received();
  EXPECT_TRUE(StatusIs(client.received(), 413)) << client.received();
  EXPECT_NE(client.received().find("Connection: close"), std::string::npos) << client.received();
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(BodyLimitsTest, AChunkedBodyIsCutOffOnceItPassesTheLimit) {
  Start(4);
  // Small chunks, each within the limit, that pass it together; the last chunk is never sent, so
  // a server that waited for the whole body would not answer at all.
  WireClient client(server_->port());
  ASSERT_TRUE(client.connected());
  std::string request = ChunkedHead("/messages");
  for (int i = 0; i < 3; ++i) request += Chunk(kCommonLimit / 2);
  ASSERT_TRUE(client.Send(request));
  ASSERT_TRUE(client.ReadResponse()) << client.received();
  EXPECT_TRUE(StatusIs(client.received(), 413)) << client.received();
  EXPECT_NE(client.received().find("X-Frame-Options: DENY"), std::string::npos);

  // The same on the upload route, past its own limit; below it, the body is read to its end.
  WireClient upload(server_->port());
  ASSERT_TRUE(upload.connected());
  request = ChunkedHead("/upload");
  for (std::size_t sent = 0; sent <= kUploadLimit; sent += 32 * 1024) request += Chunk(32 * 1024);
  ASSERT_TRUE(upload.Send(request));
  ASSERT_TRUE(upload.ReadResponse()) << upload.received();
  EXPECT_TRUE(StatusIs(upload.received(), 413)) << upload.received();

  std::string accepted =
      Exchange(ChunkedHead("/upload") + Chunk(100 * 1024) + Chunk(100 * 1024) + "0\r\n\r\n");
  EXPECT_TRUE(StatusIs(accepted, 200)) << accepted;
  EXPECT_NE(accepted.find("got 204800 bytes"), std::string::npos) << accepted;
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(BodyLimitsTest, WhenTheLargeBodySlotsAreTakenTheAnswerIs503UntilOneIsFree) {
  Start(1);
  const std::size_t size = 100 * 1024;
  const std::string upload = Head("/upload", size) + std::string(size, 'x');
  std::string answer;
  auto refused = [&] { return StatusIs(answer = Exchange(upload), 503); };
  auto accepted = [&] { return StatusIs(answer = Exchange(upload), 200); };

  // The first upload takes the only slot and holds it while its body is still arriving (its head
  // may not have been read yet when the next one comes: hence the polling).
  auto holder = std::make_unique<WireClient>(server_->port());
  ASSERT_TRUE(holder->connected());
  ASSERT_TRUE(holder->Send(Head("/upload", size) + std::string(1000, 'x')));
  ASSERT_TRUE(PollUntil(refused)) << "a second large body was read while the slot was taken";
  EXPECT_NE(answer.find("Retry-After: 1\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("X-Frame-Options: DENY"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("code":"busy")"), std::string::npos) << answer;

  // A short body on the same route needs no slot.
  std::string small = Exchange(Head("/upload", 5) + "hello");
  EXPECT_TRUE(StatusIs(small, 200)) << small;

  // The holder finishes; its slot comes back once its answer is written.
  ASSERT_TRUE(holder->Send(std::string(size - 1000, 'x')));
  ASSERT_TRUE(holder->ReadResponse()) << holder->received();
  EXPECT_TRUE(StatusIs(holder->received(), 200)) << holder->received();
  EXPECT_TRUE(PollUntil(accepted)) << "the slot did not come back after the response: " << answer;

  // A client that goes away in the middle of its body gives the slot back too.
  holder = std::make_unique<WireClient>(server_->port());
  ASSERT_TRUE(holder->Send(Head("/upload", size) + std::string(1000, 'x')));
  ASSERT_TRUE(PollUntil(refused));
  holder.reset();
  EXPECT_TRUE(PollUntil(accepted)) << "the slot did not come back after the connection failed";
}

TEST_F(BodyLimitsTest, ExpectContinueIsAnsweredOnlyWhenTheHeadIsAcceptable) {
  Start(1);
  const std::size_t size = 100 * 1024;
  {
    WireClient client(server_->port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(Head("/upload", size, "Expect: 100-continue\r\n")));
    ASSERT_TRUE(client.ReadUntil(
        [](const std::string& text) { return text.find("\r\n\r\n") != std::string::npos; }));
    EXPECT_EQ(client.received(), "HTTP/1.1 100 Continue\r\n\r\n");
    // The slot is held from the head on: another large upload is turned away meanwhile.
    std::string busy = Exchange(Head("/upload", size, "Expect: 100-continue\r\n"));
    EXPECT_TRUE(StatusIs(busy, 503)) << busy;
    EXPECT_EQ(busy.find("100 Continue"), std::string::npos) << busy;

    ASSERT_TRUE(client.Send(std::string(size, 'x')));
    ASSERT_TRUE(client.ReadUntil([](const std::string& text) {
      return WireClient::CompleteResponse(text.substr(text.find("\r\n\r\n") + 4));
    })) << client.received();
    std::string final_answer = client.received().substr(client.received().find("\r\n\r\n") + 4);
    EXPECT_TRUE(StatusIs(final_answer, 200)) << final_answer;
    EXPECT_NE(final_answer.find("got 102400 bytes"), std::string::npos);
  }
  {
    // Too large for its route: the refusal comes instead of 100 Continue.
    WireClient client(server_->port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(Head("/messages", size, "Expect: 100-continue\r\n")));
    ASSERT_TRUE(client.ReadResponse()) << client.received();
    EXPECT_TRUE(StatusIs(client.received(), 413)) << client.received();
    EXPECT_EQ(client.received().find("100 Continue"), std::string::npos);
  }
  EXPECT_EQ(handled_.load(), 1);
}

}  // namespace
}  // namespace gp::http
