#include <utility>  // Asio 1.74 needs it before its own headers.

#include "webex/client.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "http/stream.hpp"
#include "webex/curl_transport.hpp"
#include "webex_test_support.hpp"

namespace gp::webex {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeWebex;
using testing::JsonResponse;
using testing::LogCapture;
using testing::Recorded;
using testing::RecordingWaiter;
namespace asio = boost::asio;

// A deadline far enough away for calls whose waits are only recorded.
Deadline Later() { return DeadlineIn(std::chrono::seconds(60)); }

const char* kPerson = R"({"id":"P1","emails":["a@example.com"],"displayName":"Ann","type":"person"})";

http::Response Status(int status, const std::string& retry_after = "") {
  http::Response response = JsonResponse(status, R"({"message":"busy","trackingId":"T"})", "ROUTER_T");
  if (!retry_after.empty()) response.headers.Set("Retry-After", retry_after);
  return response;
}

// One part of a multipart/form-data body.
struct FormPart {
  std::string name;
  std::optional<std::string> filename;
  std::optional<std::string> content_type;
  std::string body;
};

// The value of `key="..."` in a Content-Disposition line; nullopt when absent.
std::optional<std::string> QuotedParam(const std::string& line, const std::string& key) {
  const std::string start = "; " + key + "=\"";
  auto at = line.find(start);
  if (at == std::string::npos) return std::nullopt;
  at += start.size();
  auto end = line.find('"', at);
  if (end == std::string::npos) return std::nullopt;
  return line.substr(at, end - at);
}

// Parses a multipart/form-data body back, strictly: the first delimiter opens the body, the closing
// one ends it, and parts are separated by CRLF and a delimiter line. nullopt when anything is off.
std::optional<std::vector<FormPart>> ParseForm(const std::string& content_type,
                                               const std::string& body) {
  const std::string prefix = "multipart/form-data; boundary=";
  if (content_type.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string delimiter = "--" + content_type.substr(prefix.size());
  const std::string opening = delimiter + "\r\n";
  const std::string closing = "\r\n" + delimiter + "--\r\n";
  if (body.rfind(opening, 0) != 0 || body.size() < opening.size() + closing.size() ||
      body.compare(body.size() - closing.size(), closing.size(), closing) != 0) {
    return std::nullopt;
  }
  const std::string inner =
      body.substr(opening.size(), body.size() - opening.size() - closing.size());
  const std::string separator = "\r\n" + delimiter + "\r\n";
  std::vector<FormPart> parts;
  std::size_t pos = 0;
  for (;;) {
    auto end = inner.find(separator, pos);
    std::string piece = inner.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    auto blank = piece.find("\r\n\r\n");
    if (blank == std::string::npos) return std::nullopt;
    FormPart part;
    std::string headers = piece.substr(0, blank);
    part.body = piece.substr(blank + 4);
    std::size_t line_start = 0;
    bool disposition = false;
    while (line_start <= headers.size()) {
      auto line_end = headers.find("\r\n", line_start);
      std::string line = headers.substr(
          line_start, line_end == std::string::npos ? std::string::npos : line_end - line_start);
      if (line.rfind("Content-Disposition: form-data; name=\"", 0) == 0) {
        disposition = true;
        part.name = QuotedParam(line, "name").value_or("");
        part.filename = QuotedParam(line, "filename");
      } else if (line.rfind("Content-Type: ", 0) == 0) {
        part.content_type = line.substr(14);
      } else {
        return std::nullopt;
      }
      if (line_end == std::string::npos) break;
      line_start = line_end + 2;
    }
    if (!disposition) return std::nullopt;
    parts.push_back(std::move(part));
    if (end == std::string::npos) return parts;
    pos = end + separator.size();
  }
}

// A random source whose n-th draw is filled with the n-th byte of `values` (the last one after
// that).
domain::RandomSource Draws(std::vector<unsigned char> values) {
  auto next = std::make_shared<std::size_t>(0);
  return [values, next](unsigned char* out, std::size_t size) {
    std::fill(out, out + size, values[std::min(*next, values.size() - 1)]);
    ++*next;
  };
}

http::Response FileResponse(const std::string& bytes, const std::string& type,
                            const std::string& disposition) {
  http::Response response = http::Response::Text(200, bytes, type);
  if (!disposition.empty()) response.headers.Set("Content-Disposition", disposition);
  return response;
}

class WebexClientTest : public ::testing::Test {
 protected:
  Client MakeClient(const FakeWebex& fake, RetryPolicy policy = {},
                    domain::RandomSource random = domain::SystemRandom()) {
    return Client(fake.base_url() + "/", transport_, waiter_.waiter(), policy, std::move(random));
  }
  std::vector<std::chrono::milliseconds> waits() const { return *waiter_.waits; }
  // Runs a call to completion on the test's event loop.
  template <typename T>
  T Run(asio::awaitable<T> task) {
    return testing::Run(ioc_, std::move(task));
  }

  asio::io_context ioc_;
  CurlTransport transport_{ioc_.get_executor()};
  RecordingWaiter waiter_;
};

TEST_F(WebexClientTest, RetriesAfter429HonouringRetryAfterThenSucceeds) {
  FakeWebex fake([](const http::Request&, int n) {
    if (n == 0) return Status(429, "3");
    if (n == 1) return Status(429, "7");
    return JsonResponse(200, kPerson);
  });
  Client client = MakeClient(fake);
  auto me = Run(client.GetMe("tok", Later()));
  ASSERT_TRUE(me.has_value()) << me.error().message;
  EXPECT_EQ(me->id, "P1");
  EXPECT_EQ(me->emails, std::vector<std::string>{"a@example.com"});
  EXPECT_EQ(waits(), (std::vector<std::chrono::milliseconds>{3s, 7s}));
  ASSERT_EQ(fake.Count("GET", "/v1/people/me"), 3);
  for (const auto& r : fake.requests()) EXPECT_EQ(r.authorization, "Bearer tok");
}

TEST_F(WebexClientTest, GivesUpAt429WhenRetryAfterExceedsTheCap) {
  FakeWebex fake([](const http::Request&, int) { return Status(429, "120"); });
  Client client = MakeClient(fake);
  auto me = Run(client.GetMe("tok", Later()));
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(me.error().retry_after_seconds, 120);
  EXPECT_TRUE(waits().empty());
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, Persistent429WithoutRetryAfterWaits15sAndStopsAfterMaxAttempts) {
  FakeWebex fake([](const http::Request&, int) { return Status(429); });
  Client client = MakeClient(fake);
  auto room = Run(client.CreateRoom("tok", "Room", Later()));
  ASSERT_FALSE(room.has_value());
  EXPECT_EQ(room.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(room.error().retry_after_seconds, 15);
  EXPECT_EQ(waits(), (std::vector<std::chrono::milliseconds>{15s, 15s, 15s}));
  EXPECT_EQ(fake.requests().size(), 4u);
}

TEST_F(WebexClientTest, RetryAfterBelowOneSecondWaitsOneSecondAnd423IsRetriedLike429) {
  FakeWebex fake([](const http::Request&, int n) {
    if (n == 0) return Status(429, "0");
    if (n == 1) return Status(423, "2");
    return JsonResponse(200, kPerson);
  });
  Client client = MakeClient(fake);
  ASSERT_TRUE(Run(client.GetMe("tok", Later())).has_value());
  EXPECT_EQ(waits(), (std::vector<std::chrono::milliseconds>{1s, 2s}));
}

TEST_F(WebexClientTest, BacksOffExponentiallyOn5xxThenSucceeds) {
  FakeWebex fake([](const http::Request&, int n) {
    if (n == 0) return Status(503);
    if (n == 1) return Status(502);
    if (n == 2) return Status(504);
    return JsonResponse(200, kPerson);
  });
  Client client = MakeClient(fake);
  ASSERT_TRUE(Run(client.GetMe("tok", Later())).has_value());
  EXPECT_EQ(waits(), (std::vector<std::chrono::milliseconds>{500ms, 1000ms, 2000ms}));
  EXPECT_EQ(fake.requests().size(), 4u);
}

TEST_F(WebexClientTest, Persistent503IsUnavailableAfterMaxAttempts) {
  FakeWebex fake([](const http::Request&, int) { return Status(503); });
  RetryPolicy policy;
  policy.max_attempts = 3;
  Client client = MakeClient(fake, policy);
  auto me = Run(client.GetMe("tok", Later()));
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(waits().size(), 2u);
}

TEST_F(WebexClientTest, A429WaitThatWouldPassTheDeadlineFailsAtOnce) {
  FakeWebex fake([](const http::Request&, int) { return Status(429, "5"); });
  Client client = MakeClient(fake);
  const auto started = std::chrono::steady_clock::now();
  auto me = Run(client.GetMe("tok", started + 2s));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(me.error().retry_after_seconds, 5);
  EXPECT_TRUE(waits().empty());  // the waiter was never asked
  EXPECT_LT(elapsed, 1s);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, A5xxBackOffThatWouldPassTheDeadlineFailsAtOnceWithRetryAfter) {
  FakeWebex fake([](const http::Request&, int) { return Status(503); });
  RetryPolicy policy;
  policy.initial_backoff = 2500ms;
  Client client = MakeClient(fake, policy);
  const auto started = std::chrono::steady_clock::now();
  auto room = Run(client.DeleteRoom("tok", "R1", started + 2s));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(room.has_value());
  EXPECT_EQ(room.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(room.error().retry_after_seconds, 3);  // 2.5 s, rounded up
  EXPECT_TRUE(waits().empty());
  EXPECT_LT(elapsed, 1s);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, RetriesWhileTheWaitsFitTheDeadline) {
  FakeWebex fake([](const http::Request&, int) { return Status(429, "2"); });
  Client client = MakeClient(fake);
  // Recorded waits take no time: each 2 s wait fits a 3 s deadline, until attempts run out.
  auto me = Run(client.GetMe("tok", DeadlineIn(3s)));
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(me.error().retry_after_seconds, 2);
  EXPECT_EQ(waits(), (std::vector<std::chrono::milliseconds>{2s, 2s, 2s}));
}

TEST_F(WebexClientTest, WaitsOnTheLoopsTimerByDefault) {
  FakeWebex fake([](const http::Request&, int n) { return n == 0 ? Status(503) : JsonResponse(200, kPerson); });
  RetryPolicy policy;
  policy.initial_backoff = 150ms;
  Client client(fake.base_url(), transport_, TimerWaiter(), policy);
  const auto started = std::chrono::steady_clock::now();
  auto me = Run(client.GetMe("tok", Later()));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(me.has_value()) << me.error().message;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 1s);
}

TEST_F(WebexClientTest, AServerThatNeverAnswersInTimeIsUnavailableAtTheDeadline) {
  FakeWebex fake([](const http::Request&, int) {
    http::Response response = JsonResponse(200, kPerson);
    response.delay = 1500ms;
    return response;
  });
  Client client = MakeClient(fake);
  const auto started = std::chrono::steady_clock::now();
  auto me = Run(client.GetMe("tok", started + 300ms));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(me.error().retry_after_seconds, 1);
  EXPECT_GE(elapsed, 280ms);
  EXPECT_LT(elapsed, 800ms);
  EXPECT_TRUE(waits().empty());  // the back-off would pass the deadline: not started
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, ListRecentRoomsReadsTheFirstPageOnly) {
  std::string origin;
  FakeWebex fake([&origin](const http::Request& request, int) {
    EXPECT_EQ(request.query, "sortBy=created&max=2");
    http::Response response = JsonResponse(200, R"({"items":[{"id":"R9"},{"id":"R8"}]})");
    response.headers.Add("Link", "<" + origin + "/v1/rooms?page=2>; rel=\"next\"");
    return response;
  });
  origin = fake.origin();
  Client client = MakeClient(fake);
  auto rooms = Run(client.ListRecentRooms("tok", "created", 2, Later()));
  ASSERT_TRUE(rooms.has_value()) << rooms.error().message;
  ASSERT_EQ(rooms->size(), 2u);
  EXPECT_EQ(rooms->front().id, "R9");
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, FollowsLinkHeadersVerbatimAcrossThreePages) {
  std::string origin;
  FakeWebex fake([&origin](const http::Request& request, int n) {
    json body{{"items", json::array({{{"id", "R" + std::to_string(n * 2 + 1)}, {"title", "t"}},
                                     {{"id", "R" + std::to_string(n * 2 + 2)}}})}};
    http::Response response = JsonResponse(200, body.dump());
    if (n == 0) {
      EXPECT_EQ(request.query, "sortBy=lastactivity&max=2");
      response.headers.Add("Link", "<" + origin + "/v1/rooms?max=2&cursor=Y2lz%3D%3D&sortBy=lastactivity>; rel=\"next\"");
    } else if (n == 1) {
      EXPECT_EQ(request.query, "max=2&cursor=Y2lz%3D%3D&sortBy=lastactivity");
      response.headers.Add("Link", "<" + origin + "/v1/rooms?first>; rel=\"first\", <" + origin +
                                       "/v1/rooms?page=3>; rel=\"next\"");
    } else {
      EXPECT_EQ(request.query, "page=3");
    }
    return response;
  });
  origin = fake.origin();
  Client client = MakeClient(fake);
  auto rooms = Run(client.ListRooms("tok", "lastactivity", 2, Later()));
  ASSERT_TRUE(rooms.has_value()) << rooms.error().message;
  ASSERT_EQ(rooms->size(), 6u);
  EXPECT_EQ(rooms->front().id, "R1");
  EXPECT_EQ(rooms->front().title, "t");
  EXPECT_EQ(rooms->back().id, "R6");
  EXPECT_EQ(rooms->back().title, "");
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) EXPECT_EQ(r.authorization, "Bearer tok");
}

TEST_F(WebexClientTest, ListMembershipsPagesUntilNoLink) {
  std::string origin;
  FakeWebex fake([&origin](const http::Request&, int n) {
    json body{{"items", json::array({{{"id", "M" + std::to_string(n)}, {"personId", "P"}, {"isModerator", n == 0}}})}};
    http::Response response = JsonResponse(200, body.dump());
    if (n < 2) response.headers.Add("Link", "<" + origin + "/v1/memberships?roomId=R&after=" + std::to_string(n) + ">; rel=\"next\"");
    return response;
  });
  origin = fake.origin();
  Client client = MakeClient(fake);
  auto memberships = Run(client.ListMemberships("tok", "R 1", Later()));
  ASSERT_TRUE(memberships.has_value()) << memberships.error().message;
  ASSERT_EQ(memberships->size(), 3u);
  EXPECT_TRUE((*memberships)[0].is_moderator);
  EXPECT_FALSE((*memberships)[1].is_moderator);
  EXPECT_EQ(fake.requests().front().query, "roomId=R%201");
}

TEST_F(WebexClientTest, RefusesToSendTheTokenToAnotherOrigin) {
  FakeWebex fake([](const http::Request&, int) {
    http::Response response = JsonResponse(200, R"({"items":[{"id":"R1"}]})");
    response.headers.Add("Link", "<http://attacker.example/v1/rooms?page=2>; rel=\"next\"");
    return response;
  });
  Client client = MakeClient(fake);
  auto rooms = Run(client.ListRooms("tok", "", 0, Later()));
  ASSERT_FALSE(rooms.has_value());
  EXPECT_EQ(rooms.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, StopsAtThePageCap) {
  std::string origin;
  FakeWebex fake([&origin](const http::Request&, int n) {
    http::Response response = JsonResponse(200, R"({"items":[{"id":"W"}]})");
    response.headers.Add("Link", "<" + origin + "/v1/webhooks?p=" + std::to_string(n + 1) + ">; rel=\"next\"");
    return response;
  });
  origin = fake.origin();
  RetryPolicy policy;
  policy.max_pages = 3;
  Client client = MakeClient(fake, policy);
  auto hooks = Run(client.ListWebhooks("tok", Later()));
  ASSERT_FALSE(hooks.has_value());
  EXPECT_EQ(hooks.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST_F(WebexClientTest, ListMessagesReturnsOnePageAndTheNextCursor) {
  std::string origin;
  FakeWebex fake([&origin](const http::Request& request, int) {
    EXPECT_EQ(request.query, "roomId=R1&max=2&beforeMessage=M0");
    http::Response response = JsonResponse(
        200, R"({"items":[{"id":"M9","roomId":"R1","text":"hi","files":["https://f/1"]},{"id":"M8","markdown":null}]})");
    response.headers.Add("Link", "<" + origin + "/v1/messages?roomId=R1&max=2&beforeMessage=M8>; rel=\"next\"");
    return response;
  });
  origin = fake.origin();
  Client client = MakeClient(fake);
  auto page = Run(client.ListMessages("tok", "R1", 2, "M0", Later()));
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].text, "hi");
  EXPECT_EQ(page->items[0].files, std::vector<std::string>{"https://f/1"});
  EXPECT_EQ(page->items[1].markdown, "");
  EXPECT_EQ(page->next_url, origin + "/v1/messages?roomId=R1&max=2&beforeMessage=M8");
  EXPECT_EQ(page->next_before_message, "M8");
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, MapsFailuresAndKeepsWebexMessages) {
  struct Case {
    int status;
    std::string body;
    ErrorCode code;
    std::string message;
  };
  std::vector<Case> cases = {
      {400, R"({"message":"Message too long.","errors":[{"description":"x"}],"trackingId":"T"})",
       ErrorCode::kBadRequest, "Message too long."},
      {401, R"({"message":"The request requires a valid access token set in the Authorization request header."})",
       ErrorCode::kUnauthorized, "The request requires a valid access token set in the Authorization request header."},
      {403, "", ErrorCode::kForbidden, "Webex does not allow this"},
      {404, R"({"errors":[{"description":"Could not find a room with provided ID."}]})", ErrorCode::kNotFound,
       "Could not find a room with provided ID."},
      {409, R"({"message":"Person is already in the room."})", ErrorCode::kConflict, "Person is already in the room."},
      {500, "not json", ErrorCode::kUpstream, "Webex answered with an unexpected status (HTTP 500)"},
  };
  for (const auto& c : cases) {
    FakeWebex fake([&c](const http::Request&, int) { return JsonResponse(c.status, c.body); });
    Client client = MakeClient(fake);
    auto added = Run(client.AddMembership("tok", "R1", "P1", Later()));
    ASSERT_FALSE(added.has_value()) << c.status;
    EXPECT_EQ(added.error().code, c.code) << c.status;
    EXPECT_EQ(added.error().message, c.message) << c.status;
    EXPECT_EQ(fake.requests().size(), 1u) << c.status;  // not retried
  }
  EXPECT_TRUE(waits().empty());
}

TEST_F(WebexClientTest, LogsFailuresWithTrackingIdButNoSecretsOrBodies) {
  FakeWebex fake([](const http::Request& request, int) {
    http::Response response = JsonResponse(
        request.path == "/v1/access_token" ? 400 : 401,
        R"({"error":"invalid_grant","error_description":"bad code","message":"echo SECRET-TOKEN-1"})");
    response.headers.Set("trackingid", "ROUTER_ABC123");
    return response;
  });
  LogCapture capture;
  Client client = MakeClient(fake);
  EXPECT_FALSE(Run(client.ListMessages("SECRET-TOKEN-1", "ROOM-ID-Q", 10, "", Later())).has_value());
  EXPECT_FALSE(Run(client.SendMessage("SECRET-TOKEN-1", "R1", {.text = "private words"}, Later())).has_value());
  EXPECT_FALSE(
      Run(client.SendMessage(
              "SECRET-TOKEN-1", "R1",
              {.upload = FileUpload{"private-name.txt", "text/plain", "private bytes"}}, Later()))
          .has_value());
  EXPECT_FALSE(Run(client.GetContent("SECRET-TOKEN-1", "C1", 10, Later())).has_value());
  EXPECT_FALSE(Run(client.ExchangeCode("cid", "CLIENT-SECRET-2", "AUTH-CODE-3", "https://x/cb", "VERIFIER-4", Later())).has_value());
  EXPECT_FALSE(Run(client.RefreshToken("cid", "CLIENT-SECRET-2", "REFRESH-TOKEN-5", Later())).has_value());
  EXPECT_FALSE(Run(client.LoginWithJwt("JWT-6", Later())).has_value());
  std::string log = capture.text();
  EXPECT_NE(log.find("GET /v1/messages answered 401"), std::string::npos) << log;
  EXPECT_NE(log.find("POST /v1/access_token answered 400"), std::string::npos) << log;
  EXPECT_NE(log.find("GET /v1/contents/C1 answered 401"), std::string::npos) << log;
  EXPECT_NE(log.find("ROUTER_ABC123"), std::string::npos) << log;
  for (const char* secret :
       {"SECRET-TOKEN", "ROOM-ID-Q", "private words", "private-name", "private bytes",
        "CLIENT-SECRET", "AUTH-CODE", "VERIFIER", "REFRESH-TOKEN", "JWT-6", "Bearer", "bad code"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in:\n" << log;
  }
}

TEST_F(WebexClientTest, ExchangeCodeSendsAFormAndParsesTokens) {
  FakeWebex fake([](const http::Request&, int) {
    return JsonResponse(200, R"({"access_token":"AT","expires_in":1209600,"refresh_token":"RT",)"
                             R"("refresh_token_expires_in":7776000,"token_type":"Bearer"})");
  });
  Client client = MakeClient(fake);
  auto tokens = Run(client.ExchangeCode("client id", "s&e=c+r%t", "the/code", "http://localhost:5000/auth/webex/callback",
                                    "verifier-1", Later()));
  ASSERT_TRUE(tokens.has_value()) << tokens.error().message;
  EXPECT_EQ(tokens->access_token, "AT");
  EXPECT_EQ(tokens->expires_in, 1209600);
  EXPECT_EQ(tokens->refresh_token, "RT");
  EXPECT_EQ(tokens->refresh_token_expires_in, 7776000);

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/v1/access_token");
  EXPECT_EQ(requests[0].authorization, "");
  EXPECT_EQ(requests[0].content_type, "application/x-www-form-urlencoded");
  Params form = ParseParams(requests[0].body);
  EXPECT_EQ(FindParam(form, "grant_type"), "authorization_code");
  EXPECT_EQ(FindParam(form, "client_id"), "client id");
  EXPECT_EQ(FindParam(form, "client_secret"), "s&e=c+r%t");
  EXPECT_EQ(requests[0].body.find("s&e"), std::string::npos);  // encoded, not raw
  EXPECT_EQ(FindParam(form, "code"), "the/code");
  EXPECT_EQ(FindParam(form, "redirect_uri"), "http://localhost:5000/auth/webex/callback");
  EXPECT_EQ(FindParam(form, "code_verifier"), "verifier-1");
}

TEST_F(WebexClientTest, RefreshTokenSendsAFormAndToleratesAMissingRefreshToken) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, R"({"access_token":"AT2","expires_in":"3600"})"); });
  Client client = MakeClient(fake);
  auto tokens = Run(client.RefreshToken("cid", "secret", "RT", Later()));
  ASSERT_TRUE(tokens.has_value()) << tokens.error().message;
  EXPECT_EQ(tokens->access_token, "AT2");
  EXPECT_EQ(tokens->expires_in, 3600);
  EXPECT_EQ(tokens->refresh_token, "");
  Params form = ParseParams(fake.requests()[0].body);
  EXPECT_EQ(FindParam(form, "grant_type"), "refresh_token");
  EXPECT_EQ(FindParam(form, "client_id"), "cid");
  EXPECT_EQ(FindParam(form, "client_secret"), "secret");
  EXPECT_EQ(FindParam(form, "refresh_token"), "RT");
}

TEST_F(WebexClientTest, OAuthErrorsInBothStyles) {
  {
    FakeWebex fake([](const http::Request&, int) {
      return JsonResponse(400, R"({"error":"invalid_grant","error_description":"The code has expired."})");
    });
    Client client = MakeClient(fake);
    auto tokens = Run(client.ExchangeCode("c", "s", "code", "r", "v", Later()));
    ASSERT_FALSE(tokens.has_value());
    EXPECT_EQ(tokens.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(tokens.error().reason, "invalid_grant");
    EXPECT_EQ(tokens.error().message, "The code has expired.");
  }
  {
    FakeWebex fake([](const http::Request&, int) {
      return JsonResponse(401, R"({"message":"Invalid client credentials.","errors":[],"trackingId":"T"})");
    });
    Client client = MakeClient(fake);
    auto tokens = Run(client.RefreshToken("c", "s", "rt", Later()));
    ASSERT_FALSE(tokens.has_value());
    EXPECT_EQ(tokens.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(tokens.error().message, "Invalid client credentials.");
  }
  {
    FakeWebex fake([](const http::Request&, int) { return JsonResponse(400, R"({"error":"invalid_request"})"); });
    Client client = MakeClient(fake);
    auto tokens = Run(client.RefreshToken("c", "s", "rt", Later()));
    ASSERT_FALSE(tokens.has_value());
    EXPECT_EQ(tokens.error().message, "invalid_request");
  }
}

TEST_F(WebexClientTest, AuthorizeUrlCarriesPkceS256) {
  CurlTransport transport(ioc_.get_executor());
  Client client("https://webexapis.com/v1", transport);
  std::string url = client.AuthorizeUrl("C1", "http://localhost:5000/auth/webex/callback", "spark:all spark:kms",
                                        "st", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  const std::string prefix = "https://webexapis.com/v1/authorize?";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  Params query = ParseParams(url.substr(prefix.size()));
  EXPECT_EQ(FindParam(query, "client_id"), "C1");
  EXPECT_EQ(FindParam(query, "response_type"), "code");
  EXPECT_EQ(FindParam(query, "redirect_uri"), "http://localhost:5000/auth/webex/callback");
  EXPECT_EQ(FindParam(query, "scope"), "spark:all spark:kms");
  EXPECT_EQ(FindParam(query, "state"), "st");
  EXPECT_EQ(FindParam(query, "code_challenge"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_EQ(FindParam(query, "code_challenge_method"), "S256");
  EXPECT_NE(url.find("scope=spark%3Aall%20spark%3Akms"), std::string::npos) << url;
}

TEST_F(WebexClientTest, SendsJsonBodiesForWrites) {
  FakeWebex fake([](const http::Request& request, int) {
    if (request.method == "DELETE") return http::Response::Empty(204);
    if (request.path == "/v1/rooms") return JsonResponse(200, R"({"id":"R1","title":"T","type":"group","isLocked":false})");
    if (request.path == "/v1/memberships") return JsonResponse(200, R"({"id":"M1","roomId":"R1","personId":"P1","isModerator":true})");
    if (request.path == "/v1/messages") return JsonResponse(200, R"({"id":"X1","roomId":"R1","markdown":"**b**"})");
    if (request.path == "/v1/meetings") return JsonResponse(200, R"({"id":"MT","meetingNumber":2551234567,"webLink":"https://w","password":"pw"})");
    if (request.path == "/v1/meetings/join") return JsonResponse(200, R"({"joinLink":"https://j","startLink":"https://s","expiration":"2030-01-01T00:00:00Z"})");
    if (request.path == "/v1/webhooks") return JsonResponse(200, R"({"id":"W1","name":"n","status":"active"})");
    if (request.path == "/v1/guests/token") return JsonResponse(200, R"({"id":"GP","accessToken":"GA","expiresIn":64799})");
    return JsonResponse(404, "{}");
  });
  Client client = MakeClient(fake);
  ASSERT_TRUE(Run(client.CreateRoom("tok", "T", Later())).has_value());
  auto membership = Run(client.AddMembership("tok", "R1", "P1", Later()));
  ASSERT_TRUE(membership.has_value());
  EXPECT_TRUE(membership->is_moderator);
  auto message = Run(client.SendMessage("tok", "R1", {.markdown = "**b**"}, Later()));
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->markdown, "**b**");
  auto meeting = Run(client.CreateAdhocMeeting("tok", "R1", Later()));
  ASSERT_TRUE(meeting.has_value());
  EXPECT_EQ(meeting->meeting_number, "2551234567");
  auto join = Run(client.JoinMeeting("tok", "MT", "g@example.com", "Guest", Later()));
  ASSERT_TRUE(join.has_value());
  EXPECT_EQ(join->join_link, "https://j");
  auto hook = Run(client.CreateWebhook("tok", {.name = "n", .target_url = "https://p/webhooks/webex", .resource = "all",
                                           .event = "all", .secret = "whsec"}, Later()));
  ASSERT_TRUE(hook.has_value());
  EXPECT_EQ(hook->status, "active");
  auto guest = Run(client.CreateGuestToken("sa", "alice", "Alice", Later()));
  ASSERT_TRUE(guest.has_value());
  EXPECT_EQ(guest->person_id, "GP");
  EXPECT_EQ(guest->expires_in, 64799);
  EXPECT_FALSE(guest->email.has_value());
  EXPECT_TRUE(Run(client.DeleteRoom("tok", "R1", Later())).has_value());
  EXPECT_TRUE(Run(client.DeleteMembership("tok", "M1", Later())).has_value());

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 9u);
  auto body = [&](std::size_t i) { return json::parse(requests[i].body); };
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(body(0), json({{"title", "T"}}));
  // Api::AddMembership adds plain members; the moderator flag comes back from Webex.
  EXPECT_EQ(body(1), json({{"roomId", "R1"}, {"personId", "P1"}}));
  EXPECT_EQ(body(2), json({{"roomId", "R1"}, {"markdown", "**b**"}}));
  EXPECT_EQ(body(3), json({{"roomId", "R1"}, {"adhoc", true}}));
  EXPECT_EQ(body(4), json({{"meetingId", "MT"}, {"joinDirectly", false}, {"email", "g@example.com"}, {"displayName", "Guest"}}));
  EXPECT_EQ(body(5), json({{"name", "n"}, {"targetUrl", "https://p/webhooks/webex"}, {"resource", "all"}, {"event", "all"}, {"secret", "whsec"}}));
  EXPECT_EQ(body(6), json({{"subject", "alice"}, {"displayName", "Alice"}}));
  EXPECT_EQ(requests[6].authorization, "Bearer sa");
  EXPECT_EQ(requests[7].method, "DELETE");
  EXPECT_EQ(requests[7].path, "/v1/rooms/R1");
  EXPECT_EQ(requests[8].path, "/v1/memberships/M1");
}

TEST_F(WebexClientTest, DoesNotFollowRedirects) {
  FakeWebex fake([](const http::Request&, int) { return http::Response::Redirect("/v1/people/P1", 302); });
  Client client = MakeClient(fake);
  auto me = Run(client.GetMe("tok", Later()));
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(WebexClientTest, MalformedSuccessBodiesAreUpstreamErrors) {
  FakeWebex fake([](const http::Request& request, int) {
    if (request.path == "/v1/people/me") return JsonResponse(200, "{not json");
    return JsonResponse(200, R"({"title":"no id"})");
  });
  Client client = MakeClient(fake);
  EXPECT_EQ(Run(client.GetMe("tok", Later())).error().code, ErrorCode::kUpstream);
  EXPECT_EQ(Run(client.GetRoom("tok", "R1", Later())).error().code, ErrorCode::kUpstream);
}

TEST_F(WebexClientTest, UnreachableWebexIsUnavailableAndOnlyIdempotentCallsAreRetried) {
  std::string base;
  {
    FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, "{}"); });
    base = fake.base_url();
  }  // stopped: nothing listens on that port now
  Client client(base, transport_, waiter_.waiter());
  auto me = Run(client.GetMe("tok", Later()));
  ASSERT_FALSE(me.has_value());
  EXPECT_EQ(me.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(waits().size(), 3u);
  auto room = Run(client.CreateRoom("tok", "T", Later()));
  ASSERT_FALSE(room.has_value());
  EXPECT_EQ(room.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(waits().size(), 3u);  // a POST that may have been processed is not repeated
}

TEST_F(WebexClientTest, TransportServesConcurrentCallers) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, kPerson); });
  Client client = MakeClient(fake);
  int ok = 0;
  int done = 0;
  for (int t = 0; t < 6; ++t) {
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> {
          for (int i = 0; i < 10; ++i) {
            auto me = co_await client.GetMe("tok", Later());
            ok += me.has_value() ? 1 : 0;
          }
          ++done;
        },
        asio::detached);
  }
  ioc_.run();
  EXPECT_EQ(done, 6);
  EXPECT_EQ(ok, 60);
  EXPECT_EQ(fake.requests().size(), 60u);
}

TEST_F(WebexClientTest, SendMessageWithAnUploadPostsMultipartFormData) {
  FakeWebex fake([](const http::Request&, int) {
    return JsonResponse(200, R"({"id":"X1","roomId":"R1","text":"see file","parentId":"P0",)"
                             R"("files":["https://webexapis.com/v1/contents/C1"]})");
  });
  Client client = MakeClient(fake);
  const std::string bytes = std::string("%PDF\0\r\n--\r\n\r\n", 13) + std::string(3000, '\xff');
  OutgoingMessage message{.text = "see file",
                          .markdown = "**see** file",
                          .upload = FileUpload{"report 2024.pdf", "application/pdf", bytes},
                          .parent_id = "P0"};
  auto sent = Run(client.SendMessage("tok", "R1", message, Later()));
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  EXPECT_EQ(sent->id, "X1");
  EXPECT_EQ(sent->files, std::vector<std::string>{"https://webexapis.com/v1/contents/C1"});

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/v1/messages");
  EXPECT_EQ(requests[0].authorization, "Bearer tok");
  const std::string prefix = "multipart/form-data; boundary=gp-";
  ASSERT_EQ(requests[0].content_type.rfind(prefix, 0), 0u) << requests[0].content_type;
  EXPECT_EQ(requests[0].content_type.size(), prefix.size() + 32);
  auto parts = ParseForm(requests[0].content_type, requests[0].body);
  ASSERT_TRUE(parts.has_value()) << requests[0].body.substr(0, 400);
  ASSERT_EQ(parts->size(), 5u);
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"roomId", "R1"}, {"text", "see file"}, {"markdown", "**see** file"}, {"parentId", "P0"}};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ((*parts)[i].name, fields[i].first);
    EXPECT_EQ((*parts)[i].body, fields[i].second);
    EXPECT_FALSE((*parts)[i].filename.has_value()) << fields[i].first;
    EXPECT_FALSE((*parts)[i].content_type.has_value()) << fields[i].first;
  }
  const FormPart& file = parts->back();
  EXPECT_EQ(file.name, "files");
  EXPECT_EQ(file.filename, "report 2024.pdf");
  EXPECT_EQ(file.content_type, "application/pdf");
  EXPECT_EQ(file.body, bytes);
}

TEST_F(WebexClientTest, AnUploadWithoutTextSendsTheRoomAndTheFileWithAFreshBoundaryEachTime) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, R"({"id":"X1"})"); });
  Client client = MakeClient(fake);
  OutgoingMessage message{.upload = FileUpload{"notes.bin", "", "abc"}};
  ASSERT_TRUE(Run(client.SendMessage("tok", "R1", message, Later())).has_value());
  ASSERT_TRUE(Run(client.SendMessage("tok", "R1", message, Later())).has_value());
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].content_type, requests[1].content_type);
  for (const auto& request : requests) {
    auto parts = ParseForm(request.content_type, request.body);
    ASSERT_TRUE(parts.has_value()) << request.body;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "roomId");
    EXPECT_EQ((*parts)[0].body, "R1");
    EXPECT_EQ((*parts)[1].name, "files");
    EXPECT_EQ((*parts)[1].filename, "notes.bin");
    EXPECT_EQ((*parts)[1].content_type, "application/octet-stream");
    EXPECT_EQ((*parts)[1].body, "abc");
  }
}

TEST_F(WebexClientTest, TheBoundaryIsDrawnAgainWhenTheBodyHoldsItAndFileNamesAreEscaped) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, R"({"id":"X1"})"); });
  Client client = MakeClient(fake, {}, Draws({0x00, 0x11}));
  const std::string first = "gp-" + std::string(32, '0');
  const std::string second = "gp-" + std::string(32, '1');
  const std::string bytes = "\r\n--" + first + "--\r\n";
  OutgoingMessage message{.text = "t", .upload = FileUpload{"a\"b\r\n.txt", "text/plain", bytes}};
  ASSERT_TRUE(Run(client.SendMessage("tok", "R1", message, Later())).has_value());
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].content_type, "multipart/form-data; boundary=" + second);
  auto parts = ParseForm(requests[0].content_type, requests[0].body);
  ASSERT_TRUE(parts.has_value()) << requests[0].body;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].body, bytes);
  EXPECT_EQ((*parts)[2].filename, "a%22b%0D%0A.txt");
}

TEST_F(WebexClientTest, SendMessageRefusesAnUploadItCannotSendWithoutARequest) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, R"({"id":"X1"})"); });
  Client client = MakeClient(fake);
  const std::vector<OutgoingMessage> refused = {
      {.files = {"https://example.com/a.png"}, .upload = FileUpload{"a.png", "image/png", "x"}},
      {.text = "no name", .upload = FileUpload{"", "image/png", "x"}},
      {.upload = FileUpload{"a.txt", "text/plain\r\nX-Injected: 1", "x"}},
  };
  for (const auto& message : refused) {
    auto sent = Run(client.SendMessage("tok", "R1", message, Later()));
    ASSERT_FALSE(sent.has_value());
    EXPECT_EQ(sent.error().code, ErrorCode::kBadRequest) << sent.error().message;
  }
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(WebexClientTest, GetMessageAndGetPersonReadOneObject) {
  FakeWebex fake([](const http::Request& request, int) {
    if (request.path == "/v1/messages/M 1")
      return JsonResponse(200, R"({"id":"M 1","roomId":"R1","text":"hi"})");
    if (request.path == "/v1/people/P/1") return JsonResponse(200, kPerson);
    return JsonResponse(404, R"({"message":"Could not find it."})");
  });
  Client client = MakeClient(fake);
  auto message = Run(client.GetMessage("tok", "M 1", Later()));
  ASSERT_TRUE(message.has_value()) << message.error().message;
  EXPECT_EQ(message->text, "hi");
  auto person = Run(client.GetPerson("tok", "P/1", Later()));
  ASSERT_TRUE(person.has_value()) << person.error().message;
  EXPECT_EQ(person->display_name, "Ann");
  auto missing = Run(client.GetPerson("tok", "nobody", Later()));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.authorization, "Bearer tok");
  }
  EXPECT_EQ(requests[0].path, "/v1/messages/M 1");
  EXPECT_EQ(requests[1].path, "/v1/people/P/1");
}

TEST_F(WebexClientTest, HeadContentSendsHeadAndReadsNameTypeAndSize) {
  FakeWebex fake([](const http::Request&, int) {
    return FileResponse(std::string(1234, 'x'), "application/pdf",
                        "attachment; filename=\"report.pdf\"");
  });
  Client client = MakeClient(fake);
  auto info = Run(client.HeadContent("tok", "Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvMQ", Later()));
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->name, "report.pdf");
  EXPECT_EQ(info->content_type, "application/pdf");
  EXPECT_EQ(info->size, 1234);
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "HEAD");
  EXPECT_EQ(requests[0].path, "/v1/contents/Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvMQ");
  EXPECT_EQ(requests[0].authorization, "Bearer tok");
  EXPECT_EQ(requests[0].body, "");
}

TEST_F(WebexClientTest, ReadsTheFileNameFromEveryFormOfContentDisposition) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"attachment; filename=\"report.pdf\"", "report.pdf"},
      {"attachment; filename=plain.txt", "plain.txt"},
      {"attachment;filename=\"a;b \\\"c\\\".txt\"", "a;b \"c\".txt"},
      {"attachment; filename*=UTF-8''na%C3%AFve%20file.txt", "na\xC3\xAFve file.txt"},
      {"attachment; filename=\"fallback.txt\"; filename*=utf-8''%E2%82%AC%20rates.pdf",
       "\xE2\x82\xAC rates.pdf"},
      {"attachment; filename*=iso-8859-1'en'caf%E9.txt", "caf\xC3\xA9.txt"},
      {"attachment; filename*=KOI8-R''%C1.txt; filename=\"kept.txt\"", "kept.txt"},
      {"attachment; filename*=UTF-8''%FF%FE.txt; filename=\"valid.txt\"", "valid.txt"},
      {"attachment; filename=\"caf\xE9.txt\"", "caf\xC3\xA9.txt"},
      {"attachment; filename=\"../../etc/passwd\"", "passwd"},
      {"attachment; filename=\"C:\\\\Users\\\\x.doc\"", "x.doc"},
      {"attachment; filename=\"tab\there.txt\"", "tabhere.txt"},
      {"inline", ""},
  };
  FakeWebex fake([&cases](const http::Request& request, int) {
    const std::size_t i = std::stoul(request.path.substr(request.path.rfind('D') + 1));
    return FileResponse("bytes", "text/plain", cases[i].first);
  });
  Client client = MakeClient(fake);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto info = Run(client.HeadContent("tok", "D" + std::to_string(i), Later()));
    ASSERT_TRUE(info.has_value()) << info.error().message;
    EXPECT_EQ(info->name, cases[i].second) << cases[i].first;
    auto content = Run(client.GetContent("tok", "D" + std::to_string(i), 100, Later()));
    ASSERT_TRUE(content.has_value()) << content.error().message;
    EXPECT_EQ(content->info.name, cases[i].second) << cases[i].first;
  }
}

TEST_F(WebexClientTest, HeadContentWithoutContentLengthHasSizeZero) {
  testing::RawServer raw(
      "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Disposition: attachment; "
      "filename=\"a.png\"\r\n"
      "Connection: close\r\n\r\n",
      /*close_after_answer=*/true);
  Client client(raw.base_url(), transport_, waiter_.waiter());
  auto info = Run(client.HeadContent("tok", "C1", Later()));
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->name, "a.png");
  EXPECT_EQ(info->content_type, "image/png");
  EXPECT_EQ(info->size, 0);
  auto requests = raw.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].rfind("HEAD /v1/contents/C1 HTTP/1.1\r\n", 0), 0u) << requests[0];
  EXPECT_NE(requests[0].find("\r\nAuthorization: Bearer tok"), std::string::npos) << requests[0];
}

TEST_F(WebexClientTest, GetContentReadsTheFileUpToMaxBytes) {
  const std::string bytes = std::string("\x89PNG\r\n\x1a\n\0\0", 10) + std::string(990, '\x01');
  FakeWebex fake([&bytes](const http::Request&, int) {
    return FileResponse(bytes, "image/png", "attachment; filename=\"pic.png\"");
  });
  Client client = MakeClient(fake);
  auto content = Run(client.GetContent("tok", "C1", 1000, Later()));
  ASSERT_TRUE(content.has_value()) << content.error().message;
  EXPECT_EQ(content->bytes, bytes);
  EXPECT_EQ(content->info.name, "pic.png");
  EXPECT_EQ(content->info.content_type, "image/png");
  EXPECT_EQ(content->info.size, 1000);
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/v1/contents/C1");
  EXPECT_EQ(requests[0].authorization, "Bearer tok");
}

TEST_F(WebexClientTest, GetContentWithoutContentLengthCountsWhatArrived) {
  FakeWebex fake([](const http::Request&, int) {
    auto stream = std::make_shared<http::Stream>(http::Stream::Options{});
    stream->Push("first,");
    stream->Push("second");
    stream->Close();
    http::Response response;
    response.headers.Set("Content-Type", "text/csv");
    response.headers.Set("Content-Disposition", "attachment; filename=\"t.csv\"");
    response.stream = stream;
    return response;
  });
  Client client = MakeClient(fake);
  auto content = Run(client.GetContent("tok", "C1", 12, Later()));
  ASSERT_TRUE(content.has_value()) << content.error().message;
  EXPECT_EQ(content->bytes, "first,second");
  EXPECT_EQ(content->info.size, 12);
  EXPECT_EQ(content->info.content_type, "text/csv");
}

TEST_F(WebexClientTest, GetContentOfAFileOverMaxBytesIsTooLargeWithoutReadingIt) {
  {
    FakeWebex fake([](const http::Request&, int) {
      return FileResponse(std::string(5000, 'x'), "text/plain", "");
    });
    Client client = MakeClient(fake);
    auto content = Run(client.GetContent("tok", "C1", 4999, Later()));
    ASSERT_FALSE(content.has_value());
    EXPECT_EQ(content.error().code, ErrorCode::kTooLarge);
    EXPECT_NE(content.error().message.find("4999"), std::string::npos) << content.error().message;
    EXPECT_EQ(fake.requests().size(), 1u);  // not repeated
  }
  {
    // A million bytes announced, a hundred sent, then silence: only Content-Length can end it
    // early.
    testing::RawServer raw(
        "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 1000000\r\n\r\n" +
        std::string(100, 'x'));
    Client client(raw.base_url(), transport_, waiter_.waiter());
    const auto started = std::chrono::steady_clock::now();
    auto content = Run(client.GetContent("tok", "C1", 1000, started + 3s));
    ASSERT_FALSE(content.has_value());
    EXPECT_EQ(content.error().code, ErrorCode::kTooLarge);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  {
    // No Content-Length and a body that never ends: counted while it arrives.
    auto stream = std::make_shared<http::Stream>(http::Stream::Options{});
    FakeWebex fake([stream](const http::Request&, int) {
      for (int i = 0; i < 4; ++i) stream->Push(std::string(400, 'x'));
      http::Response response;
      response.stream = stream;
      return response;
    });
    Client client = MakeClient(fake);
    const auto started = std::chrono::steady_clock::now();
    auto content = Run(client.GetContent("tok", "C1", 1000, started + 3s));
    ASSERT_FALSE(content.has_value());
    EXPECT_EQ(content.error().code, ErrorCode::kTooLarge);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    stream->Close();
  }
  EXPECT_TRUE(waits().empty());
}

// A transport that answers every call with the same result and keeps the calls it was given.
class CannedTransport final : public Transport {
 public:
  explicit CannedTransport(HttpResult result) : result_(std::move(result)) {}
  asio::awaitable<Result<HttpResult>> Send(HttpCall call,
                                           std::chrono::steady_clock::time_point) override {
    calls.push_back(std::move(call));
    co_return result_;
  }
  std::vector<HttpCall> calls;

 private:
  HttpResult result_;
};

TEST_F(WebexClientTest, GetContentAsksTheTransportForTheCapAndChecksTheAnswerItself) {
  // A transport that does not enforce the cap: the client still refuses what is over it.
  CannedTransport announced(HttpResult{200, {{"Content-Length", "5000"}}, "short"});
  Client by_length("https://webex.test/v1", announced, waiter_.waiter());
  auto content = Run(by_length.GetContent("tok", "C1", 100, Later()));
  ASSERT_FALSE(content.has_value());
  EXPECT_EQ(content.error().code, ErrorCode::kTooLarge);
  ASSERT_EQ(announced.calls.size(), 1u);
  EXPECT_EQ(announced.calls[0].method, "GET");
  EXPECT_EQ(announced.calls[0].url, "https://webex.test/v1/contents/C1");
  EXPECT_EQ(announced.calls[0].max_body_bytes, std::optional<std::size_t>(100));

  CannedTransport unannounced(HttpResult{200, {}, std::string(101, 'x')});
  Client by_size("https://webex.test/v1", unannounced, waiter_.waiter());
  content = Run(by_size.GetContent("tok", "C1", 100, Later()));
  ASSERT_FALSE(content.has_value());
  EXPECT_EQ(content.error().code, ErrorCode::kTooLarge);

  // HEAD asks for no cap: the length it reads is the file's.
  CannedTransport head(HttpResult{200, {{"Content-Length", "5000"}}, ""});
  Client heads("https://webex.test/v1", head, waiter_.waiter());
  auto info = Run(heads.HeadContent("tok", "C1", Later()));
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->size, 5000);
  ASSERT_EQ(head.calls.size(), 1u);
  EXPECT_EQ(head.calls[0].method, "HEAD");
  EXPECT_FALSE(head.calls[0].max_body_bytes.has_value());
}

TEST_F(WebexClientTest, GetContentMapsAnErrorLongerThanMaxBytesAsTheError) {
  FakeWebex fake([](const http::Request&, int) {
    return JsonResponse(
        404, R"({"message":"File not found.","padding":")" + std::string(500, 'p') + R"("})");
  });
  Client client = MakeClient(fake);
  auto content = Run(client.GetContent("tok", "C1", 10, Later()));
  ASSERT_FALSE(content.has_value());
  EXPECT_EQ(content.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(content.error().message, "File not found.");
}

TEST_F(WebexClientTest, ABadContentIdIsRefusedWithoutARequest) {
  FakeWebex fake([](const http::Request&, int) { return FileResponse("x", "text/plain", ""); });
  Client client = MakeClient(fake);
  for (const std::string id : {"", "a/b", "..", "a b", "C1?x=1", "C%31", "C1#f", "caf\xC3\xA9"}) {
    auto info = Run(client.HeadContent("tok", id, Later()));
    ASSERT_FALSE(info.has_value()) << id;
    EXPECT_EQ(info.error().code, ErrorCode::kBadRequest) << id;
    auto content = Run(client.GetContent("tok", id, 100, Later()));
    ASSERT_FALSE(content.has_value()) << id;
    EXPECT_EQ(content.error().code, ErrorCode::kBadRequest) << id;
  }
  EXPECT_TRUE(fake.requests().empty());
  // The alphabet of ids, padding included, does reach Webex.
  EXPECT_TRUE(Run(client.HeadContent("tok", "Y2lz-_09==", Later())).has_value());
  EXPECT_EQ(fake.Count("HEAD", "/v1/contents/Y2lz-_09=="), 1);
}

TEST_F(WebexClientTest, UpdateWebhookPutsTheFieldsWebexChanges) {
  FakeWebex fake([](const http::Request&, int) {
    return JsonResponse(
        200, R"({"id":"W1","name":"n2","targetUrl":"https://p/hook","status":"active"})");
  });
  Client client = MakeClient(fake);
  auto revived = Run(client.UpdateWebhook(
      "tok", "W1", {.name = "n2", .target_url = "https://p/hook", .status = "active"}, Later()));
  ASSERT_TRUE(revived.has_value()) << revived.error().message;
  EXPECT_EQ(revived->status, "active");
  EXPECT_EQ(revived->target_url, "https://p/hook");
  ASSERT_TRUE(
      Run(client.UpdateWebhook(
              "tok", "W1", {.name = "n3", .target_url = "https://p/hook", .secret = "s3"}, Later()))
          .has_value());
  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.path, "/v1/webhooks/W1");
    EXPECT_EQ(r.authorization, "Bearer tok");
    EXPECT_EQ(r.content_type, "application/json");
  }
  EXPECT_EQ(json::parse(requests[0].body),
            json({{"name", "n2"}, {"targetUrl", "https://p/hook"}, {"status", "active"}}));
  EXPECT_EQ(json::parse(requests[1].body),
            json({{"name", "n3"}, {"targetUrl", "https://p/hook"}, {"secret", "s3"}}));
}

TEST_F(WebexClientTest, ListWebhooksReadsEveryPage) {
  std::string origin;
  FakeWebex fake([&origin](const http::Request&, int n) {
    json body{{"items", json::array({{{"id", "W" + std::to_string(n)},
                                      {"status", n == 0 ? "active" : "inactive"}}})}};
    http::Response response = JsonResponse(200, body.dump());
    if (n == 0) response.headers.Add("Link", "<" + origin + "/v1/webhooks?after=W0>; rel=\"next\"");
    return response;
  });
  origin = fake.origin();
  Client client = MakeClient(fake);
  auto hooks = Run(client.ListWebhooks("tok", Later()));
  ASSERT_TRUE(hooks.has_value()) << hooks.error().message;
  ASSERT_EQ(hooks->size(), 2u);
  EXPECT_EQ((*hooks)[0].status, "active");
  EXPECT_EQ((*hooks)[1].id, "W1");
  EXPECT_EQ((*hooks)[1].status, "inactive");
  ASSERT_EQ(fake.requests().size(), 2u);
  EXPECT_EQ(fake.requests()[1].query, "after=W0");
}

TEST_F(WebexClientTest, TheNewCallsAreRetriedAfter429) {
  FakeWebex fake([](const http::Request& request, int n) {
    if (n == 0) return Status(429, "2");
    if (request.path == "/v1/contents/C1")
      return FileResponse("abc", "text/plain", "attachment; filename=\"a.txt\"");
    if (request.method == "DELETE") return http::Response::Empty(204);
    if (request.path == "/v1/messages" && request.method == "GET")
      return JsonResponse(200, R"({"items":[{"id":"X1"}]})");
    if (request.path == "/v1/messages" || request.path == "/v1/messages/X1")
      return JsonResponse(200, R"({"id":"X1"})");
    if (request.path == "/v1/people/P1") return JsonResponse(200, kPerson);
    if (request.path == "/v1/webhooks" && request.method == "GET")
      return JsonResponse(200, R"({"items":[{"id":"W1"}]})");
    if (request.path.rfind("/v1/webhooks", 0) == 0) return JsonResponse(200, R"({"id":"W1"})");
    return JsonResponse(404, "{}");
  });
  Client client = MakeClient(fake);
  OutgoingMessage upload{.text = "t", .upload = FileUpload{"a.txt", "text/plain", "abc"}};
  EXPECT_TRUE(Run(client.SendMessage("tok", "R1", upload, Later())).has_value());
  EXPECT_TRUE(Run(client.ListMessages("tok", "R1", 0, "", Later())).has_value());
  EXPECT_TRUE(Run(client.GetMessage("tok", "X1", Later())).has_value());
  EXPECT_TRUE(Run(client.GetPerson("tok", "P1", Later())).has_value());
  auto info = Run(client.HeadContent("tok", "C1", Later()));
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->name, "a.txt");
  auto content = Run(client.GetContent("tok", "C1", 10, Later()));
  ASSERT_TRUE(content.has_value()) << content.error().message;
  EXPECT_EQ(content->bytes, "abc");
  EXPECT_TRUE(
      Run(client.CreateWebhook(
              "tok", {.name = "n", .target_url = "https://p", .resource = "all", .event = "all"},
              Later()))
          .has_value());
  EXPECT_TRUE(Run(client.ListWebhooks("tok", Later())).has_value());
  EXPECT_TRUE(
      Run(client.UpdateWebhook("tok", "W1", {.name = "n", .target_url = "https://p"}, Later()))
          .has_value());
  EXPECT_TRUE(Run(client.DeleteWebhook("tok", "W1", Later())).has_value());

  EXPECT_EQ(waits(), std::vector<std::chrono::milliseconds>(10, 2s));
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/v1/messages"},
                                                        {"GET", "/v1/messages"},
                                                        {"GET", "/v1/messages/X1"},
                                                        {"GET", "/v1/people/P1"},
                                                        {"HEAD", "/v1/contents/C1"},
                                                        {"GET", "/v1/contents/C1"},
                                                        {"POST", "/v1/webhooks"},
                                                        {"GET", "/v1/webhooks"},
                                                        {"PUT", "/v1/webhooks/W1"},
                                                        {"DELETE", "/v1/webhooks/W1"}}) {
    EXPECT_EQ(fake.Count(method, path), 2) << method << " " << path;
  }
  // The repeated upload is the same request.
  std::vector<Recorded> uploads;
  for (const auto& r : fake.requests()) {
    if (r.method == "POST" && r.path == "/v1/messages") uploads.push_back(r);
  }
  ASSERT_EQ(uploads.size(), 2u);
  EXPECT_EQ(uploads[0].content_type, uploads[1].content_type);
  EXPECT_EQ(uploads[0].body, uploads[1].body);
}

TEST(WebexTypesTest, ParsesDefensively) {
  auto person = ParsePerson(json::parse(R"({"id":"P","emails":null,"displayName":7,"avatar":null})"));
  ASSERT_TRUE(person.has_value());
  EXPECT_TRUE(person->emails.empty());
  EXPECT_EQ(person->display_name, "");
  EXPECT_FALSE(ParsePerson(json::parse(R"({"displayName":"x"})")).has_value());
  EXPECT_FALSE(ParseRoom(json::parse("[]")).has_value());
  auto guest = ParseGuestToken(json::parse(R"({"id":"P","accessToken":"A","expiresIn":10,"email":"e@x"})"));
  ASSERT_TRUE(guest.has_value());
  EXPECT_EQ(guest->email, "e@x");
  EXPECT_FALSE(ParseGuestToken(json::parse(R"({"id":"P"})")).has_value());
  auto login = ParseJwtLogin(json::parse(R"({"token":"T","expiresIn":21600})"));
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->expires_in, 21600);
}

TEST(WebexTypesTest, NumbersAnInt64CannotHoldReadAsAbsent) {
  auto tokens = [](const char* expires_in) {
    return ParseOAuthTokens(json::parse(std::string(R"({"access_token":"A","expires_in":)") + expires_in + "}"));
  };
  EXPECT_EQ(tokens("3600.9")->expires_in, 3600);
  EXPECT_EQ(tokens("-5")->expires_in, -5);
  EXPECT_EQ(tokens("9223372036854775807")->expires_in, INT64_MAX);
  EXPECT_EQ(tokens("1e300")->expires_in, 0);
  EXPECT_EQ(tokens("-1e300")->expires_in, 0);
  EXPECT_EQ(tokens("9223372036854775808")->expires_in, 0);
  EXPECT_EQ(tokens("18446744073709551615")->expires_in, 0);
  EXPECT_EQ(tokens("9.3e18")->expires_in, 0);
  auto meeting = ParseMeeting(json::parse(R"({"id":"M","meetingNumber":1e30})"));
  ASSERT_TRUE(meeting.has_value());
  EXPECT_EQ(meeting->meeting_number, "");
}

TEST(WebexTypesTest, ContentIdFromUrlTakesTheIdAfterContents) {
  EXPECT_EQ(
      ContentIdFromUrl("https://webexapis.com/v1/contents/Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvMQ"),
      "Y2lzY29zcGFyazovL3VzL0NPTlRFTlQvMQ");
  EXPECT_EQ(ContentIdFromUrl("http://127.0.0.1:8080/v1/contents/a-b_c=?allow=unscannable#x"),
            "a-b_c=");
  EXPECT_EQ(ContentIdFromUrl("/v1/contents/C1"), "C1");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/contents/"), "");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/contents"), "");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/messages/C1"), "");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/mycontents/C1"), "");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/contents/C1/extra"), "");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/contents/C%2F1"), "");
  EXPECT_EQ(ContentIdFromUrl("https://webexapis.com/v1/contents/C.1"), "");
  EXPECT_EQ(ContentIdFromUrl("C1"), "");
  EXPECT_EQ(ContentIdFromUrl(""), "");
}

TEST(WebexEndpointTemplate, ReplacesIdsAndKeepsKnownWords) {
  const std::string base = "http://127.0.0.1:5001/v1";
  EXPECT_EQ(EndpointTemplate(base, base + "/rooms/Y2lzY29zcGFyazovL3VzL1JPT00vMQ?max=1"),
            "/rooms/{id}");
  EXPECT_EQ(EndpointTemplate(base + "/", base + "/rooms?sortBy=lastactivity"), "/rooms");
  EXPECT_EQ(EndpointTemplate(base, base + "/memberships?roomId=R1"), "/memberships");
  EXPECT_EQ(EndpointTemplate(base, base + "/memberships/M1"), "/memberships/{id}");
  EXPECT_EQ(EndpointTemplate(base, base + "/people/me"), "/people/me");
  EXPECT_EQ(EndpointTemplate(base, base + "/people/P1"), "/people/{id}");
  EXPECT_EQ(EndpointTemplate(base, base + "/meetings/join"), "/meetings/join");
  EXPECT_EQ(EndpointTemplate(base, base + "/meetings/MTG1/end"), "/meetings/{id}/end");
  EXPECT_EQ(EndpointTemplate(base, base + "/jwt/login"), "/jwt/login");
  EXPECT_EQ(EndpointTemplate(base, base + "/guests/token"), "/guests/token");
  EXPECT_EQ(EndpointTemplate(base, base + "/access_token"), "/access_token");
  EXPECT_EQ(EndpointTemplate("https://webexapis.com/v1", "https://webexapis.com/v1/contents/C1"),
            "/contents/{id}");
  // Anything the client does not call, or outside the API's path, is "other": the set stays
  // bounded.
  EXPECT_EQ(EndpointTemplate(base, base + "/guest-names/Ann"), "other");
  EXPECT_EQ(EndpointTemplate(base, base + "/rooms/a/b/c"), "other");
  EXPECT_EQ(EndpointTemplate(base, "http://127.0.0.1:5001/v10/rooms"), "other");
  EXPECT_EQ(EndpointTemplate(base, "http://127.0.0.1:5001/elsewhere/rooms"), "other");
  EXPECT_EQ(EndpointTemplate(base, base), "other");
}

TEST_F(WebexClientTest, HooksSeeEveryAttemptByEndpointTemplateAndEveryRetry) {
  FakeWebex fake([](const http::Request& request, int n) {
    if (request.path == "/v1/people/me") {
      if (n == 0) return Status(429, "3");
      if (n == 1) return Status(503);
      return JsonResponse(200, kPerson);
    }
    return Status(404);
  });
  Client client = MakeClient(fake);
  std::vector<std::string> answered;
  std::vector<std::string> retried;
  CallHooks hooks;
  hooks.answered = [&](std::string_view method, std::string_view endpoint, int status,
                       std::chrono::duration<double> took) {
    EXPECT_GE(took.count(), 0.0);
    answered.push_back(std::string(method) + " " + std::string(endpoint) + " " +
                       std::to_string(status));
  };
  hooks.retrying = [&](std::string_view method, std::string_view endpoint, int status) {
    retried.push_back(std::string(method) + " " + std::string(endpoint) + " " +
                      std::to_string(status));
  };
  client.SetHooks(hooks);
  ASSERT_TRUE(Run(client.GetMe("tok", Later())).has_value());
  EXPECT_FALSE(Run(client.GetRoom("tok", "Y2lzY29zcGFyazovL3VzL1JPT00vMQ", Later())).has_value());
  EXPECT_EQ(answered, (std::vector<std::string>{"GET /people/me 429", "GET /people/me 503",
                                                "GET /people/me 200", "GET /rooms/{id} 404"}));
  EXPECT_EQ(retried, (std::vector<std::string>{"GET /people/me 429", "GET /people/me 503"}));
}

TEST_F(WebexClientTest, HooksSeeCallsThatGotNoAnswerAsStatusZero) {
  std::string base;
  {
    FakeWebex fake([](const http::Request&, int) { return JsonResponse(200, "{}"); });
    base = fake.base_url();
  }  // stopped: nothing listens on that port now
  Client client(base, transport_, waiter_.waiter(), RetryPolicy{.max_attempts = 2});
  std::vector<int> statuses;
  int retries = 0;
  CallHooks hooks;
  hooks.answered = [&](std::string_view, std::string_view endpoint, int status,
                       std::chrono::duration<double>) {
    EXPECT_EQ(endpoint, "/people/me");
    statuses.push_back(status);
  };
  hooks.retrying = [&](std::string_view, std::string_view, int status) {
    EXPECT_EQ(status, 0);
    ++retries;
  };
  client.SetHooks(hooks);
  EXPECT_FALSE(Run(client.GetMe("tok", Later())).has_value());
  EXPECT_EQ(statuses, (std::vector<int>{0, 0}));
  EXPECT_EQ(retries, 1);
}

}  // namespace
}  // namespace gp::webex
