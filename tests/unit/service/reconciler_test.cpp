// The Reconciler's sweep of space intents left behind by a creation that never finished (the
// process died between asking Webex for the room and learning its id).
#include "service/reconciler.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace gp::service {
namespace {

using fakes::FakeWebex;
using Op = FakeWebex::Op;

class ReconcilerTest : public fakes::ServiceTest {
 protected:
  static constexpr const char* kTitle = "Ann and Bob";

  void SetUp() override {
    SignInAppAdmin();
    ann_ = AddGuest("ann", "Ann");
    bob_ = AddGuest("bob", "Bob");
    Allow({{ann_.id, bob_.id}});
  }

  // An intent saved at the current time, whose room id was never recorded.
  storage::SpaceIntent SaveIntent(const std::string& id) {
    storage::SpaceIntent intent;
    intent.id = id;
    intent.member_key = domain::MemberKey({ann_.id, bob_.id});
    intent.title = kTitle;
    intent.created_by = ann_.id;
    intent.created_at = Now();
    auto saved = storage_->SaveSpaceIntent(intent);
    EXPECT_TRUE(saved) << saved.error().message;
    return intent;
  }

  bool HasIntent(const std::string& id) {
    for (const auto& intent : Intents()) {
      if (intent.id == id) return true;
    }
    return false;
  }

  // Passes until nothing is left to do (the sweep may queue a deletion that a later pass makes).
  void Reconcile(int passes = 2) {
    for (int i = 0; i < passes; ++i) Run(reconciler_->RunOnce());
  }

  storage::GuestRecord ann_, bob_;
};

TEST_F(ReconcilerTest, AStaleIntentsOrphanRoomIsFoundByTitleAndDeleted) {
  SaveIntent("intent-stale");
  // Webex made the room a second later; the portal never heard of it.
  const std::string orphan = webex_->SeedRoom(kTitle, kAdminPerson, Now() + 1, {kAdminPerson});
  // A room of the same title that someone else made is no orphan of ours.
  const std::string foreign = webex_->SeedRoom(kTitle, "person-someone-else", Now() + 1, {kAdminPerson});
  Advance(60);  // past the grace period

  auto first = Run(reconciler_->RunOnce());
  EXPECT_EQ(first.intents_swept, 1);
  EXPECT_FALSE(HasIntent("intent-stale"));
  Reconcile();
  EXPECT_FALSE(webex_->HasRoom(orphan));
  EXPECT_TRUE(webex_->HasRoom(foreign));
  EXPECT_TRUE(Intents().empty());
  EXPECT_TRUE(Jobs().empty());
  EXPECT_GE(webex_->Calls(Op::kListRecentRooms), 1);
}

TEST_F(ReconcilerTest, ARoomThatACommittedSpaceUsesIsLeftAlone) {
  auto space = SeedOpenSpace({ann_.id, bob_.id}, kTitle);  // its room has the same title
  SaveIntent("intent-stale");
  Advance(60);

  Reconcile();
  EXPECT_TRUE(webex_->HasRoom(space.webex_room_id));
  EXPECT_EQ(webex_->Calls(Op::kDeleteRoom), 0);
  EXPECT_FALSE(HasIntent("intent-stale"));
  EXPECT_TRUE(Jobs().empty());
  auto stored = storage_->GetSpace(space.id);
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->closed_at.has_value());
}

TEST_F(ReconcilerTest, AnIntentStillInFlightHereIsLeftAlone) {
  SaveIntent("intent-running");
  intents_.Add("intent-running");
  const std::string room = webex_->SeedRoom(kTitle, kAdminPerson, Now() + 1, {kAdminPerson});
  Advance(60);

  Reconcile();
  EXPECT_TRUE(webex_->HasRoom(room));
  EXPECT_TRUE(HasIntent("intent-running"));
  EXPECT_TRUE(Jobs().empty());
  EXPECT_EQ(webex_->Calls(Op::kDeleteRoom), 0);

  // Once the creation is over (here: it died without cleaning up), the next pass sweeps it.
  intents_.Remove("intent-running");
  Reconcile();
  EXPECT_FALSE(webex_->HasRoom(room));
  EXPECT_FALSE(HasIntent("intent-running"));
}

TEST_F(ReconcilerTest, AnIntentYoungerThanTheGraceIsLeftAlone) {
  SaveIntent("intent-young");
  const std::string room = webex_->SeedRoom(kTitle, kAdminPerson, Now(), {kAdminPerson});
  // Not advanced: the creation may still be running in another process.
  Reconcile();
  EXPECT_TRUE(webex_->HasRoom(room));
  EXPECT_TRUE(HasIntent("intent-young"));
}

TEST_F(ReconcilerTest, AnIntentWithAKnownRoomHasItDeleted) {
  auto intent = SaveIntent("intent-with-room");
  const std::string room = webex_->SeedRoom(kTitle, kAdminPerson, Now(), {kAdminPerson});
  ASSERT_TRUE(storage_->SetSpaceIntentRoom(intent.id, room));
  Advance(60);

  Reconcile();
  EXPECT_FALSE(webex_->HasRoom(room));
  EXPECT_TRUE(Intents().empty());
  EXPECT_TRUE(Jobs().empty());
}

TEST(ParseWebexTime, ReadsWebexTimesAndRefusesOthers) {
  EXPECT_EQ(ParseWebexTime("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(ParseWebexTime("2023-11-14T22:13:20.000Z"), 1'700'000'000);
  EXPECT_EQ(ParseWebexTime(fakes::IsoTime(1'700'000'123)), 1'700'000'123);
  EXPECT_FALSE(ParseWebexTime("yesterday"));
  EXPECT_FALSE(ParseWebexTime(""));
}

// Three attempts, a second apart: a job's last attempt comes within a few passes.
ReconcilerOptions FewQuickAttempts() {
  ReconcilerOptions options;
  options.max_attempts = 3;
  options.initial_backoff_seconds = 1;
  options.max_backoff_seconds = 1;
  return options;
}

TEST_F(ReconcilerTest, ARemovalThatKeepsFailingIsRecordedOnceAsOverdueAndNeverDropped) {
  ReconcilerOptions options = FewQuickAttempts();
  Reconciler reconciler(*storage_, *webex_, *app_admin_, *pool_, *audit_, intents_, clock_,
                        options);
  auto space = SeedOpenSpace({ann_.id, bob_.id}, kTitle);
  auto closed = storage_->ReplacePairs({}, Now());  // revokes the pair: both memberships are to go
  ASSERT_TRUE(closed) << closed.error().message;
  ASSERT_EQ(Jobs().size(), 2u);
  webex_->FailAlways(Op::kDeleteMembership);

  // Three failures of each, then two more passes: the jobs stay, tried on every pass.
  for (int pass = 1; pass <= 5; ++pass) {
    Run(reconciler.RunOnce());
    Advance(5);
    EXPECT_EQ(Jobs().size(), 2u) << "pass " << pass;
  }
  EXPECT_EQ(webex_->Calls(Op::kDeleteMembership), 10);
  EXPECT_TRUE(storage_->ListAudit({.action = "reconciler.give_up"})->empty());

  auto audit = storage_->ListAudit({.action = "reconciler.stuck"});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 2u);  // once per job, at its third failure
  for (const auto& record : *audit) {
    EXPECT_EQ(record.actor, "reconciler");
    EXPECT_EQ(record.target, space.id);
    EXPECT_EQ(record.outcome, "failure");
    EXPECT_NE(record.detail.find("membership.remove "), std::string::npos) << record.detail;
    EXPECT_NE(record.detail.find(" after 3 attempts: unavailable: "), std::string::npos)
        << record.detail;
  }
  EXPECT_TRUE(storage_->ListAudit({.action = "membership.remove"})->empty());

  // Once Webex lets it, the removals are done after all.
  webex_->Heal(Op::kDeleteMembership);
  Run(reconciler.RunOnce());
  EXPECT_TRUE(Jobs().empty());
  EXPECT_EQ(storage_->ListAudit({.action = "membership.remove"})->size(), 2u);
}

TEST_F(ReconcilerTest, AMeetingsEndThatKeepsFailingIsGivenUpOnceAndRecorded) {
  ReconcilerOptions options = FewQuickAttempts();
  // No hosts are set up here: every attempt to end the meeting fails.
  Reconciler reconciler(*storage_, *webex_, *app_admin_, *pool_, *audit_, intents_, clock_,
                        options);
  auto space = SeedOpenSpace({ann_.id, bob_.id}, kTitle);
  storage::WebexJob job;
  job.kind = storage::JobKind::kEndMeeting;
  job.room_id = space.webex_room_id;
  job.space_id = space.id;
  job.host_id = "host-1";
  job.meeting_id = "meeting-1";
  ASSERT_TRUE(storage_->QueueWebexJob(job));

  for (int pass = 1; pass <= 2; ++pass) {
    Run(reconciler.RunOnce());
    Advance(5);
    EXPECT_EQ(Jobs().size(), 1u) << "pass " << pass;
  }
  Run(reconciler.RunOnce());  // the third failure
  EXPECT_TRUE(Jobs().empty());
  Advance(5);
  Run(reconciler.RunOnce());

  auto audit = storage_->ListAudit({.action = "reconciler.give_up"});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().target, space.id);
  EXPECT_EQ(audit->front().outcome, "failure");
  EXPECT_NE(audit->front().detail.find("meeting.end after 3 attempts: "), std::string::npos)
      << audit->front().detail;
  EXPECT_TRUE(storage_->ListAudit({.action = "reconciler.stuck"})->empty());
}

}  // namespace
}  // namespace gp::service
