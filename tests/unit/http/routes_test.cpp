// The route table (src/api/routes.hpp) enforces what each route declares — who may call it, CSRF on
// state-changing calls, where it runs — before the handler sees the request. Driven through
// Routes::Handler(), the coroutine the server awaits, on a loop run by the test thread.
#include "api/routes.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "../core/run_sync.hpp"
#include "storage/open.hpp"

namespace gp::api {
namespace {

namespace asio = boost::asio;
using gp::test_support::RunSync;
using gp::test_support::RunUntil;

class RoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::OpenStorage("sqlite::memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    storage_ = std::move(*opened);
    ASSERT_TRUE(storage_->Migrate());
    storage::GuestRecord guest;
    guest.id = "g1";
    guest.username = "ann";
    guest.display_name = "Ann";
    guest.password_hash = "x";
    ASSERT_TRUE(storage_->CreateGuest(guest));
    sessions_ = std::make_unique<service::Sessions>(*storage_, [this] { return now_; }, 3600);
    pool_ = std::make_unique<WorkPool>(1, 1);
    routes_ = std::make_unique<Routes>(*sessions_, *pool_, "", false);

    routes_->Add("GET", "/api/v1/mine", Access::kGuest, Exec::kInline,
                 [this](http::Request&, const Caller& caller) -> Result<http::Response> {
                   ++handled_;
                   return http::Response::Text(200, "guest " + caller.session.guest_id.value_or(""));
                 });
    routes_->Add("POST", "/api/v1/mine", Access::kGuest, Exec::kInline,
                 [this](http::Request&, const Caller&) -> Result<http::Response> {
                   ++handled_;
                   return http::Response::Text(200, "changed");
                 });
    routes_->Add("GET", "/api/v1/work", Access::kPublic, Exec::kPool,
                 [this](http::Request&, const Caller&) -> Result<http::Response> {
                   ++handled_;
                   pool_thread_ = std::this_thread::get_id();
                   return http::Response::Text(200, "worked");
                 });
    handler_ = routes_->Handler();

    auto guest_session = sessions_->CreateForGuest("g1");
    ASSERT_TRUE(guest_session);
    guest_ = *guest_session;
    auto admin_session = sessions_->CreateForAdmin("admin@example.com");
    ASSERT_TRUE(admin_session);
    admin_ = *admin_session;
  }

  void TearDown() override {
    // Whatever a test did, blocked work is let go before the pool joins its threads.
    if (!release_.try_wait()) release_.count_down();
    if (pool_) pool_->Join();
  }

  http::Response Call(const std::string& method, const std::string& path, const std::string& cookie = {},
                      const std::string& csrf = {}) {
    http::Request request;
    request.method = method;
    request.target = path;
    request.path = path;
    if (!cookie.empty()) request.headers.Add("Cookie", std::string(kSessionCookie) + "=" + cookie);
    if (!csrf.empty()) request.headers.Add("X-CSRF-Token", csrf);
    return RunSync(io_, handler_(request));
  }

  static bool Has(const http::Response& response, const std::string& text) {
    return response.body.find(text) != std::string::npos;
  }

  int64_t now_ = 1'700'000'000;
  std::latch release_{1};  // holds the pool's thread in the test of a full pool
  asio::io_context io_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<service::Sessions> sessions_;
  std::unique_ptr<WorkPool> pool_;
  std::unique_ptr<Routes> routes_;
  http::AsyncHandler handler_;
  service::NewSession guest_;
  service::NewSession admin_;
  std::atomic<int> handled_{0};
  std::thread::id pool_thread_;
};

TEST_F(RoutesTest, AGuestRouteWithoutASessionIs401) {
  auto response = Call("GET", "/api/v1/mine");
  EXPECT_EQ(response.status, 401);
  EXPECT_TRUE(Has(response, "not_signed_in")) << response.body;
  EXPECT_EQ(handled_.load(), 0);
  // Refusals carry the security headers like every other answer.
  EXPECT_EQ(response.headers.Get("X-Frame-Options"), "DENY");
  EXPECT_EQ(Call("GET", "/api/v1/mine", "no-such-session").status, 401);
}

TEST_F(RoutesTest, AGuestRouteWithAnAdministratorsSessionIs403) {
  auto response = Call("GET", "/api/v1/mine", admin_.cookie_value);
  EXPECT_EQ(response.status, 403);
  EXPECT_TRUE(Has(response, "wrong_role")) << response.body;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(RoutesTest, AGuestRouteWithTheGuestsSessionRuns) {
  auto response = Call("GET", "/api/v1/mine", guest_.cookie_value);  // a read needs no CSRF token
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "guest g1");
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(RoutesTest, AStateChangingCallNeedsTheSessionsCsrfToken) {
  auto missing = Call("POST", "/api/v1/mine", guest_.cookie_value);
  EXPECT_EQ(missing.status, 403);
  EXPECT_TRUE(Has(missing, "csrf_failed")) << missing.body;
  auto wrong = Call("POST", "/api/v1/mine", guest_.cookie_value, admin_.session.csrf_token);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_TRUE(Has(wrong, "csrf_failed")) << wrong.body;
  EXPECT_EQ(handled_.load(), 0);

  auto right = Call("POST", "/api/v1/mine", guest_.cookie_value, guest_.session.csrf_token);
  EXPECT_EQ(right.status, 200);
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(RoutesTest, APoolRouteRunsOnAPoolThread) {
  auto response = Call("GET", "/api/v1/work");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "worked");
  EXPECT_NE(pool_thread_, std::thread::id());
  EXPECT_NE(pool_thread_, std::this_thread::get_id());  // the test thread runs the loop
}

TEST_F(RoutesTest, APoolRouteAnswers503WithRetryAfterWhenThePoolIsFull) {
  // The pool's only slot is taken.
  auto blocker = asio::co_spawn(io_, pool_->Run([this]() -> Result<int> {
    release_.wait();
    return 0;
  }), asio::use_future);
  ASSERT_TRUE(RunUntil(io_, [&] { return pool_->pending() == 1; }));

  auto response = Call("GET", "/api/v1/work");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers.Get("Retry-After"), "1");
  EXPECT_EQ(handled_.load(), 0);

  release_.count_down();
  ASSERT_TRUE(RunUntil(io_, [&] { return blocker.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  EXPECT_EQ(Call("GET", "/api/v1/work").status, 200);
}

TEST_F(RoutesTest, UnknownPathsAre404AndWrongMethods405) {
  EXPECT_EQ(Call("GET", "/api/v1/nothing").status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/mine", guest_.cookie_value, guest_.session.csrf_token).status, 405);
}


std::string PolicyOf(const Routes& routes) {
  for (const auto& [name, value] : routes.security_headers()) {
    if (name == "Content-Security-Policy") return value;
  }
  return {};
}

TEST_F(RoutesTest, PagesReachWebexServicesOnlyWhenMediaIsAvailable) {
  const std::string plain = PolicyOf(*routes_);
  EXPECT_NE(plain.find("connect-src 'self';"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("worker-src"), std::string::npos) << plain;
  Routes media(*sessions_, *pool_, "", false, true);
  const std::string real = PolicyOf(media);
  EXPECT_NE(real.find("connect-src 'self' https://webexapis.com https://*.webex.com"), std::string::npos) << real;
  EXPECT_NE(real.find("wss://*.webex.com"), std::string::npos) << real;
  EXPECT_NE(real.find("worker-src 'self' blob:;"), std::string::npos) << real;
  EXPECT_NE(real.find("script-src 'self';"), std::string::npos) << real;
}

}  // namespace
}  // namespace gp::api
