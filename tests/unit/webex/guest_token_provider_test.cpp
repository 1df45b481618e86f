#include <utility>  // Asio 1.74 needs it before its own headers.

#include "webex/guest_token_provider.hpp"

#include <optional>
#include <set>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "webex/curl_transport.hpp"
#include "webex_test_support.hpp"

namespace gp::webex {
namespace {

using nlohmann::json;
using testing::FakeWebex;
using testing::JsonResponse;
using testing::RecordingWaiter;
using namespace std::chrono_literals;
namespace asio = boost::asio;

Deadline Later() { return DeadlineIn(60s); }

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

class WebexGuestIssuerTest : public ::testing::Test {
 protected:
  template <typename T>
  T Run(asio::awaitable<T> task) {
    return testing::Run(ioc_, std::move(task));
  }

  asio::io_context ioc_;
  CurlTransport transport_{ioc_.get_executor()};
  RecordingWaiter waiter_;
  int64_t now_ = 1'700'000'000;
  Clock clock_ = [this] { return now_; };
};

TEST_F(WebexGuestIssuerTest, SignsAnHs256JwtWithTheDecodedSecretAndLogsIn) {
  const std::string secret_bytes = std::string("\x01\x02\xfe\xff guest issuer secret", 24);
  const std::string secret_b64 = Base64Encode(secret_bytes);
  FakeWebex fake([](const http::Request& request, int) {
    if (request.path == "/v1/jwt/login") return JsonResponse(200, R"({"token":"guest-access","expiresIn":21600})");
    if (request.path == "/v1/people/me" && request.headers.Get("Authorization") == "Bearer guest-access") {
      return JsonResponse(200, R"({"id":"GUEST-PERSON","emails":["g@appid.ciscospark.com"],"type":"appuser"})");
    }
    return JsonResponse(401, R"({"message":"bad token"})");
  });
  Client client(fake.base_url(), transport_, waiter_.waiter());
  GuestIssuerProvider provider(client, "ISSUER-1", secret_b64, 5400, clock_);

  auto token = Run(provider.Issue("john.doe", "John \"JD\" Doe", Later()));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->person_id, "GUEST-PERSON");
  EXPECT_EQ(token->access_token, "guest-access");
  EXPECT_EQ(token->expires_in, 21600);
  EXPECT_EQ(token->email, "g@appid.ciscospark.com");

  auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/v1/jwt/login");
  EXPECT_EQ(requests[0].body, "");
  ASSERT_EQ(requests[0].authorization.rfind("Bearer ", 0), 0u);
  const std::string jwt = requests[0].authorization.substr(7);

  auto parts = Split(jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(json::parse(Base64Decode(parts[0]).value()), json({{"alg", "HS256"}, {"typ", "JWT"}}));
  json claims = json::parse(Base64Decode(parts[1]).value());
  EXPECT_EQ(claims["sub"], "john.doe");
  EXPECT_EQ(claims["name"], "John \"JD\" Doe");
  EXPECT_EQ(claims["iss"], "ISSUER-1");
  ASSERT_TRUE(claims["exp"].is_number_integer());
  EXPECT_EQ(claims["exp"].get<int64_t>(), now_ + 5400);
  for (const auto& part : parts) EXPECT_EQ(part.find_first_of("+/="), std::string::npos);  // base64url

  const std::string signing_input = parts[0] + "." + parts[1];
  EXPECT_EQ(parts[2], Base64UrlEncode(crypto::HmacSha256(secret_bytes, signing_input)));
  EXPECT_NE(parts[2], Base64UrlEncode(crypto::HmacSha256(secret_b64, signing_input)));
}

TEST_F(WebexGuestIssuerTest, RejectedJwtIsAnErrorAndBadSecretNeverCallsWebex) {
  FakeWebex fake([](const http::Request&, int) { return JsonResponse(401, R"({"message":"JWT signature invalid"})"); });
  Client client(fake.base_url(), transport_, waiter_.waiter());
  GuestIssuerProvider provider(client, "ISSUER-1", Base64Encode("secret"), 60, clock_);
  auto token = Run(provider.Issue("a", "A", Later()));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthorized);

  GuestIssuerProvider broken(client, "ISSUER-1", "not base64!!", 60, clock_);
  EXPECT_FALSE(Run(broken.Issue("a", "A", Later())).has_value());
  EXPECT_EQ(fake.requests().size(), 1u);
}

// A fake Webex for the Service App: /access_token hands out sa-1, sa-2, ... in turn;
// /guests/token accepts only the tokens in `accepted`.
class WebexServiceAppTest : public ::testing::Test {
 protected:
  void Serve() {
    fake_ = std::make_unique<FakeWebex>([this](const http::Request& request, int n) {
      if (request.path == "/v1/access_token") {
        http::Response response = JsonResponse(200, json{{"access_token", "sa-" + std::to_string(n + 1)},
                                                         {"expires_in", 3600},
                                                         {"refresh_token", "sa-refresh"},
                                                         {"refresh_token_expires_in", 7776000}}
                                                        .dump());
        response.delay = refresh_delay_;
        return response;
      }
      if (request.path == "/v1/guests/token") {
        std::string auth(request.headers.Get("Authorization").value_or(""));
        if (auth.rfind("Bearer ", 0) != 0 || !accepted_.contains(auth.substr(7))) {
          return JsonResponse(401, R"({"message":"The request requires a valid access token."})");
        }
        json body = json::parse(request.body);
        return JsonResponse(200, json{{"id", "PERSON-" + body["subject"].get<std::string>()},
                                      {"subject", body["subject"]},
                                      {"displayName", body["displayName"]},
                                      {"email", "x@appid.ciscospark.com"},
                                      {"accessToken", "guest-token-" + std::to_string(n)},
                                      {"expiresIn", 64799}}
                                     .dump());
      }
      return JsonResponse(404, "{}");
    });
    client_ = std::make_unique<Client>(fake_->base_url(), transport_, waiter_.waiter());
  }

  template <typename T>
  T Run(asio::awaitable<T> task) {
    return testing::Run(ioc_, std::move(task));
  }

  asio::io_context ioc_;
  CurlTransport transport_{ioc_.get_executor()};
  RecordingWaiter waiter_;
  std::set<std::string> accepted_;
  std::chrono::milliseconds refresh_delay_{0};
  std::unique_ptr<FakeWebex> fake_;
  std::unique_ptr<Client> client_;
  int64_t now_ = 1'700'000'000;
  Clock clock_ = [this] { return now_; };
};

TEST_F(WebexServiceAppTest, RefreshesItsOwnTokenOnceAndCachesIt) {
  accepted_ = {"sa-1"};
  Serve();
  ServiceAppProvider provider(*client_, "sa-client", "sa-secret", "sa-refresh", clock_);
  auto first = Run(provider.Issue("guest-1", "Guest One", Later()));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->person_id, "PERSON-guest-1");
  EXPECT_EQ(first->access_token, "guest-token-0");
  EXPECT_EQ(first->expires_in, 64799);
  EXPECT_EQ(first->email, "x@appid.ciscospark.com");
  now_ += 1000;
  ASSERT_TRUE(Run(provider.Issue("guest-2", "Guest Two", Later())).has_value());

  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 1);
  EXPECT_EQ(fake_->Count("POST", "/v1/guests/token"), 2);
  auto requests = fake_->requests();
  Params form = ParseParams(requests[0].body);
  EXPECT_EQ(FindParam(form, "grant_type"), "refresh_token");
  EXPECT_EQ(FindParam(form, "client_id"), "sa-client");
  EXPECT_EQ(FindParam(form, "client_secret"), "sa-secret");
  EXPECT_EQ(FindParam(form, "refresh_token"), "sa-refresh");
  EXPECT_EQ(requests[1].authorization, "Bearer sa-1");
  EXPECT_EQ(json::parse(requests[1].body), json({{"subject", "guest-1"}, {"displayName", "Guest One"}}));
}

TEST_F(WebexServiceAppTest, ConcurrentFirstCallsShareOneRefresh) {
  accepted_ = {"sa-1"};
  refresh_delay_ = 100ms;  // all six are waiting for the token while the one refresh is in flight
  Serve();
  ServiceAppProvider provider(*client_, "c", "s", "r", clock_);
  int ok = 0;
  std::set<std::string> people;
  for (int t = 0; t < 6; ++t) {
    asio::co_spawn(
        ioc_,
        [&, t]() -> asio::awaitable<void> {
          auto token = co_await provider.Issue("g" + std::to_string(t), "G", Later());
          ok += token.has_value() ? 1 : 0;
          if (token) people.insert(token->person_id);
        },
        asio::detached);
  }
  ioc_.run();
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(people.size(), 6u);
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 1);
  EXPECT_EQ(fake_->Count("POST", "/v1/guests/token"), 6);
  for (const auto& request : fake_->requests()) {
    if (request.path == "/v1/guests/token") {
      EXPECT_EQ(request.authorization, "Bearer sa-1");
    }
  }
}

TEST_F(WebexServiceAppTest, CallersWaitingForAFailedRefreshShareItsFailure) {
  fake_ = std::make_unique<FakeWebex>([](const http::Request&, int) {
    http::Response response = JsonResponse(401, R"({"message":"Invalid client credentials."})");
    response.delay = 100ms;
    return response;
  });
  Client client(fake_->base_url(), transport_, waiter_.waiter());
  ServiceAppProvider provider(client, "c", "s", "r", clock_);
  std::vector<Result<GuestToken>> results;
  for (int t = 0; t < 3; ++t) {
    asio::co_spawn(
        ioc_,
        [&]() -> asio::awaitable<void> { results.push_back(co_await provider.Issue("g", "G", Later())); },
        asio::detached);
  }
  ioc_.run();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(result.error().reason, "service_app_unauthorized");
  }
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 1);
  // The next call tries again.
  auto again = Run(provider.Issue("g", "G", Later()));
  EXPECT_FALSE(again.has_value());
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 2);
}

TEST_F(WebexServiceAppTest, ACallerWaitingForTheRefreshGivesUpAtItsOwnDeadline) {
  accepted_ = {"sa-1"};
  refresh_delay_ = 600ms;
  Serve();
  ServiceAppProvider provider(*client_, "c", "s", "r", clock_);
  std::optional<Result<GuestToken>> patient;
  std::optional<Result<GuestToken>> hasty;
  std::chrono::steady_clock::duration hasty_took{};
  asio::co_spawn(
      ioc_, [&]() -> asio::awaitable<void> { patient = co_await provider.Issue("p", "P", Later()); }, asio::detached);
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> {
        const auto started = std::chrono::steady_clock::now();
        hasty = co_await provider.Issue("h", "H", started + 200ms);
        hasty_took = std::chrono::steady_clock::now() - started;
      },
      asio::detached);
  ioc_.run();
  ASSERT_TRUE(patient.has_value());
  EXPECT_TRUE(patient->has_value());
  ASSERT_TRUE(hasty.has_value());
  ASSERT_FALSE(hasty->has_value());
  EXPECT_EQ(hasty->error().code, ErrorCode::kUnavailable);
  EXPECT_GE(hasty->error().retry_after_seconds, 1);
  EXPECT_GE(hasty_took, 180ms);
  EXPECT_LT(hasty_took, 500ms);
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 1);
}

TEST_F(WebexServiceAppTest, RefreshesAheadOfExpiry) {
  accepted_ = {"sa-1", "sa-2"};
  Serve();
  ServiceAppProvider provider(*client_, "c", "s", "r", clock_);
  ASSERT_TRUE(Run(provider.Issue("g", "G", Later())).has_value());
  now_ += 3600 - 200;  // within domain::RefreshDue's margin of the token's end
  ASSERT_TRUE(Run(provider.Issue("g", "G", Later())).has_value());
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 2);
  EXPECT_EQ(fake_->requests().back().authorization, "Bearer sa-2");
}

TEST_F(WebexServiceAppTest, A401RefreshesOnceAndRetries) {
  accepted_ = {"sa-2"};  // sa-1 was revoked
  Serve();
  ServiceAppProvider provider(*client_, "c", "s", "r", clock_);
  auto token = Run(provider.Issue("g", "G", Later()));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 2);
  EXPECT_EQ(fake_->Count("POST", "/v1/guests/token"), 2);
  ASSERT_TRUE(Run(provider.Issue("h", "H", Later())).has_value());
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 2);  // sa-2 is cached now
  EXPECT_EQ(fake_->Count("POST", "/v1/guests/token"), 3);
}

TEST_F(WebexServiceAppTest, APersistent401IsNotRetriedForever) {
  accepted_ = {};
  Serve();
  ServiceAppProvider provider(*client_, "c", "s", "r", clock_);
  auto token = Run(provider.Issue("g", "G", Later()));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(fake_->Count("POST", "/v1/access_token"), 2);
  EXPECT_EQ(fake_->Count("POST", "/v1/guests/token"), 2);
}

TEST_F(WebexServiceAppTest, RefusedServiceAppCredentialsAreAPortalProblem) {
  FakeWebex fake([](const http::Request&, int) {
    return JsonResponse(400, R"({"error":"invalid_client","error_description":"bad"})");
  });
  Client client(fake.base_url(), transport_, waiter_.waiter());
  ServiceAppProvider provider(client, "c", "s", "r", clock_);
  auto token = Run(provider.Issue("g", "G", Later()));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(token.error().reason, "service_app_unauthorized");
  EXPECT_EQ(fake.Count("POST", "/v1/guests/token"), 0);
}

}  // namespace
}  // namespace gp::webex
