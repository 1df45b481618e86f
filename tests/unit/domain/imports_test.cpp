#include "domain/imports.hpp"

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

std::vector<std::string> Usernames(const ImportPlan& plan) {
  std::vector<std::string> names;
  for (const auto& guest : plan.guests) names.push_back(guest.username);
  return names;
}

std::vector<std::pair<std::string, std::string>> PairsOf(const ImportPlan& plan) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& pair : plan.pairs) pairs.emplace_back(pair.username_a, pair.username_b);
  return pairs;
}

const SkippedEntry* FindSkipped(const ImportPlan& plan, const std::string& entry) {
  for (const auto& skipped : plan.skipped) {
    if (skipped.entry == entry) return &skipped;
  }
  return nullptr;
}

// ---- guests.json ----

TEST(DomainImportsJson, ObjectKeyedByUsername) {
  auto plan = ParseGuestsJson(R"({
    "alice": {"password": "alice-pass", "name": "Alice A", "allowed_conn": ["bob", "carol"]},
    "bob":   {"password": "bob-password", "displayName": " Bob B ", "allowed_conn": ["alice"]},
    "carol": {"password": "carol-pass", "display_name": "Carol C"}
  })");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(Usernames(*plan), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(plan->guests[0].display_name, "Alice A");
  EXPECT_EQ(plan->guests[0].password, "alice-pass");
  EXPECT_EQ(plan->guests[1].display_name, "Bob B");
  EXPECT_EQ(plan->guests[2].display_name, "Carol C");
  EXPECT_EQ(PairsOf(*plan), (std::vector<std::pair<std::string, std::string>>{{"alice", "bob"}, {"alice", "carol"}}));
  EXPECT_TRUE(plan->skipped.empty());
}

TEST(DomainImportsJson, ArrayOfGuestsAndWrappedList) {
  const char* array = R"([
    {"username": "alice", "password": "alice-pass", "name": "Alice", "allowed_conn": "bob, carol"},
    {"username": "bob", "password": "bob-password", "name": "Bob"},
    {"username": "carol", "password": "carol-pass", "name": "Carol", "allowedConn": ["bob"]}
  ])";
  for (const std::string& text : {std::string(array), std::string(R"({"guests": )") + array + "}"}) {
    auto plan = ParseGuestsJson(text);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(Usernames(*plan).size(), 3u);
    EXPECT_EQ(PairsOf(*plan), (std::vector<std::pair<std::string, std::string>>{
                                   {"alice", "bob"}, {"alice", "carol"}, {"bob", "carol"}}));
  }
}

TEST(DomainImportsJson, UsernamesAreLowercasedAndConnectionsFollow) {
  auto plan = ParseGuestsJson(R"({"Alice": {"password": "alice-pass", "name": "A", "allowed_conn": ["BOB"]},
                                  "bob": {"password": "bob-password", "name": "B"}})");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Usernames(*plan), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(PairsOf(*plan).size(), 1u);
}

TEST(DomainImportsJson, BadEntriesAreSkippedWithReasons) {
  auto plan = ParseGuestsJson(R"([
    {"username": "ok-guest", "password": "good-password", "name": "Fine"},
    {"username": "x", "password": "good-password", "name": "Too short"},
    {"username": "ok-guest", "password": "another-password", "name": "Twice"},
    {"username": "nopass", "name": "No Password"},
    {"username": "short", "password": "123", "name": "Short Password"},
    {"username": "noname", "password": "good-password"},
    {"username": 42, "password": "good-password", "name": "Number"},
    {"password": "good-password", "name": "Nobody"},
    {"username": "typed", "password": 12345678, "name": "Typed"},
    "just a string",
    {"username": "ctrl", "password": "good-password", "name": "Bad\u0007Name"},
    {"username": "Mixed Case!", "password": "good-password", "name": "M"}
  ])");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(Usernames(*plan), (std::vector<std::string>{"ok-guest"}));
  ASSERT_EQ(plan->skipped.size(), 11u);
  EXPECT_EQ(FindSkipped(*plan, "index 1")->reason, "Username must be 3 to 64 characters.");
  EXPECT_EQ(FindSkipped(*plan, "index 2")->reason, "username appears more than once; the first entry (index 0) is used");
  EXPECT_EQ(FindSkipped(*plan, "index 3")->reason, "password is missing");
  EXPECT_EQ(FindSkipped(*plan, "index 3")->username, "nopass");
  EXPECT_EQ(FindSkipped(*plan, "index 4")->reason, "Password must be at least 8 characters.");
  EXPECT_EQ(FindSkipped(*plan, "index 5")->reason, "displayName is missing");
  EXPECT_EQ(FindSkipped(*plan, "index 6")->reason, "username must be a string");
  EXPECT_EQ(FindSkipped(*plan, "index 7")->reason, "username is missing");
  EXPECT_EQ(FindSkipped(*plan, "index 8")->reason, "password must be a string");
  EXPECT_EQ(FindSkipped(*plan, "index 9")->reason, "the entry is not a JSON object");
  EXPECT_EQ(FindSkipped(*plan, "index 10")->reason, "Display name must not contain control characters such as line breaks.");
  EXPECT_EQ(FindSkipped(*plan, "index 11")->reason,
            "Username may contain only a–z, 0–9, '.', '_' and '-'.");
}

TEST(DomainImportsJson, PairsNamingUnknownOrSkippedGuestsAreReported) {
  auto plan = ParseGuestsJson(R"({
    "alice": {"password": "alice-pass", "name": "A", "allowed_conn": ["bob", "ghost", "alice", "broken"]},
    "bob": {"password": "bob-password", "name": "B", "allowed_conn": ["alice", "ghost"]},
    "broken": {"password": "short", "name": "C"}
  })");
  ASSERT_TRUE(plan);
  EXPECT_EQ(PairsOf(*plan), (std::vector<std::pair<std::string, std::string>>{{"alice", "bob"}}));
  EXPECT_EQ(FindSkipped(*plan, "alice,ghost")->reason, "allowed_conn names 'ghost', who is not in this file");
  EXPECT_EQ(FindSkipped(*plan, "alice,ghost")->username, "alice");
  EXPECT_EQ(FindSkipped(*plan, "bob,ghost")->reason, "allowed_conn names 'ghost', who is not in this file");
  EXPECT_EQ(FindSkipped(*plan, "alice,alice")->reason, "a guest cannot be paired with themself");
  EXPECT_EQ(FindSkipped(*plan, "alice,broken")->reason, "allowed_conn names 'broken', whose entry was skipped");
  EXPECT_NE(FindSkipped(*plan, "broken"), nullptr);
  EXPECT_EQ(plan->skipped.size(), 5u);
}

TEST(DomainImportsJson, WrongAllowedConnTypeSkipsTheGuest) {
  auto plan = ParseGuestsJson(R"({"alice": {"password": "alice-pass", "name": "A", "allowed_conn": [1, 2]},
                                  "bob": {"password": "bob-password", "name": "B", "allowed_conn": {"x": 1}}})");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->guests.empty());
  EXPECT_EQ(FindSkipped(*plan, "alice")->reason, "allowed_conn must be a list of usernames");
  EXPECT_EQ(FindSkipped(*plan, "bob")->reason, "allowed_conn must be a list of usernames");
}

TEST(DomainImportsJson, KeyAndInnerUsernameMustAgree) {
  auto plan = ParseGuestsJson(R"({"alice": {"username": "mallory", "password": "alice-pass", "name": "A"}})");
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->guests.empty());
  EXPECT_EQ(FindSkipped(*plan, "alice")->reason, "username differs from the entry's key");
}

TEST(DomainImportsJson, WholeFileErrors) {
  for (const char* text : {"", "{", "[1, 2", "{\"a\": }", "not json", "\"a string\"", "42", "null", "true"}) {
    auto plan = ParseGuestsJson(text);
    ASSERT_FALSE(plan) << text;
    EXPECT_EQ(plan.error().code, ErrorCode::kBadRequest);
    EXPECT_TRUE(plan.error().message.starts_with("guests.json: ")) << plan.error().message;
  }
  EXPECT_EQ(ParseGuestsJson("{").error().message, "guests.json: not valid JSON");
  EXPECT_FALSE(ParseGuestsJson("[\"\xFF\"]"));  // invalid UTF-8 inside a string
}

TEST(DomainImportsJson, DeepNestingIsRefused) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto plan = ParseGuestsJson(deep);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "guests.json: the JSON is nested too deeply");
  // Brackets inside strings do not count.
  auto ok = ParseGuestsJson(R"([{"username": "alice", "password": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "name": "A"}])");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->guests.size(), 1u);
}

TEST(DomainImportsJson, TooManyEntriesIsAFileError) {
  std::string text = "[";
  for (size_t i = 0; i <= kMaxImportEntries; ++i) text += "{},";
  text.back() = ']';
  auto plan = ParseGuestsJson(text);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "guests.json: at most 10000 guests can be imported at once");
}

TEST(DomainImportsJson, HugeAndHostileValuesAreValidatedAndReportedShort) {
  std::string huge(1 << 20, 'a');
  auto plan = ParseGuestsJson("[{\"username\": \"" + huge + "\", \"password\": \"good-password\", \"name\": \"A\"}," +
                              "{\"username\": \"bob\", \"password\": \"" + std::string(2000, 'p') +
                              "\", \"name\": \"B\"}," +
                              R"({"username": "eve", "password": "good-password", "name": "<script>alert('x')</script>'; DROP TABLE guests;--"}])");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->guests.size(), 1u);
  EXPECT_EQ(plan->guests[0].display_name, "<script>alert('x')</script>'; DROP TABLE guests;--");
  ASSERT_EQ(plan->skipped.size(), 2u);
  EXPECT_LT(plan->skipped[0].username.size(), 100u);
  EXPECT_EQ(plan->skipped[0].reason, "Username must be 3 to 64 characters.");
  EXPECT_EQ(plan->skipped[1].reason, "Password must be at most 1024 bytes.");
}

// ---- CSV ----

TEST(DomainImportsCsv, PlainFile) {
  auto plan = ParseGuestsCsv("username,displayName,password\nalice,Alice A,alice-pass\nbob,Bob B,bob-password\n");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->guests.size(), 2u);
  EXPECT_EQ(plan->guests[1].username, "bob");
  EXPECT_EQ(plan->guests[1].display_name, "Bob B");
  EXPECT_EQ(plan->guests[1].password, "bob-password");
  EXPECT_TRUE(plan->pairs.empty());
  EXPECT_TRUE(plan->skipped.empty());
}

TEST(DomainImportsCsv, QuotingCrlfAndBom) {
  auto plan = ParseGuestsCsv(
      "\xEF\xBB\xBFusername,displayName,password\r\n"
      "alice,\"Lee, Alice \"\"Al\"\"\",\"pa,ss\"\"word\"\r\n"
      "bob,\"Bob\r\nSmith\",bob-password\r\n"
      "carol,Carol,carol-pass");
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->guests.size(), 2u);
  EXPECT_EQ(plan->guests[0].display_name, "Lee, Alice \"Al\"");
  EXPECT_EQ(plan->guests[0].password, "pa,ss\"word");
  EXPECT_EQ(plan->guests[1].username, "carol");
  // The quoted line break is kept, and a display name may not hold one.
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].entry, "line 3");
  EXPECT_EQ(plan->skipped[0].reason, "Display name must not contain control characters such as line breaks.");
}

TEST(DomainImportsCsv, LineNumbersFollowPhysicalLines) {
  auto plan = ParseGuestsCsv("username,displayName,password\n\nalice,\"A\nB\",x\nb,Bob,bob-password\n\nbad user,X,password1\n");
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->skipped.size(), 3u);
  EXPECT_EQ(plan->skipped[0].entry, "line 3");
  EXPECT_EQ(plan->skipped[1].entry, "line 5");
  EXPECT_EQ(plan->skipped[1].reason, "Username must be 3 to 64 characters.");
  EXPECT_EQ(plan->skipped[2].entry, "line 7");
}

TEST(DomainImportsCsv, HeaderOrderCaseAndOptionalAllowedColumn) {
  auto plan = ParseGuestsCsv(
      "Password, Display_Name ,USERNAME,allowed_conn,notes\n"
      "alice-pass,Alice,alice,bob;carol,x\n"
      "bob-password,Bob,bob,,y\n"
      "carol-pass,Carol,carol,alice ghost,z\n");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->guests.size(), 3u);
  EXPECT_EQ(plan->guests[0].username, "alice");
  EXPECT_EQ(plan->guests[0].password, "alice-pass");
  EXPECT_EQ(PairsOf(*plan), (std::vector<std::pair<std::string, std::string>>{{"alice", "bob"}, {"alice", "carol"}}));
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].entry, "carol,ghost");
}

TEST(DomainImportsCsv, RowProblems) {
  auto plan = ParseGuestsCsv(
      "username,displayName,password\n"
      "alice,Alice\n"
      "bob,Bob,bob-password,extra\n"
      "carol,,carol-pass\n"
      "dave,Dave,\n"
      "erin,Erin,erin-pass\n"
      "Erin,Erin Again,erin-pass\n");
  ASSERT_TRUE(plan);
  EXPECT_EQ(Usernames(*plan), (std::vector<std::string>{"erin"}));
  ASSERT_EQ(plan->skipped.size(), 5u);
  EXPECT_EQ(plan->skipped[0].reason, "expected 3 fields, found 2");
  EXPECT_EQ(plan->skipped[0].username, "alice");
  EXPECT_EQ(plan->skipped[1].reason, "expected 3 fields, found 4");
  EXPECT_EQ(plan->skipped[2].reason, "displayName is missing");
  EXPECT_EQ(plan->skipped[3].reason, "password is missing");
  EXPECT_EQ(plan->skipped[4].reason, "username appears more than once; the first entry (line 6) is used");
}

TEST(DomainImportsCsv, WholeFileErrors) {
  EXPECT_EQ(ParseGuestsCsv("").error().message,
            "CSV: the file is empty; the first line must be username,displayName,password");
  EXPECT_EQ(ParseGuestsCsv("\n\n").error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(ParseGuestsCsv("user,name,pass\nalice,A,alice-pass\n").error().message,
            "CSV line 1: the header must name the columns username,displayName,password");
  EXPECT_EQ(ParseGuestsCsv("username,displayName,password\nalice,\"A,alice-pass\n").error().message,
            "CSV line 2: a quoted field is not closed");
  EXPECT_EQ(ParseGuestsCsv("username,displayName,password\nalice,\"A\"x,alice-pass\n").error().message,
            "CSV line 2: unexpected text after a closing quote");
}

TEST(DomainImportsCsv, TooManyRowsIsAFileError) {
  std::string text = "username,displayName,password\n";
  for (size_t i = 0; i <= kMaxImportEntries + 1; ++i) text += "u" + std::to_string(i) + ",N,password1\n";
  auto plan = ParseGuestsCsv(text);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message, "CSV: at most 10000 rows can be imported at once");
}

TEST(DomainImportsCsv, HostileBytesDoNotBreakTheParser) {
  std::string text = "username,displayName,password\n";
  text += std::string("nul\0user,N,password1\n", 21);
  text += "\"\",\"\",\"\"\n";
  text += "ok-user,\"=cmd|' /C calc'!A0\",password1\n";
  text += std::string(100000, ',') + "\n";
  auto plan = ParseGuestsCsv(text);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->guests.size(), 1u);
  EXPECT_EQ(plan->guests[0].display_name, "=cmd|' /C calc'!A0");  // kept verbatim; escaping is the renderer's job
  EXPECT_EQ(plan->skipped.size(), 3u);
}

}  // namespace
}  // namespace gp::domain
