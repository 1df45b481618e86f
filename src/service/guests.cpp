#include "service/guests.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "domain/text.hpp"

#include "domain/guests.hpp"

namespace gp::service {

Guests::Guests(storage::Storage& storage, Sessions& sessions, Audit& audit, Clock clock,
               crypto::PasswordParams password, domain::RandomSource random)
    : storage_(storage),
      sessions_(sessions),
      audit_(audit),
      clock_(std::move(clock)),
      password_(password),
      random_(std::move(random)) {}

Result<std::vector<storage::GuestRecord>> Guests::List() { return storage_.ListGuests(); }

Result<storage::GuestRecord> Guests::Get(const std::string& id) { return storage_.GetGuest(id); }

namespace {

tl::unexpected<Error> ExpiryNotInFuture() {
  return Fail(ErrorCode::kBadRequest, "invalid_field", "The expiry must be in the future.", "expiresAt");
}

// The expiry part of an update: a new end must be in the future, and an expired account is enabled
// only with a new end (or none), or the expiry task would disable it again.
Result<void> CheckExpiry(const storage::GuestRecord& record, const GuestChanges& changes, int64_t now) {
  if (changes.expires_at && *changes.expires_at && **changes.expires_at <= now) return ExpiryNotInFuture();
  const std::optional<int64_t> ends = changes.expires_at ? *changes.expires_at : record.expires_at;
  if (changes.disabled && !*changes.disabled && record.disabled && ends && *ends <= now) {
    return Fail(ErrorCode::kBadRequest, "account_expired",
                "This account has expired. Set a later expiry date, or none, to enable it.", "expiresAt");
  }
  return {};
}

}  // namespace

std::string Guests::GeneratePassword() {
  return domain::GeneratePassword([](unsigned char* out, size_t size) {
    const std::string bytes = crypto::RandomBytes(size);
    std::copy(bytes.begin(), bytes.end(), out);
  });
}

Result<storage::GuestRecord> Guests::Create(const NewGuest& guest, const std::string& actor) {
  if (auto valid = domain::ValidateDisplayName(guest.display_name); !valid) return tl::unexpected(valid.error());
  if (auto valid = domain::ValidateUsername(guest.username); !valid) return tl::unexpected(valid.error());
  if (auto valid = domain::ValidatePassword(guest.password); !valid) return tl::unexpected(valid.error());
  int64_t now = clock_();
  if (guest.expires_at && *guest.expires_at <= now) return ExpiryNotInFuture();
  auto hash = crypto::HashPassword(guest.password, password_);
  if (!hash) return tl::unexpected(hash.error());
  storage::GuestRecord record;
  record.id = domain::NewId(random_);
  record.username = guest.username;
  record.display_name = domain::TrimDisplayName(guest.display_name);
  record.password_hash = *hash;
  record.disabled = false;
  record.must_change_password = guest.must_change_password;
  record.expires_at = guest.expires_at;
  record.created_at = now;
  record.updated_at = now;
  auto created = storage_.CreateGuest(record);
  if (!created) {
    if (created.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "username_taken", "The username '" + guest.username + "' is already taken.",
                  "username");
    }
    return tl::unexpected(created.error());
  }
  audit_.Record(actor, "guest.create", record.id, "success", record.username);
  return record;
}

void Guests::Closed(const storage::Closure& closure, const std::string& actor, const std::string& reason) {
  for (const auto& space : closure.closed_space_ids) audit_.Record(actor, "space.close", space, "success", reason);
  if (closure.jobs_queued > 0 && on_queued_) on_queued_();
  if (!closure.closed_space_ids.empty() && on_closed_) on_closed_(closure.closed_space_ids);
}

void Guests::SessionsEnded(const std::string& id, const std::string& reason) {
  sessions_.ForgetGuest(id);
  if (on_sessions_ended_) on_sessions_ended_(id, reason);
}

Result<storage::GuestRecord> Guests::Update(const std::string& id, const GuestChanges& changes,
                                            const std::string& actor) {
  // Everything is validated (and the password hashed) before anything is written.
  std::optional<std::string> display_name;
  if (changes.display_name) {
    if (auto valid = domain::ValidateDisplayName(*changes.display_name); !valid) return tl::unexpected(valid.error());
    display_name = domain::TrimDisplayName(*changes.display_name);
  }
  std::optional<std::string> hash;
  if (changes.password) {
    if (auto valid = domain::ValidatePassword(*changes.password); !valid) return tl::unexpected(valid.error());
    auto hashed = crypto::HashPassword(*changes.password, password_);
    if (!hashed) return tl::unexpected(hashed.error());
    hash = std::move(*hashed);
  }
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  const int64_t now = clock_();
  if (auto valid = CheckExpiry(*record, changes, now); !valid) return tl::unexpected(valid.error());
  // A later end (or none) is written before the guest is enabled, so the expiry task never sees an
  // enabled guest with the old one.
  if (changes.expires_at) {
    auto saved = storage_.SetGuestExpiry(id, *changes.expires_at, now);
    if (!saved) return tl::unexpected(saved.error());
  }
  if (changes.disabled) {
    if (*changes.disabled) {
      auto closure = storage_.DisableGuest(id, now);
      if (!closure) return tl::unexpected(closure.error());
      SessionsEnded(id, "disabled");
      Closed(*closure, actor, "a member was disabled");
    } else {
      auto enabled = storage_.EnableGuest(id, now);
      if (!enabled) return tl::unexpected(enabled.error());
    }
  }
  if (display_name) {
    auto saved = storage_.SetGuestDisplayName(id, *display_name, now);
    if (!saved) return tl::unexpected(saved.error());
  }
  if (changes.must_change_password) {
    auto saved = storage_.SetGuestMustChangePassword(id, *changes.must_change_password, now);
    if (!saved) return tl::unexpected(saved.error());
    // Remembered sessions carry the flag: the change applies to a signed-in guest at once.
    sessions_.ForgetGuest(id);
  }
  if (hash) {
    auto saved = storage_.SetGuestPassword(id, *hash, now);
    if (!saved) return tl::unexpected(saved.error());
    SessionsEnded(id, "password_changed");
  }
  // Names of what changed, never the values (a password in particular).
  std::string what;
  if (changes.display_name) what += "displayName ";
  if (changes.password) what += "password ";
  if (changes.must_change_password) what += "mustChangePassword ";
  if (changes.expires_at) what += "expiresAt ";
  if (changes.disabled) what += *changes.disabled ? "disabled" : "enabled";
  while (!what.empty() && what.back() == ' ') what.pop_back();
  audit_.Record(actor, "guest.update", id, "success", what);
  return storage_.GetGuest(id);
}

Result<void> Guests::Delete(const std::string& id, const std::string& actor) {
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  auto closure = storage_.DeleteGuest(id, clock_());
  if (!closure) return tl::unexpected(closure.error());
  SessionsEnded(id, "removed");
  Closed(*closure, actor, "a member was deleted");
  audit_.Record(actor, "guest.delete", id, "success", record->username);
  return {};
}

Result<void> Guests::ChangeOwnPassword(const std::string& id, const std::string& current_password,
                                      const std::string& new_password, const std::string& keep_session) {
  const std::string actor = "guest:" + id;
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  if (!crypto::VerifyPassword(record->password_hash, current_password)) {
    audit_.Record(actor, "guest.password_change", id, "failure", "wrong current password");
    return Fail(ErrorCode::kBadRequest, "wrong_password", "The current password is not right.", "currentPassword");
  }
  if (auto valid = domain::ValidatePassword(new_password, "newPassword"); !valid) return tl::unexpected(valid.error());
  if (new_password == current_password) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "The new password must differ from the current one.",
                "newPassword");
  }
  auto hash = crypto::HashPassword(new_password, password_);
  if (!hash) return tl::unexpected(hash.error());
  auto saved = storage_.ChangeGuestPassword(id, *hash, Sessions::IdHash(keep_session), clock_());
  if (!saved) return tl::unexpected(saved.error());
  // The guest's other sessions ended (their streams with them); this one is remembered without the
  // flag from now on.
  SessionsEnded(id, "password_changed");
  audit_.Record(actor, "guest.password_change", id, "success");
  return {};
}

Result<ExpiryRun> Guests::ExpireDue() {
  const int64_t now = clock_();
  auto due = storage_.ListExpiredGuests(now);
  if (!due) return tl::unexpected(due.error());
  ExpiryRun run;
  for (const auto& guest : *due) {
    // Read again just before: an administrator may have given a later end (or none) since the list.
    auto current = storage_.GetGuest(guest.id);
    if (!current) {
      if (current.error().code != ErrorCode::kNotFound) ++run.failed;
      continue;
    }
    if (current->disabled || !current->expires_at || *current->expires_at > now) continue;
    auto closure = storage_.DisableGuest(guest.id, now);
    if (!closure) {
      // A guest deleted meanwhile has nothing left to disable; anything else is tried again next run.
      if (closure.error().code != ErrorCode::kNotFound) ++run.failed;
      continue;
    }
    SessionsEnded(guest.id, "account_expired");
    Closed(*closure, "portal", "a member's account expired");
    audit_.Record("portal", "guest.expire", guest.id, "success", guest.username);
    run.disabled.push_back(guest.id);
  }
  return run;
}

Result<GuestPreview> Guests::PreviewUpdate(const std::string& id, const GuestChanges& changes) {
  if (changes.display_name) {
    if (auto valid = domain::ValidateDisplayName(*changes.display_name); !valid)
      return tl::unexpected(valid.error());
  }
  if (changes.password) {
    if (auto valid = domain::ValidatePassword(*changes.password); !valid)
      return tl::unexpected(valid.error());
  }
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  if (auto valid = CheckExpiry(*record, changes, clock_()); !valid) return tl::unexpected(valid.error());
  GuestPreview preview;
  preview.guest = std::move(*record);
  preview.guest.password_hash.clear();
  if (changes.display_name)
    preview.guest.display_name = domain::TrimDisplayName(*changes.display_name);
  if (changes.disabled) preview.guest.disabled = *changes.disabled;
  if (changes.must_change_password) preview.guest.must_change_password = *changes.must_change_password;
  if (changes.expires_at) preview.guest.expires_at = *changes.expires_at;
  // Disabling closes the guest's open spaces and ends their sessions (DisableGuest); a new password
  // ends their sessions.
  if (changes.disabled.value_or(false)) {
    auto spaces = storage_.ListOpenSpacesForGuest(id);
    if (!spaces) return tl::unexpected(spaces.error());
    preview.spaces_closed = std::move(*spaces);
  }
  preview.ends_sessions = changes.disabled.value_or(false) || changes.password.has_value();
  return preview;
}

Result<GuestPreview> Guests::PreviewDelete(const std::string& id) {
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  GuestPreview preview;
  preview.guest = std::move(*record);
  preview.guest.password_hash.clear();
  auto spaces = storage_.ListOpenSpacesForGuest(id);
  if (!spaces) return tl::unexpected(spaces.error());
  preview.spaces_closed = std::move(*spaces);
  auto pairs = storage_.ListPairs();
  if (!pairs) return tl::unexpected(pairs.error());
  preview.pairs_removed = std::count_if(pairs->begin(), pairs->end(), [&id](const auto& pair) {
    return pair.first == id || pair.second == id;
  });
  preview.ends_sessions = true;
  return preview;
}

Result<BulkResult> Guests::Bulk(const BulkRequest& request, const std::string& actor,
                                bool dry_run) {
  auto unknown = [](const std::string& id, const std::string& field) {
    return Fail(ErrorCode::kNotFound, "not_found",
                "No guest has the id '" + domain::Abbreviate(id) + "'.", field);
  };
  std::vector<storage::GuestRecord> guests;
  for (const auto& id : request.ids) {
    auto guest = storage_.GetGuest(id);
    if (!guest) {
      if (guest.error().code == ErrorCode::kNotFound) return unknown(id, "ids");
      return tl::unexpected(guest.error());
    }
    guests.push_back(std::move(*guest));
  }
  BulkResult result;
  result.dry_run = dry_run;
  if (request.action == BulkAction::kAllow) {
    auto with = storage_.GetGuest(request.with);
    if (!with) {
      if (with.error().code == ErrorCode::kNotFound) return unknown(request.with, "with");
      return tl::unexpected(with.error());
    }
    std::vector<storage::PairRecord> pairs;
    for (const auto& guest : guests) {
      if (guest.id != request.with) pairs.push_back(std::minmax(guest.id, request.with));
    }
    if (dry_run) {
      auto existing = storage_.ListPairs();
      if (!existing) return tl::unexpected(existing.error());
      std::set<storage::PairRecord> had(existing->begin(), existing->end());
      for (const auto& pair : std::set<storage::PairRecord>(pairs.begin(), pairs.end())) {
        if (!had.contains(pair)) result.added.push_back(pair);
      }
    } else {
      auto change = storage_.ChangePairs(pairs, {}, clock_());
      if (!change) return tl::unexpected(change.error());
      result.added = change->added;
      for (const auto& [a, b] : result.added)
        audit_.Record(actor, "policy.allow", a + "," + b, "success");
    }
    result.changed = static_cast<int64_t>(result.added.size());
    return result;
  }

  const bool disable = request.action == BulkAction::kDisable;
  GuestChanges change;
  change.disabled = disable;
  // Every guest is checked before any changes, so that a refusal changes nothing.
  const int64_t now = clock_();
  std::vector<const storage::GuestRecord*> changing;
  for (const auto& guest : guests) {
    if (guest.disabled == disable) continue;
    if (auto valid = CheckExpiry(guest, change, now); !valid) {
      return Fail(ErrorCode::kBadRequest, "account_expired",
                  guest.display_name + "'s account has expired. Set a later expiry date, or none, to enable it.",
                  "ids");
    }
    changing.push_back(&guest);
  }
  std::map<std::string, storage::SpaceRecord> closing;
  for (const auto* guest : changing) {
    ++result.changed;
    if (disable) {
      auto spaces = storage_.ListOpenSpacesForGuest(guest->id);
      if (!spaces) return tl::unexpected(spaces.error());
      for (auto& space : *spaces) closing.emplace(space.id, std::move(space));
    }
    if (dry_run) continue;
    auto updated = Update(guest->id, change, actor);
    if (!updated) return tl::unexpected(updated.error());
  }
  for (auto& [id, space] : closing) result.spaces_closed.push_back(std::move(space));
  return result;
}

Result<ImportReport> Guests::Import(const domain::ImportPlan& plan, const std::string& actor,
                                    const ProgressCallback& progress) {
  ImportReport report;
  report.skipped = plan.skipped;
  std::map<std::string, std::string> ids_by_username;
  auto existing = storage_.ListGuests();
  if (!existing) return tl::unexpected(existing.error());
  for (const auto& guest : *existing) ids_by_username[guest.username] = guest.id;
  const auto total = static_cast<int64_t>(plan.guests.size());
  int64_t done = 0;
  for (const auto& guest : plan.guests) {
    if (progress) progress(done++, total);
    if (ids_by_username.contains(guest.username)) {
      report.skipped.push_back({guest.username, guest.username, "username already exists"});
      continue;
    }
    auto created = Create({guest.display_name, guest.username, guest.password}, actor);
    if (!created) {
      report.skipped.push_back({guest.username, guest.username, created.error().message});
      continue;
    }
    ids_by_username[guest.username] = created->id;
    report.created.push_back(guest.username);
  }
  if (progress) progress(total, total);
  std::vector<storage::PairRecord> pairs;
  for (const auto& pair : plan.pairs) {
    auto a = ids_by_username.find(pair.username_a);
    auto b = ids_by_username.find(pair.username_b);
    if (a == ids_by_username.end() || b == ids_by_username.end()) {
      report.skipped.push_back({pair.username_a + "," + pair.username_b, pair.username_a,
                                "the pair names a guest that was not imported"});
      continue;
    }
    pairs.push_back(std::minmax(a->second, b->second));
  }
  if (!pairs.empty()) {
    // The count is what the database added, not what was asked for.
    auto added = storage_.AddPairs(pairs);
    if (!added) return tl::unexpected(added.error());
    report.pairs_added = *added;
  }
  audit_.Record(actor, "guest.import", "", "success",
                std::to_string(report.created.size()) + " created, " + std::to_string(report.skipped.size()) +
                    " skipped, " + std::to_string(report.pairs_added) + " pairs");
  return report;
}

}  // namespace gp::service
