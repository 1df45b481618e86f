#pragma once
// Guest accounts: create, edit, disable, delete, import. Passwords are stored only as Argon2id
// hashes. Disabling or deleting a guest ends their sessions and closes their spaces in one
// transaction; the Reconciler then removes their Webex memberships. Every change writes only the
// fields it changes. Blocking (hashing, writes): runs on the pool or in the CLI.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/progress_callback.hpp"
#include "domain/ids.hpp"
#include "domain/imports.hpp"
#include "service/audit.hpp"
#include "service/sessions.hpp"
#include "storage/storage.hpp"

namespace gp::service {

struct NewGuest {
  std::string display_name;
  std::string username;
  std::string password;
  bool must_change_password = false;
  // Unix seconds; must be in the future.
  std::optional<int64_t> expires_at;
};

struct GuestChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> password;
  std::optional<bool> disabled;
  std::optional<bool> must_change_password;
  // Outer: whether to change it; inner std::nullopt: the account no longer ends.
  std::optional<std::optional<int64_t>> expires_at;
};

// What the expiry task did in one run.
struct ExpiryRun {
  std::vector<std::string> disabled;  // guest ids
  int64_t failed = 0;
};

// What a change of a guest would do (?dryRun=true): the guest as it would be, the open spaces that
// would close, whether the guest would be signed out everywhere, and the pairs a deletion removes.
struct GuestPreview {
  storage::GuestRecord guest;
  std::vector<storage::SpaceRecord> spaces_closed;
  bool ends_sessions = false;
  int64_t pairs_removed = 0;
};

// POST /api/v1/guests/bulk: one action for many guests.
enum class BulkAction { kDisable, kEnable, kAllow };
struct BulkRequest {
  BulkAction action = BulkAction::kDisable;
  std::vector<std::string> ids;  // distinct
  std::string with;              // kAllow: the guest every id is paired with
};
struct BulkResult {
  bool dry_run = false;
  int64_t changed = 0;  // guests disabled or enabled, or pairs added
  std::vector<std::pair<std::string, std::string>> added;  // kAllow: new pairs, smaller id first
  std::vector<storage::SpaceRecord> spaces_closed;
};

struct ImportReport {
  std::vector<std::string> created;
  int64_t pairs_added = 0;
  std::vector<domain::SkippedEntry> skipped;
};

class Guests {
 public:
  Guests(storage::Storage& storage, Sessions& sessions, Audit& audit, Clock clock, crypto::PasswordParams password,
         domain::RandomSource random = domain::SystemRandom());

  Result<std::vector<storage::GuestRecord>> List();
  Result<storage::GuestRecord> Get(const std::string& id);
  Result<storage::GuestRecord> Create(const NewGuest& guest, const std::string& actor);
  Result<storage::GuestRecord> Update(const std::string& id, const GuestChanges& changes, const std::string& actor);
  Result<void> Delete(const std::string& id, const std::string& actor);
  // A fresh password for a guest (domain::GeneratePassword with libsodium's random generator). It is
  // shown once to the administrator and never logged or audited.
  static std::string GeneratePassword();
  // The guest's own password change (`keep_session`: the cookie of the session asking, which stays):
  // checks the current password (400, field currentPassword, when wrong), validates and stores the new
  // one, clears must_change_password and ends the guest's other sessions. Audit guest.password_change.
  Result<void> ChangeOwnPassword(const std::string& id, const std::string& current_password,
                                 const std::string& new_password, const std::string& keep_session);
  // Disables every enabled guest whose expires_at has passed, exactly as an administrator's disable
  // does (sessions and streams ended, spaces closed), each with audit guest.expire by `portal`.
  Result<ExpiryRun> ExpireDue();
  // Validate exactly as Update and Delete do and answer what they would do, writing nothing.
  Result<GuestPreview> PreviewUpdate(const std::string& id, const GuestChanges& changes);
  Result<GuestPreview> PreviewDelete(const std::string& id);
  // Every id is checked first (kNotFound naming the first unknown one, nothing changes). Disable
  // and enable skip the guests already so and change each of the others as Update does, each in its
  // own transaction; allow adds every pair in one transaction (the `with` guest among the ids is
  // skipped).
  Result<BulkResult> Bulk(const BulkRequest& request, const std::string& actor,
                          bool dry_run = false);
  // `progress` hears of each guest handled (created or skipped).
  Result<ImportReport> Import(const domain::ImportPlan& plan, const std::string& actor,
                              const ProgressCallback& progress = {});

  void SetOnQueued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }
  // Called after spaces were closed, and after a guest's sessions were ended (reason: disabled,
  // removed, password_changed); set by the composition root to tell the guests at once.
  void SetOnClosed(std::function<void(const std::vector<std::string>& space_ids)> on_closed) {
    on_closed_ = std::move(on_closed);
  }
  void SetOnSessionsEnded(std::function<void(const std::string& guest_id, const std::string& reason)> on_ended) {
    on_sessions_ended_ = std::move(on_ended);
  }

 private:
  void Closed(const storage::Closure& closure, const std::string& actor, const std::string& reason);
  // After storage ended the guest's sessions.
  void SessionsEnded(const std::string& id, const std::string& reason);

  storage::Storage& storage_;
  Sessions& sessions_;
  Audit& audit_;
  Clock clock_;
  crypto::PasswordParams password_;
  domain::RandomSource random_;
  std::function<void()> on_queued_;
  std::function<void(const std::vector<std::string>&)> on_closed_;
  std::function<void(const std::string&, const std::string&)> on_sessions_ended_;
};

}  // namespace gp::service
