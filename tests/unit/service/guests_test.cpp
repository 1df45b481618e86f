// Guests::Update: disabling ends sessions and closes spaces in one step; every change writes only
// its own fields, so changes made at the same time never undo each other.
#include "service/guests.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace gp::service {
namespace {

using fakes::FakeGuestTokenProvider;

class GuestsTest : public fakes::ServiceTest {
 protected:
  void SetUp() override {
    SignInAppAdmin();
    ann_ = AddGuest("ann", "Ann");
    bob_ = AddGuest("bob", "Bob");
    Allow({{ann_.id, bob_.id}});
    space_ = SeedOpenSpace({ann_.id, bob_.id}, "Ann and Bob");
  }

  storage::GuestRecord Stored(const std::string& id) {
    auto guest = storage_->GetGuest(id);
    EXPECT_TRUE(guest) << guest.error().message;
    return guest ? *guest : storage::GuestRecord{};
  }

  static GuestChanges Disable(bool disabled) {
    GuestChanges changes;
    changes.disabled = disabled;
    return changes;
  }
  static GuestChanges Rename(const std::string& name) {
    GuestChanges changes;
    changes.display_name = name;
    return changes;
  }

  const std::string actor_ = "admin:admin@example.com";
  storage::GuestRecord ann_, bob_;
  storage::SpaceRecord space_;
};

TEST_F(GuestsTest, DisablingEndsSessionsClosesSpacesAndQueuesTheRemovals) {
  auto session = sessions_->CreateForGuest(ann_.id);
  ASSERT_TRUE(session);
  ASSERT_TRUE(sessions_->Resolve(session->cookie_value));  // now remembered by the cache too

  auto updated = guests_->Update(ann_.id, Disable(true), actor_);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_TRUE(updated->disabled);

  auto resolved = sessions_->Resolve(session->cookie_value);
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(OpenSpacesOf(ann_.id).empty());
  EXPECT_TRUE(OpenSpacesOf(bob_.id).empty());
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::string> persons;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.kind, storage::JobKind::kRemoveMembership);
    EXPECT_EQ(job.room_id, space_.webex_room_id);
    persons.insert(job.person_id);
  }
  EXPECT_EQ(persons, (std::set<std::string>{FakeGuestTokenProvider::PersonIdOf(ann_.id),
                                            FakeGuestTokenProvider::PersonIdOf(bob_.id)}));
}

TEST_F(GuestsTest, EnablingAgainReopensNothing) {
  auto session = sessions_->CreateForGuest(ann_.id);
  ASSERT_TRUE(session);
  ASSERT_TRUE(guests_->Update(ann_.id, Disable(true), actor_));
  const auto jobs_after_disable = Jobs().size();

  auto enabled = guests_->Update(ann_.id, Disable(false), actor_);
  ASSERT_TRUE(enabled) << enabled.error().message;
  EXPECT_FALSE(enabled->disabled);
  EXPECT_FALSE(Stored(ann_.id).disabled);
  EXPECT_FALSE(sessions_->Resolve(session->cookie_value));
  EXPECT_TRUE(OpenSpacesOf(ann_.id).empty());
  auto space = storage_->GetSpace(space_.id);
  ASSERT_TRUE(space);
  EXPECT_TRUE(space->closed_at.has_value());
  EXPECT_EQ(Jobs().size(), jobs_after_disable);
}

TEST_F(GuestsTest, AnUpdateOfSeveralFieldsWritesEachOfThem) {
  GuestChanges changes;
  changes.display_name = "  Ann Smith ";
  changes.password = "a new password that is long enough";
  changes.disabled = true;
  auto updated = guests_->Update(ann_.id, changes, actor_);
  ASSERT_TRUE(updated) << updated.error().message;
  auto stored = Stored(ann_.id);
  EXPECT_EQ(stored.display_name, "Ann Smith");
  EXPECT_TRUE(stored.disabled);
  EXPECT_TRUE(crypto::VerifyPassword(stored.password_hash, "a new password that is long enough"));
  EXPECT_FALSE(crypto::VerifyPassword(stored.password_hash, kPassword));
  EXPECT_TRUE(OpenSpacesOf(ann_.id).empty());
  EXPECT_EQ(stored.username, "ann");
}

TEST_F(GuestsTest, ARenameAfterADisableKeepsTheGuestDisabled) {
  ASSERT_TRUE(guests_->Update(ann_.id, Disable(true), actor_));
  ASSERT_TRUE(guests_->Update(ann_.id, Rename("Ann Smith"), actor_));
  auto stored = Stored(ann_.id);
  EXPECT_TRUE(stored.disabled);
  EXPECT_EQ(stored.display_name, "Ann Smith");
}

// The clock hook lands a change between the rename's read of the guest and its write.
TEST_F(GuestsTest, ADisableCommittedDuringARenameIsKept) {
  bool disabled_meanwhile = false;
  OnNextClockRead([&] {
    auto closure = storage_->DisableGuest(ann_.id, Now());
    ASSERT_TRUE(closure) << closure.error().message;
    disabled_meanwhile = true;
  });
  auto renamed = guests_->Update(ann_.id, Rename("Ann Smith"), actor_);
  ASSERT_TRUE(renamed) << renamed.error().message;
  ASSERT_TRUE(disabled_meanwhile);
  auto stored = Stored(ann_.id);
  EXPECT_TRUE(stored.disabled) << "the rename wrote back the guest it had read before the disable";
  EXPECT_EQ(stored.display_name, "Ann Smith");
}

TEST_F(GuestsTest, ARenameCommittedDuringADisableIsKept) {
  bool renamed_meanwhile = false;
  OnNextClockRead([&] {
    auto saved = storage_->SetGuestDisplayName(ann_.id, "Ann Smith", Now());
    ASSERT_TRUE(saved) << saved.error().message;
    renamed_meanwhile = true;
  });
  auto disabled = guests_->Update(ann_.id, Disable(true), actor_);
  ASSERT_TRUE(disabled) << disabled.error().message;
  ASSERT_TRUE(renamed_meanwhile);
  auto stored = Stored(ann_.id);
  EXPECT_TRUE(stored.disabled);
  EXPECT_EQ(stored.display_name, "Ann Smith") << "the disable wrote back the name it had read before the rename";
}

TEST_F(GuestsTest, AnInvalidChangeWritesNothing) {
  GuestChanges changes;
  changes.disabled = true;
  changes.display_name = "";  // invalid: refused before anything is written
  auto updated = guests_->Update(ann_.id, changes, actor_);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kBadRequest);
  EXPECT_FALSE(Stored(ann_.id).disabled);
  EXPECT_EQ(OpenSpacesOf(ann_.id).size(), 1u);
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(GuestsTest, ExpireDueDisablesAGuestFromTheSecondTheirAccountEnds) {
  const int64_t start = now_.load();
  GuestChanges ends;
  ends.expires_at = std::optional<int64_t>(start + 100);
  ASSERT_TRUE(guests_->Update(ann_.id, ends, actor_));
  auto session = sessions_->CreateForGuest(ann_.id);
  ASSERT_TRUE(session);
  ASSERT_TRUE(sessions_->Resolve(session->cookie_value));

  now_ = start + 99;
  auto early = guests_->ExpireDue();
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_TRUE(early->disabled.empty());
  EXPECT_FALSE(Stored(ann_.id).disabled);
  EXPECT_EQ(OpenSpacesOf(bob_.id).size(), 1u);

  now_ = start + 100;
  auto due = guests_->ExpireDue();
  ASSERT_TRUE(due) << due.error().message;
  EXPECT_EQ(due->disabled, std::vector<std::string>{ann_.id});
  EXPECT_EQ(due->failed, 0);
  EXPECT_TRUE(Stored(ann_.id).disabled);
  EXPECT_FALSE(Stored(bob_.id).disabled);
  EXPECT_FALSE(sessions_->Resolve(session->cookie_value));
  EXPECT_TRUE(OpenSpacesOf(bob_.id).empty());
  EXPECT_EQ(Jobs().size(), 2u);

  // Once disabled, a later run leaves the guest alone.
  auto again = guests_->ExpireDue();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->disabled.empty());
}

TEST_F(GuestsTest, AnExpiredGuestIsEnabledOnlyWithALaterEnd) {
  const int64_t start = now_.load();
  GuestChanges ends;
  ends.expires_at = std::optional<int64_t>(start + 10);
  ASSERT_TRUE(guests_->Update(ann_.id, ends, actor_));
  now_ = start + 20;
  ASSERT_TRUE(guests_->ExpireDue());
  ASSERT_TRUE(Stored(ann_.id).disabled);

  auto refused = guests_->Update(ann_.id, Disable(false), actor_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, "account_expired");
  EXPECT_EQ(refused.error().field, "expiresAt");
  EXPECT_TRUE(Stored(ann_.id).disabled);

  GuestChanges past = Disable(false);
  past.expires_at = std::optional<int64_t>(start + 20);  // now: not in the future
  auto not_future = guests_->Update(ann_.id, past, actor_);
  ASSERT_FALSE(not_future);
  EXPECT_EQ(not_future.error().message, "The expiry must be in the future.");
  EXPECT_EQ(Stored(ann_.id).expires_at, std::optional<int64_t>(start + 10));

  GuestChanges renewed = Disable(false);
  renewed.expires_at = std::optional<int64_t>{};  // no end
  auto enabled = guests_->Update(ann_.id, renewed, actor_);
  ASSERT_TRUE(enabled) << enabled.error().message;
  EXPECT_FALSE(enabled->disabled);
  EXPECT_EQ(enabled->expires_at, std::nullopt);
}

TEST_F(GuestsTest, AGuestChangesTheirOwnPasswordKeepingOnlyTheirSession) {
  NewGuest fresh{"Cy", "cyd", "first-password-1", true, std::nullopt};
  auto cy = guests_->Create(fresh, actor_);
  ASSERT_TRUE(cy) << cy.error().message;
  EXPECT_TRUE(cy->must_change_password);
  auto mine = sessions_->CreateForGuest(cy->id);
  auto other = sessions_->CreateForGuest(cy->id);
  ASSERT_TRUE(mine && other);
  auto resolved = sessions_->Resolve(mine->cookie_value);
  ASSERT_TRUE(resolved);
  EXPECT_TRUE(resolved->must_change_password);

  auto wrong = guests_->ChangeOwnPassword(cy->id, "not-it-at-all", "second-password-2", mine->cookie_value);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field, "currentPassword");
  EXPECT_TRUE(Stored(cy->id).must_change_password);

  ASSERT_TRUE(guests_->ChangeOwnPassword(cy->id, "first-password-1", "second-password-2", mine->cookie_value));
  EXPECT_FALSE(Stored(cy->id).must_change_password);
  EXPECT_TRUE(crypto::VerifyPassword(Stored(cy->id).password_hash, "second-password-2"));
  resolved = sessions_->Resolve(mine->cookie_value);
  ASSERT_TRUE(resolved);
  EXPECT_FALSE(resolved->must_change_password);
  EXPECT_FALSE(sessions_->Resolve(other->cookie_value));
}

}  // namespace
}  // namespace gp::service
