#include "service/guests.hpp"

#include <map>

#include "core/crypto.hpp"
#include "domain/guests.hpp"
#include "domain/ids.hpp"

namespace gp::service {

Guests::Guests(storage::Storage& storage, Sessions& sessions, Spaces& spaces, GuestTokens& guest_tokens,
               Audit& audit, Clock clock)
    : storage_(storage),
      sessions_(sessions),
      spaces_(spaces),
      guest_tokens_(guest_tokens),
      audit_(audit),
      clock_(std::move(clock)) {}

Result<std::vector<storage::GuestRecord>> Guests::List() { return storage_.ListGuests(); }

Result<storage::GuestRecord> Guests::Get(const std::string& id) { return storage_.GetGuest(id); }

Result<storage::GuestRecord> Guests::Create(const NewGuest& guest, const std::string& actor) {
  if (auto valid = domain::ValidateDisplayName(guest.display_name); !valid) return tl::unexpected(valid.error());
  if (auto valid = domain::ValidateUsername(guest.username); !valid) return tl::unexpected(valid.error());
  if (auto valid = domain::ValidatePassword(guest.password); !valid) return tl::unexpected(valid.error());
  auto hash = crypto::HashPassword(guest.password);
  if (!hash) return tl::unexpected(hash.error());
  int64_t now = clock_();
  storage::GuestRecord record;
  record.id = domain::NewId();
  record.username = guest.username;
  record.display_name = domain::TrimDisplayName(guest.display_name);
  record.password_hash = *hash;
  record.disabled = false;
  record.created_at = now;
  record.updated_at = now;
  auto created = storage_.CreateGuest(record);
  if (!created) {
    if (created.error().code == ErrorCode::kConflict) {
      return Fail(ErrorCode::kConflict, "username_taken", "username: '" + guest.username + "' is already taken.",
                  "username");
    }
    return tl::unexpected(created.error());
  }
  audit_.Record(actor, "guest.create", record.id, "success", record.username);
  return record;
}

Result<void> Guests::Cut(const std::string& id, const std::string& actor) {
  auto ended = sessions_.EndAllForGuest(id);
  if (!ended) return ended;
  auto closed = spaces_.CloseAllFor(id, actor);
  if (!closed) return tl::unexpected(closed.error());
  return {};
}

Result<storage::GuestRecord> Guests::Update(const std::string& id, const GuestChanges& changes,
                                            const std::string& actor) {
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  storage::GuestRecord updated = *record;
  if (changes.display_name) {
    if (auto valid = domain::ValidateDisplayName(*changes.display_name); !valid) return tl::unexpected(valid.error());
    updated.display_name = domain::TrimDisplayName(*changes.display_name);
  }
  if (changes.password) {
    if (auto valid = domain::ValidatePassword(*changes.password); !valid) return tl::unexpected(valid.error());
    auto hash = crypto::HashPassword(*changes.password);
    if (!hash) return tl::unexpected(hash.error());
    updated.password_hash = *hash;
  }
  bool disabling = changes.disabled && *changes.disabled && !record->disabled;
  if (changes.disabled) updated.disabled = *changes.disabled;
  if (disabling) {
    // Cut first: a failure leaves the guest enabled and the request can be retried.
    auto cut = Cut(id, actor);
    if (!cut) return tl::unexpected(cut.error());
  }
  updated.updated_at = clock_();
  auto saved = storage_.UpdateGuest(updated);
  if (!saved) return tl::unexpected(saved.error());
  if (changes.password) (void)sessions_.EndAllForGuest(id);
  std::string what;
  if (changes.display_name) what += "displayName ";
  if (changes.password) what += "password ";
  if (changes.disabled) what += *changes.disabled ? "disabled" : "enabled";
  audit_.Record(actor, "guest.update", id, "success", what);
  return updated;
}

Result<void> Guests::Delete(const std::string& id, const std::string& actor) {
  auto record = storage_.GetGuest(id);
  if (!record) return tl::unexpected(record.error());
  auto cut = Cut(id, actor);
  if (!cut) return cut;
  guest_tokens_.Forget(id);
  auto deleted = storage_.DeleteGuest(id);
  if (!deleted) return deleted;
  audit_.Record(actor, "guest.delete", id, "success", record->username);
  return {};
}

Result<ImportReport> Guests::Import(const domain::ImportPlan& plan, const std::string& actor) {
  ImportReport report;
  report.skipped = plan.skipped;
  std::map<std::string, std::string> ids_by_username;
  auto existing = storage_.ListGuests();
  if (!existing) return tl::unexpected(existing.error());
  for (const auto& guest : *existing) ids_by_username[guest.username] = guest.id;
  for (const auto& guest : plan.guests) {
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
  auto pairs = storage_.ListPairs();
  if (!pairs) return tl::unexpected(pairs.error());
  auto merged = *pairs;
  for (const auto& pair : plan.pairs) {
    auto a = ids_by_username.find(pair.username_a);
    auto b = ids_by_username.find(pair.username_b);
    if (a == ids_by_username.end() || b == ids_by_username.end()) {
      report.skipped.push_back({pair.username_a + "," + pair.username_b, pair.username_a,
                                "the pair names a guest that was not imported"});
      continue;
    }
    auto normalized = a->second < b->second ? std::make_pair(a->second, b->second) : std::make_pair(b->second, a->second);
    if (std::find(merged.begin(), merged.end(), normalized) == merged.end()) {
      merged.push_back(normalized);
      ++report.pairs_added;
    }
  }
  if (report.pairs_added > 0) {
    auto replaced = storage_.ReplacePairs(merged);
    if (!replaced) return tl::unexpected(replaced.error());
  }
  audit_.Record(actor, "guest.import", "", "success",
                std::to_string(report.created.size()) + " created, " + std::to_string(report.skipped.size()) +
                    " skipped, " + std::to_string(report.pairs_added) + " pairs");
  return report;
}

}  // namespace gp::service
