// The meeting broker over SQLite and the fake Webex, with the test's clock: a lease ends once, by
// whichever comes first (heartbeat timeout, DELETE, Webex's end), and its host comes back only when
// the Webex work its end queued is done.
#include "service/meetings.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"
#include "service/events.hpp"
#include "service/hosts.hpp"
#include "service/notices.hpp"

namespace gp::service {
namespace {

using fakes::FakeWebex;
using Op = FakeWebex::Op;

constexpr const char* kHostAccess = "host-access";
constexpr const char* kHostRefresh = "host-refresh";
constexpr const char* kHostPerson = "person-host";
constexpr int64_t kTimeout = 120;

class MeetingsTest : public fakes::ServiceTest {
 protected:
  void SetUp() override {
    SignInAppAdmin();
    ann_ = AddGuest("ann", "Ann");
    bob_ = AddGuest("bob", "Bob");
    cy_ = AddGuest("cy", "Cy");
    space_ = SeedOpenSpace({ann_.id, bob_.id}, "Ann and Bob");
    other_ = SeedOpenSpace({ann_.id, cy_.id}, "Ann and Cy");
    events_ = std::make_unique<Events>(Events::Options{});
    notices_ = std::make_unique<Notices>(*storage_, *events_);
    hosts_ = std::make_unique<Hosts>(*storage_, *webex_, *pool_, *box_, *audit_, clock_,
                                     HostsOptions{"client-id", "client-secret", "https://portal.test"});
    reconciler_->SetHosts(hosts_.get());
    MeetingsOptions options;
    options.lease_timeout = kTimeout;
    options.meeting_check_seconds = 30;
    meetings_ = std::make_unique<Meetings>(*storage_, *webex_, *app_admin_, *hosts_, *pool_, *notices_, *audit_,
                                           clock_, options);
    ConnectHost();
  }

  void TearDown() override {
    pool_->Join();
    events_.reset();
    io_.reset();
    meetings_.reset();
  }

  void ConnectHost() {
    webex::Person person;
    person.id = kHostPerson;
    person.emails = {"host@example.com"};
    person.display_name = "Hana Host";
    webex_->AddPerson(kHostAccess, person, kHostRefresh);
    auto host = hosts_->AddPerson("host@example.com", "test");
    ASSERT_TRUE(host) << host.error().message;
    webex::OAuthTokens tokens{kHostAccess, 14 * 24 * 3600, kHostRefresh, 90 * 24 * 3600};
    auto connected = hosts_->Connect(host->id, tokens, person);
    ASSERT_TRUE(connected) << connected.error().message;
    host_id_ = host->id;
  }

  storage::PoolStats Stats() { return *storage_->GetPoolStats(); }
  // Runs the reconciler until the queued Webex work is done.
  void Reconcile() {
    for (int i = 0; i < 5 && !Jobs().empty(); ++i) Run(reconciler_->RunOnce());
  }

  storage::GuestRecord ann_;
  storage::GuestRecord bob_;
  storage::GuestRecord cy_;
  storage::SpaceRecord space_;
  storage::SpaceRecord other_;
  std::string host_id_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<Notices> notices_;
  std::unique_ptr<Hosts> hosts_;
  std::unique_ptr<Meetings> meetings_;
};

TEST_F(MeetingsTest, ALeaseAddsTheHostAndMakesOneMeetingThatEveryMemberShares) {
  auto lease = Run(meetings_->Start(ann_.id, space_.id));
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_EQ(lease->state, storage::LeaseState::kLive);
  EXPECT_EQ(lease->host_id, host_id_);
  EXPECT_EQ(lease->expires_at, Now() + kTimeout);
  EXPECT_TRUE(webex_->MembersOf(space_.webex_room_id).contains(kHostPerson));
  EXPECT_EQ(webex_->LiveMeetings(), 1);
  auto same = Run(meetings_->Start(bob_.id, space_.id));
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->id, lease->id);
  EXPECT_EQ(same->webex_meeting_id, lease->webex_meeting_id);
  EXPECT_EQ(webex_->Calls(Op::kCreateMeeting), 1);
  // Not Cy's space.
  EXPECT_EQ(Run(meetings_->Start(cy_.id, space_.id)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(meetings_->Live(cy_.id, space_.id).error().code, ErrorCode::kNotFound);
}

TEST_F(MeetingsTest, WithoutAHeartbeatTheLeaseEndsAtItsExpiryAndTheHostComesBackOnceWebexIsDone) {
  auto lease = Run(meetings_->Start(ann_.id, space_.id));
  ASSERT_TRUE(lease) << lease.error().message;
  // A heartbeat just before the end moves it.
  Advance(kTimeout - 1);
  auto renewed = Run(meetings_->Heartbeat(bob_.id, space_.id));
  ASSERT_TRUE(renewed) << renewed.error().message;
  EXPECT_EQ(renewed->expires_at, Now() + kTimeout);
  Advance(kTimeout - 1);
  Run(meetings_->Sweep());
  ASSERT_TRUE(meetings_->Live(ann_.id, space_.id)) << "a lease with a heartbeat ended";
  // Then none: one second past its expiry the sweep ends it.
  Advance(2);
  Run(meetings_->Sweep());
  EXPECT_EQ(meetings_->Live(ann_.id, space_.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Run(meetings_->Heartbeat(ann_.id, space_.id)).error().code, ErrorCode::kNotFound);
  // Ended in the portal; the host is held until Webex has ended the meeting and the host left.
  EXPECT_EQ(Stats().leased, 1);
  EXPECT_EQ(webex_->LiveMeetings(), 1);
  Reconcile();
  EXPECT_EQ(webex_->LiveMeetings(), 0);
  EXPECT_FALSE(webex_->MembersOf(space_.webex_room_id).contains(kHostPerson));
  EXPECT_EQ(Stats().free, 1);
  EXPECT_EQ(Stats().leased, 0);
  auto ended = storage_->ListAudit({});
  ASSERT_TRUE(ended);
  int returns = 0;
  for (const auto& entry : *ended) returns += entry.action == "meeting.return" && entry.detail.ends_with("timeout");
  EXPECT_EQ(returns, 1);
}

TEST_F(MeetingsTest, ALeaseEndsOnceWhateverEndsItAndWhenever) {
  auto lease = Run(meetings_->Start(ann_.id, space_.id));
  ASSERT_TRUE(lease) << lease.error().message;
  ASSERT_TRUE(Run(meetings_->End(bob_.id, space_.id)));
  // Webex's end, a second DELETE and the expiry come after: nothing more happens.
  Run(meetings_->MeetingEnded(lease->webex_meeting_id));
  ASSERT_TRUE(Run(meetings_->End(ann_.id, space_.id)));
  Advance(kTimeout + 1);
  Run(meetings_->Sweep());
  auto audit = storage_->ListAudit({});
  int returns = 0;
  for (const auto& entry : *audit) returns += entry.action == "meeting.return";
  EXPECT_EQ(returns, 1);
  Reconcile();
  EXPECT_EQ(Stats().free, 1);
  EXPECT_EQ(webex_->Calls(Op::kEndMeeting), 1);
}

TEST_F(MeetingsTest, AMeetingWebexRefusesGivesTheHostBackAndNoOtherSpaceWaits) {
  webex_->FailAlways(Op::kCreateMeeting, ErrorCode::kUpstream);
  auto lease = Run(meetings_->Start(ann_.id, space_.id));
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(lease.error().reason, "webex_failed");
  Reconcile();
  EXPECT_FALSE(webex_->MembersOf(space_.webex_room_id).contains(kHostPerson)) << "the host was left in the space";
  EXPECT_EQ(Stats().free, 1);
  webex_->Heal(Op::kCreateMeeting);
  auto next = Run(meetings_->Start(cy_.id, other_.id));
  ASSERT_TRUE(next) << next.error().message;
}

TEST_F(MeetingsTest, AnExhaustedPoolIsPoolExhaustedWithRetryAfterAndCounted) {
  ASSERT_TRUE(Run(meetings_->Start(ann_.id, space_.id)));
  auto refused = Run(meetings_->Start(cy_.id, other_.id));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().reason, "pool_exhausted");
  EXPECT_GT(refused.error().retry_after_seconds, 0);
  EXPECT_EQ(Stats().exhausted, 1);
  EXPECT_EQ(webex_->LiveMeetings(), 1);
}

TEST_F(MeetingsTest, TheSweepEndsALeaseWhoseMeetingWebexEndedWithoutTellingUs) {
  auto lease = Run(meetings_->Start(ann_.id, space_.id));
  ASSERT_TRUE(lease) << lease.error().message;
  webex_->EndMeetingNow(lease->webex_meeting_id);
  Run(meetings_->Sweep());
  EXPECT_EQ(meetings_->Live(ann_.id, space_.id).error().code, ErrorCode::kNotFound);
}

TEST_F(MeetingsTest, ALeaseLeftStartingByADeadProcessIsEndedAfterAMinute) {
  storage::LeaseRecord stale;
  stale.id = "lease-stale";
  stale.space_id = space_.id;
  stale.mode = "adhoc";
  stale.created_at = Now();
  stale.expires_at = Now() + kTimeout;
  ASSERT_TRUE(storage_->TakeLease(stale, storage::HostKind::kPerson));
  Run(meetings_->Sweep());
  EXPECT_EQ(Stats().leased, 1) << "a lease still within its start-up time was ended";
  Advance(61);
  Run(meetings_->Sweep());
  // The host leaves the space (it may have been added before the process died), then is free.
  EXPECT_EQ(Stats().leased, 1);
  Reconcile();
  EXPECT_EQ(Stats().free, 1);
  EXPECT_TRUE(Run(meetings_->Start(ann_.id, space_.id)));
}

TEST_F(MeetingsTest, AtStartALeaseLeftStartingIsGivenBackAtOnceAndItsHostLeavesTheSpace) {
  storage::LeaseRecord stale;
  stale.id = "lease-stale";
  stale.space_id = space_.id;
  stale.mode = "adhoc";
  stale.created_at = Now();
  stale.expires_at = Now() + kTimeout;
  ASSERT_TRUE(storage_->TakeLease(stale, storage::HostKind::kPerson));
  // The add reached Webex; its answer was lost with the process.
  ASSERT_TRUE(Run(webex_->AddMembership(kAdminAccess, space_.webex_room_id, kHostPerson,
                                        webex::DeadlineIn(std::chrono::seconds(5)))));
  Run(meetings_->Recover());
  Reconcile();
  EXPECT_FALSE(webex_->MembersOf(space_.webex_room_id).contains(kHostPerson));
  EXPECT_EQ(Stats().free, 1);
}

}  // namespace
}  // namespace gp::service
