#include "domain/tokens.hpp"

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr int64_t kDay = 24 * 3600;

TEST(DomainTokens, TokenUsableKeepsAMargin) {
  EXPECT_TRUE(TokenUsable(kNow + 601, kNow, kGuestTokenMargin));
  EXPECT_FALSE(TokenUsable(kNow + 600, kNow, kGuestTokenMargin));
  EXPECT_FALSE(TokenUsable(kNow - 1, kNow, 0));
  EXPECT_TRUE(TokenUsable(kNow + 1, kNow, 0));
  EXPECT_EQ(kGuestTokenMargin, 600);
}

TEST(DomainTokens, RefreshMarginIsTenPercentOrAnHourCappedAtHalfTheLifetime) {
  EXPECT_EQ(RefreshMargin(14 * kDay), 14 * kDay / 10);  // Webex access tokens: 1.4 days ahead
  EXPECT_EQ(RefreshMargin(5 * 3600), 3600);            // 10% is 30 min: an hour wins
  EXPECT_EQ(RefreshMargin(3600), 1800);                // never more than half the lifetime
  EXPECT_EQ(RefreshMargin(120), 60);
  EXPECT_EQ(RefreshMargin(0), 3600);
  EXPECT_EQ(RefreshMargin(-5), 3600);
}

TEST(DomainTokens, RefreshDue) {
  int64_t lifetime = 14 * kDay;
  int64_t expires = kNow + lifetime;
  EXPECT_FALSE(RefreshDue(expires, lifetime, kNow));
  EXPECT_FALSE(RefreshDue(expires, lifetime, expires - RefreshMargin(lifetime) - 1));
  EXPECT_TRUE(RefreshDue(expires, lifetime, expires - RefreshMargin(lifetime)));
  EXPECT_TRUE(RefreshDue(expires, lifetime, expires + 10));
  // A short-lived token is not due right after it was issued.
  EXPECT_FALSE(RefreshDue(kNow + 120, 120, kNow));
  EXPECT_TRUE(RefreshDue(kNow + 120, 120, kNow + 60));
}

TEST(DomainTokens, RefreshTokenWarningLevels) {
  EXPECT_EQ(RefreshTokenWarning(kNow + 90 * kDay, kNow), RefreshWarning::kNone);
  EXPECT_EQ(RefreshTokenWarning(kNow + 14 * kDay, kNow), RefreshWarning::kNone);
  EXPECT_EQ(RefreshTokenWarning(kNow + 14 * kDay - 1, kNow), RefreshWarning::kWarn);
  EXPECT_EQ(RefreshTokenWarning(kNow + 2 * kDay, kNow), RefreshWarning::kWarn);
  EXPECT_EQ(RefreshTokenWarning(kNow + 2 * kDay - 1, kNow), RefreshWarning::kCritical);
  EXPECT_EQ(RefreshTokenWarning(kNow + 1, kNow), RefreshWarning::kCritical);
  EXPECT_EQ(RefreshTokenWarning(kNow, kNow), RefreshWarning::kExpired);
  EXPECT_EQ(RefreshTokenWarning(0, kNow), RefreshWarning::kExpired);
}

TEST(DomainTokens, WarningNames) {
  EXPECT_STREQ(RefreshTokenWarningName(RefreshWarning::kNone), "none");
  EXPECT_STREQ(RefreshTokenWarningName(RefreshWarning::kWarn), "warn");
  EXPECT_STREQ(RefreshTokenWarningName(RefreshWarning::kCritical), "critical");
  EXPECT_STREQ(RefreshTokenWarningName(RefreshWarning::kExpired), "expired");
}

}  // namespace
}  // namespace gp::domain
