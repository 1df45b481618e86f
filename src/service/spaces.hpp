#pragma once
// Portal spaces: created by the AppAdmin with guests as members, only when every pair of guests is
// allowed. Creation follows "state first, Webex catches up":
//   1. the intent is recorded before the Webex room exists;
//   2. the AppAdmin creates the room and adds every guest concurrently (one round trip);
//   3. the space commits in one transaction that re-checks the policy (storage CommitSpace).
// A room whose space does not commit — an add failed, a revoke won the race, the process died — is
// deleted at once when possible and otherwise left to the Reconciler as pending work, so no room
// outlives a failed creation. Closing spaces is a storage transaction (policy, guests); the
// Reconciler removes the memberships afterwards.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/versioned_cache.hpp"
#include "core/work_pool.hpp"
#include "domain/ids.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

struct CreateSpaceRequest {
  std::string caller_id;
  std::vector<std::string> member_ids;  // besides the caller
  std::optional<std::string> title;
};

struct CreatedSpace {
  storage::SpaceRecord space;
  bool existing = false;  // true when the same member set already had an open space
};

// The open space `space_id` when `guest_id` is one of its members; kNotFound ("No such room.")
// otherwise, whether it does not exist, is closed or is someone else's, so that nothing tells them apart.
Result<storage::SpaceRecord> OpenSpaceOfMember(storage::Storage& storage, const std::string& guest_id,
                                               const std::string& space_id);

// Intents of creations still running in this process; the Reconciler leaves them alone. Copies
// share one set, so a creation's coroutine can hold it for as long as its frame lives (a frame
// still suspended at shutdown is destroyed with the event loop, after the services).
class InFlightIntents {
 public:
  void Add(const std::string& id) { ids_->insert(id); }
  void Remove(const std::string& id) { ids_->erase(id); }
  bool Contains(const std::string& id) const { return ids_->contains(id); }

 private:
  std::shared_ptr<std::set<std::string>> ids_ = std::make_shared<std::set<std::string>>();  // loop only
};

class Spaces {
 public:
  static constexpr size_t kMaxMembers = 50;
  // How long one creation may take, Webex calls and retries included.
  static constexpr std::chrono::seconds kCreateBudget{20};

  Spaces(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, GuestTokens& guest_tokens,
         WorkPool& pool, Audit& audit, InFlightIntents& intents, Clock clock,
         domain::RandomSource random = domain::SystemRandom());

  webex::Task<CreatedSpace> Create(CreateSpaceRequest request);

  // The guest's spaces, open and closed, rendered by `render`, kept per guest while the stored data does not
  // change (Storage::Version), so every answer is exact.
  Result<std::string> RenderedListFor(const std::string& guest_id,
                                      const std::function<std::string(const std::vector<storage::SpaceRecord>&)>& render);
  // The guest's spaces, open and closed.
  Result<std::vector<storage::SpaceRecord>> ListForGuest(const std::string& guest_id);
  // Every space, open and closed (the admin console).
  Result<std::vector<storage::SpaceRecord>> ListAll();

  // Called after a change queued Webex work (set by the composition root to wake the Reconciler).
  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }
  // Called when a space has been created (set by the composition root to announce it).
  void SetOnCreated(std::function<void(const storage::SpaceRecord&)> on_created) { on_created_ = std::move(on_created); }

 private:
  // Gives the room up: deleted now if Webex answers, else queued for the Reconciler.
  boost::asio::awaitable<void> Abandon(std::string intent_id, std::string room_id, std::string token);

  storage::Storage& storage_;
  webex::Api& webex_;
  AppAdmin& app_admin_;
  GuestTokens& guest_tokens_;
  WorkPool& pool_;
  Audit& audit_;
  InFlightIntents& intents_;
  Clock clock_;
  domain::RandomSource random_;
  std::function<void()> on_queued_;
  std::function<void(const storage::SpaceRecord&)> on_created_;
  VersionedCache<storage::DataVersion, std::string> list_cache_{4096};
};

}  // namespace gp::service
