#pragma once
// Who may connect with whom: a symmetric set of allowed guest pairs. Replacing the set closes every
// open space that a revoked pair shared, in the same transaction; the guests lose those spaces at
// once, and the Reconciler removes their Webex memberships afterwards. Blocking: runs on the pool
// (or in the CLI).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/versioned_cache.hpp"
#include "service/audit.hpp"
#include "service/directory.hpp"
#include "storage/storage.hpp"

namespace gp::service {

using Pair = std::pair<std::string, std::string>;

// What a change of the pairs did, or would do when `dry_run`: the pairs added and removed, and the
// open spaces closed because they held a removed pair (as they were read before the change).
struct PolicyChange {
  bool dry_run = false;
  std::vector<Pair> pairs;  // Replace: the whole set afterwards
  std::vector<Pair> added;
  std::vector<Pair> removed;
  std::vector<storage::SpaceRecord> spaces_closed;
};

// Why two guests may or may not connect (GET /api/v1/policy/explain).
struct ExplainReason {
  std::string code;   // "no_pair", "disabled"
  std::string guest;  // the guest the reason is about, if one
  std::string message;
};
struct Explanation {
  storage::GuestRecord a;
  storage::GuestRecord b;
  std::vector<ExplainReason> reasons;  // empty: they may connect
  // The spaces holding both, open ones first, then as storage lists them (latest activity first).
  std::vector<storage::SpaceRecord> spaces;
};

// One guest as the admin console's per-guest view shows it (GET /api/v1/guests/{id}/overview).
struct GuestOverview {
  storage::GuestRecord guest;  // without its password hash
  std::vector<storage::GuestRecord>
      contacts;  // every paired guest, disabled ones too, by display name
  std::vector<storage::SpaceRecord> spaces;    // open and closed, latest activity first
  std::vector<storage::AuditRecord> activity;  // newest first, at most kOverviewActivity
};
inline constexpr int kOverviewActivity = 20;

// PATCH /api/v1/policy/pairs: pairs to add and to remove.
struct PairEdits {
  std::vector<Pair> add;
  std::vector<Pair> remove;
};

class Policy {
 public:
  Policy(storage::Storage& storage, Audit& audit, Clock clock);

  Result<std::vector<Pair>> Pairs();
  // With `dry_run`, validates exactly as the change and answers what it would do, writing nothing.
  Result<PolicyChange> Replace(const std::vector<Pair>& pairs, const std::string& actor,
                               bool dry_run = false);
  // Adds and removes pairs in one transaction. A pair both added and removed is a 400; removing a
  // pair that is not there is not an error.
  Result<PolicyChange> Change(const PairEdits& edits, const std::string& actor,
                              bool dry_run = false);
  // The open spaces that removing `removed` would close: those holding both guests of such a pair.
  // Dry runs answer with it; a real change answers with what storage closed, and the two are
  // compared (a difference means another change came in between, and is logged).
  Result<std::vector<storage::SpaceRecord>> SpacesClosedByRemoving(
      const std::vector<Pair>& removed);

  // kNotFound (naming which, field "a" or "b") for an unknown guest; a 400 when a == b.
  Result<Explanation> Explain(const std::string& a, const std::string& b);

  // kNotFound for an unknown guest. Activity: the audit records whose target is the guest, or whose
  // actor is the guest ("guest:<id>", and "guest:<username>" for sign-ins).
  Result<GuestOverview> Overview(const std::string& id);

  // The guests and pairs indexed at the current directory version (Storage::DirectoryChangesSince),
  // shared by every reader until the guests or pairs change. A change this process made is applied
  // to the index (GuestDirectory::With); any other change rebuilds it from storage.
  Result<std::shared_ptr<const GuestDirectory>> Directory();
  // How the directory renders each guest for the lists (set once, before the first request).
  void SetDirectoryRenderer(GuestDirectory::Renderer render) { render_ = std::move(render); }
  // How many times the directory was built from storage, and updated in place (for tests).
  int64_t directory_builds() const { return directory_builds_.load(); }
  int64_t directory_updates() const { return directory_updates_.load(); }
  // A body rendered from the directory, kept per `key` for the current directory version.
  Result<std::string> Rendered(const std::string& key,
                               const std::function<std::string(const GuestDirectory&)>& render);
  // The enabled guests `guest_id` may connect with, by display name.
  Result<std::vector<storage::GuestRecord>> ContactsOf(const std::string& guest_id);

  // Called after a change queued Webex work (the composition root wakes the Reconciler).
  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }
  // Called after a change closed spaces (set by the composition root to tell their members).
  void SetOnClosed(std::function<void(const std::vector<std::string>& space_ids)> on_closed) {
    on_closed_ = std::move(on_closed);
  }

 private:
  // After a real change: wakes the Reconciler, tells the closed spaces' members, records the audit.
  void Changed(PolicyChange& change, const std::vector<std::string>& closed_ids,
               int64_t jobs_queued, const std::string& actor);

  storage::Storage& storage_;
  Audit& audit_;
  Clock clock_;
  std::function<void()> on_queued_;
  std::function<void(const std::vector<std::string>&)> on_closed_;
  struct DirectoryAt {
    std::shared_ptr<const GuestDirectory> directory;
    int64_t version = -1;  // the directory version it reflects (its data may be newer)
  };
  Result<DirectoryAt> CurrentDirectory();
  // The changed guests as stored now, and the net effect on the pairs, of this process's changes.
  Result<GuestDirectory::Update> UpdateFor(const std::vector<storage::DirectoryChange>& changes);

  GuestDirectory::Renderer render_;
  // One caller at a time brings the directory up to date; callers at the same time wait for it
  // rather than repeat the work, and readers of an older one keep it while they use it.
  std::mutex directory_mutex_;
  DirectoryAt directory_;  // guarded by directory_mutex_
  std::atomic<int64_t> directory_builds_{0};
  std::atomic<int64_t> directory_updates_{0};
  VersionedCache<int64_t, std::string> rendered_cache_{256};
};

}  // namespace gp::service
