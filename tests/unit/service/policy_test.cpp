// Policy::Replace: a revoke closes the spaces of the pair at once and leaves the Webex side to the
// Reconciler, which retries with back-off until Webex agrees.
#include "service/policy.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "domain/policy.hpp"
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
  ASSERT_EQ(change->spaces_closed.size(), 1u);
  EXPECT_EQ(change->spaces_closed.front().id, space_.id);
  EXPECT_EQ(change->removed, (std::vector<Pair>{domain::NormalizePair(ann_.id, bob_.id)}));
  EXPECT_TRUE(change->added.empty());

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

TEST_F(PolicyTest, ADryRunWritesNothingAndForeseesExactlyWhatTheChangeDoes) {
  auto before = storage_->ListPairs();
  ASSERT_TRUE(before);
  auto preview =
      policy_->Replace({{ann_.id, cy_.id}, {bob_.id, cy_.id}}, "admin:admin@example.com", true);
  ASSERT_TRUE(preview) << preview.error().message;
  EXPECT_TRUE(preview->dry_run);
  EXPECT_EQ(*storage_->ListPairs(), *before);
  EXPECT_FALSE(storage_->GetSpace(space_.id)->closed_at.has_value());
  EXPECT_TRUE(Jobs().empty());

  auto real = policy_->Replace({{ann_.id, cy_.id}, {bob_.id, cy_.id}}, "admin:admin@example.com");
  ASSERT_TRUE(real) << real.error().message;
  EXPECT_FALSE(real->dry_run);
  EXPECT_EQ(real->added, preview->added);
  EXPECT_EQ(real->removed, preview->removed);
  ASSERT_EQ(real->spaces_closed.size(), preview->spaces_closed.size());
  ASSERT_EQ(real->spaces_closed.size(), 1u);
  EXPECT_EQ(real->spaces_closed.front().id, preview->spaces_closed.front().id);
  EXPECT_EQ(real->added, (std::vector<Pair>{domain::NormalizePair(bob_.id, cy_.id)}));
}

TEST_F(PolicyTest, ChangeAddsAndRemovesOnlyWhatItNames) {
  auto preview =
      policy_->Change({{{bob_.id, cy_.id}}, {{bob_.id, ann_.id}}}, "admin:admin@example.com", true);
  ASSERT_TRUE(preview) << preview.error().message;
  ASSERT_EQ(preview->spaces_closed.size(), 1u);
  EXPECT_EQ(preview->spaces_closed.front().id, space_.id);
  EXPECT_FALSE(storage_->GetSpace(space_.id)->closed_at.has_value());

  auto change =
      policy_->Change({{{bob_.id, cy_.id}}, {{bob_.id, ann_.id}}}, "admin:admin@example.com");
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_EQ(change->added, (std::vector<Pair>{domain::NormalizePair(bob_.id, cy_.id)}));
  EXPECT_EQ(change->removed, (std::vector<Pair>{domain::NormalizePair(ann_.id, bob_.id)}));
  ASSERT_EQ(change->spaces_closed.size(), 1u);
  EXPECT_EQ(change->spaces_closed.front().id, space_.id);
  EXPECT_TRUE(storage_->GetSpace(space_.id)->closed_at.has_value());
  EXPECT_EQ(*storage_->ListPairs(),
            (std::vector<storage::PairRecord>{domain::NormalizePair(ann_.id, cy_.id),
                                              domain::NormalizePair(bob_.id, cy_.id)}));
}

TEST_F(PolicyTest, ChangeRefusesAPairBothAddedAndRemovedAndChangesNothing) {
  auto both =
      policy_->Change({{{bob_.id, cy_.id}}, {{cy_.id, bob_.id}}}, "admin:admin@example.com");
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(both.error().field, "remove");
  auto unknown =
      policy_->Change({{{bob_.id, "ghost"}}, {{ann_.id, bob_.id}}}, "admin:admin@example.com");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "add");
  EXPECT_EQ(storage_->ListPairs()->size(), 2u);
  EXPECT_FALSE(storage_->GetSpace(space_.id)->closed_at.has_value());
}

TEST_F(PolicyTest, ExplainGivesEveryReasonAndTheSharedSpacesOpenFirst) {
  auto allowed = policy_->Explain(ann_.id, bob_.id);
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_TRUE(allowed->reasons.empty());
  ASSERT_EQ(allowed->spaces.size(), 1u);
  EXPECT_EQ(allowed->spaces.front().id, space_.id);

  ASSERT_TRUE(policy_->Replace({{ann_.id, cy_.id}}, "admin:admin@example.com"));
  ASSERT_TRUE(storage_->DisableGuest(bob_.id, Now()));
  auto denied = policy_->Explain(bob_.id, ann_.id);
  ASSERT_TRUE(denied) << denied.error().message;
  ASSERT_EQ(denied->reasons.size(), 2u);
  EXPECT_EQ(denied->reasons[0].code, "no_pair");
  EXPECT_EQ(denied->reasons[0].message, "Bob and Ann are not an allowed pair.");
  EXPECT_EQ(denied->reasons[1].code, "disabled");
  EXPECT_EQ(denied->reasons[1].guest, bob_.id);
  ASSERT_EQ(denied->spaces.size(), 1u);
  EXPECT_TRUE(denied->spaces.front().closed_at.has_value());

  // Cy's account ended a moment ago; the expiry task has not disabled it yet.
  ASSERT_TRUE(storage_->SetGuestExpiry(cy_.id, Now(), Now()));
  auto expired = policy_->Explain(ann_.id, cy_.id);
  ASSERT_TRUE(expired) << expired.error().message;
  ASSERT_EQ(expired->reasons.size(), 1u);
  EXPECT_EQ(expired->reasons[0].code, "expired");
  EXPECT_EQ(expired->reasons[0].guest, cy_.id);
  EXPECT_EQ(expired->reasons[0].message, "Cy's account has expired.");

  EXPECT_EQ(policy_->Explain(ann_.id, ann_.id).error().code, ErrorCode::kBadRequest);
  auto unknown = policy_->Explain(ann_.id, "ghost");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().field, "b");
}

TEST_F(PolicyTest, TheDirectoryFollowsEachChangeByUpdatingItself) {
  auto first = policy_->Directory();
  ASSERT_TRUE(first);
  auto again = policy_->Directory();
  ASSERT_TRUE(again);
  EXPECT_EQ(first->get(), again->get());  // one index per version
  EXPECT_EQ((*first)->Find(ann_.id)->pair_count, 2);
  ASSERT_TRUE(policy_->Replace({{ann_.id, cy_.id}}, "admin:admin@example.com"));
  auto after = policy_->Directory();
  ASSERT_TRUE(after);
  EXPECT_NE(first->get(), after->get());
  EXPECT_EQ((*after)->Find(ann_.id)->pair_count, 1);
  EXPECT_EQ((*first)->Find(ann_.id)->pair_count, 2);  // a reader of the old one still sees it whole
  EXPECT_EQ(policy_->directory_builds(), 1);
  EXPECT_EQ(policy_->directory_updates(), 1);
}

TEST_F(PolicyTest, CallersAtTheSameTimeShareOneRefreshOfTheDirectory) {
  ASSERT_TRUE(policy_->Directory());
  ASSERT_TRUE(policy_->Replace({{ann_.id, cy_.id}}, "admin:admin@example.com"));
  const auto builds = policy_->directory_builds();
  const auto updates = policy_->directory_updates();
  constexpr int kThreads = 8;
  std::vector<const GuestDirectory*> seen(kThreads, nullptr);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([this, &seen, i] {
      auto directory = policy_->Directory();
      if (directory) seen[i] = directory->get();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto* directory : seen) {
    ASSERT_NE(directory, nullptr);
    EXPECT_EQ(directory, seen.front());  // one index for all of them
  }
  EXPECT_EQ(policy_->directory_builds(), builds);
  EXPECT_EQ(policy_->directory_updates(), updates + 1);  // the change was applied once
  EXPECT_EQ(seen.front()->Find(ann_.id)->pair_count, 1);
}

}  // namespace
}  // namespace gp::service
