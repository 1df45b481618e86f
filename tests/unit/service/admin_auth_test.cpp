// AdminAuth: pending sign-ins are capped (nothing stored beyond the cap, expired ones make room),
// and a callback completes only in the browser that started the sign-in.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "service/sign_in.hpp"

namespace gp::service {
namespace {

using fakes::FakeWebex;

class AdminAuthTest : public fakes::ServiceTest {
 protected:
  static constexpr int64_t kCap = 3;

  AdminAuthTest() {
    AdminAuthOptions options;
    options.client_id = "client-id";
    options.client_secret = "client-secret";
    options.redirect_uri = "http://portal.test/auth/webex/callback";
    options.admin_emails = {"admin@example.com"};
    options.scopes = "spark:all";
    options.max_pending_states = kCap;
    admin_auth_ = std::make_unique<AdminAuth>(*storage_, *webex_, *sessions_, *app_admin_, *pool_, *audit_, clock_,
                                              options);
  }

  ~AdminAuthTest() override {
    pool_->Join();
    io_.reset();
    admin_auth_.reset();
  }

  int64_t PendingStates() {
    auto count = storage_->CountOAuthStates();
    EXPECT_TRUE(count) << count.error().message;
    return count.value_or(-1);
  }

  std::unique_ptr<AdminAuth> admin_auth_;
};

TEST_F(AdminAuthTest, BeginBindsTheStateItPutsInTheUrl) {
  auto started = admin_auth_->Begin();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_GE(started->binding.size(), 16u);
  EXPECT_NE(started->authorize_url.find("state=" + started->binding), std::string::npos) << started->authorize_url;
  EXPECT_EQ(PendingStates(), 1);
}

TEST_F(AdminAuthTest, BeyondTheCapNothingIsStoredAndTheAnswerIsRetryLater) {
  for (int64_t i = 0; i < kCap; ++i) ASSERT_TRUE(admin_auth_->Begin());
  auto refused = admin_auth_->Begin();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().reason, "too_many_sign_ins");
  EXPECT_GT(refused.error().retry_after_seconds, 0);
  EXPECT_FALSE(refused.error().message.empty());
  EXPECT_EQ(PendingStates(), kCap);
  // Still refused a little before the oldest expire.
  Advance(AdminAuth::kStateLifetime - 1);
  EXPECT_FALSE(admin_auth_->Begin());
  EXPECT_EQ(PendingStates(), kCap);
}

TEST_F(AdminAuthTest, ExpiredStatesMakeRoomEvenBeforeThePeriodicPurge) {
  for (int64_t i = 0; i < kCap; ++i) ASSERT_TRUE(admin_auth_->Begin());
  Advance(AdminAuth::kStateLifetime);
  auto started = admin_auth_->Begin();
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(PendingStates(), 1);
}

TEST_F(AdminAuthTest, TheStoragePurgeRemovesOnlyExpiredStates) {
  ASSERT_TRUE(admin_auth_->Begin());
  Advance(300);
  ASSERT_TRUE(admin_auth_->Begin());
  Advance(AdminAuth::kStateLifetime - 300);
  auto purged = storage_->DeleteExpiredOAuthStates(Now());
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(PendingStates(), 1);
}

TEST_F(AdminAuthTest, ACallbackWithoutTheBrowsersBindingConsumesNothing) {
  auto started = admin_auth_->Begin();
  ASSERT_TRUE(started);
  const std::string& state = started->binding;
  for (const std::string& binding : {std::string(), std::string("another-browsers-state"), state + "x"}) {
    auto completed = Run(admin_auth_->Complete("a-code", state, binding));
    ASSERT_FALSE(completed) << "binding '" << binding << "'";
    EXPECT_EQ(completed.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(completed.error().reason, "state_not_bound");
  }
  EXPECT_EQ(webex_->Calls(FakeWebex::Op::kExchangeCode), 0);
  EXPECT_EQ(PendingStates(), 1);
  EXPECT_EQ(CountAndDropAllSessions(), 0);
}

TEST_F(AdminAuthTest, ACallbackWithTheBindingTakesTheState) {
  auto started = admin_auth_->Begin();
  ASSERT_TRUE(started);
  // The fake knows no code: the exchange fails, but only after the state was taken.
  auto completed = Run(admin_auth_->Complete("a-code", started->binding, started->binding));
  ASSERT_FALSE(completed);
  EXPECT_EQ(completed.error().reason, "invalid_code");
  EXPECT_EQ(webex_->Calls(FakeWebex::Op::kExchangeCode), 1);
  EXPECT_EQ(PendingStates(), 0);
}

TEST_F(AdminAuthTest, OverlongStatesAndCodesAreRefusedWithoutALookup) {
  const std::string huge(1 << 20, 's');
  auto by_state = Run(admin_auth_->Complete("a-code", huge, huge));
  ASSERT_FALSE(by_state);
  EXPECT_EQ(by_state.error().code, ErrorCode::kBadRequest);
  auto started = admin_auth_->Begin();
  ASSERT_TRUE(started);
  auto by_code = Run(admin_auth_->Complete(huge, started->binding, started->binding));
  ASSERT_FALSE(by_code);
  EXPECT_EQ(by_code.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(webex_->Calls(FakeWebex::Op::kExchangeCode), 0);
  // What was stored about them is bounded.
  auto audit = storage_->ListAudit({});
  ASSERT_TRUE(audit) << audit.error().message;
  for (const auto& record : *audit) {
    EXPECT_LE(record.actor.size() + record.target.size() + record.detail.size(), 3 * Audit::kMaxFieldBytes);
  }
}

}  // namespace
}  // namespace gp::service
