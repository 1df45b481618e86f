// Spaces::Create end to end over SQLite and the fake Webex: state first, Webex catches up, and no
// room outlives a creation that failed.
#include "service/spaces.hpp"

#include <gtest/gtest.h>

#include "core/when_all.hpp"
#include "fakes.hpp"

namespace gp::service {
namespace {

using fakes::FakeGuestTokenProvider;
using fakes::FakeWebex;
using Op = FakeWebex::Op;

class SpacesTest : public fakes::ServiceTest {
 protected:
  void SetUp() override {
    SignInAppAdmin();
    ann_ = AddGuest("ann", "Ann");
    bob_ = AddGuest("bob", "Bob");
  }

  CreateSpaceRequest AnnWithBob() { return CreateSpaceRequest{ann_.id, {bob_.id}, std::nullopt}; }

  std::string AnnPerson() const { return FakeGuestTokenProvider::PersonIdOf(ann_.id); }
  std::string BobPerson() const { return FakeGuestTokenProvider::PersonIdOf(bob_.id); }

  storage::GuestRecord ann_;
  storage::GuestRecord bob_;
};

TEST_F(SpacesTest, CreatesTheRoomWithEveryGuestAndStoresTheSpaceWithTheirMemberships) {
  Allow({{ann_.id, bob_.id}});
  auto created = Run(spaces_->Create(AnnWithBob()));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_FALSE(created->existing);

  auto stored = storage_->GetSpace(created->space.id);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_FALSE(stored->closed_at.has_value());
  EXPECT_EQ(stored->member_key, domain::MemberKey({ann_.id, bob_.id}));
  const std::string room = stored->webex_room_id;
  ASSERT_TRUE(webex_->HasRoom(room));
  EXPECT_EQ(webex_->rooms().at(room).creator_id, kAdminPerson);
  EXPECT_EQ(webex_->MembersOf(room), (std::set<std::string>{AnnPerson(), BobPerson(), kAdminPerson}));
  // The stored membership ids are the ones Webex gave, so closing can remove them without a lookup.
  ASSERT_EQ(stored->membership_ids.size(), 2u);
  EXPECT_EQ(stored->membership_ids.at(ann_.id), webex_->MembershipIdOf(room, AnnPerson()));
  EXPECT_EQ(stored->membership_ids.at(bob_.id), webex_->MembershipIdOf(room, BobPerson()));

  EXPECT_EQ(webex_->Calls(Op::kCreateRoom), 1);
  EXPECT_EQ(webex_->rooms().size(), 1u);
  EXPECT_TRUE(Intents().empty());
  EXPECT_TRUE(Jobs().empty());
  ASSERT_EQ(OpenSpacesOf(bob_.id).size(), 1u);
  EXPECT_EQ(OpenSpacesOf(bob_.id).front().id, created->space.id);
}

TEST_F(SpacesTest, APairThatIsNotAllowedIsRefusedWithoutAnyWebexCall) {
  auto created = Run(spaces_->Create(AnnWithBob()));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(webex_->TotalCalls(), 0);
  EXPECT_EQ(provider_->calls(), 0);
  EXPECT_TRUE(AllSpaces().empty());
  EXPECT_TRUE(Intents().empty());
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(SpacesTest, AFailedAddDeletesTheRoomAtOnceAndStoresNothing) {
  Allow({{ann_.id, bob_.id}});
  webex_->FailNext(Op::kAddMembership, 1, ErrorCode::kUnavailable);
  auto created = Run(spaces_->Create(AnnWithBob()));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().reason, "webex_failed");
  EXPECT_EQ(webex_->Calls(Op::kCreateRoom), 1);
  // Deleted during the call, not later by the Reconciler.
  EXPECT_EQ(webex_->Calls(Op::kDeleteRoom), 1);
  EXPECT_TRUE(webex_->rooms().empty());
  EXPECT_TRUE(AllSpaces().empty());
  EXPECT_TRUE(Intents().empty());
}

TEST_F(SpacesTest, AFailedAddWhoseRoomWasDeletedLeavesNoPendingWork) {
  Allow({{ann_.id, bob_.id}});
  webex_->FailNext(Op::kAddMembership, 1, ErrorCode::kUnavailable);
  auto created = Run(spaces_->Create(AnnWithBob()));
  ASSERT_FALSE(created);
  ASSERT_TRUE(webex_->rooms().empty());
  // The room is gone already: a kDeleteRoom job for it would be work for nothing.
  EXPECT_TRUE(Jobs().empty()) << "a job was queued for a room that was deleted at once";
}

TEST_F(SpacesTest, WhenTheRoomCannotBeDeletedEitherTheReconcilerDeletesItLater) {
  Allow({{ann_.id, bob_.id}});
  webex_->FailNext(Op::kAddMembership, 1, ErrorCode::kUnavailable);
  webex_->FailAlways(Op::kDeleteRoom, ErrorCode::kUnavailable);
  auto created = Run(spaces_->Create(AnnWithBob()));
  ASSERT_FALSE(created);
  ASSERT_EQ(webex_->rooms().size(), 1u);
  const std::string room = webex_->rooms().begin()->first;
  EXPECT_TRUE(AllSpaces().empty());
  EXPECT_TRUE(Intents().empty());
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].kind, storage::JobKind::kDeleteRoom);
  EXPECT_EQ(jobs[0].room_id, room);

  webex_->Heal(Op::kDeleteRoom);
  auto report = Run(reconciler_->RunOnce());
  EXPECT_EQ(report.done, 1);
  EXPECT_FALSE(webex_->HasRoom(room));
  EXPECT_TRUE(Jobs().empty());
  EXPECT_EQ(reconciler_->Backlog(), 0);
}

TEST_F(SpacesTest, ARevokeThatCommitsWhileMembersAreBeingAddedWins) {
  Allow({{ann_.id, bob_.id}});
  bool revoked = false;
  webex_->SetHook(Op::kAddMembership, [&] {
    if (revoked) return;
    revoked = true;
    auto closure = storage_->ReplacePairs({}, Now());  // the administrator's revoke, committed meanwhile
    ASSERT_TRUE(closure) << closure.error().message;
  });
  auto created = Run(spaces_->Create(AnnWithBob()));
  ASSERT_TRUE(revoked);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(AllSpaces().empty());
  EXPECT_TRUE(Intents().empty());

  Run(reconciler_->RunOnce());
  EXPECT_TRUE(webex_->rooms().empty());
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(SpacesTest, TheSameMemberSetCreatedTwiceAtOnceGivesOneSpace) {
  Allow({{ann_.id, bob_.id}});
  // Both creations are inside Webex at the same time.
  webex_->SetLatency(Op::kCreateRoom, std::chrono::milliseconds(20));
  std::vector<std::function<webex::Task<CreatedSpace>()>> both = {
      [&] { return spaces_->Create(CreateSpaceRequest{ann_.id, {bob_.id}, std::nullopt}); },
      [&] { return spaces_->Create(CreateSpaceRequest{bob_.id, {ann_.id}, std::nullopt}); },
  };
  auto results = Run(WhenAll(std::move(both)));
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0]) << results[0].error().message;
  ASSERT_TRUE(results[1]) << results[1].error().message;
  EXPECT_EQ(results[0]->space.id, results[1]->space.id);
  EXPECT_NE(results[0]->existing, results[1]->existing) << "exactly one answer is the existing space";
  ASSERT_EQ(AllSpaces().size(), 1u);
  // One identity per guest, however many creations asked for it at once.
  EXPECT_EQ(provider_->calls(), 2);

  Run(reconciler_->RunOnce());
  ASSERT_EQ(webex_->rooms().size(), 1u);
  EXPECT_EQ(webex_->rooms().begin()->first, AllSpaces().front().webex_room_id);
  EXPECT_TRUE(Jobs().empty());
  EXPECT_TRUE(Intents().empty());
}

}  // namespace
}  // namespace gp::service
