#pragma once
// Makes Webex agree with the portal. Changes commit in the portal first, together with the Webex
// work they imply as rows of pending work (storage WebexJob); the Reconciler carries that work out
// with back-off until Webex reflects it, across restarts and kill -9:
//   - kRemoveMembership: the AppAdmin deletes the guest's membership (gone already counts as done);
//   - kDeleteRoom: the AppAdmin deletes a room whose space never came to be (404 counts as done);
//   - kEndMeeting: a pool host ends the ad hoc meeting of a lease that ended (ended already counts
//     as done). The last job of a lease frees its host (storage CompleteWebexJob).
// After ReconcilerOptions::max_attempts failures an ended meeting's end is given up
// (reconciler.give_up); a membership or room to remove is retried for as long as it takes, and the
// audit log says once that it is overdue (reconciler.stuck; docs/audit.md).
// It also sweeps space intents left behind by a process that died mid-creation: a known room is
// queued for deletion; an unknown one is looked for among the AppAdmin's newest rooms (same title,
// created by the AppAdmin around the intent's time, named by no space, intent or job).
// Runs on the event loop; jobs are claimed with a lease, so two runners never do the same job.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "core/work_pool.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/hosts.hpp"
#include "service/spaces.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

struct ReconcilerOptions {
  int batch = 32;                          // jobs claimed and run concurrently per pass
  // A claimed job is handed out again after this, so the jobs of a process that died mid-attempt
  // are taken up again within seconds. Longer than one attempt may take (call_budget).
  int64_t lease_seconds = 10;
  int64_t initial_backoff_seconds = 2;     // after a failed attempt: 2, 4, 8, ... seconds
  int64_t max_backoff_seconds = 60;
  // After this many failures a meeting's end is given up (reconciler.give_up) and a removal is
  // recorded as overdue (reconciler.stuck): with the back-off above, about an hour and a half.
  int max_attempts = 100;
  int64_t intent_grace_seconds = 2;        // an intent this old and not in flight here is stale
  int64_t orphan_window_seconds = 120;     // how far a room's creation time may be from its intent's
  std::chrono::seconds call_budget{5};     // per job, its Webex calls and their retries included
};

struct ReconcileReport {
  int64_t done = 0;
  int64_t retried = 0;
  int64_t intents_swept = 0;
};

class Reconciler {
 public:
  Reconciler(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, WorkPool& pool, Audit& audit,
             const InFlightIntents& in_flight, Clock clock, ReconcilerOptions options = {});

  // The pool hosts whose tokens end meetings (kEndMeeting); set once at start.
  void SetHosts(Hosts* hosts) { hosts_ = hosts; }

  // One pass: due jobs, then stale intents.
  boost::asio::awaitable<ReconcileReport> RunOnce();
  // Jobs still queued (the backlog).
  int64_t Backlog();

 private:
  webex::Task<void> Perform(storage::WebexJob job, std::string token);
  boost::asio::awaitable<void> RunJobs(std::vector<storage::WebexJob> jobs, std::string token,
                                       ReconcileReport& report);
  boost::asio::awaitable<int64_t> SweepIntents(std::string token);

  storage::Storage& storage_;
  webex::Api& webex_;
  AppAdmin& app_admin_;
  WorkPool& pool_;
  Audit& audit_;
  const InFlightIntents& in_flight_;
  Clock clock_;
  ReconcilerOptions options_;
  Hosts* hosts_ = nullptr;
};

// Unix seconds of an ISO-8601 UTC time as Webex writes it ("2015-10-18T14:26:16.203Z"); nullopt
// when it is not one.
std::optional<int64_t> ParseWebexTime(const std::string& text);

}  // namespace gp::service
