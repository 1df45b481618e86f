// The verdict of GET /readyz from what was observed.
#include "api/health.hpp"

#include <gtest/gtest.h>

namespace gp::api {
namespace {

service::AppAdminStatus SignedIn(const std::string& warning = "none") {
  service::AppAdminStatus status;
  status.signed_in = true;
  status.email = "admin@example.com";
  status.refresh_expires_at = 2'000'000'000;
  status.warning = warning;
  return status;
}

ReadinessFacts Healthy() {
  return ReadinessFacts{{}, 7, 7, SignedIn()};
}

TEST(Readiness, ReadyWhenTheDatabaseAnswersTheSchemaIsCurrentAndTheAppAdminIsSignedIn) {
  auto readiness = AssessReadiness(Healthy());
  EXPECT_TRUE(readiness.ready);
  EXPECT_EQ(readiness.body["status"], "ready");
  EXPECT_EQ(readiness.body["checks"]["database"]["status"], "ok");
  EXPECT_EQ(readiness.body["checks"]["migrations"]["status"], "ok");
  EXPECT_EQ(readiness.body["checks"]["migrations"]["version"], 7);
  EXPECT_EQ(readiness.body["checks"]["app_admin"]["status"], "ok");
  EXPECT_EQ(readiness.body.dump().find("admin@example.com"), std::string::npos)
      << "no email in a public body";
}

TEST(Readiness, NoAppAdminYetIsNotReadyAndSaysWhatToDo) {
  auto facts = Healthy();
  facts.app_admin = service::AppAdminStatus{};  // what Status() says when none is stored
  facts.app_admin->warning = "expired";
  auto readiness = AssessReadiness(facts);
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.body["status"], "not_ready");
  EXPECT_EQ(readiness.body["checks"]["app_admin"]["status"], "failed");
  EXPECT_EQ(readiness.body["checks"]["app_admin"]["message"],
            "no administrator has signed in yet: an administrator must sign in at /admin");
  EXPECT_EQ(readiness.body["checks"]["database"]["status"], "ok");
}

TEST(Readiness, AnExpiredSignInIsNotReady) {
  auto facts = Healthy();
  facts.app_admin->signed_in = false;
  facts.app_admin->warning = "expired";
  auto readiness = AssessReadiness(facts);
  EXPECT_FALSE(readiness.ready);
  EXPECT_NE(readiness.body["checks"]["app_admin"]["message"].get<std::string>().find("expired"),
            std::string::npos);
}

TEST(Readiness, ARefreshTokenNearItsEndIsAWarningNotUnready) {
  for (const char* warning : {"warn", "critical"}) {
    auto facts = Healthy();
    facts.app_admin = SignedIn(warning);
    auto readiness = AssessReadiness(facts);
    EXPECT_TRUE(readiness.ready) << warning;
    EXPECT_EQ(readiness.body["checks"]["app_admin"]["status"], "warning") << warning;
    EXPECT_TRUE(readiness.body["checks"]["app_admin"].contains("message")) << warning;
  }
}

TEST(Readiness, ASchemaBehindOrAheadOfTheBuildIsNotReady) {
  auto behind = Healthy();
  behind.schema_version = 5;
  auto readiness = AssessReadiness(behind);
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.body["checks"]["migrations"]["message"],
            "the database is at schema version 5, this build needs 7: run guest-portal migrate");
  EXPECT_EQ(readiness.body["checks"]["migrations"]["version"], 5);
  auto ahead = Healthy();
  ahead.schema_version = 9;
  EXPECT_FALSE(AssessReadiness(ahead).ready);
}

TEST(Readiness, ADatabaseThatDoesNotAnswerFailsEveryCheckWithoutItsOwnMessage) {
  ReadinessFacts facts{
      Fail(ErrorCode::kUnavailable, "connection to postgresql://gp:hunter2@db failed"),
      Fail(ErrorCode::kUnavailable, "postgresql://gp:hunter2@db"), 7, std::nullopt};
  auto readiness = AssessReadiness(facts);
  EXPECT_FALSE(readiness.ready);
  EXPECT_EQ(readiness.body["checks"]["database"]["message"], "the database does not answer");
  EXPECT_EQ(readiness.body["checks"]["migrations"]["status"], "failed");
  EXPECT_EQ(readiness.body["checks"]["app_admin"]["status"], "failed");
  EXPECT_TRUE(readiness.body["checks"]["migrations"]["version"].is_null());
  EXPECT_EQ(readiness.body.dump().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace gp::api
