#pragma once
// The meeting broker (SPEC §4.6, docs/meetings.md). A member of a space asks for its meeting; the
// broker leases a free host of the pool for it — a row taken in one transaction, so no host is ever
// lent twice — and sets the meeting up in Webex:
//   - adhoc: the AppAdmin adds the host to the space when needed, then the host creates the space's
//     ad hoc meeting (POST /meetings {roomId, adhoc:true}) with its own token;
//   - space-pool: the AppAdmin clears guests left in the pool space and adds the space's guests, at
//     the same time.
// Every member who asks while it is live gets the same lease. The lease ends once, on whichever comes
// first: Webex's meetings/ended (webhook, or the sweep's poll), DELETE, no heartbeat for the lease
// timeout, the space closing, or a failure while it was being set up. Its end queues the Webex work
// that gives the host back (end the meeting, remove the people the lease added) as reconciler jobs
// in the same transaction; the host is free again when that work is done.
// Runs on the event loop; writes go to the pool.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "core/work_pool.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/hosts.hpp"
#include "service/spaces.hpp"
#include "service/notices.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

enum class MeetingMode { kAdhoc, kSpacePool };

struct MeetingsOptions {
  MeetingMode mode = MeetingMode::kAdhoc;
  int64_t lease_timeout = 120;  // MEETING_LEASE_TIMEOUT: seconds without a heartbeat
  // How often live ad hoc meetings are asked whether they ended (Webex's answer to a missed webhook).
  int64_t meeting_check_seconds = 30;
  // Whether browsers can carry media (false against the emulator): passed on to the page.
  bool media_available = true;
  std::chrono::seconds budget{20};  // the Webex calls of one start, retries included
  // What a guest is told to wait when every host is busy.
  int retry_after_seconds = 30;
  // A lease still starting this long after it was taken, and not being started here, was left by a
  // process that died: it is ended.
  int64_t stale_start_seconds = 60;
};

const char* MeetingModeName(MeetingMode mode);  // "adhoc" | "space-pool"

class Meetings {
 public:
  Meetings(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, Hosts& hosts, WorkPool& pool,
           Notices& notices, Audit& audit, Clock clock, MeetingsOptions options);

  const MeetingsOptions& options() const { return options_; }

  // The space's live lease, leased and set up first when there is none. kNotFound unless the guest
  // is a member of the open space; kUnavailable "pool_exhausted" with retry_after_seconds when no
  // host is free; a Webex failure gives the host back and fails as Webex did.
  webex::Task<storage::LeaseRecord> Start(std::string guest_id, std::string space_id);
  // The live lease of the guest's space; kNotFound when there is none (or it is not the guest's).
  Result<storage::LeaseRecord> Live(const std::string& guest_id, const std::string& space_id);
  // Moves the live lease's expiry to now + lease_timeout. kNotFound when none is live.
  webex::Task<storage::LeaseRecord> Heartbeat(std::string guest_id, std::string space_id);
  // Ends the space's lease (nothing to do when none is live). kNotFound when not the guest's space.
  webex::Task<void> End(std::string guest_id, std::string space_id);

  // Ends the lease whose ad hoc meeting this is (Webex's meetings/ended).
  boost::asio::awaitable<void> MeetingEnded(std::string webex_meeting_id);
  // Ends the leases of spaces that closed.
  boost::asio::awaitable<void> SpacesClosed(std::vector<std::string> space_ids);
  // One pass over the leases: ends those past their expiry, those of closed spaces, those a dead
  // process left starting, and, at most every meeting_check_seconds, those whose meeting Webex says
  // has ended. Runs at start too, which reconciles the leases that survived a restart.
  boost::asio::awaitable<void> Sweep();

  // At start, with one server per database: ends the leases a stopped process left starting (none is
  // being set up now), so that their hosts come back without waiting for stale_start_seconds.
  boost::asio::awaitable<void> Recover();

  // Called after an end queued Webex work (set by the composition root to wake the Reconciler).
  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }

 private:
  webex::Task<storage::LeaseRecord> SetUp(storage::LeaseRecord lease, storage::SpaceRecord space,
                                          std::string guest_id);
  webex::Task<storage::LeaseRecord> SetUpAdhoc(storage::LeaseRecord lease, const storage::HostRecord& host,
                                               const storage::SpaceRecord& space, webex::Deadline deadline);
  webex::Task<storage::LeaseRecord> SetUpSpacePool(storage::LeaseRecord lease, const storage::HostRecord& host,
                                                   const storage::SpaceRecord& space, webex::Deadline deadline);
  // Waits for a lease another request (or instance) is starting to become live or end.
  webex::Task<storage::LeaseRecord> AwaitStart(std::string lease_id);
  // Ends the lease once (see storage EndLease) and announces it; false when it had ended already.
  boost::asio::awaitable<bool> Finish(const std::string& lease_id, const std::string& reason);
  // The Webex work that gives back what `lease` holds.
  std::vector<storage::WebexJob> ReturnJobs(const storage::LeaseRecord& lease, int64_t at);
  Result<storage::SpaceRecord> SpaceFor(const std::string& guest_id, const std::string& space_id);

  storage::Storage& storage_;
  webex::Api& webex_;
  AppAdmin& app_admin_;
  Hosts& hosts_;
  WorkPool& pool_;
  Notices& notices_;
  Audit& audit_;
  Clock clock_;
  MeetingsOptions options_;
  std::function<void()> on_queued_;
  // Leases this process is setting up (loop only): the sweep leaves them alone.
  std::set<std::string> starting_;
  // Lease id -> when its meeting was last asked about (loop only).
  std::map<std::string, int64_t> checked_at_;
};

}  // namespace gp::service
