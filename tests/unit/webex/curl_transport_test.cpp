#include <utility>  // Asio 1.74 needs it before its own headers.

#include "webex/curl_transport.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "http/stream.hpp"
#include "webex/client.hpp"
#include "webex_test_support.hpp"

namespace gp::webex {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;
using testing::FakeWebex;
using testing::JsonResponse;
namespace asio = boost::asio;

const char* kPerson = R"({"id":"P1","emails":["a@example.com"],"displayName":"Ann","type":"person"})";

// Threads of this process right now.
std::size_t ThreadCount() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

http::Response Delayed(std::chrono::milliseconds delay, const std::string& body = kPerson) {
  http::Response response = JsonResponse(200, body);
  response.delay = delay;
  return response;
}

HttpCall Get(const std::string& url) { return HttpCall{"GET", url, {{"Accept", "application/json"}}, {}}; }

class CurlTransportTest : public ::testing::Test {
 protected:
  template <typename T>
  T Run(asio::awaitable<T> task) {
    return testing::Run(ioc_, std::move(task));
  }
  // Runs the loop until `done` holds or `limit` passes.
  template <typename Predicate>
  void RunUntil(Predicate done, std::chrono::milliseconds limit = 5s) {
    const auto end = steady_clock::now() + limit;
    ioc_.restart();
    while (!done() && steady_clock::now() < end) ioc_.run_one_for(10ms);
  }

  asio::io_context ioc_;
  CurlTransport transport_{ioc_.get_executor()};
};

TEST_F(CurlTransportTest, FiftyCallsInFlightRunConcurrentlyOnTheLoopThreadWithoutExtraThreads) {
  FakeWebex fake([](const http::Request&, int) { return Delayed(200ms); });
  Client client(fake.base_url(), transport_);
  const std::thread::id loop_thread = std::this_thread::get_id();
  const std::size_t threads_before = ThreadCount();
  constexpr int kCalls = 50;
  int ok = 0;
  int resumed_on_loop = 0;
  const auto started = steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> {
          auto me = co_await client.GetMe("tok", DeadlineIn(10s));
          ok += me.has_value() && me->id == "P1" ? 1 : 0;
          resumed_on_loop += std::this_thread::get_id() == loop_thread ? 1 : 0;
        },
        asio::detached);
  }
  std::size_t most_in_flight = 0;
  std::optional<std::size_t> threads_during;
  while (ioc_.run_one() > 0) {
    most_in_flight = std::max(most_in_flight, transport_.in_flight());
    if (!threads_during && transport_.in_flight() == kCalls) threads_during = ThreadCount();
  }
  const auto elapsed = steady_clock::now() - started;

  EXPECT_EQ(ok, kCalls);
  EXPECT_EQ(resumed_on_loop, kCalls);
  EXPECT_EQ(most_in_flight, static_cast<std::size_t>(kCalls));
  EXPECT_EQ(transport_.in_flight(), 0u);
  EXPECT_EQ(fake.requests().size(), static_cast<std::size_t>(kCalls));
  // One after the other they would take 50 x 200 ms = 10 s.
  EXPECT_LT(elapsed, 2s) << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
  // Calls in flight hold no thread: the count is the same with 50 of them as with none.
  ASSERT_TRUE(threads_during.has_value());
  EXPECT_EQ(*threads_during, threads_before);
}

TEST_F(CurlTransportTest, ReturnsStatusHeadersAndBody) {
  FakeWebex fake([](const http::Request& request, int) {
    http::Response response = JsonResponse(201, R"({"echo":")" + request.body + R"("})", "TRACK-1");
    response.headers.Add("Link", "<a>; rel=\"next\"");
    response.headers.Add("Link", "<b>; rel=\"prev\"");
    return response;
  });
  auto result = Run(transport_.Send(HttpCall{"PUT", fake.base_url() + "/x", {{"X-Test", "1"}}, "hello"},
                                    DeadlineIn(5s)));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->body, R"({"echo":"hello"})");
  EXPECT_EQ(result->Header("trackingid"), "TRACK-1");
  EXPECT_EQ(result->Headers("Link"), (std::vector<std::string>{"<a>; rel=\"next\"", "<b>; rel=\"prev\""}));
  ASSERT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.requests()[0].method, "PUT");
  EXPECT_EQ(fake.requests()[0].body, "hello");
}

TEST_F(CurlTransportTest, ADeadlineAlreadyPassedFailsAtOnceWithoutCallingWebex) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, kPerson); });
  auto result = Run(transport_.Send(Get(fake.base_url() + "/people/me"), steady_clock::now() - 1ms));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(CurlTransportTest, AnAnswerLaterThanTheDeadlineIsUnavailableAtTheDeadline) {
  FakeWebex fake([](const http::Request&, int) { return Delayed(1500ms); });
  const auto started = steady_clock::now();
  auto result = Run(transport_.Send(Get(fake.base_url() + "/people/me"), started + 300ms));
  const auto elapsed = steady_clock::now() - started;
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(elapsed, 280ms);
  EXPECT_LT(elapsed, 800ms);
}

TEST_F(CurlTransportTest, TheTotalTimeoutBoundsACallWithALaterDeadline) {
  CurlTransport transport(ioc_.get_executor(), CurlTransportOptions{.total_timeout = 300ms});
  FakeWebex fake([](const http::Request&, int) { return Delayed(1500ms); });
  const auto started = steady_clock::now();
  auto result = Run(transport.Send(Get(fake.base_url() + "/people/me"), started + 10s));
  const auto elapsed = steady_clock::now() - started;
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(elapsed, 800ms);
}

TEST_F(CurlTransportTest, AResponseLargerThanTheCapFails) {
  CurlTransport transport(ioc_.get_executor(), CurlTransportOptions{.max_response_bytes = 1000});
  FakeWebex fake([](const http::Request& request, int) {
    return JsonResponse(200, std::string(request.path == "/v1/small" ? 1000 : 5000, 'x'));
  });
  auto small = Run(transport.Send(Get(fake.base_url() + "/small"), DeadlineIn(5s)));
  ASSERT_TRUE(small.has_value()) << small.error().message;
  EXPECT_EQ(small->body.size(), 1000u);

  auto large = Run(transport.Send(Get(fake.base_url() + "/large"), DeadlineIn(5s)));
  ASSERT_FALSE(large.has_value());
  EXPECT_EQ(large.error().code, ErrorCode::kUpstream);
  EXPECT_NE(large.error().message.find("larger than 1000 bytes"), std::string::npos) << large.error().message;

  // The client does not repeat it: the same answer would be as large again.
  Client client(fake.base_url(), transport, testing::RecordingWaiter().waiter());
  auto rooms = Run(client.GetRoom("tok", "large", DeadlineIn(5s)));
  ASSERT_FALSE(rooms.has_value());
  EXPECT_EQ(rooms.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(fake.Count("GET", "/v1/rooms/large"), 1);
}

TEST_F(CurlTransportTest, HeadReturnsTheHeadersOfABodyItDoesNotRead) {
  FakeWebex fake([](const http::Request&, int) {
    http::Response response = http::Response::Text(200, std::string(5000, 'x'), "application/pdf");
    response.headers.Set("Content-Disposition", "attachment; filename=\"a.pdf\"");
    return response;
  });
  HttpCall head{"HEAD", fake.base_url() + "/contents/C1", {}, {}};
  head.max_body_bytes = 10;  // the announced length is the file's, not this answer's
  auto result = Run(transport_.Send(head, DeadlineIn(3s)));
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "");
  EXPECT_EQ(result->Header("Content-Length"), "5000");
  EXPECT_EQ(result->Header("Content-Disposition"), "attachment; filename=\"a.pdf\"");

  // The connection stays in step: a GET after it reads the whole body.
  auto get = Run(transport_.Send(Get(fake.base_url() + "/contents/C1"), DeadlineIn(3s)));
  ASSERT_TRUE(get.has_value()) << get.error().message;
  EXPECT_EQ(get->body.size(), 5000u);
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "HEAD");
  EXPECT_EQ(requests[1].method, "GET");
}

TEST_F(CurlTransportTest, ACallsBodyCapBindsSuccessfulAnswersOnlyAndFailsWithTooLarge) {
  FakeWebex fake([](const http::Request& request, int) {
    if (request.path == "/v1/ok") return http::Response::Text(200, std::string(1000, 'x'));
    if (request.path == "/v1/big") return http::Response::Text(200, std::string(1001, 'x'));
    return JsonResponse(404, R"({"message":")" + std::string(3000, 'm') + R"("})");
  });
  auto capped = [&](const std::string& path) {
    HttpCall call = Get(fake.base_url() + path);
    call.max_body_bytes = 1000;
    return call;
  };
  auto ok = Run(transport_.Send(capped("/ok"), DeadlineIn(5s)));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->body.size(), 1000u);

  auto big = Run(transport_.Send(capped("/big"), DeadlineIn(5s)));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, ErrorCode::kTooLarge);
  EXPECT_NE(big.error().message.find("larger than 1000 bytes"), std::string::npos)
      << big.error().message;

  // An error's body is not the file the cap is for.
  auto missing = Run(transport_.Send(capped("/missing"), DeadlineIn(5s)));
  ASSERT_TRUE(missing.has_value()) << missing.error().message;
  EXPECT_EQ(missing->status, 404);
  EXPECT_GT(missing->body.size(), 3000u);

  // The call's cap takes the place of the transport's own.
  CurlTransport small(ioc_.get_executor(), CurlTransportOptions{.max_response_bytes = 500});
  auto through = Run(small.Send(capped("/ok"), DeadlineIn(5s)));
  ASSERT_TRUE(through.has_value()) << through.error().message;
  EXPECT_EQ(through->body.size(), 1000u);
}

TEST_F(CurlTransportTest, AnAnnouncedLengthOverTheCapFailsBeforeTheBodyArrives) {
  // 100 bytes of an announced million come, then nothing: only the header can end this early.
  const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
      "1000000\r\n\r\n" +
      std::string(100, 'x');
  {
    testing::RawServer raw(answer);
    HttpCall call = Get(raw.base_url() + "/contents/C1");
    call.max_body_bytes = 1000;
    const auto started = steady_clock::now();
    auto result = Run(transport_.Send(call, started + 3s));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kTooLarge);
    EXPECT_LT(steady_clock::now() - started, 1s);
  }
  {
    testing::RawServer raw(answer);
    CurlTransport transport(ioc_.get_executor(), CurlTransportOptions{.max_response_bytes = 1000});
    const auto started = steady_clock::now();
    auto result = Run(transport.Send(Get(raw.base_url() + "/rooms"), started + 3s));
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kUpstream);
    EXPECT_LT(steady_clock::now() - started, 1s);
  }
}

TEST_F(CurlTransportTest, AChunkedBodyOverTheCapFailsWhileItArrives) {
  auto stream = std::make_shared<http::Stream>(http::Stream::Options{});
  FakeWebex fake([stream](const http::Request&, int) {
    // 1800 bytes without Content-Length, and the stream stays open.
    for (int i = 0; i < 3; ++i) stream->Push(std::string(600, 'x'));
    http::Response response;
    response.headers.Set("Content-Type", "application/octet-stream");
    response.stream = stream;
    return response;
  });
  HttpCall call = Get(fake.base_url() + "/contents/C1");
  call.max_body_bytes = 1000;
  const auto started = steady_clock::now();
  auto result = Run(transport_.Send(call, started + 3s));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kTooLarge);
  EXPECT_LT(steady_clock::now() - started, 1s);
  stream->Close();
}

TEST_F(CurlTransportTest, CanBeDestroyedWithACallInFlight) {
  FakeWebex fake([](const http::Request&, int) { return Delayed(1000ms); });
  auto transport = std::make_unique<CurlTransport>(ioc_.get_executor());
  std::optional<Result<HttpResult>> result;
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> { result = co_await transport->Send(Get(fake.base_url() + "/slow"), DeadlineIn(5s)); },
      asio::detached);
  RunUntil([&] { return !fake.requests().empty(); });
  ASSERT_EQ(transport->in_flight(), 1u);
  transport.reset();
  // The call fails; its coroutine resumes on the loop.
  RunUntil([&] { return result.has_value(); });
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kUnavailable);
}

TEST_F(CurlTransportTest, CanBeDestroyedWithACallInFlightAfterTheLoopStopped) {
  FakeWebex fake([](const http::Request&, int) { return Delayed(1000ms); });
  auto loop = std::make_unique<asio::io_context>();
  auto transport = std::make_unique<CurlTransport>(loop->get_executor());
  bool resumed = false;
  asio::co_spawn(
      *loop,
      [&]() -> asio::awaitable<void> {
        co_await transport->Send(Get(fake.base_url() + "/slow"), DeadlineIn(5s));
        resumed = true;
      },
      asio::detached);
  const auto end = steady_clock::now() + 5s;
  while (fake.requests().empty() && steady_clock::now() < end) loop->run_one_for(10ms);
  ASSERT_EQ(transport->in_flight(), 1u);
  // The loop is not run again: the transport goes first, then the loop with the suspended call.
  transport.reset();
  loop.reset();
  EXPECT_FALSE(resumed);
}

}  // namespace
}  // namespace gp::webex
