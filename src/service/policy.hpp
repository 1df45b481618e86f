#pragma once
// Who may connect with whom: a symmetric set of allowed guest pairs. Replacing the set closes every
// open space that a revoked pair shared, in the same transaction; the guests lose those spaces at
// once, and the Reconciler removes their Webex memberships afterwards. Blocking: runs on the pool
// (or in the CLI).

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "service/audit.hpp"
#include "storage/storage.hpp"

namespace gp::service {

using Pair = std::pair<std::string, std::string>;

struct PolicyChange {
  std::vector<Pair> pairs;
  std::vector<std::string> closed_spaces;
};

class Policy {
 public:
  Policy(storage::Storage& storage, Audit& audit, Clock clock);

  Result<std::vector<Pair>> Pairs();
  Result<PolicyChange> Replace(const std::vector<Pair>& pairs, const std::string& actor);
  // The enabled guests `guest_id` may connect with, by display name.
  Result<std::vector<storage::GuestRecord>> ContactsOf(const std::string& guest_id);

  // Called after a change queued Webex work (the composition root wakes the Reconciler).
  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }
  // Called after a change closed spaces (set by the composition root to tell their members).
  void SetOnClosed(std::function<void(const std::vector<std::string>& space_ids)> on_closed) {
    on_closed_ = std::move(on_closed);
  }

 private:
  storage::Storage& storage_;
  Audit& audit_;
  Clock clock_;
  std::function<void()> on_queued_;
  std::function<void(const std::vector<std::string>&)> on_closed_;
};

}  // namespace gp::service
