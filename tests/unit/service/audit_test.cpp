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

TEST_F(AuditTest, PagesEndWithoutACursorAndFollowOneAnother) {
  for (int i = 0; i < 5; ++i)
    audit_->Record("admin:x", "guest.create", "g" + std::to_string(i), "success");
  auto first = audit_->List({.limit = 2});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].target, "g4");
  ASSERT_TRUE(first->next_before);
  auto second = audit_->List({.before_seq = first->next_before, .limit = 2});
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].target, "g2");
  ASSERT_TRUE(second->next_before);
  // The last page is full, yet says there is nothing after it.
  auto third = audit_->List({.before_seq = second->next_before, .limit = 1});
  ASSERT_TRUE(third);
  ASSERT_EQ(third->items.size(), 1u);
  EXPECT_EQ(third->items[0].target, "g0");
  EXPECT_FALSE(third->next_before);
  auto all = audit_->List({.limit = 5});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 5u);
  EXPECT_FALSE(all->next_before);
}

TEST_F(AuditTest, PurgeDeletesWhatIsOlderThanTheRetentionAndRecordsIt) {
  constexpr int64_t kDay = 86400;
  now_ = 100 * kDay;
  audit_->Record("admin:x", "guest.create", "old", "success");
  now_ = 100 * kDay + 10;
  audit_->Record("admin:x", "guest.create", "newer", "success");
  now_ = 130 * kDay + 5;  // "old" is 30 days and 5 s old; "newer" 5 s short of 30 days
  auto kept_forever = audit_->Purge(0);
  ASSERT_TRUE(kept_forever);
  EXPECT_EQ(*kept_forever, 0);
  auto purged = audit_->Purge(30);
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(*purged, 1);
  auto listed = storage_->ListAudit({});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].action, "audit.purge");
  EXPECT_EQ((*listed)[0].actor, "portal");
  EXPECT_EQ((*listed)[0].outcome, "success");
  EXPECT_EQ((*listed)[0].detail, "1 records older than 1970-04-11T00:00:05.000Z (30 days)");
  EXPECT_EQ((*listed)[1].target, "newer");
  // Nothing more to delete: no second purge record.
  auto again = audit_->Purge(30);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(storage_->ListAudit({})->size(), 2u);
}

TEST_F(AuditTest, PurgeGoesThroughMoreThanOneBatch) {
  now_ = 1000;
  const int64_t count = Audit::kPurgeBatch * 2 + 3;
  for (int64_t i = 0; i < count; ++i) audit_->Record("cli", "guest.create", "", "success");
  now_ = 1000 + 2 * 86400;
  auto purged = audit_->Purge(1);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, count);
  auto listed = storage_->ListAudit({});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().action, "audit.purge");
}

}  // namespace
}  // namespace gp::service
