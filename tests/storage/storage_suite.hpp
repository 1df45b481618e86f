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
#include <array>
#include <atomic>
#include <limits>
#include <map>
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

// A job in one line, so that a list of them compares and prints readably.
inline std::string Describe(const WebexJob& job) {
  std::string text = job.kind == JobKind::kDeleteRoom   ? "delete_room "
                     : job.kind == JobKind::kEndMeeting ? "end_meeting "
                                                        : "remove_membership ";
  text += job.room_id;
  if (!job.person_id.empty()) text += " person=" + job.person_id;
  if (!job.membership_id.empty()) text += " membership=" + job.membership_id;
  if (!job.space_id.empty()) text += " space=" + job.space_id;
  if (!job.lease_id.empty()) text += " lease=" + job.lease_id;
  if (!job.host_id.empty()) text += " host=" + job.host_id;
  if (!job.meeting_id.empty()) text += " meeting=" + job.meeting_id;
  text += " due=" + std::to_string(job.next_attempt_at);
  return text;
}

inline std::vector<int64_t> JobIdsOf(const std::vector<WebexJob>& jobs) {
  std::vector<int64_t> ids;
  for (const auto& job : jobs) ids.push_back(job.id);
  return ids;
}

inline WebexJob MakeJob(JobKind kind, const std::string& room_id, int64_t next_attempt_at) {
  WebexJob job;
  job.kind = kind;
  job.room_id = room_id;
  job.next_attempt_at = next_attempt_at;
  job.created_at = next_attempt_at;
  return job;
}

inline SpaceIntent MakeIntent(const std::string& id, const std::vector<std::string>& members, int64_t created_at,
                              std::optional<std::string> room = std::nullopt) {
  SpaceIntent intent;
  intent.id = id;
  intent.member_key = KeyOf(members);
  intent.title = "Intent " + id;
  intent.created_by = members.empty() ? "" : members.front();
  intent.webex_room_id = std::move(room);
  intent.created_at = created_at;
  return intent;
}

// A person host, connected (with tokens) or not yet.
inline HostRecord MakePersonHost(const std::string& id, const std::string& email, bool connected,
                                 int64_t created_at = 100) {
  HostRecord host;
  host.id = id;
  host.kind = HostKind::kPerson;
  host.email = email;
  host.connect_key = "key-" + id;
  if (connected) {
    host.display_name = "Host " + id;
    host.webex_person_id = "person-" + id;
    host.access_token_enc = "access-" + id;
    host.access_expires_at = created_at + 3600;
    host.refresh_token_enc = "refresh-" + id;
    host.refresh_expires_at = created_at + 86400;
  }
  host.created_at = created_at;
  host.updated_at = created_at;
  return host;
}

inline HostRecord MakeSpaceHost(const std::string& id, const std::string& room_id, int64_t created_at = 100) {
  HostRecord host;
  host.id = id;
  host.kind = HostKind::kSpace;
  host.webex_room_id = room_id;
  host.display_name = "Pool " + id;
  host.created_at = created_at;
  host.updated_at = created_at;
  return host;
}

inline LeaseRecord MakeLease(const std::string& id, const std::string& space_id, int64_t created_at,
                             const std::string& mode = "adhoc") {
  LeaseRecord lease;
  lease.id = id;
  lease.space_id = space_id;
  lease.mode = mode;
  lease.created_at = created_at;
  lease.expires_at = created_at + 60;
  return lease;
}

inline WebexJob MakeLeaseJob(JobKind kind, const std::string& room_id, int64_t at) {
  WebexJob job = MakeJob(kind, room_id, at);
  if (kind == JobKind::kEndMeeting) job.meeting_id = "meeting-" + room_id;
  if (kind == JobKind::kRemoveMembership) job.person_id = "person-in-" + room_id;
  return job;
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

  // Portal spaces s1..s<count>, for leases to name.
  void AddSpaces(int count) {
    for (int i = 1; i <= count; ++i) {
      std::string id = "s" + std::to_string(i);
      GP_ASSERT_OK(store().CreateSpace(MakeSpace(id, {"guest-of-" + id})));
    }
  }

  // The host a lease holds, or "" when the take failed.
  std::string Take(const std::string& lease_id, const std::string& space_id, int64_t at,
                   HostKind kind = HostKind::kPerson) {
    auto lease = store().TakeLease(MakeLease(lease_id, space_id, at), kind);
    EXPECT_TRUE(lease) << lease_id << ": " << lease.error().message;
    return lease ? lease->host_id : std::string();
  }

  PoolStats Stats() {
    auto stats = store().GetPoolStats();
    EXPECT_TRUE(stats) << stats.error().message;
    return stats.value_or(PoolStats{});
  }

  // Every queued job, described (see Describe), oldest first.
  std::vector<std::string> Jobs() {
    std::vector<std::string> described;
    auto jobs = store().ListWebexJobs();
    EXPECT_TRUE(jobs) << jobs.error().message;
    if (jobs) {
      for (const auto& job : *jobs) described.push_back(Describe(job));
    }
    return described;
  }

  std::vector<std::string> IntentIds() {
    std::vector<std::string> ids;
    auto intents = store().ListSpaceIntents(std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(intents) << intents.error().message;
    if (intents) {
      for (const auto& intent : *intents) ids.push_back(intent.id);
    }
    return ids;
  }

  // Three guests a, b, c with usernames in reverse order of their ids.
  void AddGuests() {
    GP_ASSERT_OK(store().CreateGuest(MakeGuest("a", "zoe")));
    GP_ASSERT_OK(store().CreateGuest(MakeGuest("b", "yann")));
    GP_ASSERT_OK(store().CreateGuest(MakeGuest("c", "xena")));
  }

  // AddGuests, with Webex person ids for a and b but not for c.
  void AddPeople() {
    AddGuests();
    GP_ASSERT_OK(store().SetGuestPersonId("a", "person-a", 1000));
    GP_ASSERT_OK(store().SetGuestPersonId("b", "person-b", 1000));
  }

  // Commits `space` for a fresh intent and expects the refusal: the code and reason, the intent gone, a
  // kDeleteRoom job for the room and nothing else changed.
  void ExpectCommitRefused(const SpaceRecord& space, ErrorCode code, const std::string& reason) {
    std::string intent_id = "intent-" + space.id;
    GP_ASSERT_OK(store().SaveSpaceIntent(MakeIntent(intent_id, space.member_ids, 800, space.webex_room_id)));
    auto pairs_before = store().ListPairs();
    auto guests_before = store().ListGuests();
    auto spaces_before = store().ListSpaces();
    ASSERT_TRUE(pairs_before && guests_before && spaces_before);
    std::vector<std::string> jobs_before = Jobs();
    auto committed = store().CommitSpace(space, intent_id, 900);
    ASSERT_FALSE(committed);
    EXPECT_EQ(committed.error().code, code) << committed.error().message;
    EXPECT_EQ(committed.error().reason, reason);
    EXPECT_EQ(CodeOf(store().GetSpace(space.id)), ErrorCode::kNotFound);
    EXPECT_TRUE(IntentIds().empty());
    std::vector<std::string> jobs_after = jobs_before;
    jobs_after.push_back("delete_room " + space.webex_room_id + " due=900");
    EXPECT_EQ(Jobs(), jobs_after);
    EXPECT_EQ(*store().ListPairs(), *pairs_before);
    EXPECT_EQ(IdsOf(*store().ListSpaces()), IdsOf(*spaces_before));
    EXPECT_EQ(store().ListGuests()->size(), guests_before->size());
    EXPECT_TRUE(*store().IsKnownRoom(space.webex_room_id));  // by its job, until the room is gone
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
  guest.must_change_password = true;
  guest.expires_at = 4102444799;
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
    EXPECT_TRUE(found->must_change_password);
    EXPECT_EQ(found->expires_at, std::optional<int64_t>(4102444799));
  }
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g2", "bob")));
  auto bob = this->store().GetGuest("g2");
  ASSERT_TRUE(bob);
  EXPECT_FALSE(bob->disabled);
  EXPECT_EQ(bob->webex_person_id, std::nullopt);
  EXPECT_FALSE(bob->must_change_password);
  EXPECT_EQ(bob->expires_at, std::nullopt);
}

TYPED_TEST_P(StorageSuite, MustChangePasswordAndExpiryAreNarrowUpdates) {
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g1", "alice")));
  GP_ASSERT_OK(this->store().SetGuestMustChangePassword("g1", true, 2000));
  auto found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->must_change_password);
  EXPECT_EQ(found->updated_at, 2000);
  EXPECT_EQ(found->expires_at, std::nullopt);
  EXPECT_EQ(found->display_name, MakeGuest("g1", "alice").display_name);

  GP_ASSERT_OK(this->store().SetGuestExpiry("g1", 5000, 3000));
  found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->expires_at, std::optional<int64_t>(5000));
  EXPECT_TRUE(found->must_change_password);
  EXPECT_EQ(found->updated_at, 3000);

  GP_ASSERT_OK(this->store().SetGuestExpiry("g1", std::nullopt, 3500));
  GP_ASSERT_OK(this->store().SetGuestMustChangePassword("g1", false, 4000));
  found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->expires_at, std::nullopt);
  EXPECT_FALSE(found->must_change_password);
  EXPECT_EQ(found->updated_at, 4000);

  EXPECT_EQ(CodeOf(this->store().SetGuestMustChangePassword("nobody", true, 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().SetGuestExpiry("nobody", 5, 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().ChangeGuestPassword("nobody", "hash", "s", 1)), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, ChangeGuestPasswordClearsTheFlagAndKeepsOnlyTheGivenSession) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().SetGuestMustChangePassword("a", true, 1500));
  GP_ASSERT_OK(this->store().CreateSession({"a1", "guest", "a", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"a2", "guest", "a", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"b1", "guest", "b", std::nullopt, "c", 0, 100}));
  auto session = this->store().GetSession("a1");
  ASSERT_TRUE(session);
  EXPECT_TRUE(session->must_change_password);
  EXPECT_FALSE(this->store().GetSession("b1")->must_change_password);

  GP_ASSERT_OK(this->store().ChangeGuestPassword("a", "new-hash", "a1", 2000));

  auto a = this->store().GetGuest("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->password_hash, "new-hash");
  EXPECT_FALSE(a->must_change_password);
  EXPECT_EQ(a->updated_at, 2000);
  session = this->store().GetSession("a1");
  ASSERT_TRUE(session);
  EXPECT_FALSE(session->must_change_password);
  EXPECT_EQ(CodeOf(this->store().GetSession("a2")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().GetSession("b1"));
  EXPECT_EQ(this->store().GetGuest("b")->password_hash, MakeGuest("b", "yann").password_hash);
}

TYPED_TEST_P(StorageSuite, ListExpiredGuestsFindsEnabledGuestsWhoseEndHasCome) {
  this->AddGuests();  // a zoe, b yann, c xena
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("d", "walt")));
  GP_ASSERT_OK(this->store().SetGuestExpiry("a", 500, 1));
  GP_ASSERT_OK(this->store().SetGuestExpiry("b", 300, 1));
  GP_ASSERT_OK(this->store().SetGuestExpiry("c", 900, 1));  // not yet
  GP_ASSERT_OK(this->store().SetGuestExpiry("d", 100, 1));
  ASSERT_TRUE(this->store().DisableGuest("d", 2));  // expired, but disabled already

  auto expired = this->store().ListExpiredGuests(500);
  ASSERT_TRUE(expired) << expired.error().message;
  std::vector<std::string> ids;
  for (const auto& guest : *expired) ids.push_back(guest.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ((*expired)[0].expires_at, std::optional<int64_t>(300));
  EXPECT_TRUE(this->store().ListExpiredGuests(299)->empty());
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
  auto& store = this->store();
  EXPECT_EQ(CodeOf(store.GetGuest("nobody")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.FindGuestByUsername("nobody")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.SetGuestDisplayName("nobody", "Name", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.SetGuestPassword("nobody", "hash", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.RehashGuestPassword("nobody", "old", "new", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.SetGuestPersonId("nobody", "person", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.EnableGuest("nobody", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.DisableGuest("nobody", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.DeleteGuest("nobody", 1)), ErrorCode::kNotFound);
  EXPECT_TRUE(store.ListGuests()->empty());
  EXPECT_TRUE(this->Jobs().empty());
}

TYPED_TEST_P(StorageSuite, ListGuestsIsOrderedByUsername) {
  this->AddGuests();
  auto guests = this->store().ListGuests();
  ASSERT_TRUE(guests);
  std::vector<std::string> names;
  for (const auto& guest : *guests) names.push_back(guest.username);
  EXPECT_EQ(names, (std::vector<std::string>{"xena", "yann", "zoe"}));
}

TYPED_TEST_P(StorageSuite, NarrowUpdatesWriteOneFieldAndTheTime) {
  GuestRecord guest = MakeGuest("g1", "alice");
  guest.webex_person_id = "person-1";
  GP_ASSERT_OK(this->store().CreateGuest(guest));

  GP_ASSERT_OK(this->store().SetGuestDisplayName("g1", "Alice A.", 2000));
  auto found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->display_name, "Alice A.");
  EXPECT_EQ(found->updated_at, 2000);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->password_hash, guest.password_hash);
  EXPECT_EQ(found->webex_person_id, std::optional<std::string>("person-1"));
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->created_at, 1000);

  GP_ASSERT_OK(this->store().SetGuestPersonId("g1", "person-9", 3000));
  found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->webex_person_id, std::optional<std::string>("person-9"));
  EXPECT_EQ(found->display_name, "Alice A.");
  EXPECT_EQ(found->updated_at, 3000);

  GuestRecord disabled = MakeGuest("g2", "bob");
  disabled.disabled = true;
  GP_ASSERT_OK(this->store().CreateGuest(disabled));
  GP_ASSERT_OK(this->store().EnableGuest("g2", 4000));
  found = this->store().GetGuest("g2");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->updated_at, 4000);
  EXPECT_EQ(found->display_name, disabled.display_name);
}

TYPED_TEST_P(StorageSuite, SetGuestPasswordEndsTheGuestsSessions) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().CreateSession({"a1", "guest", "a", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"a2", "guest", "a", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"b1", "guest", "b", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"admin", "admin", std::nullopt, "admin@example.com", "c", 0, 100}));

  GP_ASSERT_OK(this->store().SetGuestPassword("a", "new-hash", 2000));

  auto a = this->store().GetGuest("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->password_hash, "new-hash");
  EXPECT_EQ(a->updated_at, 2000);
  EXPECT_EQ(CodeOf(this->store().GetSession("a1")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().GetSession("a2")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().GetSession("b1"));
  EXPECT_TRUE(this->store().GetSession("admin"));
  EXPECT_EQ(this->store().GetGuest("b")->password_hash, MakeGuest("b", "yann").password_hash);
}

TYPED_TEST_P(StorageSuite, RehashGuestPasswordNeverOverwritesAChangedHash) {
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("g1", "alice")));
  const std::string original = MakeGuest("g1", "alice").password_hash;
  GP_ASSERT_OK(this->store().CreateSession({"s1", "guest", "g1", std::nullopt, "c", 0, 100}));

  auto wrote = this->store().RehashGuestPassword("g1", original, "rehashed", 2000);
  ASSERT_TRUE(wrote) << wrote.error().message;
  EXPECT_TRUE(*wrote);
  EXPECT_EQ(this->store().GetGuest("g1")->password_hash, "rehashed");
  EXPECT_EQ(this->store().GetGuest("g1")->updated_at, 2000);
  // A rehash happens at sign-in: it keeps the sessions.
  EXPECT_TRUE(this->store().GetSession("s1"));

  // The password changed meanwhile: a rehash of the old one must not bring it back.
  GP_ASSERT_OK(this->store().SetGuestPassword("g1", "changed", 3000));
  wrote = this->store().RehashGuestPassword("g1", "rehashed", "stale-rehash", 4000);
  ASSERT_TRUE(wrote) << wrote.error().message;
  EXPECT_FALSE(*wrote);
  auto found = this->store().GetGuest("g1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->password_hash, "changed");
  EXPECT_EQ(found->updated_at, 3000);
}

TYPED_TEST_P(StorageSuite, ADisabledGuestStaysDisabledUntilEnabled) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  GP_ASSERT_OK(this->store().DisableGuest("a", 2000));
  // No other update turns the flag back, as a whole-row write of an older read would.
  GP_ASSERT_OK(this->store().SetGuestDisplayName("a", "Renamed", 2100));
  GP_ASSERT_OK(this->store().SetGuestPassword("a", "new-hash", 2200));
  ASSERT_TRUE(this->store().RehashGuestPassword("a", "new-hash", "rehashed", 2300));
  GP_ASSERT_OK(this->store().SetGuestPersonId("a", "person-a2", 2400));
  auto again = this->store().DisableGuest("a", 2500);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->closed_space_ids.empty());
  EXPECT_EQ(again->jobs_queued, 0);
  auto found = this->store().GetGuest("a");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->disabled);
  EXPECT_EQ(found->display_name, "Renamed");
  EXPECT_EQ(found->password_hash, "rehashed");

  GP_ASSERT_OK(this->store().EnableGuest("a", 3000));
  EXPECT_FALSE(this->store().GetGuest("a")->disabled);
  // Enabling does not reopen what disabling closed.
  EXPECT_EQ(this->store().GetSpace("s1")->closed_at, std::optional<int64_t>(2000));
  EXPECT_EQ(this->Jobs().size(), 2u);
}

TYPED_TEST_P(StorageSuite, DisableGuestEndsSessionsClosesTheirSpacesAndQueuesRemovals) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}, 500));
  SpaceRecord ab = MakeSpace("s1", {"a", "b"});
  ab.membership_ids = {{"a", "mem-a"}, {"b", "mem-b"}};
  GP_ASSERT_OK(this->store().CreateSpace(ab));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s2", {"c", "a"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s3", {"b", "c"})));
  SpaceRecord closed = MakeSpace("s4", {"a", "b", "c"});
  closed.closed_at = 300;
  GP_ASSERT_OK(this->store().CreateSpace(closed));
  GP_ASSERT_OK(this->store().CreateSession({"a1", "guest", "a", std::nullopt, "c", 0, 9000}));
  GP_ASSERT_OK(this->store().CreateSession({"b1", "guest", "b", std::nullopt, "c", 0, 9000}));

  auto closure = this->store().DisableGuest("a", 700);
  ASSERT_TRUE(closure) << closure.error().message;

  EXPECT_EQ(closure->closed_space_ids, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(closure->jobs_queued, 3);
  // One job per member with a Webex person id (c has none); the membership id when it is known.
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{
                              "remove_membership room-s1 person=person-a membership=mem-a space=s1 due=700",
                              "remove_membership room-s1 person=person-b membership=mem-b space=s1 due=700",
                              "remove_membership room-s2 person=person-a space=s2 due=700",
                          }));
  auto jobs = this->store().ListWebexJobs();
  ASSERT_TRUE(jobs);
  ASSERT_FALSE(jobs->empty());
  EXPECT_GT(jobs->front().id, 0);
  EXPECT_EQ(jobs->front().attempts, 0);
  EXPECT_EQ(jobs->front().claimed_until, 0);
  EXPECT_EQ(jobs->front().last_error, "");
  EXPECT_EQ(jobs->front().created_at, 700);

  EXPECT_EQ(this->store().GetSpace("s1")->closed_at, std::optional<int64_t>(700));
  EXPECT_EQ(this->store().GetSpace("s2")->closed_at, std::optional<int64_t>(700));
  EXPECT_EQ(this->store().GetSpace("s3")->closed_at, std::nullopt);
  EXPECT_EQ(this->store().GetSpace("s4")->closed_at, std::optional<int64_t>(300));
  EXPECT_EQ(CodeOf(this->store().GetSession("a1")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().GetSession("b1"));
  auto a = this->store().GetGuest("a");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->disabled);
  EXPECT_EQ(a->updated_at, 700);
  // The pairs stay: disabling is undone by enabling.
  EXPECT_EQ(this->store().ListPairs()->size(), 3u);
}

TYPED_TEST_P(StorageSuite, DeleteGuestClosesTheirSpacesThenTakesPairsSessionsAndToken) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}, 500));
  GP_ASSERT_OK(this->store().CreateSession({"hash-a", "guest", "a", std::nullopt, "csrf", 1, 100}));
  GP_ASSERT_OK(this->store().CreateSession({"hash-b", "guest", "b", std::nullopt, "csrf", 1, 100}));
  GP_ASSERT_OK(this->store().SaveGuestToken({"a", "cipher-a", 100}));
  GP_ASSERT_OK(this->store().SaveGuestToken({"b", "cipher-b", 100}));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s2", {"b", "c"})));

  auto closure = this->store().DeleteGuest("a", 700);
  ASSERT_TRUE(closure) << closure.error().message;

  EXPECT_EQ(closure->closed_space_ids, (std::vector<std::string>{"s1"}));
  EXPECT_EQ(closure->jobs_queued, 2);
  // The deleted guest's own membership is among them: it was read before the row went.
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{"remove_membership room-s1 person=person-a space=s1 due=700",
                                                    "remove_membership room-s1 person=person-b space=s1 due=700"}));
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
  EXPECT_EQ(space->closed_at, std::optional<int64_t>(700));
  EXPECT_EQ(space->member_names, (std::map<std::string, std::string>{{"b", "Guest yann"}}));
  EXPECT_EQ(this->store().GetSpace("s2")->closed_at, std::nullopt);
}

// ---- Allowed pairs ----

TYPED_TEST_P(StorageSuite, ReplacePairsNormalisesAndReplaces) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().ReplacePairs({{"c", "a"}, {"a", "c"}, {"b", "a"}}, 500));
  auto pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"a", "b"}, {"a", "c"}}));
  EXPECT_TRUE(*this->store().IsPairAllowed("a", "c"));
  EXPECT_TRUE(*this->store().IsPairAllowed("c", "a"));
  EXPECT_FALSE(*this->store().IsPairAllowed("b", "c"));

  GP_ASSERT_OK(this->store().ReplacePairs({{"c", "b"}}, 600));
  pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"b", "c"}}));
  EXPECT_FALSE(*this->store().IsPairAllowed("a", "b"));

  GP_ASSERT_OK(this->store().ReplacePairs({}, 700));
  EXPECT_TRUE(this->store().ListPairs()->empty());
}

TYPED_TEST_P(StorageSuite, ReplacePairsWithABadPairChangesNothing) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}}, 500));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  // Each would revoke a-b, and the bad pair comes after valid ones.
  auto unknown = this->store().ReplacePairs({{"b", "c"}, {"a", "c"}, {"a", "ghost"}}, 600);
  EXPECT_EQ(CodeOf(unknown), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(this->store().ReplacePairs({{"b", "c"}, {"c", "c"}}, 600)), ErrorCode::kBadRequest);
  auto pairs = this->store().ListPairs();
  ASSERT_TRUE(pairs);
  EXPECT_EQ(*pairs, (std::vector<PairRecord>{{"a", "b"}}));
  EXPECT_EQ(this->store().GetSpace("s1")->closed_at, std::nullopt);
  EXPECT_TRUE(this->Jobs().empty());
}

TYPED_TEST_P(StorageSuite, ReplacePairsClosesTheOpenSpacesOfRevokedPairs) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}, 500));
  SpaceRecord ab = MakeSpace("ab", {"b", "a"});
  ab.membership_ids = {{"b", "mem-b"}};
  GP_ASSERT_OK(this->store().CreateSpace(ab));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("abc", {"a", "b", "c"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("bc", {"b", "c"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("ac", {"a", "c"})));

  auto closure = this->store().ReplacePairs({{"c", "b"}, {"a", "c"}}, 800);  // a-b is revoked
  ASSERT_TRUE(closure) << closure.error().message;

  EXPECT_EQ(closure->closed_space_ids, (std::vector<std::string>{"ab", "abc"}));
  EXPECT_EQ(closure->jobs_queued, 4);
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{
                              "remove_membership room-ab person=person-b membership=mem-b space=ab due=800",
                              "remove_membership room-ab person=person-a space=ab due=800",
                              "remove_membership room-abc person=person-a space=abc due=800",
                              "remove_membership room-abc person=person-b space=abc due=800",
                          }));
  EXPECT_EQ(this->store().GetSpace("ab")->closed_at, std::optional<int64_t>(800));
  EXPECT_EQ(this->store().GetSpace("abc")->closed_at, std::optional<int64_t>(800));
  EXPECT_EQ(this->store().GetSpace("bc")->closed_at, std::nullopt);
  EXPECT_EQ(this->store().GetSpace("ac")->closed_at, std::nullopt);
  EXPECT_EQ(*this->store().ListPairs(), (std::vector<PairRecord>{{"a", "c"}, {"b", "c"}}));

  // Nothing more is revoked: nothing closes.
  auto same = this->store().ReplacePairs({{"a", "c"}, {"b", "c"}}, 900);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->closed_space_ids.empty());
  EXPECT_EQ(same->jobs_queued, 0);
  EXPECT_EQ(this->Jobs().size(), 4u);
}

TYPED_TEST_P(StorageSuite, ChangePairsAddsRemovesAndClosesTheSpacesOfRemovedPairs) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}}, 500));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("ab", {"b", "a"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("bc", {"b", "c"})));

  // b-a is removed (given in either order), a-c is not there (not an error), a-c is added, b-c kept.
  auto change = this->store().ChangePairs({{"c", "a"}, {"b", "c"}}, {{"b", "a"}, {"a", "a"}}, 800);
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_EQ(change->added, (std::vector<PairRecord>{{"a", "c"}}));
  EXPECT_EQ(change->removed, (std::vector<PairRecord>{{"a", "b"}}));
  EXPECT_EQ(change->closure.closed_space_ids, (std::vector<std::string>{"ab"}));
  EXPECT_EQ(change->closure.jobs_queued, 2);
  EXPECT_EQ(this->store().GetSpace("ab")->closed_at, std::optional<int64_t>(800));
  EXPECT_EQ(this->store().GetSpace("bc")->closed_at, std::nullopt);
  EXPECT_EQ(*this->store().ListPairs(), (std::vector<PairRecord>{{"a", "c"}, {"b", "c"}}));

  // Removing what is not there changes nothing.
  auto none = this->store().ChangePairs({}, {{"a", "b"}}, 900);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->removed.empty());
  EXPECT_TRUE(none->closure.closed_space_ids.empty());

  // A bad pair to add changes nothing, not even the removal asked with it.
  EXPECT_EQ(CodeOf(this->store().ChangePairs({{"a", "ghost"}}, {{"b", "c"}}, 1000)), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(this->store().ChangePairs({{"c", "c"}}, {{"b", "c"}}, 1000)), ErrorCode::kBadRequest);
  EXPECT_EQ(*this->store().ListPairs(), (std::vector<PairRecord>{{"a", "c"}, {"b", "c"}}));
  EXPECT_EQ(this->store().GetSpace("bc")->closed_at, std::nullopt);
}

TYPED_TEST_P(StorageSuite, AddPairsKeepsTheSetAndCountsWhatIsNew) {
  this->AddGuests();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}}, 500));
  auto added = this->store().AddPairs({{"b", "a"}, {"c", "a"}, {"a", "c"}});
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(*added, 1);
  EXPECT_EQ(*this->store().ListPairs(), (std::vector<PairRecord>{{"a", "b"}, {"a", "c"}}));

  EXPECT_EQ(CodeOf(this->store().AddPairs({{"b", "c"}, {"c", "c"}})), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(this->store().AddPairs({{"b", "c"}, {"b", "ghost"}})), ErrorCode::kBadRequest);
  EXPECT_EQ(*this->store().ListPairs(), (std::vector<PairRecord>{{"a", "b"}, {"a", "c"}}));
  EXPECT_EQ(*this->store().AddPairs({}), 0);
}

// ---- Directory version and journal ----

// The directory version now and this storage's chain of changes since `since`.
inline DirectoryDelta DirectoryOf(Storage& storage, int64_t since) {
  auto delta = storage.DirectoryChangesSince(since);
  EXPECT_TRUE(delta) << delta.error().message;
  return delta.value_or(DirectoryDelta{});
}

inline int64_t DirectoryVersionOf(Storage& storage) {
  auto delta = storage.DirectoryChangesSince(0);
  EXPECT_TRUE(delta) << delta.error().message;
  return delta ? delta->version : -1;
}

TYPED_TEST_P(StorageSuite, DirectoryVersionMovesWithGuestsAndPairsOnly) {
  Storage& store = this->store();
  int64_t version = DirectoryVersionOf(store);
  // Each kind of change to a guest or the pairs moves it.
  auto moved = [&](const char* what) {
    const int64_t now = DirectoryVersionOf(store);
    EXPECT_GT(now, version) << what;
    version = now;
  };
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("a", "zoe")));
  moved("CreateGuest");
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("b", "yann")));
  moved("CreateGuest");
  GP_ASSERT_OK(store.SetGuestDisplayName("a", "Zoe", 1100));
  moved("SetGuestDisplayName");
  GP_ASSERT_OK(store.SetGuestPassword("a", "hash-2", 1100));
  moved("SetGuestPassword");
  ASSERT_EQ(store.RehashGuestPassword("a", "hash-2", "hash-3", 1100), true);
  moved("RehashGuestPassword");
  GP_ASSERT_OK(store.SetGuestPersonId("a", "person-a", 1100));
  moved("SetGuestPersonId");
  GP_ASSERT_OK(store.SetGuestMustChangePassword("a", true, 1100));
  moved("SetGuestMustChangePassword");
  GP_ASSERT_OK(store.SetGuestExpiry("a", 5000, 1100));
  moved("SetGuestExpiry");
  GP_ASSERT_OK(store.ChangeGuestPassword("a", "hash-4", "none", 1100));
  moved("ChangeGuestPassword");
  GP_ASSERT_OK(store.DisableGuest("a", 1100));
  moved("DisableGuest");
  GP_ASSERT_OK(store.EnableGuest("a", 1100));
  moved("EnableGuest");
  GP_ASSERT_OK(store.AddPairs({{"b", "a"}}));
  moved("AddPairs");
  GP_ASSERT_OK(store.ChangePairs({}, {{"a", "b"}}, 1100));
  moved("ChangePairs");
  GP_ASSERT_OK(store.ReplacePairs({{"a", "b"}}, 1100));
  moved("ReplacePairs");

  // Sessions, audit, spaces, settings, tokens and jobs leave it alone (while the data version
  // moves).
  auto data_before = store.Version();
  ASSERT_TRUE(data_before);
  GP_ASSERT_OK(store.CreateSession({"s1", "guest", "a", std::nullopt, "c", 0, 100}));
  GP_ASSERT_OK(store.DeleteSession("s1"));
  GP_ASSERT_OK(store.AppendAudit({0, 1, "admin", "guest.update", "a", "success", ""}));
  GP_ASSERT_OK(store.CreateSpace(MakeSpace("s1", {"a", "b"})));
  GP_ASSERT_OK(store.CloseSpace("s1", 1200));
  GP_ASSERT_OK(store.PutSetting("k", "v"));
  GP_ASSERT_OK(store.SaveGuestToken({"a", "cipher-a", 100}));
  GP_ASSERT_OK(store.QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-x", 100)));
  auto data_after = store.Version();
  ASSERT_TRUE(data_after);
  EXPECT_NE(*data_after, *data_before);
  EXPECT_EQ(DirectoryVersionOf(store), version);

  GP_ASSERT_OK(store.DeleteGuest("b", 1300));
  moved("DeleteGuest");
}

TYPED_TEST_P(StorageSuite, DirectoryChangesSinceIsTheChainOfThisStoragesChanges) {
  Storage& store = this->store();
  this->AddGuests();
  GP_ASSERT_OK(store.CreateGuest(MakeGuest("d", "walt")));
  const int64_t v0 = DirectoryVersionOf(store);
  GP_ASSERT_OK(store.SetGuestDisplayName("a", "Zoe", 1100));
  GP_ASSERT_OK(store.AddPairs({{"b", "a"}, {"a", "c"}, {"a", "b"}}));
  // (a, b) is there already and (b, d) is not: only (c, d) is added and (a, c) removed.
  GP_ASSERT_OK(store.ChangePairs({{"a", "b"}, {"d", "c"}}, {{"c", "a"}, {"b", "d"}}, 1100));
  GP_ASSERT_OK(store.ReplacePairs({{"b", "a"}, {"c", "b"}}, 1100));
  GP_ASSERT_OK(store.DeleteGuest("b", 1100));

  DirectoryDelta delta = DirectoryOf(store, v0);
  ASSERT_TRUE(delta.changes);
  const auto& chain = *delta.changes;
  ASSERT_EQ(chain.size(), 5U);
  int64_t at = v0;
  for (const auto& change : chain) {
    EXPECT_EQ(change.before, at);
    EXPECT_GT(change.after, change.before);
    at = change.after;
  }
  EXPECT_EQ(at, delta.version);
  using Pairs = std::vector<PairRecord>;
  using Ids = std::vector<std::string>;
  EXPECT_EQ(chain[0].guests, Ids{"a"});
  EXPECT_TRUE(chain[0].added.empty() && chain[0].removed.empty());
  EXPECT_TRUE(chain[1].guests.empty());
  EXPECT_EQ(chain[1].added, (Pairs{{"a", "b"}, {"a", "c"}}));
  EXPECT_TRUE(chain[1].removed.empty());
  EXPECT_EQ(chain[2].added, (Pairs{{"c", "d"}}));
  EXPECT_EQ(chain[2].removed, (Pairs{{"a", "c"}}));
  EXPECT_EQ(chain[3].added, (Pairs{{"b", "c"}}));
  EXPECT_EQ(chain[3].removed, (Pairs{{"c", "d"}}));
  // A deleted guest's pairs go with it, implied by the guest's id.
  EXPECT_EQ(chain[4].guests, Ids{"b"});
  EXPECT_TRUE(chain[4].added.empty() && chain[4].removed.empty());

  // A later start gives the tail; the current version, nothing.
  DirectoryDelta tail = DirectoryOf(store, chain[2].after);
  ASSERT_TRUE(tail.changes);
  EXPECT_EQ(*tail.changes, (std::vector<DirectoryChange>{chain[3], chain[4]}));
  DirectoryDelta none = DirectoryOf(store, delta.version);
  ASSERT_TRUE(none.changes);
  EXPECT_TRUE(none.changes->empty());
  EXPECT_EQ(none.version, delta.version);
  // A version this database never had: no chain.
  EXPECT_FALSE(DirectoryOf(store, delta.version + 1).changes);

  // A change that changes nothing (an existing pair added, a missing one removed, a rehash that
  // lost the race) leaves the chain whole and names nothing new.
  GP_ASSERT_OK(store.ChangePairs({{"c", "a"}}, {}, 1100));  // (a, c) back
  const int64_t v1 = DirectoryVersionOf(store);
  GP_ASSERT_OK(store.ChangePairs({{"a", "c"}}, {{"a", "d"}}, 1100));
  ASSERT_EQ(store.RehashGuestPassword("a", "not-the-hash", "hash-x", 1100), false);
  DirectoryDelta quiet = DirectoryOf(store, v1);
  ASSERT_TRUE(quiet.changes);
  for (const auto& change : *quiet.changes) {
    EXPECT_TRUE(change.added.empty());
    EXPECT_TRUE(change.removed.empty());
  }
}

TYPED_TEST_P(StorageSuite, AFailedDirectoryWriteRecordsNothing) {
  Storage& store = this->store();
  this->AddGuests();
  GP_ASSERT_OK(store.AddPairs({{"a", "b"}}));
  const int64_t v0 = DirectoryVersionOf(store);
  EXPECT_EQ(CodeOf(store.CreateGuest(MakeGuest("x", "zoe"))), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(store.ChangePairs({{"a", "nobody"}}, {{"a", "b"}}, 1100)),
            ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(store.AddPairs({{"a", "c"}, {"c", "c"}})), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(store.ReplacePairs({{"b", "c"}, {"b", "nobody"}}, 1100)),
            ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(store.SetGuestDisplayName("nobody", "X", 1100)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.EnableGuest("nobody", 1100)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.DeleteGuest("nobody", 1100)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store.RehashGuestPassword("nobody", "h", "h2", 1100)), ErrorCode::kNotFound);
  DirectoryDelta delta = DirectoryOf(store, v0);
  EXPECT_EQ(delta.version, v0);
  ASSERT_TRUE(delta.changes);
  EXPECT_TRUE(delta.changes->empty());
  EXPECT_EQ(*store.ListPairs(), (std::vector<PairRecord>{{"a", "b"}}));
  // The next change chains on from v0.
  GP_ASSERT_OK(store.EnableGuest("c", 1100));
  DirectoryDelta next = DirectoryOf(store, v0);
  ASSERT_TRUE(next.changes);
  ASSERT_EQ(next.changes->size(), 1U);
  EXPECT_EQ(next.changes->front().guests, std::vector<std::string>{"c"});
}

TYPED_TEST_P(StorageSuite, AChangeFromElsewhereChainsThroughTheDatabase) {
  Storage& first = this->store();
  auto opened = this->backend_.Open();
  ASSERT_TRUE(opened) << opened.error().message;
  Storage& second = **opened;
  const int64_t v0 = DirectoryVersionOf(first);
  GP_ASSERT_OK(first.CreateGuest(MakeGuest("a", "zoe")));
  const int64_t v1 = DirectoryVersionOf(first);
  EXPECT_EQ(DirectoryVersionOf(second), v1);
  GP_ASSERT_OK(second.CreateGuest(MakeGuest("b", "yann")));
  GP_ASSERT_OK(second.AddPairs({{"a", "b"}}));
  const int64_t v2 = DirectoryVersionOf(second);

  // The first follows the second's steps from the table directory_changes, in order.
  DirectoryDelta from_first = DirectoryOf(first, v0);
  EXPECT_EQ(from_first.version, v2);
  ASSERT_TRUE(from_first.changes);
  ASSERT_EQ(from_first.changes->size(), 3U);
  EXPECT_EQ(from_first.changes->at(0).guests, std::vector<std::string>{"a"});
  EXPECT_EQ(from_first.changes->at(1).guests, std::vector<std::string>{"b"});
  EXPECT_EQ(from_first.changes->at(2).added, (std::vector<PairRecord>{{"a", "b"}}));
  EXPECT_EQ(from_first.changes->back().after, v2);
  auto from_v1 = DirectoryOf(first, v1).changes;
  ASSERT_TRUE(from_v1);
  EXPECT_EQ(from_v1->size(), 2U);
  // The second's from its own memory and from the table alike.
  DirectoryDelta from_second = DirectoryOf(second, v0);
  ASSERT_TRUE(from_second.changes);
  EXPECT_EQ(*from_second.changes, *from_first.changes);

  // A statement that did not go through Storage (a hand-made fix, another build) moves it with no
  // journaled step: neither can follow it.
  this->backend_.Execute("UPDATE guests SET display_name = 'Zoe by hand' WHERE id = 'a'");
  const int64_t v3 = DirectoryVersionOf(first);
  EXPECT_GT(v3, v2);
  EXPECT_FALSE(DirectoryOf(second, v1).changes);
  EXPECT_FALSE(DirectoryOf(first, v0).changes);
  EXPECT_FALSE(DirectoryOf(first, v2).changes);
  this->backend_.Execute("DELETE FROM allowed_pairs");
  EXPECT_GT(DirectoryVersionOf(second), v3);
  // From where things stand now, the first's own next change is a whole chain again.
  const int64_t v4 = DirectoryVersionOf(second);
  GP_ASSERT_OK(first.EnableGuest("a", 1100));
  DirectoryDelta again = DirectoryOf(first, v4);
  ASSERT_TRUE(again.changes);
  ASSERT_EQ(again.changes->size(), 1U);
  EXPECT_EQ(again.changes->front().guests, std::vector<std::string>{"a"});
}

// The table keeps the newest 1024 steps: a reader further behind than that rebuilds.
TYPED_TEST_P(StorageSuite, TheJournalTableKeepsTheNewest1024Steps) {
  Storage& reader = this->store();
  auto opened = this->backend_.Open();
  ASSERT_TRUE(opened) << opened.error().message;
  Storage& writer = **opened;
  GP_ASSERT_OK(writer.CreateGuest(MakeGuest("a", "zoe")));
  const int64_t v0 = DirectoryVersionOf(reader);
  for (int i = 0; i < 1030; ++i) GP_ASSERT_OK(writer.SetGuestDisplayName("a", "Zoe " + std::to_string(i), 1100));
  const int64_t now = DirectoryVersionOf(reader);
  ASSERT_EQ(now, v0 + 1030);
  EXPECT_FALSE(DirectoryOf(reader, v0).changes);
  auto recent = DirectoryOf(reader, now - 1000).changes;
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->size(), 1000U);
  EXPECT_TRUE(DirectoryOf(reader, now - 1024).changes);
  EXPECT_FALSE(DirectoryOf(reader, now - 1025).changes);
}

TYPED_TEST_P(StorageSuite, DeletingAPairedGuestIsOneChangeNamingTheGuest) {
  Storage& store = this->store();
  this->AddGuests();
  GP_ASSERT_OK(store.AddPairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}));
  const int64_t v0 = DirectoryVersionOf(store);
  GP_ASSERT_OK(store.DeleteGuest("b", 1100));
  DirectoryDelta delta = DirectoryOf(store, v0);
  EXPECT_GT(delta.version, v0);
  ASSERT_TRUE(delta.changes);
  ASSERT_EQ(delta.changes->size(), 1U);
  const DirectoryChange& change = delta.changes->front();
  EXPECT_EQ(change.before, v0);
  EXPECT_EQ(change.after, delta.version);
  EXPECT_EQ(change.guests, std::vector<std::string>{"b"});
  EXPECT_TRUE(change.added.empty());
  EXPECT_TRUE(change.removed.empty());
  EXPECT_EQ(*store.ListPairs(), (std::vector<PairRecord>{{"a", "c"}}));
}

// 8 threads, 50 changes each, on one storage: the chain from the start is complete, in order, and
// holds exactly what each thread did. Each thread owns guests x<t> and y<t> and, in turn, enables
// x<t>, adds the pair (x<t>, y<t>) and removes it, so that every call changes something.
TYPED_TEST_P(StorageSuite, ConcurrentDirectoryWritesFormOneCompleteChain) {
  Storage& store = this->store();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  for (int t = 0; t < kThreads; ++t) {
    GP_ASSERT_OK(
        store.CreateGuest(MakeGuest("x" + std::to_string(t), "x-user-" + std::to_string(t))));
    GP_ASSERT_OK(
        store.CreateGuest(MakeGuest("y" + std::to_string(t), "y-user-" + std::to_string(t))));
  }
  const int64_t v0 = DirectoryVersionOf(store);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &failures, t] {
      const std::string x = "x" + std::to_string(t);
      const std::string y = "y" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        bool ok = true;
        if (i % 3 == 0) {
          ok = store.EnableGuest(x, 1100).has_value();
        } else if (i % 3 == 1) {
          auto change = store.ChangePairs({{y, x}}, {}, 1100);
          ok = change && change->added.size() == 1;
        } else {
          auto change = store.ChangePairs({}, {{x, y}}, 1100);
          ok = change && change->removed.size() == 1;
        }
        if (!ok) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  DirectoryDelta delta = DirectoryOf(store, v0);
  ASSERT_TRUE(delta.changes);
  const auto& chain = *delta.changes;
  ASSERT_EQ(chain.size(), static_cast<size_t>(kThreads * kEach));
  int64_t at = v0;
  std::map<std::string, int> enabled;
  std::map<PairRecord, int> added;
  std::map<PairRecord, int> removed;
  for (const auto& change : chain) {
    EXPECT_EQ(change.before, at);
    EXPECT_GT(change.after, change.before);
    at = change.after;
    for (const auto& id : change.guests) ++enabled[id];
    for (const auto& pair : change.added) ++added[pair];
    for (const auto& pair : change.removed) ++removed[pair];
  }
  EXPECT_EQ(at, delta.version);
  for (int t = 0; t < kThreads; ++t) {
    const std::string x = "x" + std::to_string(t);
    const PairRecord pair{x, "y" + std::to_string(t)};
    EXPECT_EQ(enabled[x], (kEach + 2) / 3) << x;
    EXPECT_EQ(added[pair], (kEach + 1) / 3) << x;
    EXPECT_EQ(removed[pair], kEach / 3) << x;
  }
  EXPECT_EQ(enabled.size() + added.size(), static_cast<size_t>(2 * kThreads));
}

// Two storages on one database (two instances) writing at once: each follows the other's steps from
// the table, and no chain ever skips or garbles a step. Every call below moves the version by exactly
// one (one row, one statement), so a chain that hid a step would have a step longer than one, or
// fewer steps than the version moved; and each step names exactly the pair its writer changed.
TYPED_TEST_P(StorageSuite, AChainNeverSkipsAnotherInstancesChange) {
  auto opened = this->backend_.Open();
  ASSERT_TRUE(opened) << opened.error().message;
  std::array<Storage*, 2> stores = {&this->store(), opened->get()};
  constexpr int kThreadsEach = 3;
  constexpr int kEach = 30;
  for (int s = 0; s < 2; ++s) {
    for (int t = 0; t < kThreadsEach; ++t) {
      const std::string tag = std::to_string(s) + "-" + std::to_string(t);
      GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("x" + tag, "x-user-" + tag)));
      GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("y" + tag, "y-user-" + tag)));
    }
  }
  const int64_t v0 = DirectoryVersionOf(this->store());
  std::atomic<int> failures{0};
  std::atomic<int> chains_seen{0};
  std::atomic<int> chains_refused{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < 2; ++s) {
    for (int t = 0; t < kThreadsEach; ++t) {
      threads.emplace_back([&, s, t] {
        Storage& store = *stores[s];
        const std::string tag = std::to_string(s) + "-" + std::to_string(t);
        const PairRecord pair{"x" + tag, "y" + tag};
        int64_t since = v0;
        for (int i = 0; i < kEach; ++i) {
          auto change = i % 2 == 0 ? store.ChangePairs({pair}, {}, 1100)
                                   : store.ChangePairs({}, {pair}, 1100);
          if (!change || change->added.size() + change->removed.size() != 1) ++failures;
          auto delta = store.DirectoryChangesSince(since);
          if (!delta) {
            ++failures;
            continue;
          }
          if (delta->changes) {
            ++chains_seen;
            EXPECT_EQ(static_cast<int64_t>(delta->changes->size()), delta->version - since);
            for (const auto& step : *delta->changes) {
              EXPECT_EQ(step.after - step.before, 1) << "storage " << s;
              // Each step is one pair change of one writer, whichever storage made it.
              EXPECT_EQ(step.added.size() + step.removed.size(), 1U);
              for (const auto& p : step.added) EXPECT_EQ(p.second, "y" + p.first.substr(1));
              for (const auto& p : step.removed) EXPECT_EQ(p.second, "y" + p.first.substr(1));
            }
          } else {
            ++chains_refused;
          }
          since = delta->version;
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Every call moved the version once, and all of them were counted.
  EXPECT_EQ(DirectoryVersionOf(this->store()), v0 + 2 * kThreadsEach * kEach);
  EXPECT_GT(chains_seen.load(), 0);
  // Every step up to a version read is committed with its row, so no chain is ever missing one.
  EXPECT_EQ(chains_refused.load(), 0);
  // The first's chain from the start holds every step of both, each once.
  auto all = DirectoryOf(this->store(), v0).changes;
  ASSERT_TRUE(all);
  EXPECT_EQ(static_cast<int64_t>(all->size()), 2 * kThreadsEach * kEach);
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

TYPED_TEST_P(StorageSuite, CloseSpaceQueuesMembershipRemovalsOnce) {
  this->AddPeople();
  SpaceRecord space = MakeSpace("s1", {"c", "a", "b"});
  space.membership_ids = {{"b", "mem-b"}, {"c", "mem-c"}};
  GP_ASSERT_OK(this->store().CreateSpace(space));

  auto closure = this->store().CloseSpace("s1", 500);
  ASSERT_TRUE(closure) << closure.error().message;
  EXPECT_EQ(closure->closed_space_ids, (std::vector<std::string>{"s1"}));
  EXPECT_EQ(closure->jobs_queued, 2);
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{
                              "remove_membership room-s1 person=person-a space=s1 due=500",
                              "remove_membership room-s1 person=person-b membership=mem-b space=s1 due=500",
                          }));

  // A closed space keeps its first close time and queues nothing more.
  auto again = this->store().CloseSpace("s1", 900);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->closed_space_ids.empty());
  EXPECT_EQ(again->jobs_queued, 0);
  EXPECT_EQ(this->Jobs().size(), 2u);
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

// ---- Messaging ----

TYPED_TEST_P(StorageSuite, EachMessageIsRecordedOnceAndMovesTheSpaceForwardOnly) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"}, 100, 100)));
  auto first = this->store().RecordSpaceMessage({"m2", "s1", 500'000, 10});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  auto again = this->store().RecordSpaceMessage({"m2", "s1", 500'000, 11});
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  // An older message learned late is recorded but leaves the newest in place.
  auto older = this->store().RecordSpaceMessage({"m1", "s1", 400'000, 12});
  ASSERT_TRUE(older);
  EXPECT_TRUE(*older);
  auto space = this->store().GetSpace("s1");
  ASSERT_TRUE(space);
  EXPECT_EQ(space->last_message_id, "m2");
  EXPECT_EQ(space->last_message_ms, 500'000);
  EXPECT_EQ(space->last_activity, 500);
  EXPECT_EQ(*this->store().GetSpaceMessageTime("s1", "m1"), 400'000);
  EXPECT_EQ(CodeOf(this->store().GetSpaceMessageTime("s1", "m9")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().RecordSpaceMessage({"m3", "nope", 1, 1})), ErrorCode::kNotFound);

  // Forgetting old records keeps the space's last message.
  auto forgotten = this->store().DeleteSpaceMessagesSeenBefore(12);
  ASSERT_TRUE(forgotten);
  EXPECT_EQ(*forgotten, 1);
  EXPECT_EQ(CodeOf(this->store().GetSpaceMessageTime("s1", "m2")), ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetSpace("s1")->last_message_id, "m2");
}

TYPED_TEST_P(StorageSuite, ReadMarksMoveForwardAndShowInTheGuestsList) {
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("a", "ann")));
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("b", "ben")));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"}, 100, 100)));
  auto mark_of = [this](const std::string& guest) {
    auto spaces = this->store().ListSpacesForGuest(guest);
    EXPECT_TRUE(spaces && spaces->size() == 1);
    return spaces && !spaces->empty() ? spaces->front().read_mark_ms : std::optional<int64_t>(-1);
  };
  EXPECT_EQ(mark_of("a"), std::nullopt);
  GP_ASSERT_OK(this->store().SetReadMark("a", "s1", "m2", 2000));
  GP_ASSERT_OK(this->store().SetReadMark("a", "s1", "m1", 1000));
  EXPECT_EQ(mark_of("a"), 2000);
  EXPECT_EQ(mark_of("b"), std::nullopt);
  GP_ASSERT_OK(this->store().SetReadMark("a", "s1", "m3", 3000));
  EXPECT_EQ(mark_of("a"), 3000);
  EXPECT_EQ(CodeOf(this->store().SetReadMark("a", "nope", "m1", 1)), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(this->store().SetReadMark("zed", "s1", "m1", 1)), ErrorCode::kBadRequest);
}

TYPED_TEST_P(StorageSuite, SpacesAreFoundByRoomAndGuestsByPerson) {
  GuestRecord ann = MakeGuest("a", "ann");
  ann.webex_person_id = "person-a";
  GP_ASSERT_OK(this->store().CreateGuest(ann));
  GP_ASSERT_OK(this->store().CreateGuest(MakeGuest("b", "ben")));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  auto space = this->store().FindSpaceByRoom("room-s1");
  ASSERT_TRUE(space) << space.error().message;
  EXPECT_EQ(space->id, "s1");
  EXPECT_EQ(space->member_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(CodeOf(this->store().FindSpaceByRoom("room-x")), ErrorCode::kNotFound);
  auto guest = this->store().FindGuestByPersonId("person-a");
  ASSERT_TRUE(guest);
  EXPECT_EQ(guest->id, "a");
  EXPECT_EQ(CodeOf(this->store().FindGuestByPersonId("person-x")), ErrorCode::kNotFound);

  GP_ASSERT_OK(this->store().SetSpacePolledActivity("s1", "2026-11-30T10:00:00.000Z"));
  EXPECT_EQ(this->store().GetSpace("s1")->polled_activity, "2026-11-30T10:00:00.000Z");
  EXPECT_EQ(CodeOf(this->store().SetSpacePolledActivity("nope", "x")), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, SpaceFilesAreKeptPerSpace) {
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s2", {"a", "c"})));
  GP_ASSERT_OK(this->store().SaveSpaceFile({"s1", "c1", "notes.txt", "text/plain", 12}));
  GP_ASSERT_OK(this->store().SaveSpaceFile({"s1", "c1", "notes.txt", "text/plain; charset=utf-8", 13}));
  auto file = this->store().GetSpaceFile("s1", "c1");
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->name, "notes.txt");
  EXPECT_EQ(file->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(file->size, 13);
  // A file of one space cannot be reached through another.
  EXPECT_EQ(CodeOf(this->store().GetSpaceFile("s2", "c1")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().SaveSpaceFile({"nope", "c2", "x", "y", 1})), ErrorCode::kBadRequest);
}

// ---- Space intents ----

TYPED_TEST_P(StorageSuite, SpaceIntentsRoundTripOldestFirst) {
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i1", {"b", "a"}, 100)));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i2", {"a", "c"}, 50, "room-2")));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i3", {"b", "c"}, 300)));
  EXPECT_EQ(CodeOf(this->store().SaveSpaceIntent(MakeIntent("i1", {"a", "b"}, 400))), ErrorCode::kConflict);
  GP_ASSERT_OK(this->store().SetSpaceIntentRoom("i1", "room-1"));
  EXPECT_EQ(CodeOf(this->store().SetSpaceIntentRoom("nope", "room-x")), ErrorCode::kNotFound);

  auto intents = this->store().ListSpaceIntents(100);
  ASSERT_TRUE(intents) << intents.error().message;
  ASSERT_EQ(intents->size(), 2u);
  EXPECT_EQ((*intents)[0].id, "i2");
  const SpaceIntent& i1 = (*intents)[1];
  EXPECT_EQ(i1.id, "i1");
  EXPECT_EQ(i1.member_key, "a,b");
  EXPECT_EQ(i1.title, "Intent i1");
  EXPECT_EQ(i1.created_by, "b");
  EXPECT_EQ(i1.webex_room_id, std::optional<std::string>("room-1"));
  EXPECT_EQ(i1.created_at, 100);
  EXPECT_EQ(this->IntentIds(), (std::vector<std::string>{"i2", "i1", "i3"}));
  EXPECT_TRUE(this->store().ListSpaceIntents(49)->empty());
  EXPECT_EQ(this->store().ListSpaceIntents(300)->back().webex_room_id, std::nullopt);
}

TYPED_TEST_P(StorageSuite, AbandonSpaceIntentQueuesTheDeletionOfAKnownRoom) {
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i1", {"a", "b"}, 100, "room-1")));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i2", {"a", "c"}, 100)));
  GP_ASSERT_OK(this->store().AbandonSpaceIntent("i1", 500));
  GP_ASSERT_OK(this->store().AbandonSpaceIntent("i2", 600));
  GP_ASSERT_OK(this->store().AbandonSpaceIntent("never-saved", 700));
  EXPECT_TRUE(this->IntentIds().empty());
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{"delete_room room-1 due=500"}));
}

TYPED_TEST_P(StorageSuite, IsKnownRoomLooksAtSpacesIntentsAndJobs) {
  EXPECT_FALSE(*this->store().IsKnownRoom("room-s1"));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("s1", {"a", "b"})));
  GP_ASSERT_OK(this->store().CloseSpace("s1", 200));
  EXPECT_TRUE(*this->store().IsKnownRoom("room-s1"));

  EXPECT_FALSE(*this->store().IsKnownRoom("room-i"));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i1", {"a", "c"}, 100)));
  GP_ASSERT_OK(this->store().SetSpaceIntentRoom("i1", "room-i"));
  EXPECT_TRUE(*this->store().IsKnownRoom("room-i"));

  EXPECT_FALSE(*this->store().IsKnownRoom("room-j"));
  auto id = this->store().QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-j", 100));
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_TRUE(*this->store().IsKnownRoom("room-j"));
  GP_ASSERT_OK(this->store().CompleteWebexJob(*id));
  EXPECT_FALSE(*this->store().IsKnownRoom("room-j"));
}

TYPED_TEST_P(StorageSuite, CommitSpaceCreatesTheSpaceAndDropsTheIntent) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}, 500));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i1", {"c", "a", "b"}, 800)));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("other", {"a", "b"}, 800)));
  GP_ASSERT_OK(this->store().SetSpaceIntentRoom("i1", "room-s1"));
  SpaceRecord space = MakeSpace("s1", {"c", "a", "b"}, 900, 900);
  space.membership_ids = {{"a", "mem-a"}, {"b", "mem-b"}};

  GP_ASSERT_OK(this->store().CommitSpace(space, "i1", 900));

  auto found = this->store().GetSpace("s1");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->member_ids, (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(found->membership_ids, space.membership_ids);
  EXPECT_EQ(found->member_key, "a,b,c");
  EXPECT_EQ(found->webex_room_id, "room-s1");
  EXPECT_EQ(found->closed_at, std::nullopt);
  EXPECT_EQ(this->store().FindOpenSpaceByMemberKey("a,b,c")->id, "s1");
  EXPECT_EQ(this->IntentIds(), (std::vector<std::string>{"other"}));
  EXPECT_TRUE(this->Jobs().empty());
  EXPECT_TRUE(*this->store().IsKnownRoom("room-s1"));
}

TYPED_TEST_P(StorageSuite, CommitSpaceRefusesAPairNoLongerAllowed) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"a", "c"}}, 500));
  this->ExpectCommitRefused(MakeSpace("s1", {"a", "b", "c"}), ErrorCode::kForbidden, "pair_not_allowed");
  EXPECT_EQ(CodeOf(this->store().FindOpenSpaceByMemberKey("a,b,c")), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, CommitSpaceRefusesADisabledOrMissingMember) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"b", "c"}, {"a", "c"}}, 500));
  GP_ASSERT_OK(this->store().DisableGuest("c", 600));
  this->ExpectCommitRefused(MakeSpace("s1", {"a", "c"}), ErrorCode::kForbidden, "member_disabled");
  this->ExpectCommitRefused(MakeSpace("s2", {"a", "ghost"}), ErrorCode::kForbidden, "member_disabled");
  GP_ASSERT_OK(this->store().EnableGuest("c", 700));
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i3", {"a", "c"}, 800)));
  GP_ASSERT_OK(this->store().CommitSpace(MakeSpace("s3", {"a", "c"}), "i3", 900));
}

TYPED_TEST_P(StorageSuite, CommitSpaceRefusesATakenMemberSet) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}}, 500));
  GP_ASSERT_OK(this->store().CreateSpace(MakeSpace("first", {"a", "b"})));
  this->ExpectCommitRefused(MakeSpace("second", {"b", "a"}), ErrorCode::kConflict, "member_set_taken");
  EXPECT_EQ(this->store().FindOpenSpaceByMemberKey("a,b")->id, "first");
}

TYPED_TEST_P(StorageSuite, CommitSpaceRefusesAnIntentGivenUpMeanwhile) {
  this->AddPeople();
  GP_ASSERT_OK(this->store().ReplacePairs({{"a", "b"}, {"a", "c"}}, 500));
  // Given up with its room known: the room's deletion is queued once, not twice.
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i1", {"a", "b"}, 100, "room-s1")));
  GP_ASSERT_OK(this->store().AbandonSpaceIntent("i1", 600));
  auto late = this->store().CommitSpace(MakeSpace("s1", {"a", "b"}), "i1", 900);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_EQ(late.error().reason, "intent_gone");
  // Given up before Webex answered: the commit queues the room's deletion.
  GP_ASSERT_OK(this->store().SaveSpaceIntent(MakeIntent("i2", {"a", "c"}, 100)));
  GP_ASSERT_OK(this->store().AbandonSpaceIntent("i2", 600));
  EXPECT_EQ(CodeOf(this->store().CommitSpace(MakeSpace("s2", {"a", "c"}), "i2", 900)), ErrorCode::kConflict);
  EXPECT_TRUE(this->store().ListSpaces()->empty());
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{"delete_room room-s1 due=600", "delete_room room-s2 due=900"}));
}

// ---- Webex jobs ----

TYPED_TEST_P(StorageSuite, WebexJobsRoundTripRetryAndComplete) {
  WebexJob removal = MakeJob(JobKind::kRemoveMembership, "room-1", 100);
  removal.person_id = "person-1";
  removal.membership_id = "mem-1";
  removal.space_id = "s1";
  removal.created_at = 90;
  auto first = this->store().QueueWebexJob(removal);
  auto second = this->store().QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-2", 200));
  ASSERT_TRUE(first && second);
  EXPECT_GT(*first, 0);
  EXPECT_GT(*second, *first);

  auto jobs = this->store().ListWebexJobs();
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 2u);
  const WebexJob& listed = jobs->front();
  EXPECT_EQ(listed.id, *first);
  EXPECT_EQ(listed.kind, JobKind::kRemoveMembership);
  EXPECT_EQ(listed.room_id, "room-1");
  EXPECT_EQ(listed.person_id, "person-1");
  EXPECT_EQ(listed.membership_id, "mem-1");
  EXPECT_EQ(listed.space_id, "s1");
  EXPECT_EQ(listed.attempts, 0);
  EXPECT_EQ(listed.next_attempt_at, 100);
  EXPECT_EQ(listed.claimed_until, 0);
  EXPECT_EQ(listed.last_error, "");
  EXPECT_EQ(listed.created_at, 90);
  EXPECT_EQ(jobs->back().kind, JobKind::kDeleteRoom);

  ASSERT_EQ(this->store().ClaimWebexJobs(100, 60, 10)->size(), 1u);
  GP_ASSERT_OK(this->store().RetryWebexJob(*first, 400, "Webex answered 503"));
  GP_ASSERT_OK(this->store().RetryWebexJob(*first, 900, "timed out"));
  jobs = this->store().ListWebexJobs();
  ASSERT_TRUE(jobs);
  EXPECT_EQ(jobs->front().attempts, 2);
  EXPECT_EQ(jobs->front().next_attempt_at, 900);
  EXPECT_EQ(jobs->front().last_error, "timed out");
  EXPECT_EQ(jobs->front().claimed_until, 0);

  GP_ASSERT_OK(this->store().CompleteWebexJob(*first));
  EXPECT_EQ(JobIdsOf(*this->store().ListWebexJobs()), (std::vector<int64_t>{*second}));
  EXPECT_EQ(CodeOf(this->store().CompleteWebexJob(*first)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().RetryWebexJob(*first, 1, "x")), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, ReleasedClaimsAreHandedOutAtOnce) {
  auto id = this->store().QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-1", 100));
  ASSERT_TRUE(id) << id.error().message;
  auto claimed = this->store().ClaimWebexJobs(200, 60, 10);
  ASSERT_TRUE(claimed);
  ASSERT_EQ(JobIdsOf(*claimed), (std::vector<int64_t>{*id}));
  EXPECT_TRUE(this->store().ClaimWebexJobs(201, 60, 10)->empty());
  auto released = this->store().ReleaseWebexJobClaims();
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, 1);
  EXPECT_EQ(JobIdsOf(*this->store().ClaimWebexJobs(201, 60, 10)), (std::vector<int64_t>{*id}));
}

TYPED_TEST_P(StorageSuite, AClaimedJobIsNotHandedOutAgainBeforeItsLeaseEnds) {
  auto queue = [&](const std::string& room, int64_t due) {
    auto id = this->store().QueueWebexJob(MakeJob(JobKind::kDeleteRoom, room, due));
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(-1);
  };
  int64_t j1 = queue("room-1", 100);
  int64_t j2 = queue("room-2", 100);
  int64_t j3 = queue("room-3", 500);
  int64_t j4 = queue("room-4", 100);
  auto claim = [&](int64_t now, int limit) {
    auto jobs = this->store().ClaimWebexJobs(now, 60, limit);
    EXPECT_TRUE(jobs) << jobs.error().message;
    return jobs.value_or(std::vector<WebexJob>());
  };

  auto claimed = claim(200, 2);  // oldest first, up to the limit
  EXPECT_EQ(JobIdsOf(claimed), (std::vector<int64_t>{j1, j2}));
  for (const auto& job : claimed) EXPECT_EQ(job.claimed_until, 260);
  EXPECT_EQ(JobIdsOf(claim(200, 10)), (std::vector<int64_t>{j4}));  // j3 is not due
  EXPECT_TRUE(claim(259, 10).empty());
  EXPECT_TRUE(this->store().ClaimWebexJobs(259, 60, 0)->empty());

  GP_ASSERT_OK(this->store().RetryWebexJob(j1, 1000, "boom"));
  GP_ASSERT_OK(this->store().CompleteWebexJob(j2));
  // j4's lease has ended; j1 waits for its retry time.
  EXPECT_EQ(JobIdsOf(claim(260, 10)), (std::vector<int64_t>{j4}));
  claimed = claim(1000, 10);
  EXPECT_EQ(JobIdsOf(claimed), (std::vector<int64_t>{j1, j3, j4}));
  ASSERT_FALSE(claimed.empty());
  EXPECT_EQ(claimed.front().attempts, 1);
  EXPECT_EQ(claimed.front().last_error, "boom");
  EXPECT_EQ(claimed.front().claimed_until, 1060);
}

TYPED_TEST_P(StorageSuite, ConcurrentClaimsNeverShareAJob) {
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) {
    GP_ASSERT_OK(this->store().QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-" + std::to_string(i), 0)));
  }
  // Two workers on this connection and one on another, as a second process would be.
  auto other = this->backend_.Open();
  ASSERT_TRUE(other) << other.error().message;
  std::vector<Storage*> stores = {&this->store(), &this->store(), other->get()};
  std::vector<std::vector<int64_t>> claimed(stores.size());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < stores.size(); ++t) {
    threads.emplace_back([&, t] {
      // Bounded, so that jobs handed out again fail the test instead of hanging it.
      for (int round = 0; round < kJobs; ++round) {
        auto jobs = stores[t]->ClaimWebexJobs(10, 1000, 3);
        if (!jobs) {
          ++failures;
          return;
        }
        if (jobs->empty()) return;
        for (const auto& job : *jobs) claimed[t].push_back(job.id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<int64_t> all;
  for (const auto& ids : claimed) all.insert(all.end(), ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), static_cast<size_t>(kJobs));
}

TYPED_TEST_P(StorageSuite, WebexJobsCarryTheirLeaseHostAndMeeting) {
  WebexJob end = MakeJob(JobKind::kEndMeeting, "room-1", 100);
  end.space_id = "s1";
  end.lease_id = "lease-1";
  end.host_id = "host-1";
  end.meeting_id = "meeting-1";
  auto id = this->store().QueueWebexJob(end);
  ASSERT_TRUE(id) << id.error().message;
  auto check = [&](const WebexJob& job) {
    EXPECT_EQ(job.id, *id);
    EXPECT_EQ(job.kind, JobKind::kEndMeeting);
    EXPECT_EQ(job.room_id, "room-1");
    EXPECT_EQ(job.space_id, "s1");
    EXPECT_EQ(job.lease_id, "lease-1");
    EXPECT_EQ(job.host_id, "host-1");
    EXPECT_EQ(job.meeting_id, "meeting-1");
  };
  auto listed = this->store().ListWebexJobs();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  check(listed->front());
  auto claimed = this->store().ClaimWebexJobs(100, 60, 10);
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_EQ(claimed->size(), 1u);
  check(claimed->front());
  GP_ASSERT_OK(this->store().RetryWebexJob(*id, 500, "Webex answered 503"));
  listed = this->store().ListWebexJobs();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  check(listed->front());
  EXPECT_EQ(listed->front().attempts, 1);
  // A job of no lease completes as before.
  GP_ASSERT_OK(this->store().CompleteWebexJob(*id));
  EXPECT_TRUE(this->Jobs().empty());
}

// ---- Meeting hosts and leases ----

TYPED_TEST_P(StorageSuite, HostsRoundTripAndAreUniqueByEmailOrSpace) {
  const std::string access("\x00\xff" "access", 8);
  HostRecord person = MakePersonHost("h-zed", "zed@example.com", true, 200);
  person.access_token_enc = access;
  GP_ASSERT_OK(this->store().CreateHost(person));
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h-amy", "amy@example.com", false, 300)));
  GP_ASSERT_OK(this->store().CreateHost(MakeSpaceHost("h-room-b", "room-b")));
  GP_ASSERT_OK(this->store().CreateHost(MakeSpaceHost("h-room-a", "room-a")));

  EXPECT_EQ(CodeOf(this->store().CreateHost(MakePersonHost("h-other", "zed@example.com", false))),
            ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(this->store().CreateHost(MakeSpaceHost("h-other", "room-a"))), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf(this->store().CreateHost(MakePersonHost("h-zed", "new@example.com", false))),
            ErrorCode::kConflict);

  auto found = this->store().GetHost("h-zed");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->kind, HostKind::kPerson);
  EXPECT_EQ(found->email, "zed@example.com");
  EXPECT_EQ(found->display_name, "Host h-zed");
  EXPECT_EQ(found->webex_person_id, "person-h-zed");
  EXPECT_EQ(found->webex_room_id, "");
  EXPECT_EQ(found->connect_key, "key-h-zed");
  EXPECT_EQ(found->access_token_enc, access);
  EXPECT_EQ(found->access_expires_at, 3800);
  EXPECT_EQ(found->refresh_token_enc, "refresh-h-zed");
  EXPECT_EQ(found->refresh_expires_at, 86600);
  EXPECT_EQ(found->last_leased_at, 0);
  EXPECT_EQ(found->created_at, 200);
  EXPECT_EQ(found->updated_at, 200);
  EXPECT_EQ(found->lease, std::nullopt);
  EXPECT_TRUE(found->connected());

  found = this->store().GetHost("h-room-a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->kind, HostKind::kSpace);
  EXPECT_EQ(found->email, "");
  EXPECT_EQ(found->webex_room_id, "room-a");
  EXPECT_EQ(found->display_name, "Pool h-room-a");
  EXPECT_TRUE(found->connected());
  EXPECT_FALSE(this->store().GetHost("h-amy")->connected());
  EXPECT_EQ(CodeOf(this->store().GetHost("nobody")), ErrorCode::kNotFound);

  // Persons first, by email; then spaces, by room.
  auto hosts = this->store().ListHosts();
  ASSERT_TRUE(hosts) << hosts.error().message;
  std::vector<std::string> ids;
  for (const auto& host : *hosts) ids.push_back(host.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"h-amy", "h-zed", "h-room-a", "h-room-b"}));
}

TYPED_TEST_P(StorageSuite, SaveHostTokensConnectsAPerson) {
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", false)));
  EXPECT_EQ(this->Stats().free, 0);
  HostRecord tokens = MakePersonHost("h1", "ignored@example.com", true, 500);
  tokens.connect_key = "ignored";
  GP_ASSERT_OK(this->store().SaveHostTokens(tokens));
  auto found = this->store().GetHost("h1");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(found->connected());
  EXPECT_EQ(found->access_token_enc, "access-h1");
  EXPECT_EQ(found->access_expires_at, 4100);
  EXPECT_EQ(found->refresh_token_enc, "refresh-h1");
  EXPECT_EQ(found->refresh_expires_at, 86900);
  EXPECT_EQ(found->webex_person_id, "person-h1");
  EXPECT_EQ(found->display_name, "Host h1");
  EXPECT_EQ(found->updated_at, 500);
  // Only the identity and the tokens change.
  EXPECT_EQ(found->email, "one@example.com");
  EXPECT_EQ(found->connect_key, "key-h1");
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(this->Stats().free, 1);
  EXPECT_EQ(CodeOf(this->store().SaveHostTokens(MakePersonHost("nobody", "x@example.com", true))),
            ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, TakeLeasePicksTheLeastRecentlyLeasedConnectedHost) {
  this->AddSpaces(4);
  // h0 is never connected; h1 and h2 were created in that order, h3 last.
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h0", "zero@example.com", false, 10)));
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h2", "two@example.com", true, 30)));
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true, 20)));
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h3", "three@example.com", true, 40)));

  auto lease = this->store().TakeLease(MakeLease("l1", "s1", 1000), HostKind::kPerson);
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->id, "l1");
  EXPECT_EQ(lease->host_id, "h1");  // never leased, created first among the connected
  EXPECT_EQ(lease->space_id, "s1");
  EXPECT_EQ(lease->mode, "adhoc");
  EXPECT_EQ(lease->state, LeaseState::kStarting);
  EXPECT_EQ(lease->created_at, 1000);
  EXPECT_EQ(lease->expires_at, 1060);
  EXPECT_EQ(lease->ended_at, 0);
  EXPECT_EQ(this->store().GetHost("h1")->last_leased_at, 1000);
  EXPECT_EQ(this->Take("l2", "s2", 1001), "h2");
  EXPECT_EQ(this->Take("l3", "s3", 1002), "h3");

  // h1 and h3 come back: h1 was leased longer ago.
  GP_ASSERT_OK(this->store().EndLease("l3", "ended", 1003, {}));
  GP_ASSERT_OK(this->store().EndLease("l1", "ended", 1004, {}));
  EXPECT_EQ(this->Take("l4", "s4", 1005), "h1");
  EXPECT_EQ(this->Take("l5", "s1", 1006), "h3");
  // Only h0 is left, and it has no tokens.
  EXPECT_EQ(CodeOf(this->store().TakeLease(MakeLease("l6", "s3", 1007), HostKind::kPerson)),
            ErrorCode::kUnavailable);
  EXPECT_EQ(this->store().GetHost("h0")->lease, std::nullopt);
}

TYPED_TEST_P(StorageSuite, TakeLeaseReturnsTheSpacesLeaseAndNeverSharesAHost) {
  this->AddSpaces(2);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true)));
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h2", "two@example.com", true)));
  EXPECT_EQ(this->Take("l1", "s1", 1000), "h1");
  LeaseRecord progress = *this->store().GetLease("l1");
  progress.host_membership_id = "membership-1";
  GP_ASSERT_OK(this->store().SaveLeaseProgress(progress));

  // A second take for the same space returns the first lease, unchanged, and leases nothing more.
  auto again = this->store().TakeLease(MakeLease("l1-again", "s1", 2000), HostKind::kPerson);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->id, "l1");
  EXPECT_EQ(again->host_id, "h1");
  EXPECT_EQ(again->created_at, 1000);
  EXPECT_EQ(again->host_membership_id, "membership-1");
  EXPECT_EQ(this->store().GetHost("h1")->last_leased_at, 1000);
  EXPECT_EQ(this->store().ListLeases()->size(), 1u);
  EXPECT_EQ(CodeOf(this->store().GetLease("l1-again")), ErrorCode::kNotFound);

  EXPECT_EQ(this->Take("l2", "s2", 1001), "h2");
  auto space_lease = this->store().GetSpaceLease("s2");
  ASSERT_TRUE(space_lease) << space_lease.error().message;
  EXPECT_EQ(space_lease->id, "l2");
  EXPECT_EQ(CodeOf(this->store().GetSpaceLease("s3")), ErrorCode::kNotFound);

  auto leases = this->store().ListLeases();
  ASSERT_TRUE(leases);
  ASSERT_EQ(leases->size(), 2u);
  EXPECT_EQ(leases->front().id, "l1");
  EXPECT_EQ(leases->back().id, "l2");
}

TYPED_TEST_P(StorageSuite, TakeLeaseCountsEveryExhaustion) {
  this->AddSpaces(3);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true)));
  EXPECT_EQ(this->Stats().exhausted, 0);
  EXPECT_EQ(this->Take("l1", "s1", 1000), "h1");
  for (int i = 0; i < 2; ++i) {
    auto refused = this->store().TakeLease(MakeLease("l2", "s2", 1001 + i), HostKind::kPerson);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(refused.error().reason, "pool_exhausted");
    EXPECT_FALSE(refused.error().message.empty());
  }
  EXPECT_EQ(CodeOf(this->store().GetLease("l2")), ErrorCode::kNotFound);
  // A space that has its lease is not refused, and is not counted.
  EXPECT_EQ(this->Take("l1-again", "s1", 1003), "h1");
  PoolStats stats = this->Stats();
  EXPECT_EQ(stats.free, 0);
  EXPECT_EQ(stats.leased, 1);
  EXPECT_EQ(stats.exhausted, 2);
  // The count survives a reopening.
  this->Reopen();
  EXPECT_EQ(this->Stats().exhausted, 2);
}

TYPED_TEST_P(StorageSuite, TakeLeaseTakesAHostOfTheKindAsked) {
  this->AddSpaces(3);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h-person", "one@example.com", true)));
  GP_ASSERT_OK(this->store().CreateHost(MakeSpaceHost("h-space", "pool-room")));
  auto pool = this->store().TakeLease(MakeLease("l1", "s1", 1000, "space-pool"), HostKind::kSpace);
  ASSERT_TRUE(pool) << pool.error().message;
  EXPECT_EQ(pool->host_id, "h-space");
  EXPECT_EQ(pool->mode, "space-pool");
  EXPECT_EQ(CodeOf(this->store().TakeLease(MakeLease("l2", "s2", 1001, "space-pool"), HostKind::kSpace)),
            ErrorCode::kUnavailable);
  EXPECT_EQ(this->Take("l3", "s3", 1002, HostKind::kPerson), "h-person");
  EXPECT_EQ(this->store().GetHost("h-space")->lease->id, "l1");
  EXPECT_EQ(this->store().GetHost("h-person")->lease->id, "l3");
}

TYPED_TEST_P(StorageSuite, ALeaseGoesLiveRenewsForwardAndEndsOnce) {
  this->AddSpaces(1);
  GP_ASSERT_OK(this->store().CreateHost(MakeSpaceHost("h1", "pool-room")));
  auto taken = this->store().TakeLease(MakeLease("l1", "s1", 1000, "space-pool"), HostKind::kSpace);
  ASSERT_TRUE(taken) << taken.error().message;

  LeaseRecord progress = *taken;
  progress.added_person_ids = {"person-a", "person-b"};
  GP_ASSERT_OK(this->store().SaveLeaseProgress(progress));
  EXPECT_EQ(this->store().GetLease("l1")->added_person_ids, (std::vector<std::string>{"person-a", "person-b"}));
  // Renewing needs a live lease.
  EXPECT_EQ(CodeOf(this->store().RenewLease("l1", 2000)), ErrorCode::kNotFound);

  LeaseRecord live = *taken;
  live.meeting_json = R"({"joinUrl":"https://example.com/j"})";
  live.webex_meeting_id = "meeting-1";
  live.expires_at = 1100;
  auto went_live = this->store().SetLeaseLive(live);
  ASSERT_TRUE(went_live) << went_live.error().message;
  EXPECT_TRUE(*went_live);
  auto found = this->store().GetLease("l1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->state, LeaseState::kLive);
  EXPECT_EQ(found->meeting_json, live.meeting_json);
  EXPECT_EQ(found->webex_meeting_id, "meeting-1");
  EXPECT_EQ(found->expires_at, 1100);
  EXPECT_EQ(found->added_person_ids, (std::vector<std::string>{"person-a", "person-b"}));
  // Once live, it does not go live again, and its progress is no longer written.
  EXPECT_FALSE(*this->store().SetLeaseLive(live));
  EXPECT_EQ(CodeOf(this->store().SaveLeaseProgress(progress)), ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetSpaceLease("s1")->id, "l1");

  auto renewed = this->store().RenewLease("l1", 1200);
  ASSERT_TRUE(renewed) << renewed.error().message;
  EXPECT_EQ(renewed->expires_at, 1200);
  renewed = this->store().RenewLease("l1", 1150);  // a late heartbeat never moves it back
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->expires_at, 1200);
  EXPECT_EQ(CodeOf(this->store().RenewLease("nobody", 1300)), ErrorCode::kNotFound);

  WebexJob removal = MakeLeaseJob(JobKind::kRemoveMembership, "pool-room", 1300);
  auto ended = this->store().EndLease("l1", "timeout", 1300, {removal});
  ASSERT_TRUE(ended) << ended.error().message;
  ASSERT_TRUE(ended->has_value());
  EXPECT_EQ((*ended)->state, LeaseState::kLive);  // as it was
  EXPECT_EQ((*ended)->expires_at, 1200);
  found = this->store().GetLease("l1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->state, LeaseState::kEnding);
  EXPECT_EQ(found->ended_at, 1300);
  EXPECT_EQ(found->end_reason, "timeout");
  EXPECT_EQ(CodeOf(this->store().GetSpaceLease("s1")), ErrorCode::kNotFound);

  // Once: later ends, renewals and progress find nothing to do.
  auto again = this->store().EndLease("l1", "deleted", 1400, {removal});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(this->store().GetLease("l1")->end_reason, "timeout");
  EXPECT_EQ(this->Jobs().size(), 1u);
  EXPECT_EQ(CodeOf(this->store().RenewLease("l1", 2000)), ErrorCode::kNotFound);
  EXPECT_FALSE(*this->store().SetLeaseLive(live));
  auto never = this->store().EndLease("nobody", "deleted", 1400, {});
  ASSERT_TRUE(never);
  EXPECT_FALSE(never->has_value());
}

TYPED_TEST_P(StorageSuite, SetLeaseLiveIsFalseAfterTheLeaseEnded) {
  this->AddSpaces(2);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true)));
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h2", "two@example.com", true)));
  auto without_jobs = this->store().TakeLease(MakeLease("l1", "s1", 1000), HostKind::kPerson);
  auto with_jobs = this->store().TakeLease(MakeLease("l2", "s2", 1000), HostKind::kPerson);
  ASSERT_TRUE(without_jobs && with_jobs);
  // Ended while its meeting was being set up: gone at once, or ending.
  auto ended = this->store().EndLease("l1", "deleted", 1001, {});
  ASSERT_TRUE(ended) << ended.error().message;
  ASSERT_TRUE(ended->has_value());
  EXPECT_EQ((*ended)->state, LeaseState::kStarting);
  GP_ASSERT_OK(this->store().EndLease("l2", "deleted", 1001, {MakeLeaseJob(JobKind::kEndMeeting, "r", 1001)}));
  for (LeaseRecord lease : {*without_jobs, *with_jobs}) {
    lease.webex_meeting_id = "meeting-late";
    lease.expires_at = 1100;
    auto live = this->store().SetLeaseLive(lease);
    ASSERT_TRUE(live) << live.error().message;
    EXPECT_FALSE(*live) << lease.id;
  }
  EXPECT_EQ(CodeOf(this->store().GetLease("l1")), ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetLease("l2")->state, LeaseState::kEnding);
  EXPECT_EQ(this->store().GetLease("l2")->webex_meeting_id, "");
}

TYPED_TEST_P(StorageSuite, EndLeaseWithoutJobsFreesTheHostAtOnce) {
  this->AddSpaces(2);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true)));
  EXPECT_EQ(this->Take("l1", "s1", 1000), "h1");
  EXPECT_EQ(this->Stats().leased, 1);
  auto ended = this->store().EndLease("l1", "failed", 1001, {});
  ASSERT_TRUE(ended) << ended.error().message;
  ASSERT_TRUE(ended->has_value());
  EXPECT_EQ((*ended)->id, "l1");
  EXPECT_EQ(CodeOf(this->store().GetLease("l1")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().ListLeases()->empty());
  EXPECT_EQ(this->store().GetHost("h1")->lease, std::nullopt);
  PoolStats stats = this->Stats();
  EXPECT_EQ(stats.free, 1);
  EXPECT_EQ(stats.leased, 0);
  EXPECT_EQ(this->Take("l2", "s2", 1002), "h1");
}

TYPED_TEST_P(StorageSuite, EndLeaseHoldsTheHostUntilItsLastJobIsDone) {
  this->AddSpaces(2);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true)));
  EXPECT_EQ(this->Take("l1", "s1", 1000), "h1");
  WebexJob end_meeting = MakeLeaseJob(JobKind::kEndMeeting, "room-s1", 1010);
  end_meeting.host_id = "h1";
  WebexJob removal = MakeLeaseJob(JobKind::kRemoveMembership, "room-s1", 1010);
  removal.lease_id = "some-other-lease";  // EndLease sets its own id
  GP_ASSERT_OK(this->store().EndLease("l1", "ended", 1010, {end_meeting, removal}));
  EXPECT_EQ(this->Jobs(), (std::vector<std::string>{
                              "end_meeting room-s1 lease=l1 host=h1 meeting=meeting-room-s1 due=1010",
                              "remove_membership room-s1 person=person-in-room-s1 lease=l1 due=1010"}));

  // Ending: the space may take another host, but this one stays held.
  auto host = this->store().GetHost("h1");
  ASSERT_TRUE(host);
  ASSERT_TRUE(host->lease.has_value());
  EXPECT_EQ(host->lease->id, "l1");
  EXPECT_EQ(host->lease->state, LeaseState::kEnding);
  EXPECT_EQ(this->store().ListHosts()->front().lease->state, LeaseState::kEnding);
  PoolStats stats = this->Stats();
  EXPECT_EQ(stats.free, 0);
  EXPECT_EQ(stats.leased, 1);
  EXPECT_EQ(CodeOf(this->store().TakeLease(MakeLease("l2", "s1", 1011), HostKind::kPerson)),
            ErrorCode::kUnavailable);

  // A job of another lease, or of none, does not free it.
  GP_ASSERT_OK(this->store().QueueWebexJob(MakeJob(JobKind::kDeleteRoom, "room-x", 1012)));
  auto jobs = this->store().ListWebexJobs();
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 3u);
  GP_ASSERT_OK(this->store().CompleteWebexJob((*jobs)[2].id));
  GP_ASSERT_OK(this->store().CompleteWebexJob((*jobs)[0].id));
  EXPECT_EQ(this->store().GetLease("l1")->state, LeaseState::kEnding);
  EXPECT_EQ(this->Stats().free, 0);
  // The last one does.
  GP_ASSERT_OK(this->store().CompleteWebexJob((*jobs)[1].id));
  EXPECT_EQ(CodeOf(this->store().GetLease("l1")), ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetHost("h1")->lease, std::nullopt);
  stats = this->Stats();
  EXPECT_EQ(stats.free, 1);
  EXPECT_EQ(stats.leased, 0);
  EXPECT_EQ(this->Take("l2", "s1", 1013), "h1");
}

TYPED_TEST_P(StorageSuite, DeleteHostIsRefusedWhileALeaseHoldsIt) {
  this->AddSpaces(1);
  GP_ASSERT_OK(this->store().CreateHost(MakePersonHost("h1", "one@example.com", true)));
  EXPECT_EQ(this->Take("l1", "s1", 1000), "h1");
  auto refused = this->store().DeleteHost("h1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(this->store().GetHost("h1"));
  // Still refused while the lease is ending.
  GP_ASSERT_OK(this->store().EndLease("l1", "host_removed", 1001, {MakeLeaseJob(JobKind::kEndMeeting, "r", 1001)}));
  EXPECT_EQ(CodeOf(this->store().DeleteHost("h1")), ErrorCode::kConflict);
  GP_ASSERT_OK(this->store().CompleteWebexJob(this->store().ListWebexJobs()->front().id));
  GP_ASSERT_OK(this->store().DeleteHost("h1"));
  EXPECT_EQ(CodeOf(this->store().GetHost("h1")), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().DeleteHost("h1")), ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().ListHosts()->empty());
}

TYPED_TEST_P(StorageSuite, ConcurrentTakesGiveEachHostOnce) {
  constexpr int kSpaces = 12;
  this->AddSpaces(kSpaces);
  for (int i = 1; i <= 3; ++i) {
    std::string id = "h" + std::to_string(i);
    GP_ASSERT_OK(this->store().CreateHost(MakePersonHost(id, id + "@example.com", true)));
  }
  // Threads on this connection and on another, as a second process would be.
  auto other = this->backend_.Open();
  ASSERT_TRUE(other) << other.error().message;
  std::vector<std::string> hosts(kSpaces);
  std::atomic<int> exhausted{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kSpaces; ++i) {
    Storage* store = i % 2 == 0 ? &this->store() : other->get();
    threads.emplace_back([&, store, i] {
      std::string space_id = "s" + std::to_string(i + 1);
      auto lease = store->TakeLease(MakeLease("l" + std::to_string(i + 1), space_id, 1000 + i), HostKind::kPerson);
      if (lease) {
        hosts[i] = lease->host_id;
      } else if (lease.error().reason == "pool_exhausted") {
        ++exhausted;
      } else {
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(exhausted.load(), kSpaces - 3);
  std::multiset<std::string> taken;
  for (const auto& host : hosts) {
    if (!host.empty()) taken.insert(host);
  }
  EXPECT_EQ(taken, (std::multiset<std::string>{"h1", "h2", "h3"}));
  PoolStats stats = this->Stats();
  EXPECT_EQ(stats.free, 0);
  EXPECT_EQ(stats.leased, 3);
  EXPECT_EQ(stats.exhausted, kSpaces - 3);
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
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-1", "verifier-1", "", 100, 400}));
  EXPECT_EQ(CodeOf(this->store().SaveOAuthState({"state-1", "other", "", 100, 400})), ErrorCode::kConflict);
  auto taken = this->store().TakeOAuthState("state-1", 399);
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_EQ(taken->state, "state-1");
  EXPECT_EQ(taken->code_verifier, "verifier-1");
  EXPECT_EQ(taken->created_at, 100);
  EXPECT_EQ(taken->expires_at, 400);
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("state-1", 399)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("never-saved", 0)), ErrorCode::kNotFound);
}

TYPED_TEST_P(StorageSuite, OAuthStateKeepsItsPurpose) {
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-admin", "v1", "", 100, 400}));
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-host", "v2", "host:h1", 100, 400}));
  auto host = this->store().TakeOAuthState("state-host", 200);
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->purpose, "host:h1");
  EXPECT_EQ(host->code_verifier, "v2");
  auto admin = this->store().TakeOAuthState("state-admin", 200);
  ASSERT_TRUE(admin) << admin.error().message;
  EXPECT_EQ(admin->purpose, "");
}

TYPED_TEST_P(StorageSuite, ExpiredOAuthStateIsNotFoundAndGone) {
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-1", "v", "", 100, 400}));
  GP_ASSERT_OK(this->store().SaveOAuthState({"state-2", "v", "", 100, 400}));
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("state-1", 400)), ErrorCode::kNotFound);
  // Taking any state sweeps the expired ones, so state-2 is gone even for an earlier clock.
  EXPECT_EQ(CodeOf(this->store().TakeOAuthState("state-2", 300)), ErrorCode::kNotFound);
  EXPECT_EQ(this->backend_.QueryInt("SELECT COUNT(*) FROM oauth_states"), 0);
}

TYPED_TEST_P(StorageSuite, ExpiredOAuthStatesAreSweptAndCounted) {
  EXPECT_EQ(*this->store().CountOAuthStates(), 0);
  GP_ASSERT_OK(this->store().SaveOAuthState({"s1", "v", "", 0, 100}));
  GP_ASSERT_OK(this->store().SaveOAuthState({"s2", "v", "", 0, 200}));
  GP_ASSERT_OK(this->store().SaveOAuthState({"s3", "v", "", 0, 300}));
  EXPECT_EQ(*this->store().CountOAuthStates(), 3);
  auto swept = this->store().DeleteExpiredOAuthStates(200);  // expires_at == now counts as expired
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_EQ(*swept, 2);
  EXPECT_EQ(*this->store().CountOAuthStates(), 1);
  EXPECT_TRUE(this->store().TakeOAuthState("s3", 250));
  EXPECT_EQ(*this->store().CountOAuthStates(), 0);
  EXPECT_EQ(*this->store().DeleteExpiredOAuthStates(1000), 0);
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
  EXPECT_EQ(seqs({.until_ms = 3000}), (std::vector<int64_t>{s2, s1}));
  EXPECT_EQ(seqs({.since_ms = 2000, .until_ms = 4000}), (std::vector<int64_t>{s3, s2}));
  EXPECT_EQ(seqs({.until_ms = 1000}), (std::vector<int64_t>{}));
  EXPECT_EQ(seqs({.until_ms = 4000, .before_seq = s3}), (std::vector<int64_t>{s2, s1}));
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

TYPED_TEST_P(StorageSuite, AuditIsFilteredByTarget) {
  auto append = [&](const std::string& actor, const std::string& target) {
    auto seq = this->store().AppendAudit({0, 1000, actor, "guest.update", target, "success", ""});
    EXPECT_TRUE(seq) << seq.error().message;
    return seq.value_or(-1);
  };
  int64_t s1 = append("admin:x", "g1");
  append("admin:x", "g2");
  int64_t s3 = append("guest:g2", "g1");
  auto seqs = [&](const AuditFilter& filter) {
    std::vector<int64_t> out;
    auto records = this->store().ListAudit(filter);
    EXPECT_TRUE(records) << records.error().message;
    if (records) {
      for (const auto& record : *records) out.push_back(record.seq);
    }
    return out;
  };
  EXPECT_EQ(seqs({.target = "g1"}), (std::vector<int64_t>{s3, s1}));
  EXPECT_EQ(seqs({.actor = "admin:x", .target = "g1"}), (std::vector<int64_t>{s1}));
  EXPECT_EQ(seqs({.target = "g9"}), (std::vector<int64_t>{}));
}

TYPED_TEST_P(StorageSuite, AuditLimitIsCappedAt500) {
  for (int i = 0; i < AuditFilter::kMaxLimit + 1; ++i) {
    GP_ASSERT_OK(this->store().AppendAudit({0, i, "actor", "action", "", "success", ""}));
  }
  auto records = this->store().ListAudit({.limit = 100000});
  ASSERT_TRUE(records);
  EXPECT_EQ(records->size(), static_cast<size_t>(AuditFilter::kMaxLimit));
}

TYPED_TEST_P(StorageSuite, AuditRetentionDeletesTheOldestRecordsInBoundedBatches) {
  std::vector<int64_t> seqs;
  for (int64_t at_ms : {5000, 1000, 2000, 3000, 4000}) {
    auto seq = this->store().AppendAudit({0, at_ms, "actor", "action", "", "success", ""});
    GP_ASSERT_OK(seq);
    seqs.push_back(*seq);
  }
  auto listed = [&] {
    std::vector<int64_t> at;
    auto records = this->store().ListAudit({});
    EXPECT_TRUE(records);
    if (records) {
      for (const auto& record : *records) at.push_back(record.at_ms);
    }
    return at;
  };
  // Three records are older than 4000; a batch of two takes the two appended first of them.
  auto first = this->store().DeleteAuditBefore(4000, 2);
  GP_ASSERT_OK(first);
  EXPECT_EQ(*first, 2);
  EXPECT_EQ(listed(), (std::vector<int64_t>{4000, 3000, 5000}));
  auto second = this->store().DeleteAuditBefore(4000, 2);
  GP_ASSERT_OK(second);
  EXPECT_EQ(*second, 1);
  EXPECT_EQ(listed(), (std::vector<int64_t>{4000, 5000}));
  auto none = this->store().DeleteAuditBefore(4000, 2);
  GP_ASSERT_OK(none);
  EXPECT_EQ(*none, 0);
  auto zero = this->store().DeleteAuditBefore(100000, 0);
  GP_ASSERT_OK(zero);
  EXPECT_EQ(*zero, 0);
  EXPECT_EQ(listed().size(), 2u);
  // New records keep increasing sequence numbers after a deletion.
  auto next = this->store().AppendAudit({0, 6000, "actor", "action", "", "success", ""});
  GP_ASSERT_OK(next);
  EXPECT_GT(*next, seqs.back());
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

// ---- Runners ----

TYPED_TEST_P(StorageSuite, ARunnerHoldsItsTaskUntilItsTermRunsOut) {
  EXPECT_TRUE(this->store().ListRunners()->empty());
  // Free: taken.
  EXPECT_EQ(this->store().TakeRunner("poll", "a", 100, 130), true);
  // Held by another whose term runs: refused, and the holder stays.
  EXPECT_EQ(this->store().TakeRunner("poll", "b", 110, 140), false);
  // The holder renews.
  EXPECT_EQ(this->store().TakeRunner("poll", "a", 120, 150), true);
  EXPECT_EQ(this->store().TakeRunner("poll", "b", 149, 179), false);
  // Tasks are independent.
  EXPECT_EQ(this->store().TakeRunner("refresh", "b", 149, 179), true);
  auto runners = this->store().ListRunners();
  ASSERT_TRUE(runners) << runners.error().message;
  ASSERT_EQ(runners->size(), 2u);
  EXPECT_EQ(runners->at(0).task, "poll");
  EXPECT_EQ(runners->at(0).instance, "a");
  EXPECT_EQ(runners->at(0).expires_at, 150);
  EXPECT_EQ(runners->at(1).task, "refresh");
  EXPECT_EQ(runners->at(1).instance, "b");
  // The term ran out (the holder died): another takes over, and the old holder is refused.
  EXPECT_EQ(this->store().TakeRunner("poll", "b", 150, 180), true);
  EXPECT_EQ(this->store().TakeRunner("poll", "a", 151, 181), false);
  EXPECT_EQ(this->store().ListRunners()->at(0).instance, "b");
}

TYPED_TEST_P(StorageSuite, AReleasedRunnerIsTakenAtOnceAndOnlyItsHolderReleasesIt) {
  ASSERT_EQ(this->store().TakeRunner("sweep", "a", 100, 200), true);
  GP_ASSERT_OK(this->store().ReleaseRunner("sweep", "b"));
  EXPECT_EQ(this->store().TakeRunner("sweep", "b", 101, 201), false);
  GP_ASSERT_OK(this->store().ReleaseRunner("sweep", "a"));
  EXPECT_EQ(this->store().TakeRunner("sweep", "b", 102, 202), true);
}

TYPED_TEST_P(StorageSuite, OneOfManyInstancesAskingAtOnceRunsTheTask) {
  auto other = this->backend_.Open();
  ASSERT_TRUE(other) << other.error().message;
  std::vector<Storage*> stores = {&this->store(), other->get()};
  constexpr int kInstances = 8;
  constexpr int kRounds = 40;
  // Round r: every instance asks at time r * 10 for a term that ends before the next round, so each round
  // the task is free again and exactly one instance must get it.
  std::vector<std::atomic<int>> winners(kRounds);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kInstances; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        auto taken = stores[t % 2]->TakeRunner("task", "instance-" + std::to_string(t) + "-" + std::to_string(round),
                                               int64_t{round} * 10, int64_t{round} * 10 + 10);
        if (!taken) {
          ++failures;
          continue;
        }
        if (*taken) ++winners[round];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // A round may be skipped by an instance that is already in a later round; never two winners.
  int rounds_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_LE(winners[round].load(), 1) << "round " << round;
    rounds_won += winners[round].load();
  }
  EXPECT_GE(rounds_won, 1);
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
                            MustChangePasswordAndExpiryAreNarrowUpdates,
                            ChangeGuestPasswordClearsTheFlagAndKeepsOnlyTheGivenSession,
                            ListExpiredGuestsFindsEnabledGuestsWhoseEndHasCome,
                            DuplicateUsernameOrIdIsAConflict, UnknownGuestIsNotFound, ListGuestsIsOrderedByUsername,
                            NarrowUpdatesWriteOneFieldAndTheTime, SetGuestPasswordEndsTheGuestsSessions,
                            RehashGuestPasswordNeverOverwritesAChangedHash, ADisabledGuestStaysDisabledUntilEnabled,
                            DisableGuestEndsSessionsClosesTheirSpacesAndQueuesRemovals,
                            DeleteGuestClosesTheirSpacesThenTakesPairsSessionsAndToken,
                            ReplacePairsNormalisesAndReplaces, ReplacePairsWithABadPairChangesNothing,
                            ChangePairsAddsRemovesAndClosesTheSpacesOfRemovedPairs,
                            ReplacePairsClosesTheOpenSpacesOfRevokedPairs, AddPairsKeepsTheSetAndCountsWhatIsNew,
                            DirectoryVersionMovesWithGuestsAndPairsOnly,
                            DirectoryChangesSinceIsTheChainOfThisStoragesChanges, AFailedDirectoryWriteRecordsNothing,
                            AChangeFromElsewhereChainsThroughTheDatabase, TheJournalTableKeepsTheNewest1024Steps,
                            DeletingAPairedGuestIsOneChangeNamingTheGuest,
                            ConcurrentDirectoryWritesFormOneCompleteChain, AChainNeverSkipsAnotherInstancesChange,
                            SpaceRoundTripsWithMembersInOrder, OneOpenSpacePerMemberSetUntilClosed,
                            CreateSpaceFailingOnAMemberLeavesNothing, SpaceIdAndWebexRoomAreUnique,
                            SpaceListsAreOrderedByActivityThenCreation, OpenSpacesContainingAPairOfGuests,
                            CloseSpaceQueuesMembershipRemovalsOnce, TouchSpaceOnlyMovesActivityForward,
                            EachMessageIsRecordedOnceAndMovesTheSpaceForwardOnly,
                            ReadMarksMoveForwardAndShowInTheGuestsList, SpacesAreFoundByRoomAndGuestsByPerson,
                            SpaceFilesAreKeptPerSpace,
                            SpaceIntentsRoundTripOldestFirst, AbandonSpaceIntentQueuesTheDeletionOfAKnownRoom,
                            IsKnownRoomLooksAtSpacesIntentsAndJobs, CommitSpaceCreatesTheSpaceAndDropsTheIntent,
                            CommitSpaceRefusesAPairNoLongerAllowed, CommitSpaceRefusesADisabledOrMissingMember,
                            CommitSpaceRefusesATakenMemberSet, CommitSpaceRefusesAnIntentGivenUpMeanwhile,
                            WebexJobsRoundTripRetryAndComplete, AClaimedJobIsNotHandedOutAgainBeforeItsLeaseEnds,
                            ReleasedClaimsAreHandedOutAtOnce,
                            ConcurrentClaimsNeverShareAJob, WebexJobsCarryTheirLeaseHostAndMeeting,
                            HostsRoundTripAndAreUniqueByEmailOrSpace, SaveHostTokensConnectsAPerson,
                            TakeLeasePicksTheLeastRecentlyLeasedConnectedHost,
                            TakeLeaseReturnsTheSpacesLeaseAndNeverSharesAHost, TakeLeaseCountsEveryExhaustion,
                            TakeLeaseTakesAHostOfTheKindAsked, ALeaseGoesLiveRenewsForwardAndEndsOnce,
                            SetLeaseLiveIsFalseAfterTheLeaseEnded, EndLeaseWithoutJobsFreesTheHostAtOnce,
                            EndLeaseHoldsTheHostUntilItsLastJobIsDone, DeleteHostIsRefusedWhileALeaseHoldsIt,
                            ConcurrentTakesGiveEachHostOnce, SessionsRoundTripAndDelete,
                            SessionsEndForAGuestOrByExpiry, AppAdminIsOneRowOfOpaqueBytes,
                            GuestTokensAreCachedPerGuest, OAuthStateIsTakenOnce, OAuthStateKeepsItsPurpose,
                            ExpiredOAuthStateIsNotFoundAndGone,
                            ExpiredOAuthStatesAreSweptAndCounted, AuditIsListedNewestFirstWithFilters, AuditIsFilteredByTarget,
                            AuditLimitIsCappedAt500, AuditRetentionDeletesTheOldestRecordsInBoundedBatches,
                            ConcurrentAppendsGetDistinctSequenceNumbers,
                            ARunnerHoldsItsTaskUntilItsTermRunsOut,
                            AReleasedRunnerIsTakenAtOnceAndOnlyItsHolderReleasesIt,
                            OneOfManyInstancesAskingAtOnceRunsTheTask, SettingsAreKeyValues);

}  // namespace gp::storage::testing
