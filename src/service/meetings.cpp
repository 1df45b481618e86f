#include "service/meetings.hpp"

#include <algorithm>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/when_all.hpp"

namespace gp::service {
namespace {

namespace asio = boost::asio;
using storage::LeaseRecord;
using storage::LeaseState;

tl::unexpected<Error> NoMeeting() {
  return Fail(ErrorCode::kNotFound, "no_meeting", "There is no meeting in this space right now.");
}

// A Webex failure as the guest is told of it: what could not be done, and that nothing is held.
tl::unexpected<Error> WebexFailed(Error error, const std::string& what) {
  if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kTooManyRequests) {
    error.code = ErrorCode::kUpstream;
  }
  if (error.reason != "app_admin_required" && error.reason != "host_not_connected") error.reason = "webex_failed";
  error.message = "Webex could not " + what + ", so no meeting was started. Please try again.";
  return tl::unexpected(error);
}

// Already a member: a 409 from Webex means the person is in the room.
bool AlreadyMember(const Error& error) { return error.code == ErrorCode::kConflict; }

std::string MeetingJson(const webex::Meeting& meeting) {
  nlohmann::json json{{"id", meeting.id}, {"meetingNumber", meeting.meeting_number}, {"webLink", meeting.web_link}};
  if (!meeting.password.empty()) json["password"] = meeting.password;
  if (!meeting.sip_address.empty()) json["sipAddress"] = meeting.sip_address;
  return json.dump();
}

}  // namespace

const char* MeetingModeName(MeetingMode mode) { return mode == MeetingMode::kSpacePool ? "space-pool" : "adhoc"; }

Meetings::Meetings(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, Hosts& hosts, WorkPool& pool,
                   Notices& notices, Audit& audit, Clock clock, MeetingsOptions options)
    : storage_(storage),
      webex_(webex),
      app_admin_(app_admin),
      hosts_(hosts),
      pool_(pool),
      notices_(notices),
      audit_(audit),
      clock_(std::move(clock)),
      options_(options) {}

Result<storage::SpaceRecord> Meetings::SpaceFor(const std::string& guest_id, const std::string& space_id) {
  return OpenSpaceOfMember(storage_, guest_id, space_id);
}

webex::Task<LeaseRecord> Meetings::Start(std::string guest_id, std::string space_id) {
  auto space = co_await pool_.Read([&] { return SpaceFor(guest_id, space_id); });
  if (!space) co_return tl::unexpected(space.error());
  LeaseRecord wanted;
  wanted.id = "lease_" + crypto::RandomToken(12);
  wanted.space_id = space->id;
  wanted.mode = MeetingModeName(options_.mode);
  wanted.created_at = clock_();
  wanted.expires_at = wanted.created_at + options_.lease_timeout;
  const auto kind = options_.mode == MeetingMode::kAdhoc ? storage::HostKind::kPerson : storage::HostKind::kSpace;
  auto taken = co_await pool_.Run([&] { return storage_.TakeLease(wanted, kind); });
  if (!taken) {
    if (taken.error().reason == "pool_exhausted") {
      co_await audit_.Note("guest:" + guest_id, "meeting.lease", space->id, "failure", "pool exhausted");
      Error error = taken.error();
      error.retry_after_seconds = options_.retry_after_seconds;
      error.message = "Every meeting host is busy right now, so the meeting cannot start yet. Please try again in " +
                      std::to_string(options_.retry_after_seconds) + " seconds.";
      co_return tl::unexpected(error);
    }
    co_return tl::unexpected(taken.error());
  }
  if (taken->id != wanted.id) {
    // Another member (or instance) leased it first: the same lease for everyone.
    if (taken->state == LeaseState::kLive) co_return *taken;
    co_return co_await AwaitStart(taken->id);
  }
  starting_.insert(taken->id);
  auto set_up = co_await SetUp(*taken, *space, guest_id);
  starting_.erase(taken->id);
  if (!set_up) co_return tl::unexpected(set_up.error());
  co_await audit_.Note("guest:" + guest_id, "meeting.lease", space->id, "success", set_up->id);
  co_return set_up;
}

webex::Task<LeaseRecord> Meetings::SetUp(LeaseRecord lease, storage::SpaceRecord space, std::string guest_id) {
  const auto deadline = webex::DeadlineIn(options_.budget);
  auto host = co_await pool_.Read([&] { return storage_.GetHost(lease.host_id); });
  if (!host) {
    co_await Finish(lease.id, "failed");
    co_return tl::unexpected(host.error());
  }
  // Not a conditional expression: GCC 12 miscompiles co_await in the arms of ?:.
  Result<LeaseRecord> live;
  if (options_.mode == MeetingMode::kAdhoc) {
    live = co_await SetUpAdhoc(lease, *host, space, deadline);
  } else {
    live = co_await SetUpSpacePool(lease, *host, space, deadline);
  }
  if (!live) {
    co_await Finish(lease.id, "failed");
    co_return tl::unexpected(live.error());
  }
  auto went_live = co_await pool_.Run([&] { return storage_.SetLeaseLive(*live); });
  if (!went_live) co_return tl::unexpected(went_live.error());
  if (!*went_live) {
    // It ended while it was being set up (End, the space closed): what was set up since goes too.
    auto jobs = ReturnJobs(*live, clock_());
    co_await pool_.Run([&] {
      for (const auto& job : jobs) {
        if (auto queued = storage_.QueueWebexJob(job); !queued) return Result<void>(tl::unexpected(queued.error()));
      }
      return Result<void>{};
    });
    if (on_queued_) on_queued_();
    co_return NoMeeting();
  }
  live->state = LeaseState::kLive;
  notices_.MeetingStarted(space, live->id, guest_id);
  co_return live;
}

webex::Task<LeaseRecord> Meetings::SetUpAdhoc(LeaseRecord lease, const storage::HostRecord& host,
                                              const storage::SpaceRecord& space, webex::Deadline deadline) {
  auto host_token = co_await hosts_.AccessToken(host.id, deadline);
  if (!host_token) co_return WebexFailed(host_token.error(), "reach the meeting host");
  auto admin_token = co_await app_admin_.AccessToken(deadline);
  if (!admin_token) co_return tl::unexpected(admin_token.error());
  auto added = co_await webex_.AddMembership(*admin_token, space.webex_room_id, host.webex_person_id, deadline);
  if (added) {
    lease.host_membership_id = added->id;
    auto saved = co_await pool_.Run([&] { return storage_.SaveLeaseProgress(lease); });
    if (!saved) {
      // The lease ended meanwhile (its end did not know of this membership): undo it here.
      auto removed = co_await webex_.DeleteMembership(*admin_token, added->id, deadline);
      if (!removed) log::warn("a meeting host's membership could not be removed: {}", removed.error().message);
      co_return NoMeeting();
    }
  } else if (!AlreadyMember(added.error())) {
    co_return WebexFailed(added.error(), "add the meeting host to the space");
  }
  auto meeting = co_await webex_.CreateAdhocMeeting(*host_token, space.webex_room_id, deadline);
  if (!meeting) co_return WebexFailed(meeting.error(), "create the meeting");
  lease.webex_meeting_id = meeting->id;
  lease.meeting_json = MeetingJson(*meeting);
  lease.expires_at = clock_() + options_.lease_timeout;
  co_return lease;
}

webex::Task<LeaseRecord> Meetings::SetUpSpacePool(LeaseRecord lease, const storage::HostRecord& host,
                                                  const storage::SpaceRecord& space, webex::Deadline deadline) {
  auto admin_token = co_await app_admin_.AccessToken(deadline);
  if (!admin_token) co_return tl::unexpected(admin_token.error());
  // The guests of the space, by Webex person id.
  auto wanted_ids = co_await pool_.Read([&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> person_ids;
    for (const auto& guest_id : space.member_ids) {
      auto guest = storage_.GetGuest(guest_id);
      if (guest && guest->webex_person_id) person_ids.push_back(*guest->webex_person_id);
    }
    return person_ids;
  });
  if (!wanted_ids) co_return NoMeeting();
  const std::vector<std::string> wanted = std::move(*wanted_ids);
  // Recorded before any is added, so that an end after a crash removes whoever got in.
  lease.added_person_ids = wanted;
  auto saved = co_await pool_.Run([&] { return storage_.SaveLeaseProgress(lease); });
  if (!saved) co_return NoMeeting();
  auto members = co_await webex_.ListMemberships(*admin_token, host.webex_room_id, deadline);
  if (!members) co_return WebexFailed(members.error(), "open the meeting space");
  // Guests of the portal left in the pool space by an earlier lease go; staff stay.
  std::set<std::string> present;
  for (const auto& membership : *members) present.insert(membership.person_id);
  auto stragglers = co_await pool_.Read([&]() -> Result<std::vector<std::string>> {
    std::vector<std::string> membership_ids;
    for (const auto& membership : *members) {
      if (std::find(wanted.begin(), wanted.end(), membership.person_id) != wanted.end()) continue;
      if (storage_.FindGuestByPersonId(membership.person_id)) membership_ids.push_back(membership.id);
    }
    return membership_ids;
  });
  if (!stragglers) co_return NoMeeting();
  std::vector<std::function<asio::awaitable<Result<void>>()>> work;
  for (const auto& membership_id : *stragglers) {
    work.push_back([this, token = *admin_token, membership_id, deadline]() -> asio::awaitable<Result<void>> {
      auto removed = co_await webex_.DeleteMembership(token, membership_id, deadline);
      if (!removed && removed.error().code != ErrorCode::kNotFound) co_return tl::unexpected(removed.error());
      co_return Result<void>{};
    });
  }
  for (const auto& person_id : wanted) {
    if (present.contains(person_id)) continue;
    work.push_back([this, token = *admin_token, room = host.webex_room_id, person_id,
                    deadline]() -> asio::awaitable<Result<void>> {
      auto added = co_await webex_.AddMembership(token, room, person_id, deadline);
      if (!added && !AlreadyMember(added.error())) co_return tl::unexpected(added.error());
      co_return Result<void>{};
    });
  }
  auto results = co_await WhenAll(std::move(work));
  for (const auto& result : results) {
    if (!result) co_return WebexFailed(result.error(), "prepare the meeting space");
  }
  lease.expires_at = clock_() + options_.lease_timeout;
  co_return lease;
}

webex::Task<LeaseRecord> Meetings::AwaitStart(std::string lease_id) {
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = webex::DeadlineIn(options_.budget + std::chrono::seconds(5));
  while (std::chrono::steady_clock::now() < deadline) {
    auto lease = co_await pool_.Read([&] { return storage_.GetLease(lease_id); });
    if (!lease) {
      if (lease.error().code == ErrorCode::kNotFound) break;
      co_return tl::unexpected(lease.error());
    }
    if (lease->state == LeaseState::kLive) co_return *lease;
    if (lease->state == LeaseState::kEnding) break;
    asio::steady_timer timer(executor, std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return Fail(ErrorCode::kUnavailable, "meeting_not_started",
                 "The meeting could not be started. Please try again.");
}

Result<LeaseRecord> Meetings::Live(const std::string& guest_id, const std::string& space_id) {
  auto space = SpaceFor(guest_id, space_id);
  if (!space) return tl::unexpected(space.error());
  auto lease = storage_.GetSpaceLease(space->id);
  if (!lease) {
    if (lease.error().code == ErrorCode::kNotFound) return NoMeeting();
    return tl::unexpected(lease.error());
  }
  if (lease->state != LeaseState::kLive) return NoMeeting();
  return lease;
}

webex::Task<LeaseRecord> Meetings::Heartbeat(std::string guest_id, std::string space_id) {
  auto lease = co_await pool_.Read([&] { return Live(guest_id, space_id); });
  if (!lease) co_return tl::unexpected(lease.error());
  int64_t expires_at = clock_() + options_.lease_timeout;
  auto renewed = co_await pool_.Run([&] { return storage_.RenewLease(lease->id, expires_at); });
  if (!renewed) {
    if (renewed.error().code == ErrorCode::kNotFound) co_return NoMeeting();
    co_return tl::unexpected(renewed.error());
  }
  co_return renewed;
}

webex::Task<void> Meetings::End(std::string guest_id, std::string space_id) {
  auto space = co_await pool_.Read([&] { return SpaceFor(guest_id, space_id); });
  if (!space) co_return tl::unexpected(space.error());
  auto lease = co_await pool_.Read([&] { return storage_.GetSpaceLease(space->id); });
  if (!lease) {
    if (lease.error().code == ErrorCode::kNotFound) co_return Result<void>{};
    co_return tl::unexpected(lease.error());
  }
  if (co_await Finish(lease->id, "deleted")) {
    co_await audit_.Note("guest:" + guest_id, "meeting.end", space->id, "success", lease->id);
  }
  co_return Result<void>{};
}

std::vector<storage::WebexJob> Meetings::ReturnJobs(const LeaseRecord& lease, int64_t at) {
  std::vector<storage::WebexJob> jobs;
  auto host = storage_.GetHost(lease.host_id);
  auto space = storage_.GetSpace(lease.space_id);
  auto job = [&](storage::JobKind kind) {
    storage::WebexJob out;
    out.kind = kind;
    out.lease_id = lease.id;
    out.space_id = lease.space_id;
    out.next_attempt_at = at;
    out.created_at = at;
    return out;
  };
  if (!lease.webex_meeting_id.empty()) {
    auto end = job(storage::JobKind::kEndMeeting);
    end.host_id = lease.host_id;
    end.meeting_id = lease.webex_meeting_id;
    if (space) end.room_id = space->webex_room_id;
    jobs.push_back(std::move(end));
  }
  // A pool host belongs in a guests' space only while a lease holds it there: the host leaves whether
  // or not this lease recorded adding it (its answer may have been lost to a crash), found by person
  // when the membership id is not known.
  if (host && host->kind == storage::HostKind::kPerson && !host->webex_person_id.empty() && space) {
    auto remove = job(storage::JobKind::kRemoveMembership);
    remove.room_id = space->webex_room_id;
    remove.person_id = host->webex_person_id;
    remove.membership_id = lease.host_membership_id;
    jobs.push_back(std::move(remove));
  }
  if (host && host->kind == storage::HostKind::kSpace) {
    for (const auto& person_id : lease.added_person_ids) {
      auto remove = job(storage::JobKind::kRemoveMembership);
      remove.room_id = host->webex_room_id;
      remove.person_id = person_id;
      jobs.push_back(std::move(remove));
    }
  }
  return jobs;
}

asio::awaitable<bool> Meetings::Finish(const std::string& lease_id, const std::string& reason) {
  const int64_t now = clock_();
  auto ended = co_await pool_.Run([&]() -> Result<std::optional<LeaseRecord>> {
    auto lease = storage_.GetLease(lease_id);
    if (!lease) {
      if (lease.error().code == ErrorCode::kNotFound) return std::optional<LeaseRecord>();
      return tl::unexpected(lease.error());
    }
    return storage_.EndLease(lease_id, reason, now, ReturnJobs(*lease, now));
  });
  if (!ended) {
    log::warn("meeting lease {} could not be ended now: {}", lease_id, ended.error().message);
    co_return false;
  }
  if (!*ended) co_return false;
  checked_at_.erase(lease_id);
  if (on_queued_) on_queued_();
  const LeaseRecord& lease = **ended;
  auto space = co_await pool_.Read([&] { return storage_.GetSpace(lease.space_id); });
  if (space) {
    // A lease that never went live was never announced.
    if (lease.state == LeaseState::kLive) notices_.MeetingEnded(*space, lease.id, reason);
  }
  co_await audit_.Note("portal", "meeting.return", lease.space_id, reason == "failed" ? "failure" : "success",
                       lease.id + " " + reason);
  co_return true;
}

asio::awaitable<void> Meetings::MeetingEnded(std::string webex_meeting_id) {
  auto leases = co_await pool_.Read([&] { return storage_.ListLeases(); });
  if (!leases) co_return;
  for (const auto& lease : *leases) {
    if (lease.webex_meeting_id == webex_meeting_id && lease.state == LeaseState::kLive) {
      co_await Finish(lease.id, "ended");
    }
  }
}

asio::awaitable<void> Meetings::SpacesClosed(std::vector<std::string> space_ids) {
  for (const auto& space_id : space_ids) {
    auto lease = co_await pool_.Read([&] { return storage_.GetSpaceLease(space_id); });
    if (lease) co_await Finish(lease->id, "closed");
  }
}

asio::awaitable<void> Meetings::Recover() {
  auto leases = co_await pool_.Read([&] { return storage_.ListLeases(); });
  if (!leases) co_return;
  for (const auto& lease : *leases) {
    if (lease.state == LeaseState::kStarting && !starting_.contains(lease.id)) {
      log::info("meeting lease {} was being set up by a stopped process; it is given back", lease.id);
      co_await Finish(lease.id, "failed");
    }
  }
}

asio::awaitable<void> Meetings::Sweep() {
  auto leases = co_await pool_.Read([&] { return storage_.ListLeases(); });
  if (!leases) {
    log::warn("meeting leases could not be read: {}", leases.error().message);
    co_return;
  }
  const int64_t now = clock_();
  for (const auto& lease : *leases) {
    if (lease.state == LeaseState::kEnding) continue;
    if (lease.state == LeaseState::kStarting) {
      if (!starting_.contains(lease.id) && lease.created_at + options_.stale_start_seconds <= now) {
        co_await Finish(lease.id, "failed");
      }
      continue;
    }
    if (lease.expires_at <= now) {
      co_await Finish(lease.id, "timeout");
      continue;
    }
    auto space = co_await pool_.Read([&] { return storage_.GetSpace(lease.space_id); });
    if (!space || space->closed_at) {
      co_await Finish(lease.id, "closed");
      continue;
    }
    if (lease.webex_meeting_id.empty()) continue;
    auto checked = checked_at_.find(lease.id);
    if (checked != checked_at_.end() && checked->second + options_.meeting_check_seconds > now) continue;
    checked_at_[lease.id] = now;
    auto token = co_await hosts_.AccessToken(lease.host_id, webex::DeadlineIn(std::chrono::seconds(10)));
    if (!token) continue;
    auto meeting = co_await webex_.GetMeeting(*token, lease.webex_meeting_id, webex::DeadlineIn(std::chrono::seconds(10)));
    if ((meeting && meeting->state == "ended") || (!meeting && meeting.error().code == ErrorCode::kNotFound)) {
      co_await Finish(lease.id, "ended");
    }
  }
}

}  // namespace gp::service
