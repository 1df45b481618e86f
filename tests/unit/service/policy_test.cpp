// Policy::Replace: a revoke closes the spaces of the pair at once and leaves the Webex side to the
// Reconciler, which retries with back-off until Webex agrees.
#include "service/policy.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace gp::service {
namespace {

using fakes::FakeGuestTokenProvider;
using fakes::FakeWebex;
using Op = FakeWebex::Op;

class PolicyTest : public fakes::ServiceTest {
 protected:
  void SetUp() override {
    SignInAppAdmin();
    ann_ = AddGuest("ann", "Ann");
    bob_ = AddGuest("bob", "Bob");
    cy_ = AddGuest("cy", "Cy");
    Allow({{ann_.id, bob_.id}, {ann_.id, cy_.id}});
    space_ = SeedOpenSpace({ann_.id, bob_.id}, "Ann and Bob");
    other_ = SeedOpenSpace({ann_.id, cy_.id}, "Ann and Cy");
  }

  bool HasGuestMembers(const std::string& room_id) const {
    auto members = webex_->MembersOf(room_id);
    return members.contains(FakeGuestTokenProvider::PersonIdOf(ann_.id)) ||
           members.contains(FakeGuestTokenProvider::PersonIdOf(bob_.id));
  }

  storage::GuestRecord ann_, bob_, cy_;
  storage::SpaceRecord space_, other_;
};

TEST_F(PolicyTest, ARevokeClosesTheSpaceAtOnceAndQueuesTheRemovalOfBothGuests) {
  auto change = policy_->Replace({{ann_.id, cy_.id}}, "admin:admin@example.com");
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_EQ(change->closed_spaces, std::vector<std::string>{space_.id});

  // The guests lose the space now, whatever Webex does later.
  for (const auto& guest : {ann_.id, bob_.id}) {
    for (const auto& open : OpenSpacesOf(guest)) EXPECT_NE(open.id, space_.id) << guest;
  }
  auto closed = storage_->GetSpace(space_.id);
  ASSERT_TRUE(closed);
  EXPECT_TRUE(closed->closed_at.has_value());
  // The space of a pair still allowed stays open.
  ASSERT_EQ(OpenSpacesOf(cy_.id).size(), 1u);
  EXPECT_EQ(OpenSpacesOf(cy_.id).front().id, other_.id);

  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::string> persons;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.kind, storage::JobKind::kRemoveMembership);
    EXPECT_EQ(job.room_id, space_.webex_room_id);
    EXPECT_EQ(job.space_id, space_.id);
    persons.insert(job.person_id);
  }
  EXPECT_EQ(persons, (std::set<std::string>{FakeGuestTokenProvider::PersonIdOf(ann_.id),
                                            FakeGuestTokenProvider::PersonIdOf(bob_.id)}));
  // Nothing was asked of Webex yet: the change is committed first.
  EXPECT_EQ(webex_->Calls(Op::kDeleteMembership), 0);
  EXPECT_TRUE(HasGuestMembers(space_.webex_room_id));
}

TEST_F(PolicyTest, TheReconcilerRetriesWithBackOffUntilWebexAgrees) {
  ASSERT_TRUE(policy_->Replace({{ann_.id, cy_.id}}, "admin:admin@example.com"));
  ASSERT_EQ(Jobs().size(), 2u);

  webex_->FailAlways(Op::kDeleteMembership, ErrorCode::kUnavailable);
  auto failed = Run(reconciler_->RunOnce());
  EXPECT_EQ(failed.done, 0);
  EXPECT_EQ(failed.retried, 2);
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  int64_t due = 0;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.attempts, 1);
    EXPECT_GT(job.next_attempt_at, Now());
    EXPECT_FALSE(job.last_error.empty());
    due = std::max(due, job.next_attempt_at);
  }
  EXPECT_TRUE(HasGuestMembers(space_.webex_room_id));

  // Healthy again, but the back-off has not passed: nothing is tried.
  webex_->Heal(Op::kDeleteMembership);
  const int calls = webex_->Calls(Op::kDeleteMembership);
  auto early = Run(reconciler_->RunOnce());
  EXPECT_EQ(early.done, 0);
  EXPECT_EQ(webex_->Calls(Op::kDeleteMembership), calls);
  EXPECT_EQ(Jobs().size(), 2u);

  Advance(due - Now() + 1);
  auto healed = Run(reconciler_->RunOnce());
  EXPECT_EQ(healed.done, 2);
  EXPECT_FALSE(HasGuestMembers(space_.webex_room_id));
  EXPECT_TRUE(webex_->MembersOf(space_.webex_room_id).contains(kAdminPerson));
  EXPECT_TRUE(Jobs().empty());
  // The other space was not touched.
  EXPECT_EQ(webex_->MembersOf(other_.webex_room_id).size(), 3u);
}

TEST_F(PolicyTest, AMembershipAlreadyGoneCountsAsDone) {
  ASSERT_TRUE(policy_->Replace({{ann_.id, cy_.id}}, "admin:admin@example.com"));
  // Someone removed the room in Webex meanwhile.
  ASSERT_TRUE(webex_->HasRoom(space_.webex_room_id));
  Run(webex_->DeleteRoom(kAdminAccess, space_.webex_room_id, webex::DeadlineIn(std::chrono::seconds(1))));
  auto report = Run(reconciler_->RunOnce());
  EXPECT_EQ(report.done, 2);
  EXPECT_TRUE(Jobs().empty());
}

}  // namespace
}  // namespace gp::service
