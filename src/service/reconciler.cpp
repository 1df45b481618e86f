#include "service/reconciler.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/log.hpp"
#include "core/when_all.hpp"

namespace gp::service {

namespace asio = boost::asio;

std::optional<int64_t> ParseWebexTime(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char t = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &year, &month, &day, &t, &hour, &minute, &second) != 7 ||
      (t != 'T' && t != 't')) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

Reconciler::Reconciler(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, WorkPool& pool,
                       Audit& audit, const InFlightIntents& in_flight, Clock clock, ReconcilerOptions options)
    : storage_(storage),
      webex_(webex),
      app_admin_(app_admin),
      pool_(pool),
      audit_(audit),
      in_flight_(in_flight),
      clock_(std::move(clock)),
      options_(options) {}

int64_t Reconciler::Backlog() {
  auto jobs = storage_.ListWebexJobs();
  return jobs ? static_cast<int64_t>(jobs->size()) : 0;
}

webex::Task<void> Reconciler::Perform(storage::WebexJob job, std::string token) {
  const auto deadline = webex::DeadlineIn(options_.call_budget);
  if (job.kind == storage::JobKind::kEndMeeting) {
    if (!hosts_) co_return Fail(ErrorCode::kUnavailable, "meeting hosts are not set up");
    auto host_token = co_await hosts_->AccessToken(job.host_id, deadline);
    // A host removed or disconnected meanwhile cannot end it; Webex ends it when everyone leaves.
    if (!host_token && host_token.error().reason == "host_not_connected") co_return Result<void>{};
    if (!host_token) co_return tl::unexpected(host_token.error());
    auto ended = co_await webex_.EndMeeting(*host_token, job.meeting_id, deadline);
    // Gone, ended already, or no longer this host's: nothing is left to end.
    if (ended || ended.error().code == ErrorCode::kNotFound || ended.error().code == ErrorCode::kConflict ||
        ended.error().code == ErrorCode::kForbidden) {
      co_return Result<void>{};
    }
    co_return tl::unexpected(ended.error());
  }
  if (job.kind == storage::JobKind::kDeleteRoom) {
    auto deleted = co_await webex_.DeleteRoom(token, job.room_id, deadline);
    if (deleted || deleted.error().code == ErrorCode::kNotFound) co_return Result<void>{};
    co_return tl::unexpected(deleted.error());
  }
  std::string membership_id = job.membership_id;
  if (membership_id.empty()) {
    auto memberships = co_await webex_.ListMemberships(token, job.room_id, deadline);
    if (!memberships) {
      // A room that no longer exists holds nobody.
      if (memberships.error().code == ErrorCode::kNotFound) co_return Result<void>{};
      co_return tl::unexpected(memberships.error());
    }
    for (const auto& membership : *memberships) {
      if (membership.person_id == job.person_id) membership_id = membership.id;
    }
    if (membership_id.empty()) co_return Result<void>{};
  }
  auto removed = co_await webex_.DeleteMembership(token, membership_id, deadline);
  if (removed || removed.error().code == ErrorCode::kNotFound) co_return Result<void>{};
  co_return tl::unexpected(removed.error());
}

asio::awaitable<int64_t> Reconciler::SweepIntents(std::string token) {
  const int64_t now = clock_();
  auto intents = co_await pool_.Read([&] { return storage_.ListSpaceIntents(now - options_.intent_grace_seconds); });
  if (!intents) co_return 0;
  std::vector<storage::SpaceIntent> stale;
  for (auto& intent : *intents) {
    if (!in_flight_.Contains(intent.id)) stale.push_back(std::move(intent));
  }
  if (stale.empty()) co_return 0;
  int64_t swept = 0;
  std::optional<std::vector<webex::Room>> recent;
  auto app_admin_person = co_await pool_.Read([&]() -> Result<std::optional<std::string>> { return app_admin_.PersonId(); });
  const auto app_admin_id = app_admin_person ? *app_admin_person : std::nullopt;
  for (const auto& intent : stale) {
    if (!intent.webex_room_id) {
      // Webex may have made the room without the portal learning its id: look for it.
      if (!recent) {
        auto rooms = co_await webex_.ListRecentRooms(token, "created", 100, webex::DeadlineIn(options_.call_budget));
        if (!rooms) co_return swept;  // try again next pass
        recent = std::move(*rooms);
      }
      for (const auto& room : *recent) {
        if (room.title != intent.title || !app_admin_id || room.creator_id != *app_admin_id) continue;
        auto created = ParseWebexTime(room.created);
        if (!created || *created < intent.created_at - options_.orphan_window_seconds ||
            *created > intent.created_at + options_.orphan_window_seconds) {
          continue;
        }
        auto known = co_await pool_.Read([&] { return storage_.IsKnownRoom(room.id); });
        if (!known || *known) continue;
        storage::WebexJob job;
        job.kind = storage::JobKind::kDeleteRoom;
        job.room_id = room.id;
        job.next_attempt_at = now;
        job.created_at = now;
        auto queued = co_await pool_.Run([&] { return storage_.QueueWebexJob(job); });
        if (!queued) co_return swept;
        log::info("reconciler: queued the deletion of a room left by an interrupted space creation");
        break;
      }
    }
    auto abandoned = co_await pool_.Run([&] { return storage_.AbandonSpaceIntent(intent.id, now); });
    if (abandoned) ++swept;
  }
  co_return swept;
}

asio::awaitable<ReconcileReport> Reconciler::RunOnce() {
  ReconcileReport report;
  auto ready = co_await pool_.Read([&]() -> Result<bool> { return app_admin_.Ready(); });
  if (!ready || !*ready) co_return report;
  auto intents = co_await pool_.Read([&] { return storage_.ListSpaceIntents(clock_() - options_.intent_grace_seconds); });
  const bool has_intents = intents && !intents->empty();
  auto jobs = co_await pool_.Run(
      [&] { return storage_.ClaimWebexJobs(clock_(), options_.lease_seconds, options_.batch); });
  if ((!jobs || jobs->empty()) && !has_intents) co_return report;
  auto token = co_await app_admin_.AccessToken(webex::DeadlineIn(options_.call_budget));
  if (!token) {
    // Nothing can be done without the AppAdmin: the jobs wait for the next try.
    log::warn("reconciler: no AppAdmin token ({})", log::Safe(token.error().message));
    if (jobs) {
      const int64_t retry_at = clock_() + options_.initial_backoff_seconds;
      for (const auto& job : *jobs) {
        co_await pool_.Run([&] { return storage_.RetryWebexJob(job.id, retry_at, token.error().message); });
      }
    }
    co_return report;
  }
  if (has_intents) {
    report.intents_swept = co_await SweepIntents(*token);
    if (report.intents_swept > 0) {
      // The sweep may have queued deletions: they are due now, so take them in this pass.
      auto more = co_await pool_.Run(
          [&] { return storage_.ClaimWebexJobs(clock_(), options_.lease_seconds, options_.batch); });
      if (more && jobs) jobs->insert(jobs->end(), more->begin(), more->end());
      if (more && !jobs) jobs = std::move(more);
    }
  }
  if (jobs && !jobs->empty()) co_await RunJobs(std::move(*jobs), *token, report);
  co_return report;
}

asio::awaitable<void> Reconciler::RunJobs(std::vector<storage::WebexJob> jobs, std::string token,
                                          ReconcileReport& report) {
  std::vector<std::function<webex::Task<void>()>> work;
  for (const auto& job : jobs) {
    work.emplace_back([this, job, token] { return Perform(job, token); });
  }
  auto results = co_await WhenAll(std::move(work));
  const int64_t now = clock_();
  for (size_t i = 0; i < results.size(); ++i) {
    const storage::WebexJob& job = jobs[i];
    const char* action = job.kind == storage::JobKind::kDeleteRoom   ? "room.delete"
                         : job.kind == storage::JobKind::kEndMeeting ? "meeting.end"
                                                                     : "membership.remove";
    const std::string target = job.space_id.empty() ? job.room_id : job.space_id;
    if (results[i]) {
      auto completed = co_await pool_.Run([&] { return storage_.CompleteWebexJob(job.id); });
      if (completed) ++report.done;
      co_await audit_.Note("reconciler", action, target, "success", job.person_id);
      continue;
    }
    const Error& error = results[i].error();
    const int attempts = job.attempts + 1;
    const std::string detail = std::string(action) + (job.person_id.empty() ? "" : " " + job.person_id) + " after " +
                               std::to_string(attempts) + " attempts: " + ErrorCodeName(error.code) + ": " +
                               error.message;
    if (job.kind == storage::JobKind::kEndMeeting && attempts >= options_.max_attempts) {
      // Ending a meeting is given up: Webex ends a meeting its participants have left, and the audit
      // log keeps what was left undone.
      auto dropped = co_await pool_.Run([&] { return storage_.CompleteWebexJob(job.id); });
      if (!dropped) continue;  // still queued: the next pass decides again
      log::error("reconciler: gave up {} after {} attempts: {}", action, attempts, ErrorCodeName(error.code));
      co_await audit_.Note("reconciler", "reconciler.give_up", target, "failure", detail);
      continue;
    }
    if (attempts == options_.max_attempts) {
      // A membership or room the policy says must go is never given up: it is retried at the longest
      // back-off for as long as it takes, and the audit log says once that it is overdue.
      log::error("reconciler: {} still failing after {} attempts: {}; retried every {} s", action, attempts,
                 ErrorCodeName(error.code), options_.max_backoff_seconds);
      co_await audit_.Note("reconciler", "reconciler.stuck", target, "failure", detail);
    }
    int64_t backoff = options_.initial_backoff_seconds << std::min(job.attempts, 16);
    backoff = std::min(backoff, options_.max_backoff_seconds);
    backoff = std::max<int64_t>(backoff, error.retry_after_seconds);
    auto retried = co_await pool_.Run([&] { return storage_.RetryWebexJob(job.id, now + backoff, error.message); });
    if (retried) ++report.retried;
    log::warn("reconciler: {} failed (attempt {}): {}; next try in {} s", action, job.attempts + 1,
              ErrorCodeName(error.code), backoff);
  }
}

}  // namespace gp::service
