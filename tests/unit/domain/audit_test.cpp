// The audit log's query parameters and entry shape: what the API and `audit export` accept and
// print.
#include "domain/audit.hpp"

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

TEST(AuditTimeTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(AuditTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(AuditTime(1795862096789), "2026-11-28T10:34:56.789Z");
  EXPECT_EQ(AuditTime(1795862096007), "2026-11-28T10:34:56.007Z");
}

TEST(AuditTimeTest, ParsesRfc3339AndPlainDates) {
  EXPECT_EQ(ParseAuditTime("2026-11-28T10:34:56Z"), 1795862096000);
  EXPECT_EQ(ParseAuditTime("2026-11-28T10:34:56.789Z"), 1795862096789);
  EXPECT_EQ(ParseAuditTime("2026-11-28t10:34:56.7z"), 1795862096700);
  EXPECT_EQ(ParseAuditTime("2026-11-28T11:34:56+01:00"), 1795862096000);
  EXPECT_EQ(ParseAuditTime("2026-11-28T05:04:56.789-05:30"), 1795862096789);
  EXPECT_EQ(ParseAuditTime("2026-11-28"), 1795824000000);
  EXPECT_EQ(ParseAuditTime("2024-02-29"), 1709164800000);
  // Round trip.
  EXPECT_EQ(ParseAuditTime(AuditTime(1795862096789)), 1795862096789);
}

TEST(AuditTimeTest, RefusesWhatIsNotATime) {
  for (const char* bad :
       {"", "yesterday", "2026-11-28T10:34:56", "2026-11-28 10:34:56Z", "2026-13-01", "2026-02-29",
        "2026-11-31", "1969-12-31", "2026-11-28T24:00:00Z", "2026-11-28T10:34:56.Z",
        "2026-11-28T10:34:56+0100", "2026-11-28T10:34:56+01:00x", "2026-1-28", "+2026-11-28",
        "2026-11-28T10:34:56.1234567890Z", "1795862096789"}) {
    EXPECT_FALSE(ParseAuditTime(bad)) << bad;
  }
}

TEST(AuditQueryTest, EmptyQueryIsTheNewestHundred) {
  auto filter = ParseAuditQuery({});
  ASSERT_TRUE(filter);
  EXPECT_FALSE(filter->action);
  EXPECT_FALSE(filter->actor);
  EXPECT_FALSE(filter->since_ms);
  EXPECT_FALSE(filter->until_ms);
  EXPECT_FALSE(filter->before_seq);
  EXPECT_EQ(filter->limit, kAuditDefaultMax);
  // Empty values (an empty form field) are no condition either.
  auto empty = ParseAuditQuery({"", "", "", "", "", ""});
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->action);
  EXPECT_FALSE(empty->since_ms);
  EXPECT_EQ(empty->limit, kAuditDefaultMax);
}

TEST(AuditQueryTest, EveryParameterIsRead) {
  auto filter = ParseAuditQuery(
      {"guest.create", "admin:a@example.com", "2026-11-01", "2026-12-01T00:00:00Z", "500", "42"});
  ASSERT_TRUE(filter) << filter.error().message;
  EXPECT_EQ(filter->action, "guest.create");
  EXPECT_EQ(filter->actor, "admin:a@example.com");
  EXPECT_EQ(filter->since_ms, ParseAuditTime("2026-11-01"));
  EXPECT_EQ(filter->until_ms, ParseAuditTime("2026-12-01"));
  EXPECT_EQ(filter->limit, 500);
  EXPECT_EQ(filter->before_seq, 42);
}

TEST(AuditQueryTest, BadValuesNameTheirParameter) {
  struct Case {
    AuditQueryText query;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{.since = "last week"}, "since"},
      {{.until = "2026-11-28T10:00"}, "until"},
      {{.since = "2026-11-02", .until = "2026-11-01"}, "until"},
      {{.since = "2026-11-01", .until = "2026-11-01"}, "until"},
      {{.max = "0"}, "max"},
      {{.max = "501"}, "max"},
      {{.max = "-1"}, "max"},
      {{.max = "10abc"}, "max"},
      {{.max = "99999999999999999999"}, "max"},
      {{.before = "abc"}, "before"},
      {{.before = "0"}, "before"},
      {{.before = "12 "}, "before"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseAuditQuery(c.query);
    ASSERT_FALSE(parsed) << c.field;
    EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(parsed.error().field, c.field);
    EXPECT_EQ(parsed.error().message.rfind(c.field + ": ", 0), 0u) << parsed.error().message;
  }
}

TEST(AuditEntryTest, HasTheDocumentedShape) {
  storage::AuditRecord record{
      7, 1795862096789, "admin:a@example.com", "guest.create", "g-1", "success", "alice"};
  EXPECT_EQ(AuditEntryJson(record), nlohmann::json({{"id", "7"},
                                                    {"at", "2026-11-28T10:34:56.789Z"},
                                                    {"actor", "admin:a@example.com"},
                                                    {"action", "guest.create"},
                                                    {"target", "g-1"},
                                                    {"outcome", "success"},
                                                    {"detail", "alice"}}));
  record.target.clear();
  record.detail.clear();
  auto bare = AuditEntryJson(record);
  EXPECT_FALSE(bare.contains("target"));
  EXPECT_FALSE(bare.contains("detail"));
  EXPECT_EQ(bare.size(), 5u);
}

}  // namespace
}  // namespace gp::domain
