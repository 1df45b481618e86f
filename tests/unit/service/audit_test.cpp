// Audit: every stored field is bounded, whatever the caller passes, and cut at a character boundary.
#include "service/audit.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace gp::service {
namespace {

class AuditTest : public fakes::ServiceTest {
 protected:
  storage::AuditRecord Newest() {
    auto listed = storage_->ListAudit({});
    EXPECT_TRUE(listed) << listed.error().message;
    if (!listed || listed->empty()) return {};
    return listed->front();
  }
};

TEST_F(AuditTest, FieldsAreCutToTheBound) {
  const std::string megabyte(1 << 20, 'x');
  audit_->Record(megabyte, megabyte, megabyte, megabyte, megabyte);
  auto record = Newest();
  EXPECT_EQ(record.actor, megabyte.substr(0, Audit::kMaxFieldBytes));
  EXPECT_EQ(record.action.size(), Audit::kMaxFieldBytes);
  EXPECT_EQ(record.target.size(), Audit::kMaxFieldBytes);
  EXPECT_EQ(record.outcome.size(), Audit::kMaxFieldBytes);
  EXPECT_EQ(record.detail.size(), Audit::kMaxFieldBytes);
}

TEST_F(AuditTest, NoteCutsToo) {
  Run(audit_->Note("guest:" + std::string(100000, 'a'), "session.sign_in", std::string(100000, 'b'), "failure",
                   std::string(100000, 'c')));
  auto record = Newest();
  EXPECT_EQ(record.actor.size(), Audit::kMaxFieldBytes);
  EXPECT_EQ(record.action, "session.sign_in");
  EXPECT_EQ(record.target.size(), Audit::kMaxFieldBytes);
  EXPECT_EQ(record.outcome, "failure");
  EXPECT_EQ(record.detail.size(), Audit::kMaxFieldBytes);
}

TEST_F(AuditTest, ACutNeverSplitsACharacter) {
  // "a" then two-byte characters: byte kMaxFieldBytes is the second byte of one of them.
  std::string text = "a";
  for (int i = 0; i < 1000; ++i) text += "\xC3\xA9";  // é
  audit_->Record("admin:x", "test", "t", "success", text);
  auto detail = Newest().detail;
  EXPECT_EQ(detail.size(), Audit::kMaxFieldBytes - 1);
  EXPECT_EQ(detail, text.substr(0, Audit::kMaxFieldBytes - 1));
  // Short values are kept as they are.
  audit_->Record("admin:x", "test", "t", "success", "short \xC3\xA9");
  EXPECT_EQ(Newest().detail, "short \xC3\xA9");
}

}  // namespace
}  // namespace gp::service
