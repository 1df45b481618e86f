// Leader: one instance at a time holds the background work; another takes over when the leader's term
// runs out or it gives the term up, and each change is announced once.
#include "service/leader.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fakes.hpp"

namespace gp::service {
namespace {

class LeaderTest : public fakes::ServiceTest {
 protected:
  std::unique_ptr<Leader> Make(const std::string& instance, std::vector<bool>& changes) {
    auto leader = std::make_unique<Leader>(*storage_, *pool_, clock_, instance, LeaderOptions{20, 5});
    leader->SetOnChange([&changes](bool leading) { changes.push_back(leading); });
    return leader;
  }
};

TEST_F(LeaderTest, OneInstanceLeadsAndRenewsItsTerm) {
  std::vector<bool> a_changes;
  std::vector<bool> b_changes;
  auto a = Make("a", a_changes);
  auto b = Make("b", b_changes);
  Run(a->Renew());
  Run(b->Renew());
  EXPECT_TRUE(a->leading());
  EXPECT_FALSE(b->leading());
  // Renewals every 5 s keep the term going well past its first 20 s.
  for (int i = 0; i < 10; ++i) {
    Advance(5);
    Run(a->Renew());
    Run(b->Renew());
  }
  EXPECT_TRUE(a->leading());
  EXPECT_FALSE(b->leading());
  EXPECT_EQ(a_changes, std::vector<bool>{true});
  EXPECT_TRUE(b_changes.empty());
}

TEST_F(LeaderTest, AnotherTakesOverWhenTheLeadersTermRunsOut) {
  std::vector<bool> a_changes;
  std::vector<bool> b_changes;
  auto a = Make("a", a_changes);
  auto b = Make("b", b_changes);
  Run(a->Renew());
  // The leader stops renewing (it died): before its term ends nobody else leads; after, b does.
  Advance(19);
  Run(b->Renew());
  EXPECT_FALSE(b->leading());
  Advance(1);
  Run(b->Renew());
  EXPECT_TRUE(b->leading());
  EXPECT_EQ(b_changes, std::vector<bool>{true});
  // The old leader, back, learns at its next renewal that it no longer leads.
  Run(a->Renew());
  EXPECT_FALSE(a->leading());
  EXPECT_EQ(a_changes, (std::vector<bool>{true, false}));
}

TEST_F(LeaderTest, AReleasedTermIsTakenAtOnce) {
  std::vector<bool> a_changes;
  std::vector<bool> b_changes;
  auto a = Make("a", a_changes);
  auto b = Make("b", b_changes);
  Run(a->Renew());
  Run(b->Renew());
  ASSERT_FALSE(b->leading());
  a->Release();
  EXPECT_FALSE(a->leading());
  Run(b->Renew());
  EXPECT_TRUE(b->leading());
}

}  // namespace
}  // namespace gp::service
