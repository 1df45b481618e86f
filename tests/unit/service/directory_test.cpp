// GuestDirectory and the parsing of its queries: search, filter, sort and paging of guests and
// pairs.
#include "service/directory.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>

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

// --- With(): a directory changed in place equals one built from the changed data ---

std::string Render(const storage::GuestRecord& guest, int64_t pair_count) {
  return guest.username + "|" + guest.display_name + "|" + std::to_string(pair_count) +
         (guest.disabled ? "|disabled" : "") + (guest.password_hash.empty() ? "" : "|HASH");
}

// Everything a reader can see of a directory, as text.
std::vector<std::string> Observe(const GuestDirectory& directory) {
  std::vector<std::string> seen;
  seen.push_back("size " + std::to_string(directory.size()) + " pairs " +
                 std::to_string(directory.pair_count()));
  for (auto sort :
       {GuestSort::kUsername, GuestSort::kDisplayName, GuestSort::kCreatedAt, GuestSort::kStatus}) {
    for (bool descending : {false, true}) {
      GuestQuery query;
      query.sort = sort;
      query.descending = descending;
      auto page = directory.Guests(query);
      std::string line = "guests " + std::to_string(static_cast<int>(sort)) +
                         (descending ? "d" : "a") + " active " + std::to_string(page.active) +
                         " disabled " + std::to_string(page.disabled) + ":";
      for (const auto* entry : page.items) line += " " + entry->rendered;
      seen.push_back(line);
    }
  }
  GuestQuery search;
  search.text = "7";
  search.status = GuestStatus::kActive;
  seen.push_back("search " + std::to_string(directory.Guests(search).total));
  std::string pairs = "pairs:";
  auto all = directory.Pairs({});
  for (const auto& item : all->items) pairs += " " + item.a->guest.id + "+" + item.b->guest.id;
  seen.push_back(pairs);
  PairQuery paged;
  paged.offset = 7;
  paged.limit = 5;
  auto page = directory.Pairs(paged);
  std::string line = "paged " + std::to_string(page->total) + ":";
  for (const auto& item : page->items) line += " " + item.a->guest.id + "+" + item.b->guest.id;
  seen.push_back(line);
  for (const auto* entry : directory.Guests({}).items) {
    std::string contacts = "contacts " + entry->guest.id + ":";
    for (const auto* contact : directory.Contacts(*entry)) contacts += " " + contact->guest.id;
    seen.push_back(contacts);
  }
  return seen;
}

TEST(DirectoryUpdateTest, AnyUpdateGivesWhatABuildOfTheChangedDataGives) {
  std::mt19937 random(20261130);
  auto pick = [&random](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const std::vector<std::string> names = {"ann", "Ann", "bo", "Chen", "dara", "Eli", "eli", "Zed"};
  std::map<std::string, storage::GuestRecord> guests;
  std::set<storage::PairRecord> pairs;
  int next_id = 0;
  auto make = [&](int id) {
    storage::GuestRecord guest;
    guest.id = "g" + std::to_string(id);
    guest.username = "user" + std::to_string(id);
    guest.display_name =
        names[pick(static_cast<int>(names.size()))] + " " + std::to_string(pick(5));
    guest.password_hash = "$argon2id$secret";
    guest.created_at = pick(20);
    guest.disabled = pick(4) == 0;
    return guest;
  };
  auto any_id = [&]() {
    auto it = guests.begin();
    std::advance(it, pick(static_cast<int>(guests.size())));
    return it->first;
  };
  for (; next_id < 40; ++next_id) guests.emplace("g" + std::to_string(next_id), make(next_id));
  for (int i = 0; i < 120; ++i) {
    auto a = any_id();
    auto b = any_id();
    if (a != b) pairs.insert(std::minmax(a, b));
  }
  auto build = [&]() {
    std::vector<storage::GuestRecord> list;
    for (const auto& [id, guest] : guests) list.push_back(guest);
    return GuestDirectory(list, {pairs.begin(), pairs.end()}, Render);
  };

  auto directory = std::make_shared<GuestDirectory>(build());
  for (int round = 0; round < 300; ++round) {
    GuestDirectory::Update update;
    std::set<storage::PairRecord> added;
    std::set<storage::PairRecord> removed;
    const int steps = 1 + pick(4);
    for (int step = 0; step < steps; ++step) {
      switch (pick(7)) {
        case 0: {  // a new guest
          auto guest = make(next_id++);
          guests[guest.id] = guest;
          update.guests.push_back(guest);
          break;
        }
        case 1: {  // renamed, enabled or disabled
          auto& guest = guests[any_id()];
          if (pick(2) == 0) {
            guest.display_name =
                names[pick(static_cast<int>(names.size()))] + " " + std::to_string(pick(5));
          } else {
            guest.disabled = !guest.disabled;
          }
          update.guests.push_back(guest);
          break;
        }
        case 2: {  // deleted, with its pairs
          if (guests.size() < 5) break;
          auto id = any_id();
          guests.erase(id);
          std::erase_if(pairs,
                        [&id](const auto& pair) { return pair.first == id || pair.second == id; });
          std::erase_if(added,
                        [&id](const auto& pair) { return pair.first == id || pair.second == id; });
          update.deleted.push_back(id);
          break;
        }
        case 3:
        case 4: {  // a pair added (perhaps one already there)
          const auto a = any_id();
          const auto b = any_id();
          if (a == b) break;
          const storage::PairRecord pair = std::minmax(a, b);
          pairs.insert(pair);
          removed.erase(pair);
          added.insert(pair);
          break;
        }
        case 5: {  // a pair removed (perhaps one not there)
          storage::PairRecord pair;
          if (!pairs.empty() && pick(3) != 0) {
            auto it = pairs.begin();
            std::advance(it, pick(static_cast<int>(pairs.size())));
            pair = *it;
          } else {
            const auto a = any_id();
            const auto b = any_id();
            pair = std::minmax(a, b);
          }
          pairs.erase(pair);
          added.erase(pair);
          removed.insert(pair);
          break;
        }
        default: {  // a pair naming a guest that does not exist is left out
          added.insert({any_id(), "ghost"});
          break;
        }
      }
    }
    update.added.assign(added.begin(), added.end());
    update.removed.assign(removed.begin(), removed.end());
    const auto before = Observe(*directory);
    auto next = std::make_shared<GuestDirectory>(directory->With(update));
    ASSERT_EQ(Observe(*directory), before) << "round " << round << ": the old directory changed";
    ASSERT_EQ(Observe(*next), Observe(build())) << "round " << round;
    directory = next;
  }
  EXPECT_GT(directory->size(), 40u);
  EXPECT_GT(directory->pair_count(), 0u);
}

TEST(DirectoryUpdateTest, RenderedEntriesShowTheNewPairCountAndNoPasswordHash) {
  GuestDirectory directory({Guest("g1", "ann", "Ann", 1), Guest("g2", "bob", "Bob", 2)}, {},
                           Render);
  GuestDirectory::Update update;
  update.added = {{"g1", "g2"}};
  update.guests = {Guest("g3", "cy", "Cy", 3)};
  auto next = directory.With(update);
  EXPECT_EQ(next.Find("g1")->rendered, "ann|Ann|1");
  EXPECT_EQ(next.Find("g3")->rendered, "cy|Cy|0");
  EXPECT_EQ(directory.Find("g1")->rendered, "ann|Ann|0");
  EXPECT_EQ(directory.Find("g3"), nullptr);
  EXPECT_TRUE(next.Paired("g2", "g1"));
  EXPECT_FALSE(directory.Paired("g2", "g1"));
}

}  // namespace
}  // namespace gp::service
