// The server with an AsyncHandler on an io_context that one thread runs, as the portal runs it: a
// handler that waits holds no thread, and streaming responses reach the client chunk by chunk.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/stream.hpp"
#include "wire_client.hpp"

namespace gp::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test_support::DecodeChunked;
using test_support::WireClient;

// Polls `done` until it holds or `timeout` passes (the loop runs on its own thread).
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class AsyncServerTest : public ::testing::Test {
 protected:
  void StartServer(AsyncHandler handler) {
    ServerOptions options;
    options.access_log = false;
    server_ = std::make_unique<Server>(options, std::move(handler), io_);
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message;
    loop_ = std::thread([this] { io_.run(); });
    loop_id_ = loop_.get_id();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    work_.reset();
    io_.stop();
    if (loop_.joinable()) loop_.join();
    server_.reset();
  }

  uint16_t port() const { return server_->port(); }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<Server> server_;
  std::thread loop_;
  std::thread::id loop_id_;
};

TEST_F(AsyncServerTest, AHandlerThatWaitsDoesNotDelayAnotherRequest) {
  std::atomic<bool> slow_started{false};
  std::atomic<bool> handled_on_loop{true};
  StartServer([&](Request& request) -> asio::awaitable<Response> {
    if (std::this_thread::get_id() != loop_id_) handled_on_loop = false;
    if (request.path == "/slow") {
      slow_started = true;
      asio::steady_timer timer(co_await asio::this_coro::executor, 500ms);
      co_await timer.async_wait(asio::use_awaitable);
      co_return Response::Text(200, "slow");
    }
    co_return Response::Text(200, "fast");
  });

  WireClient slow(port());
  ASSERT_TRUE(slow.connected());
  const auto slow_sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(PollUntil([&] { return slow_started.load(); }));

  // The only loop thread is "inside" the slow handler now; the next request still goes through.
  WireClient fast(port());
  ASSERT_TRUE(fast.connected());
  const auto fast_sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(fast.Send("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(fast.ReadResponse());
  const auto fast_latency = std::chrono::steady_clock::now() - fast_sent;
  EXPECT_LT(fast_latency, 200ms);
  EXPECT_EQ(fast.received().rfind("HTTP/1.1 200", 0), 0u) << fast.received();
  EXPECT_NE(fast.received().find("fast"), std::string::npos);

  ASSERT_TRUE(slow.ReadResponse(3s));
  EXPECT_NE(slow.received().find("slow"), std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - slow_sent, 500ms);
  EXPECT_TRUE(handled_on_loop.load()) << "handlers run on the thread that runs the loop";
}

class StreamingTest : public AsyncServerTest {
 protected:
  void StartStreaming(Stream::Options options) {
    StartServer([this, options](Request&) -> asio::awaitable<Response> {
      auto stream = std::make_shared<Stream>(options);
      stream->Push("data: one\n\n");  // queued before the server writes anything
      stream->OnEnd([this] { ended_ = true; });
      {
        std::lock_guard lock(mutex_);
        stream_ = stream;
      }
      Response response;
      response.headers.Set("Content-Type", "text/event-stream");
      response.stream = stream;
      co_return response;
    });
  }

  // Opens the stream and waits for its first chunk.
  void Open(WireClient& client) {
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(client.ReadUntil([](const std::string& text) {
      auto decoded = DecodeChunked(text);
      return decoded && decoded->body == "data: one\n\n";
    })) << client.received();
    ASSERT_TRUE(PollUntil([this] { return stream() != nullptr; }));
  }

  std::shared_ptr<Stream> stream() {
    std::lock_guard lock(mutex_);
    return stream_;
  }

  static bool BodyIs(const std::string& text, const std::string& body) {
    auto decoded = DecodeChunked(text);
    return decoded && decoded->body == body;
  }

  static Stream::Options Quiet() {
    Stream::Options options;
    options.heartbeat = 60s;
    return options;
  }

  std::mutex mutex_;
  std::shared_ptr<Stream> stream_;
  std::atomic<bool> ended_{false};
};

TEST_F(StreamingTest, PushedChunksReachTheClientInOrder) {
  StartStreaming(Quiet());
  WireClient client(port());
  Open(client);
  auto decoded = DecodeChunked(client.received());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->head.rfind("HTTP/1.1 200", 0), 0u) << decoded->head;
  EXPECT_NE(decoded->head.find("Transfer-Encoding: chunked"), std::string::npos) << decoded->head;
  EXPECT_NE(decoded->head.find("text/event-stream"), std::string::npos) << decoded->head;

  for (int i = 0; i < 20; ++i) EXPECT_TRUE(stream()->Push("data: " + std::to_string(i) + "\n\n"));
  std::string expected = "data: one\n\n";
  for (int i = 0; i < 20; ++i) expected += "data: " + std::to_string(i) + "\n\n";
  EXPECT_TRUE(client.ReadUntil([&](const std::string& text) { return BodyIs(text, expected); }))
      << client.received();

  stream()->Close();
  ASSERT_TRUE(client.ReadToEnd());
  decoded = DecodeChunked(client.received());
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->complete);
  EXPECT_EQ(decoded->body, expected);
  EXPECT_TRUE(PollUntil([&] { return ended_.load(); }));
}

TEST_F(StreamingTest, AClientThatGoesAwayEndsItsStreamAtOnceNotAtTheNextHeartbeat) {
  StartStreaming(Quiet());  // no heartbeat for a minute: no write would find out
  {
    WireClient client(port());
    Open(client);
    ASSERT_TRUE(client.ReadUntil([](const std::string& text) { return BodyIs(text, "data: one\n\n"); }));
  }  // the client closes its connection
  EXPECT_TRUE(PollUntil([&] { return ended_.load(); }));
  EXPECT_TRUE(stream()->closed());
}

TEST_F(StreamingTest, SilenceGetsAHeartbeatAfterTheInterval) {
  Stream::Options options;
  options.heartbeat = 300ms;
  options.heartbeat_text = ": ping\n\n";
  StartStreaming(options);
  WireClient client(port());
  Open(client);
  const auto first_chunk = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.ReadUntil([](const std::string& text) { return BodyIs(text, "data: one\n\n: ping\n\n"); }, 3s))
      << client.received();
  const auto silence = std::chrono::steady_clock::now() - first_chunk;
  EXPECT_GE(silence, 150ms);
  EXPECT_LT(silence, 2s);
  // Data pushed after a heartbeat still arrives.
  EXPECT_TRUE(stream()->Push("data: two\n\n"));
  EXPECT_TRUE(client.ReadUntil([](const std::string& text) {
    auto decoded = DecodeChunked(text);
    return decoded && decoded->body.find("data: two\n\n") != std::string::npos;
  }));
}

TEST_F(StreamingTest, APushBeyondTheBoundClosesTheStream) {
  Stream::Options options = Quiet();
  options.max_queued_bytes = 64;
  StartStreaming(options);
  WireClient client(port());
  Open(client);

  EXPECT_FALSE(stream()->Push(std::string(100, 'x')));
  EXPECT_TRUE(stream()->overflowed());
  EXPECT_TRUE(stream()->closed());
  EXPECT_FALSE(stream()->Push("data: late\n\n"));

  ASSERT_TRUE(client.ReadToEnd());
  auto decoded = DecodeChunked(client.received());
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->complete);
  EXPECT_EQ(decoded->body, "data: one\n\n");
  EXPECT_TRUE(PollUntil([&] { return ended_.load(); }));
}

TEST_F(StreamingTest, StopWritesTheFarewellAndEndsTheStream) {
  Stream::Options options = Quiet();
  options.farewell = "event: bye\n\n";
  StartStreaming(options);
  WireClient client(port());
  Open(client);

  const auto stopping = std::chrono::steady_clock::now();
  server_->Stop();
  // The stream ended instead of holding the stop until its grace period ran out.
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 2s);
  ASSERT_TRUE(client.ReadToEnd());
  auto decoded = DecodeChunked(client.received());
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->complete);
  EXPECT_EQ(decoded->body, "data: one\n\nevent: bye\n\n");
  EXPECT_TRUE(PollUntil([&] { return ended_.load(); }));
  EXPECT_TRUE(PollUntil([&] { return server_->in_flight() == 0; }));
}

}  // namespace
}  // namespace gp::http

namespace gp::http {
namespace {

// Stop() while a handler still waits: the client gets the handler's real answer, on a connection
// the server then closes, and a new connection is refused.
TEST_F(AsyncServerTest, StopLetsARequestInFlightFinishWithItsAnswerAndRefusesNewConnections) {
  std::atomic<bool> waiting{false};
  StartServer([&](Request&) -> asio::awaitable<Response> {
    waiting = true;
    asio::steady_timer timer(co_await asio::this_coro::executor, 500ms);
    co_await timer.async_wait(asio::use_awaitable);
    co_return Response::Text(200, "finished");
  });
  WireClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(PollUntil([&] { return waiting.load(); }));

  DrainReport report;
  std::thread stopper([&] { report = server_->Stop(); });
  // Once the drain has begun, nobody new gets in.
  EXPECT_TRUE(PollUntil([&] {
    WireClient late(port());
    return !late.connected();
  }));
  stopper.join();
  EXPECT_EQ(report.requests, 1);
  EXPECT_EQ(report.unfinished, 0);
  ASSERT_TRUE(client.ReadToEnd());
  EXPECT_EQ(client.received().rfind("HTTP/1.1 200", 0), 0u) << client.received();
  EXPECT_NE(client.received().find("Connection: close"), std::string::npos) << client.received();
  EXPECT_NE(client.received().find("finished"), std::string::npos) << client.received();
}

// A request that outlasts the grace is reported as cut off, and the stop does not wait for it.
TEST_F(AsyncServerTest, StopGivesUpOnARequestThatOutlastsTheGrace) {
  ServerOptions options;
  options.access_log = false;
  options.drain_grace = 200ms;
  std::atomic<bool> waiting{false};
  server_ = std::make_unique<Server>(
      options,
      [&](Request&) -> asio::awaitable<Response> {
        waiting = true;
        asio::steady_timer timer(co_await asio::this_coro::executor, 30s);
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return Response::Text(200, "late");
      },
      io_);
  ASSERT_TRUE(server_->Start());
  loop_ = std::thread([this] { io_.run(); });
  WireClient client(port());
  ASSERT_TRUE(client.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(PollUntil([&] { return waiting.load(); }));
  const auto stopping = std::chrono::steady_clock::now();
  auto report = server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 2s);
  EXPECT_EQ(report.requests, 1);
  EXPECT_EQ(report.unfinished, 1);
}

}  // namespace
}  // namespace gp::http
