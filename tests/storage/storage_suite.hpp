#pragma once
// One typed suite that every storage backend must pass. A backend joins by providing a Backend type
// (see sqlite_test.cpp) and instantiating the suite with INSTANTIATE_TYPED_TEST_SUITE_P.
//
// A Backend is default-constructible into a fresh, empty database and offers:
//   static std::string Unavailable();          // non-empty: why this backend cannot run here (skips)
//   Result<std::unique_ptr<Storage>> Open();   // a new connection to that same database
//   void Execute(const std::string& sql);      // raw SQL, for setting up states the API cannot reach
//   int64_t QueryInt(const std::string& sql);  // the first column of the first row

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.hpp"
#include "storage/storage.hpp"

namespace gp::storage::testing {

#define GP_ASSERT_OK(expr)                                            \
  do {                                                                \
    auto&& gp_result_ = (expr);                                       \
    ASSERT_TRUE(gp_result_) << #expr << ": " << gp_result_.error().message; \
  } while (0)

// The error code of a failed result, nullopt when it succeeded.
template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& result) {
  if (result) return std::nullopt;
  return result.error().code;
}

inline GuestRecord MakeGuest(const std::string& id, const std::string& username) {
  GuestRecord guest;
  guest.id = id;
  guest.username = username;
  guest.display_name = "Guest " + username;
  guest.password_hash = "$argon2id$v=19$hash-of-" + username;
  guest.created_at = 1000;
  guest.updated_at = 1000;
  return guest;
}

inline std::string KeyOf(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  std::string key;
  for (const auto& id : ids) key += (key.empty() ? "" : ",") + id;
  return key;
}

inline SpaceRecord MakeSpace(const std::string& id, const std::vector<std::string>& members, int64_t created_at = 100,
                             int64_t last_activity = 100) {
  SpaceRecord space;
  space.id = id;
  space.webex_room_id = "room-" + id;
  space.title = "Space " + id;
  space.member_ids = members;
  space.member_key = KeyOf(members);
  space.created_by = members.empty() ? "" : members.front();
  space.created_at = created_at;
  space.last_activity = last_activity;
  return space;
}

inline std::vector<std::string> IdsOf(const std::vector<SpaceRecord>& spaces) {
  std::vector<std::string> ids;
  for (const auto& space : spaces) ids.push_back(space.id);
  return ids;
}

inline int LatestKnownVersion(std::string_view engine) {
  int latest = 0;
  for (const auto& migration : EmbeddedMigrations(engine)) latest = std::max(latest, migration.version);
  return latest;
}

template <typename Backend>
class StorageSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = Backend::Unavailable(); !reason.empty()) GTEST_SKIP() << reason;
    Reopen();
  }

  // A new connection to the same database, migrated.
  void Reopen() {
    store_.reset();
    auto opened = backend_.Open();
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auto migrated = store_->Migrate();
    ASSERT_TRUE(migrated) << migrated.error().message;
  }

  Storage& store() { return *store_; }

  // Three guests a, b, c with usernames in reverse order of their ids.
  void AddGuests() {
    GP_ASSERT_OK(store().CreateGuest(MakeGuest("a", "zoe")));
    GP_ASSERT_OK(store().CreateGuest(MakeGuest("b", "yann")));
    GP_ASSERT_OK(store().CreateGuest(MakeGuest("c", "xena")));
  }

  Backend backend_;
  std::unique_ptr<Storage> store_;
};

TYPED_TEST_SUITE_P(StorageSuite);

// ---- Migrations and connection ----

TYPED_TEST_P(StorageSuite, MigrateIsIdempotentAndRecordsEveryVersion) {
  int latest = LatestKnownVersion(TypeParam::kEngine);
  ASSERT_GT(latest, 0);
  auto again = this->store().Migrate();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, latest);
  auto version = this->store().SchemaVersion();
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, latest);
  EXPECT_EQ(this->backend_.QueryInt("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(EmbeddedMigrations(TypeParam::kEngine).size()));
  EXPECT_EQ(this->backend_.QueryInt("SELECT MAX(version) FROM schema_migrations"), latest);
}

TYPED_TEST_P(StorageSuite, RefusesADatabaseFromANewerBuild) {
  this->backend_.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)");
  auto opened = this->backend_.Open();
  ASSERT_TRUE(opened);
  auto migrated = (*opened)->Migrate();
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(migrated.error().message.find("9999"), std::string::npos) << migrated.error().message;
}

TYPED_TEST_P(StorageSuite, ReopenedDatabaseKeepsItsData) {
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g1", "kept")));
  GP_ASSERT_OK(this->store().PutSetting("k", "v"));
  this->Reopen();
  auto guest = this->store().GetGuest("g1");
  ASSERT_TRUE(guest) << guest.error().message;
  EXPECT_EQ(guest->username, "kept");
  auto setting = this->store().GetSetting("k");
  ASSERT_TRUE(setting);
  EXPECT_EQ(*setting, "v");
}

TYPED_TEST_P(StorageSuite, PingAnswers) { GP_ASSERT_OK(this->store().Ping()); }

TYPED_TEST_P(StorageSuite, VersionMovesWithEveryCommittedChangeFromAnywhere) {
  auto Version = [this] {
    auto version = this->store().Version();
    EXPECT_TRUE(version) << version.error().message;
    return version.value_or(DataVersion{});
  };
  DataVersion start = Version();
  // Reads leave it alone.
  ASSERT_TRUE(this->store().ListGuests());
  ASSERT_TRUE(this->store().ListSpacesForGuest("a"));
  EXPECT_EQ(Version(), start);
  // A change through this connection moves it.
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("a", "zoe")));
  DataVersion after_own = Version();
  EXPECT_NE(after_own, start);
  EXPECT_EQ(Version(), after_own);
  // So does one committed by another connection, as a CLI command would.
  this->backend_.Execute("UPDATE guests SET display_name = 'Zoe Renamed' WHERE id = 'a'");
  DataVersion after_other = Version();
  EXPECT_NE(after_other, after_own);
  EXPECT_EQ(Version(), after_other);
  EXPECT_EQ(this->store().GetGuest("a")->display_name, "Zoe Renamed");
}

// ---- Guests ----

TYPED_TEST_P(StorageSuite, GuestRoundTripsEveryField) {
  GuestRecord guest = MakeGuest("g1", "alice");
  guest.disabled = true;
  guest.webex_person_id = "person-1";
  guest.created_at = 11;
  guest.updated_at = 22;
  GP_ASSERT_OK(this->store().CreateGuest(guest));
  for (auto found : {this->store().GetGuest("g1"), this->store().FindGuestByUsername("alice")}) {
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->id, "g1");
    EXPECT_EQ(found->username, "alice");
    EXPECT_EQ(found->display_name, guest.display_name);
    EXPECT_EQ(found->password_hash, guest.password_hash);
    EXPECT_TRUE(found->disabled);
    EXPECT_EQ(found->webex_person_id, std::optional<std::string>("person-1"));
    EXPECT_EQ(found->created_at, 11);
    EXPECT_EQ(found->updated_at, 22);
  }
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g2", "bob")));
  auto bob = this->store().GetGuest("g2");
  ASSERT_TRUE(bob);
  EXPECT_FALSE(bob->disabled);
  EXPECT_EQ(bob->webex_person_id, std::nullopt);
}

TYPED_TEST_P(StorageSuite, DuplicateUsernameOrIdIsAConflict) {
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g1", "alice")));
  EXPECT_EQ(CodeOf(this->store().CreateGuest(MakeGuest("g2", "alice"))), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(this->store().CreateGuest(MakeGuest("g1", "other"))), ErrorCode::kConflict);
  auto all = this->store().ListGuests();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TYPED_TEST_P(StorageSuite, UnknownGuestIsNotFound) {
  EXPECT_EQ(CodeOf(this->store().GetGuest("nobody")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().FindGuestByUsername("nobody")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().UpdateGuest(MakeGuest("nobody", "nobody"))), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().DeleteGuest("nobody")), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, ListGuestsIsOrderedByUsername) {
  this->AddGuests();
  auto guests = this->store().ListGuests();
  ASSERT_TRUE(guests);
  std::vector<std::string> names;
  for (const auto& guest : *guests) names.push_back(guest.username);
  EXPECT_EQ(names, (std::vector<std::string>{"xena", "yann", "zoe"}));
}

TYPED_TEST_P(StorageSuite, UpdateGuestWritesEverythingButTheUsername) {
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g1", "alice")));
  GuestRecord changed = MakeGuest("g1", "renamed");
  changed.display_name = "Alice A.";
  changed.password_hash = "new-hash";
  changed.disabled = true;
  changed.webex_person_id = "person-9";
  changed.updated_at = 5000;
  GP_ASSERT_OK(this->store().UpdateGuest(changed));
  auto found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->display_name, "Alice A.");
  EXPECT_EQ(found->password_hash, "new-hash");
  EXPECT_TRUE(found->disabled);
  EXPECT_EQ(found->webex_person_id, std::optional<std::string>("person-9"));
  EXPECT_EQ(found->updated_at, 5000);
  EXPECT_EQ(found->created_at, 1000);

  changed.webex_person_id.reset();
  GP_ASSERT_OK(this->store().UpdateGuest(changed));
  EXPECT_EQ(this->store().GetGuest("g1")->webex_person_id, std::nullopt);
}

TYPED_TEST_P(StorageSuite, DeleteGuestTakesPairsSessionsAndTokenButLeavesSpaces) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}));
  GP_ASSERT_OK(this->store().CreateSession({"hash-a", "guest", "a", std::nullopt, "csrf", 1, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"hash-b", "guest", "b", std::nullopt, "csrf", 1, 100}));
  GP_ASSERT_OK(this->store().SaveGuestToken({"a", "cipher-a", 100}));
  GP_ASSERT_OK(this->store().SaveGuestToken({"b", "cipher-b", 100}));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));

  GP_ASSERT_OK(this->store().DeleteGuest("a"));

  EXPECT_EQ(CodeOf(this->store().GetGuest("a")), ErrorCode::kNotFound);
  auto pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"b", "c"}}));
  EXPECT_EQ(CodeOf(this->store().GetSession("hash-a")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().GetSession("hash-b"));
  EXPECT_EQ(CodeOf(this->store().GetGuestToken("a")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().GetGuestToken("b"));
  auto space = this->store().GetSpace("s1");
  ASSERT_TRUE(space);
  EXPECT_EQ(space->member_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(space->closed_at, std::nullopt);
}

// ---- Allowed pairs ----

TYPED_TEST_P(StorageSuite, ReplacePairsNormalisesAndReplaces) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().ReplacePairs({{"c", "a"}, {"a", "c"}, {"b", "a"}}));
  auto pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"a", "b"}, {"a", "c"}}));
  EXPECT_TRUE(*this->store().IsPairAllowed("a", "c"));
  EXPECT_TRUE(*this->store().IsPairAllowed("c", "a"));
  EXPECT_FALSE(*this->store().IsPairAllowed("b", "c"));

  GP_ASSERT_OK(this->store().ReplacePairs({{"c", "b"}}));
  pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"b", "c"}}));
  EXPECT_FALSE(*this->store().IsPairAllowed("a", "b"));

  GP_ASSERT_OK(this->store().ReplacePairs({}));
  EXPECT_TRUE(this->store().ListPairs()->empty());
}

TYPED_TEST_P(StorageSuite, ReplacePairsWithABadPairChangesNothing) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}}));
  // The bad pair comes last, after valid ones were already written inside the transaction.
  auto unknown = this->store().ReplacePairs({{"b", "c"}, {"a", "c"}, {"a", "ghost"}});
  EXPECT_EQ(CodeOf(unknown), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(this->store().ReplacePairs({{"b", "c"}, {"c", "c"}})), ErrorCode::kBadRequest);
  auto pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"a", "b"}}));
}

// ---- Spaces ----

TYPED_TEST_P(StorageSuite, SpaceRoundTripsWithMembersInOrder) {
  this->AddGuests();
  SpaceRecord space = MakeSpace("s1", {"c", "a", "b"}, 10, 20);
  space.membership_ids = {{"a", "mem-a"}};
  GP_ASSERT_OK(this->store().CreateSpace(space));
  auto found = this->store().GetSpace("s1");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->webex_room_id, "room-s1");
  EXPECT_EQ(found->title, "Space s1");
  EXPECT_EQ(found->member_key, "a,b,c");
  EXPECT_EQ(found->member_ids, (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(found->membership_ids, (std::map<std::string, std::string>{{"a", "mem-a"}}));
  EXPECT_EQ(found->member_names,
            (std::map<std::string, std::string>{{"a", "Guest zoe"}, {"b", "Guest yann"}, {"c", "Guest xena"}}));
  EXPECT_EQ(found->created_by, "c");
  EXPECT_EQ(found->created_at, 10);
  EXPECT_EQ(found->last_activity, 20);
  EXPECT_EQ(found->closed_at, std::nullopt);
  EXPECT_EQ(CodeOf(this->store().GetSpace("nope")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().FindOpenSpaceByMemberKey("x,y")), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, OneOpenSpacePerMemberSetUntilClosed) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  auto duplicate = this->store().CreateSpace(MakeSpace("s2", {"b", "a"}));
  EXPECT_EQ(CodeOf(duplicate), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(this->store().GetSpace("s2")), ErrorCode::kNotFound);
  EXPECT_EQ(IdsOf(*this->store().ListSpacesForGuest("a", true)), (std::vector<std::string>{"s1"}));

  GP_ASSERT_OK(this->store().CloseSpace("s1", 500));
  EXPECT_EQ(CodeOf(this->store().FindOpenSpaceByMemberKey("a,b")), ErrorCode::kNotFound);
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s2", {"b", "a"})));
  auto open = this->store().FindOpenSpaceByMemberKey("a,b");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->id, "s2");
  auto closed = this->store().GetSpace("s1");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->closed_at, std::optional<int64_t>(500));
  EXPECT_EQ(closed->member_ids, (std::vector<std::string>{"a", "b"}));
}

TYPED_TEST_P(StorageSuite, CreateSpaceFailingOnAMemberLeavesNothing) {
  // The repeated member fails after the space row was written.
  auto failed = this->store().CreateSpace(MakeSpace("s1", {"a", "b", "a"}));
  ASSERT_FALSE(failed);
  EXPECT_EQ(CodeOf(this->store().GetSpace("s1")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().ListSpaces()->empty());
  EXPECT_TRUE(this->store().ListSpacesForGuest("a", true)->empty());
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
}

TYPED_TEST_P(StorageSuite, SpaceIdAndWebexRoomAreUnique) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  EXPECT_EQ(CodeOf(this->store().CreateSpace(MakeSpace("s1", {"a", "c"}))), ErrorCode::kConflict);
  SpaceRecord same_room = MakeSpace("s2", {"a", "c"});
  same_room.webex_room_id = "room-s1";
  EXPECT_EQ(CodeOf(this->store().CreateSpace(same_room)), ErrorCode::kConflict);
  EXPECT_EQ(this->store().ListSpaces()->size(), 1u);
}

TYPED_TEST_P(StorageSuite, SpaceListsAreOrderedByActivityThenCreation) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("old", {"a", "b"}, 10, 50)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("busy", {"a", "c"}, 5, 90)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("tie-new", {"d", "f", "a"}, 30, 50)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("tie-same-b", {"a", "g"}, 30, 50)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("tie-same-a", {"h", "a"}, 30, 50)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("closed", {"a", "e"}, 1, 99)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("other", {"b", "c"}, 1, 95)));
  GP_ASSERT_OK(this->store().CloseSpace("closed", 100));

  auto listed = this->store().ListSpacesForGuest("a");
  ASSERT_TRUE(listed);
  EXPECT_EQ(IdsOf(*listed), (std::vector<std::string>{"busy", "tie-new", "tie-same-a", "tie-same-b", "old"}));
  // Members keep the order the space was created with.
  EXPECT_EQ((*listed)[1].member_ids, (std::vector<std::string>{"d", "f", "a"}));
  EXPECT_EQ((*listed)[2].member_ids, (std::vector<std::string>{"h", "a"}));
  EXPECT_EQ(IdsOf(*this->store().ListSpacesForGuest("a", true)),
            (std::vector<std::string>{"closed", "busy", "tie-new", "tie-same-a", "tie-same-b", "old"}));
  EXPECT_EQ(IdsOf(*this->store().ListOpenSpacesForGuest("a")),
            (std::vector<std::string>{"busy", "tie-new", "tie-same-a", "tie-same-b", "old"}));
  EXPECT_EQ(IdsOf(*this->store().ListSpaces()),
            (std::vector<std::string>{"closed", "other", "busy", "tie-new", "tie-same-a", "tie-same-b", "old"}));
  EXPECT_TRUE(this->store().ListSpacesForGuest("nobody")->empty());
}

TYPED_TEST_P(StorageSuite, OpenSpacesContainingAPairOfGuests) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("ab", {"a", "b"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("abc", {"a", "b", "c"}, 100, 200)));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("ac", {"a", "c"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("ab-closed", {"b", "a", "d"})));
  GP_ASSERT_OK(this->store().CloseSpace("ab-closed", 300));
  EXPECT_EQ(IdsOf(*this->store().ListOpenSpacesContaining("b", "a")), (std::vector<std::string>{"abc", "ab"}));
  EXPECT_EQ(IdsOf(*this->store().ListOpenSpacesContaining("c", "b")), (std::vector<std::string>{"abc"}));
  EXPECT_TRUE(this->store().ListOpenSpacesContaining("c", "d")->empty());
}

TYPED_TEST_P(StorageSuite, CloseSpaceKeepsTheFirstCloseTime) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  GP_ASSERT_OK(this->store().CloseSpace("s1", 500));
  GP_ASSERT_OK(this->store().CloseSpace("s1", 900));
  EXPECT_EQ(this->store().GetSpace("s1")->closed_at, std::optional<int64_t>(500));
  EXPECT_EQ(CodeOf(this->store().CloseSpace("nope", 1)), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, TouchSpaceOnlyMovesActivityForward) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"}, 100, 100)));
  GP_ASSERT_OK(this->store().TouchSpace("room-s1", 300));
  EXPECT_EQ(this->store().GetSpace("s1")->last_activity, 300);
  GP_ASSERT_OK(this->store().TouchSpace("room-s1", 200));
  EXPECT_EQ(this->store().GetSpace("s1")->last_activity, 300);
  EXPECT_EQ(CodeOf(this->store().TouchSpace("room-unknown", 400)), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, MembershipIdsAndMemberRemoval) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b", "c"})));
  GP_ASSERT_OK(this->store().SetMembershipId("s1", "b", "mem-b"));
  GP_ASSERT_OK(this->store().SetMembershipId("s1", "b", "mem-b2"));
  EXPECT_EQ(CodeOf(this->store().SetMembershipId("s1", "z", "mem-z")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().SetMembershipId("nope", "a", "mem")), ErrorCode::kNotFound);
  auto space = this->store().GetSpace("s1");
  ASSERT_TRUE(space);
  EXPECT_EQ(space->membership_ids, (std::map<std::string, std::string>{{"b", "mem-b2"}}));

  GP_ASSERT_OK(this->store().RemoveSpaceMember("s1", "b"));
  EXPECT_EQ(CodeOf(this->store().RemoveSpaceMember("s1", "b")), ErrorCode::kNotFound);
  space = this->store().GetSpace("s1");
  ASSERT_TRUE(space);
  EXPECT_EQ(space->member_ids, (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(space->membership_ids.empty());
  EXPECT_EQ(space->member_key, "a,b,c");
  EXPECT_TRUE(this->store().ListSpacesForGuest("b", true)->empty());
}

// ---- Sessions ----

TYPED_TEST_P(StorageSuite, SessionsRoundTripAndDelete) {
  this->AddGuests();
  SessionRecord guest{"hash-1", "guest", "a", std::nullopt, "csrf-1", 10, 20};
  SessionRecord admin{"hash-2", "admin", std::nullopt, "admin@example.com", "csrf-2", 11, 21};
  GP_ASSERT_OK(this->store().CreateSession(guest));
  GP_ASSERT_OK(this->store().CreateSession(admin));
  EXPECT_EQ(CodeOf(this->store().CreateSession(guest)), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(this->store().CreateSession({"hash-3", "guest", "ghost", std::nullopt, "c", 1, 2})),
            ErrorCode::kBadRequest);

  auto found = this->store().GetSession("hash-2");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->role, "admin");
  EXPECT_EQ(found->guest_id, std::nullopt);
  EXPECT_EQ(found->admin_email, std::optional<std::string>("admin@example.com"));
  EXPECT_EQ(found->csrf_token, "csrf-2");
  EXPECT_EQ(found->created_at, 11);
  EXPECT_EQ(found->expires_at, 21);
  found = this->store().GetSession("hash-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->guest_id, std::optional<std::string>("a"));

  GP_ASSERT_OK(this->store().DeleteSession("hash-2"));
  EXPECT_EQ(CodeOf(this->store().GetSession("hash-2")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().DeleteSession("hash-2")), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, SessionsEndForAGuestOrByExpiry) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().CreateSession({"a1", "guest", "a", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"a2", "guest", "a", std::nullopt, "c", 0, 300}));
  GP_ASSERT_OK(this->store().CreateSession({"b1", "guest", "b", std::nullopt, "c", 0, 300}));
  GP_ASSERT_OK(this->store().CreateSession({"b2", "guest", "b", std::nullopt, "c", 0, 200}));
  GP_ASSERT_OK(this->store().DeleteSessionsForGuest("a"));
  GP_ASSERT_OK(this->store().DeleteSessionsForGuest("nobody"));
  EXPECT_EQ(CodeOf(this->store().GetSession("a1")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().GetSession("a2")), ErrorCode::kNotFound);

  auto deleted = this->store().DeleteExpiredSessions(200);  // expires_at == now counts as expired
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(CodeOf(this->store().GetSession("b2")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().GetSession("b1"));
}

// ---- AppAdmin and guest tokens ----

TYPED_TEST_P(StorageSuite, AppAdminIsOneRowOfOpaqueBytes) {
  EXPECT_EQ(CodeOf(this->store().GetAppAdmin()), ErrorCode::kNotFound);
  const std::string access("\x00\xff\x01nonce", 8);
  const std::string refresh("\x80\x00\x7f", 3);
  AppAdminRecord admin{"person-1", "admin@example.com", "Admin", access, 100, refresh, 200, 50};
  GP_ASSERT_OK(this->store().SaveAppAdmin(admin));
  auto found = this->store().GetAppAdmin();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->person_id, "person-1");
  EXPECT_EQ(found->email, "admin@example.com");
  EXPECT_EQ(found->display_name, "Admin");
  EXPECT_EQ(found->access_token_enc, access);
  EXPECT_EQ(found->access_expires_at, 100);
  EXPECT_EQ(found->refresh_token_enc, refresh);
  EXPECT_EQ(found->refresh_expires_at, 200);
  EXPECT_EQ(found->updated_at, 50);

  admin.person_id = "person-2";
  admin.access_token_enc = "second";
  GP_ASSERT_OK(this->store().SaveAppAdmin(admin));
  found = this->store().GetAppAdmin();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->person_id, "person-2");
  EXPECT_EQ(found->access_token_enc, "second");

  GP_ASSERT_OK(this->store().DeleteAppAdmin());
  EXPECT_EQ(CodeOf(this->store().GetAppAdmin()), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().DeleteAppAdmin()), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, GuestTokensAreCachedPerGuest) {
  this->AddGuests();
  EXPECT_EQ(CodeOf(this->store().GetGuestToken("a")), ErrorCode::kNotFound);
  const std::string cipher("\x00token\xfe", 7);
  GP_ASSERT_OK(this->store().SaveGuestToken({"a", cipher, 100}));
  auto found = this->store().GetGuestToken("a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->guest_id, "a");
  EXPECT_EQ(found->token_enc, cipher);
  EXPECT_EQ(found->expires_at, 100);
  GP_ASSERT_OK(this->store().SaveGuestToken({"a", "newer", 300}));
  EXPECT_EQ(this->store().GetGuestToken("a")->token_enc, "newer");
  EXPECT_EQ(this->store().GetGuestToken("a")->expires_at, 300);
  EXPECT_EQ(CodeOf(this->store().SaveGuestToken({"ghost", "x", 1})), ErrorCode::kBadRequest);
  GP_ASSERT_OK(this->store().DeleteGuestToken("a"));
  EXPECT_EQ(CodeOf(this->store().GetGuestToken("a")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().DeleteGuestToken("a")), ErrorCode::kNotFound);
}

// ---- OAuth states ----

TYPED_TEST_P(StorageSuite, OAuthStateIsTakenOnce) {
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-1", "verifier-1", 100, 400}));
  EXPECT_EQ(CodeOf(this->store().SaveOAuthState({"state-1", "other", 100, 400})), ErrorCode::kConflict);
  auto taken = this->store().TakeOAuthState("state-1", 399);
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_EQ(taken->state, "state-1");
  EXPECT_EQ(taken->code_verifier, "verifier-1");
  EXPECT_EQ(taken->created_at, 100);
  EXPECT_EQ(taken->expires_at, 400);
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("state-1", 399)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("never-saved", 0)), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, ExpiredOAuthStateIsNotFoundAndGone) {
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-1", "v", 100, 400}));
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-2", "v", 100, 400}));
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("state-1", 400)), ErrorCode::kNotFound);
  // Taking any state sweeps the expired ones, so state-2 is gone even for an earlier clock.
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("state-2", 300)), ErrorCode::kNotFound);
  EXPECT_EQ(this->backend_.QueryInt("SELECT COUNT(*) FROM oauth_states"), 0);
}

// ---- Audit ----

TYPED_TEST_P(StorageSuite, AuditIsListedNewestFirstWithFilters) {
  auto append = [&](int64_t at_ms, const std::string& actor, const std::string& action) {
    auto seq = this->store().AppendAudit({0, at_ms, actor, action, "target", "success", "detail"});
    EXPECT_TRUE(seq) << seq.error().message;
    return seq.value_or(-1);
  };
  int64_t s1 = append(1000, "admin:x", "guest.create");
  int64_t s2 = append(2000, "guest:a", "session.sign_in");
  int64_t s3 = append(3000, "admin:x", "guest.delete");
  int64_t s4 = append(4000, "admin:x", "guest.create");
  EXPECT_LT(s1, s2);
  EXPECT_LT(s2, s3);
  EXPECT_LT(s3, s4);

  auto seqs = [&](const AuditFilter& filter) {
    std::vector<int64_t> out;
    auto records = this->store().ListAudit(filter);
    EXPECT_TRUE(records) << records.error().message;
    if (records) {
      for (const auto& record : *records) out.push_back(record.seq);
    }
    return out;
  };
  EXPECT_EQ(seqs({}), (std::vector<int64_t>{s4, s3, s2, s1}));
  EXPECT_EQ(seqs({.action = "guest.create"}), (std::vector<int64_t>{s4, s1}));
  EXPECT_EQ(seqs({.actor = "admin:x"}), (std::vector<int64_t>{s4, s3, s1}));
  EXPECT_EQ(seqs({.since_ms = 2000}), (std::vector<int64_t>{s4, s3, s2}));
  EXPECT_EQ(seqs({.before_seq = s3}), (std::vector<int64_t>{s2, s1}));
  EXPECT_EQ(seqs({.action = "guest.create", .actor = "admin:x", .since_ms = 1500}), (std::vector<int64_t>{s4}));
  EXPECT_EQ(seqs({.limit = 2}), (std::vector<int64_t>{s4, s3}));
  EXPECT_EQ(seqs({.limit = 0}), (std::vector<int64_t>{s4}));
  EXPECT_EQ(seqs({.limit = -5}), (std::vector<int64_t>{s4}));

  auto records = this->store().ListAudit({.before_seq = s2});
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 1u);
  const AuditRecord& first = records->front();
  EXPECT_EQ(first.at_ms, 1000);
  EXPECT_EQ(first.actor, "admin:x");
  EXPECT_EQ(first.action, "guest.create");
  EXPECT_EQ(first.target, "target");
  EXPECT_EQ(first.outcome, "success");
  EXPECT_EQ(first.detail, "detail");
}

TYPED_TEST_P(StorageSuite, AuditLimitIsCappedAt500) {
  for (int i = 0; i < AuditFilter::kMaxLimit + 1; ++i) {
    GP_ASSERT_OK(this->store().AppendAudit({0, i, "actor", "action", "", "success", ""}));
  }
  auto records = this->store().ListAudit({.limit = 100000});
  ASSERT_TRUE(records);
  EXPECT_EQ(records->size(), static_cast<size_t>(AuditFilter::kMaxLimit));
}

TYPED_TEST_P(StorageSuite, ConcurrentAppendsGetDistinctSequenceNumbers) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<int64_t>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto seq = this->store().AppendAudit({0, i, "thread", "action", "", "success", ""});
        if (seq) {
          seqs[t].push_back(*seq);
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> distinct;
  for (const auto& list : seqs) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads * kEach));
}

// ---- Settings ----

TYPED_TEST_P(StorageSuite, SettingsAreKeyValues) {
  EXPECT_EQ(CodeOf(this->store().GetSetting("missing")), ErrorCode::kNotFound);
  GP_ASSERT_OK(this->store().PutSetting("k", "one"));
  GP_ASSERT_OK(this->store().PutSetting("k", "two"));
  GP_ASSERT_OK(this->store().PutSetting("other", ""));
  EXPECT_EQ(*this->store().GetSetting("k"), "two");
  EXPECT_EQ(*this->store().GetSetting("other"), "");
}

REGISTER_TYPED_TEST_SUITE_P(StorageSuite, MigrateIsIdempotentAndRecordsEveryVersion, RefusesADatabaseFromANewerBuild,
                            ReopenedDatabaseKeepsItsData, PingAnswers,
                            VersionMovesWithEveryCommittedChangeFromAnywhere, GuestRoundTripsEveryField,
                            DuplicateUsernameOrIdIsAConflict, UnknownGuestIsNotFound, ListGuestsIsOrderedByUsername,
                            UpdateGuestWritesEverythingButTheUsername,
                            DeleteGuestTakesPairsSessionsAndTokenButLeavesSpaces, ReplacePairsNormalisesAndReplaces,
                            ReplacePairsWithABadPairChangesNothing, SpaceRoundTripsWithMembersInOrder,
                            OneOpenSpacePerMemberSetUntilClosed, CreateSpaceFailingOnAMemberLeavesNothing,
                            SpaceIdAndWebexRoomAreUnique, SpaceListsAreOrderedByActivityThenCreation,
                            OpenSpacesContainingAPairOfGuests, CloseSpaceKeepsTheFirstCloseTime,
                            TouchSpaceOnlyMovesActivityForward, MembershipIdsAndMemberRemoval,
                            SessionsRoundTripAndDelete, SessionsEndForAGuestOrByExpiry, AppAdminIsOneRowOfOpaqueBytes,
                            GuestTokensAreCachedPerGuest, OAuthStateIsTakenOnce, ExpiredOAuthStateIsNotFoundAndGone,
                            AuditIsListedNewestFirstWithFilters, AuditLimitIsCappedAt500,
                            ConcurrentAppendsGetDistinctSequenceNumbers, SettingsAreKeyValues);

}  // namespace gp::storage::testing
