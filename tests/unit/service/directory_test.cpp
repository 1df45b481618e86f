// GuestDirectory and the parsing of its queries: search, filter, sort and paging of guests and
// pairs.
#include "service/directory.hpp"

#include <gtest/gtest.h>

namespace gp::service {
namespace {

storage::GuestRecord Guest(const std::string& id, const std::string& username,
                           const std::string& name, int64_t created_at, bool disabled = false) {
  storage::GuestRecord guest;
  guest.id = id;
  guest.username = username;
  guest.display_name = name;
  guest.password_hash = "$argon2id$secret";
  guest.created_at = created_at;
  guest.disabled = disabled;
  return guest;
}

std::vector<std::string> Usernames(const GuestDirectory::GuestPage& page) {
  std::vector<std::string> names;
  for (const auto* entry : page.items) names.push_back(entry->guest.username);
  return names;
}

std::vector<std::string> PairNames(const GuestDirectory::PairPage& page) {
  std::vector<std::string> names;
  for (const auto& item : page.items)
    names.push_back(item.a->guest.display_name + "+" + item.b->guest.display_name);
  return names;
}

class DirectoryTest : public ::testing::Test {
 protected:
  GuestDirectory directory_{
      {Guest("g1", "cy", "cy Young", 30), Guest("g2", "ann", "Zoe Ann", 10),
       Guest("g3", "bob", "Bob Marsh", 20, true), Guest("g4", "dee", "Ann Dee", 40)},
      {{"g1", "g2"}, {"g2", "g3"}, {"g2", "g4"}, {"g2", "ghost"}, {"g1", "g1"}}};
};

TEST_F(DirectoryTest, ListsByUsernameWithPairCountsAndStatusCounts) {
  auto page = directory_.Guests({});
  EXPECT_EQ(Usernames(page), (std::vector<std::string>{"ann", "bob", "cy", "dee"}));
  EXPECT_EQ(page.total, 4);
  EXPECT_EQ(page.all, 4);
  EXPECT_EQ(page.active, 3);
  EXPECT_EQ(page.disabled, 1);
  EXPECT_EQ(page.items[0]->pair_count, 3);  // the pair naming an unknown guest is left out
  EXPECT_EQ(page.items[2]->pair_count, 1);
  EXPECT_TRUE(page.items[0]->guest.password_hash.empty());
}

TEST_F(DirectoryTest, SearchesNameAndUsernameIgnoringCaseAndFiltersByStatus) {
  GuestQuery query;
  query.text = "ann";
  auto page = directory_.Guests(query);
  EXPECT_EQ(Usernames(page), (std::vector<std::string>{"ann", "dee"}));
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(page.all, 4);  // counts ignore the query
  query.text = "marsh";
  EXPECT_EQ(Usernames(directory_.Guests(query)), (std::vector<std::string>{"bob"}));
  query.text = "";
  query.status = GuestStatus::kActive;
  EXPECT_EQ(Usernames(directory_.Guests(query)), (std::vector<std::string>{"ann", "cy", "dee"}));
  query.status = GuestStatus::kDisabled;
  EXPECT_EQ(Usernames(directory_.Guests(query)), (std::vector<std::string>{"bob"}));
}

TEST_F(DirectoryTest, SortsEveryWayInBothOrdersAndPages) {
  GuestQuery query;
  query.sort = GuestSort::kDisplayName;
  EXPECT_EQ(Usernames(directory_.Guests(query)),
            (std::vector<std::string>{"dee", "bob", "cy", "ann"}));
  query.sort = GuestSort::kCreatedAt;
  EXPECT_EQ(Usernames(directory_.Guests(query)),
            (std::vector<std::string>{"ann", "bob", "cy", "dee"}));
  query.descending = true;
  EXPECT_EQ(Usernames(directory_.Guests(query)),
            (std::vector<std::string>{"dee", "cy", "bob", "ann"}));
  query.sort = GuestSort::kStatus;
  query.descending = false;
  EXPECT_EQ(Usernames(directory_.Guests(query)),
            (std::vector<std::string>{"ann", "cy", "dee", "bob"}));
  query.sort = GuestSort::kUsername;
  query.offset = 1;
  query.limit = 2;
  auto page = directory_.Guests(query);
  EXPECT_EQ(Usernames(page), (std::vector<std::string>{"bob", "cy"}));
  EXPECT_EQ(page.total, 4);
  query.offset = 10;
  page = directory_.Guests(query);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 4);
}

TEST_F(DirectoryTest, PairsAreOrderedByDisplayNameAndFilteredByGuestOrText) {
  auto all = directory_.Pairs({});
  ASSERT_TRUE(all);
  EXPECT_EQ(PairNames(*all),
            (std::vector<std::string>{"Ann Dee+Zoe Ann", "Bob Marsh+Zoe Ann", "cy Young+Zoe Ann"}));
  PairQuery query;
  query.guest = "g2";
  auto of_ann = directory_.Pairs(query);
  ASSERT_TRUE(of_ann);
  EXPECT_EQ(PairNames(*of_ann),
            (std::vector<std::string>{"Zoe Ann+Ann Dee", "Zoe Ann+Bob Marsh", "Zoe Ann+cy Young"}));
  query.text = "young";
  EXPECT_EQ(PairNames(*directory_.Pairs(query)), (std::vector<std::string>{"Zoe Ann+cy Young"}));
  query.guest.reset();
  query.text = "bob";
  query.limit = 1;
  auto page = directory_.Pairs(query);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1);
  query.guest = "ghost";
  EXPECT_EQ(directory_.Pairs(query).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(directory_.Paired("g4", "g2"));
  EXPECT_FALSE(directory_.Paired("g4", "g1"));
  EXPECT_FALSE(directory_.Paired("g1", "g1"));
}

TEST(GuestQueryTest, ParsesEveryParameterAndRefusesBadOnesNamingThem) {
  auto query = ParseGuestQuery({"  Ann ", "disabled", "createdAt", "desc", "20", "50"});
  ASSERT_TRUE(query) << query.error().message;
  EXPECT_EQ(query->text, "ann");
  EXPECT_EQ(query->status, GuestStatus::kDisabled);
  EXPECT_EQ(query->sort, GuestSort::kCreatedAt);
  EXPECT_TRUE(query->descending);
  EXPECT_EQ(query->offset, 20);
  EXPECT_EQ(query->limit, std::optional<int64_t>(50));
  auto none = ParseGuestQuery({});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->limit, std::nullopt);

  struct Case {
    GuestQueryParams params;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{std::string(201, 'x'), {}, {}, {}, {}, {}}, "query", "Search for at most 200 characters."},
      {{{}, "gone", {}, {}, {}, {}}, "status", "Show all, active or disabled guests."},
      {{{}, {}, "password", {}, {}, {}},
       "sort",
       "Sort by username, displayName, createdAt or status."},
      {{{}, {}, {}, "up", {}, {}}, "order", "Order asc (ascending) or desc (descending)."},
      {{{}, {}, {}, {}, "-1", {}}, "offset", "The offset must be a whole number, 0 or more."},
      {{{}, {}, {}, {}, "1x", {}}, "offset", "The offset must be a whole number, 0 or more."},
      {{{}, {}, {}, {}, {}, "0"}, "limit", "The limit must be a whole number from 1 to 500."},
      {{{}, {}, {}, {}, {}, "501"}, "limit", "The limit must be a whole number from 1 to 500."},
  };
  for (const auto& c : cases) {
    auto bad = ParseGuestQuery(c.params);
    ASSERT_FALSE(bad) << c.field;
    EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(bad.error().field, c.field);
    EXPECT_EQ(bad.error().message, c.message);
  }
  EXPECT_EQ(ParsePairQuery({{}, "", {}, {}}).error().field, "guest");
  EXPECT_EQ(ParsePairQuery({{}, {}, {}, "1000"}).error().field, "limit");
}

}  // namespace
}  // namespace gp::service
