// AppAdmin: one token refresh for many concurrent callers.
#include "service/app_admin.hpp"

#include <gtest/gtest.h>

#include "core/when_all.hpp"
#include "fakes.hpp"

namespace gp::service {
namespace {

using fakes::FakeWebex;
using Op = FakeWebex::Op;

class AppAdminTest : public fakes::ServiceTest {
 protected:
  std::vector<Result<std::string>> TenAtOnce() {
    std::vector<std::function<webex::Task<std::string>()>> calls;
    for (int i = 0; i < 10; ++i) {
      calls.emplace_back([this] { return app_admin_->AccessToken(webex::DeadlineIn(std::chrono::seconds(5))); });
    }
    return Run(WhenAll(std::move(calls)));
  }
};

TEST_F(AppAdminTest, AValidTokenIsUsedWithoutAnyWebexCall) {
  SignInAppAdmin();
  for (const auto& token : TenAtOnce()) {
    ASSERT_TRUE(token) << token.error().message;
    EXPECT_EQ(*token, kAdminAccess);
  }
  EXPECT_EQ(webex_->Calls(Op::kRefreshToken), 0);
}

TEST_F(AppAdminTest, TenConcurrentCallersShareOneRefresh) {
  SignInAppAdmin(/*access_lifetime=*/1000);  // refreshed once fewer than 500 s are left
  Advance(600);
  // The refresh takes a while, so every caller arrives while it is in flight.
  webex_->SetLatency(Op::kRefreshToken, std::chrono::milliseconds(50));
  auto tokens = TenAtOnce();
  ASSERT_EQ(tokens.size(), 10u);
  EXPECT_EQ(webex_->Calls(Op::kRefreshToken), 1);
  ASSERT_EQ(webex_->access_tokens_issued().size(), 1u);
  const std::string fresh = webex_->access_tokens_issued().front();
  for (const auto& token : tokens) {
    ASSERT_TRUE(token) << token.error().message;
    EXPECT_EQ(*token, fresh);
  }
  // The new token is stored: the next caller needs no refresh.
  auto next = Run(app_admin_->AccessToken(webex::DeadlineIn(std::chrono::seconds(5))));
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, fresh);
  EXPECT_EQ(webex_->Calls(Op::kRefreshToken), 1);
}

TEST_F(AppAdminTest, WithoutAnAppAdminTheAnswerSaysOneIsRequired) {
  auto token = Run(app_admin_->AccessToken(webex::DeadlineIn(std::chrono::seconds(5))));
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(token.error().reason, "app_admin_required");
  EXPECT_FALSE(app_admin_->Ready());
}

}  // namespace
}  // namespace gp::service
