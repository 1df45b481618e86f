#include "service/policy.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "core/log.hpp"
#include "domain/text.hpp"

#include "domain/policy.hpp"

namespace gp::service {

Policy::Policy(storage::Storage& storage, Audit& audit, Clock clock)
    : storage_(storage), audit_(audit), clock_(std::move(clock)) {}

Result<std::vector<Pair>> Policy::Pairs() {
  return storage_.ListPairs();
}

namespace {

std::vector<std::string> IdsOf(const std::vector<storage::SpaceRecord>& spaces) {
  std::vector<std::string> ids;
  ids.reserve(spaces.size());
  for (const auto& space : spaces) ids.push_back(space.id);
  return ids;
}

}  // namespace

Result<std::vector<storage::SpaceRecord>> Policy::SpacesClosedByRemoving(
    const std::vector<Pair>& removed) {
  std::map<std::string, storage::SpaceRecord> closing;
  for (const auto& [a, b] : removed) {
    auto spaces = storage_.ListOpenSpacesContaining(a, b);
    if (!spaces) return tl::unexpected(spaces.error());
    for (auto& space : *spaces) closing.emplace(space.id, std::move(space));
  }
  std::vector<storage::SpaceRecord> spaces;
  spaces.reserve(closing.size());
  for (auto& [id, space] : closing) spaces.push_back(std::move(space));
  return spaces;
}

Result<PolicyChange> Policy::Replace(const std::vector<Pair>& pairs, const std::string& actor,
                                     bool dry_run) {
  auto guests = storage_.ListGuests();
  if (!guests) return tl::unexpected(guests.error());
  std::set<std::string> known;
  for (const auto& guest : *guests) known.insert(guest.id);
  auto validated = domain::ValidatePairs(pairs, known);
  if (!validated) return tl::unexpected(validated.error());
  auto before = storage_.ListPairs();
  if (!before) return tl::unexpected(before.error());

  PolicyChange change;
  change.dry_run = dry_run;
  change.pairs = *validated;
  change.removed = domain::RevokedPairs(*before, *validated);
  std::set<Pair> had(before->begin(), before->end());
  for (const auto& pair : *validated) {
    if (!had.contains(pair)) change.added.push_back(pair);
  }
  auto closing = SpacesClosedByRemoving(change.removed);
  if (!closing) return tl::unexpected(closing.error());
  change.spaces_closed = std::move(*closing);
  if (dry_run) return change;

  auto closure = storage_.ReplacePairs(*validated, clock_());
  if (!closure) return tl::unexpected(closure.error());
  Changed(change, closure->closed_space_ids, closure->jobs_queued, actor);
  return change;
}

Result<PolicyChange> Policy::Change(const PairEdits& edits, const std::string& actor,
                                    bool dry_run) {
  std::set<Pair> adding;
  for (const auto& [a, b] : edits.add) adding.insert(domain::NormalizePair(a, b));
  for (size_t i = 0; i < edits.remove.size(); ++i) {
    const auto& [a, b] = edits.remove[i];
    if (adding.contains(domain::NormalizePair(a, b))) {
      return Fail(ErrorCode::kBadRequest, "invalid_pair",
                  "The same pair is both added and removed (remove[" + std::to_string(i) + "]).",
                  "remove");
    }
  }
  auto guests = storage_.ListGuests();
  if (!guests) return tl::unexpected(guests.error());
  std::set<std::string> known;
  for (const auto& guest : *guests) known.insert(guest.id);
  auto add = domain::ValidatePairs(edits.add, known);
  if (!add) {
    Error error = add.error();
    error.field = "add";
    if (error.message.starts_with("pairs[")) error.message = "add[" + error.message.substr(6);
    return tl::unexpected(error);
  }
  auto before = storage_.ListPairs();
  if (!before) return tl::unexpected(before.error());
  std::set<Pair> had(before->begin(), before->end());

  PolicyChange change;
  change.dry_run = dry_run;
  for (const auto& pair : *add) {
    if (!had.contains(pair)) change.added.push_back(pair);
  }
  std::set<Pair> removing;
  for (const auto& [a, b] : edits.remove) {
    Pair pair = domain::NormalizePair(a, b);
    if (had.contains(pair)) removing.insert(pair);
  }
  change.removed.assign(removing.begin(), removing.end());
  auto closing = SpacesClosedByRemoving(change.removed);
  if (!closing) return tl::unexpected(closing.error());
  change.spaces_closed = std::move(*closing);
  if (dry_run) return change;

  std::vector<storage::PairRecord> remove;
  for (const auto& [a, b] : edits.remove) remove.push_back(domain::NormalizePair(a, b));
  auto done = storage_.ChangePairs(*add, remove, clock_());
  if (!done) return tl::unexpected(done.error());
  // What the database did is the answer, even when another change came in since the preview.
  change.added = done->added;
  change.removed = done->removed;
  Changed(change, done->closure.closed_space_ids, done->closure.jobs_queued, actor);
  return change;
}

void Policy::Changed(PolicyChange& change, const std::vector<std::string>& closed_ids,
                     int64_t jobs_queued, const std::string& actor) {
  if (jobs_queued > 0 && on_queued_) on_queued_();
  if (!closed_ids.empty() && on_closed_) on_closed_(closed_ids);
  if (IdsOf(change.spaces_closed) != closed_ids) {
    // Another change came in between the preview and the write: answer with what was closed.
    log::warn("policy change closed {} spaces where {} were foreseen", closed_ids.size(),
              change.spaces_closed.size());
    std::vector<storage::SpaceRecord> spaces;
    for (const auto& id : closed_ids) {
      auto space = storage_.GetSpace(id);
      if (space) spaces.push_back(std::move(*space));
    }
    change.spaces_closed = std::move(spaces);
  }
  for (const auto& [a, b] : change.removed)
    audit_.Record(actor, "policy.revoke", a + "," + b, "success");
  for (const auto& [a, b] : change.added)
    audit_.Record(actor, "policy.allow", a + "," + b, "success");
  for (const auto& id : closed_ids)
    audit_.Record(actor, "space.close", id, "success", "a pair of members was revoked");
}

Result<Explanation> Policy::Explain(const std::string& a, const std::string& b) {
  if (a == b)
    return Fail(ErrorCode::kBadRequest, "invalid_parameter", "Choose two different guests.", "b");
  auto directory = Directory();
  if (!directory) return tl::unexpected(directory.error());
  Explanation explanation;
  for (const auto& [id, field, into] :
       {std::tuple{&a, "a", &explanation.a}, std::tuple{&b, "b", &explanation.b}}) {
    const auto* entry = (*directory)->Find(*id);
    if (entry == nullptr) {
      return Fail(ErrorCode::kNotFound, "not_found",
                  "No guest has the id '" + domain::Abbreviate(*id) + "'.", field);
    }
    *into = entry->guest;
  }
  if (!(*directory)->Paired(a, b)) {
    explanation.reasons.push_back({"no_pair", "",
                                   explanation.a.display_name + " and " +
                                       explanation.b.display_name + " are not an allowed pair."});
  }
  for (const auto* guest : {&explanation.a, &explanation.b}) {
    if (guest->disabled) {
      explanation.reasons.push_back({"disabled", guest->id, guest->display_name + " is disabled."});
    } else if (guest->expires_at && *guest->expires_at <= clock_()) {
      // Past its end, before the expiry task has disabled it: sign-in is refused already.
      explanation.reasons.push_back(
          {"expired", guest->id, guest->display_name + "'s account has expired."});
    }
  }
  auto spaces = storage_.ListSpacesForGuest(a, true);
  if (!spaces) return tl::unexpected(spaces.error());
  for (auto& space : *spaces) {
    if (std::find(space.member_ids.begin(), space.member_ids.end(), b) != space.member_ids.end()) {
      explanation.spaces.push_back(std::move(space));
    }
  }
  std::stable_partition(explanation.spaces.begin(), explanation.spaces.end(),
                        [](const auto& space) { return !space.closed_at.has_value(); });
  return explanation;
}

Result<GuestOverview> Policy::Overview(const std::string& id) {
  auto directory = Directory();
  if (!directory) return tl::unexpected(directory.error());
  const auto* entry = (*directory)->Find(id);
  if (entry == nullptr) return Fail(ErrorCode::kNotFound, "not_found", "No such guest.");
  GuestOverview overview;
  overview.guest = entry->guest;
  for (const auto* contact : (*directory)->Contacts(*entry))
    overview.contacts.push_back(contact->guest);
  auto spaces = storage_.ListSpacesForGuest(id, true);
  if (!spaces) return tl::unexpected(spaces.error());
  overview.spaces = std::move(*spaces);
  std::map<int64_t, storage::AuditRecord, std::greater<>> activity;
  std::vector<storage::AuditFilter> filters(3);
  filters[0].target = id;
  filters[1].actor = "guest:" + id;
  filters[2].actor = "guest:" + entry->guest.username;
  for (auto& filter : filters) {
    filter.limit = kOverviewActivity;
    auto records = storage_.ListAudit(filter);
    if (!records) return tl::unexpected(records.error());
    for (auto& record : *records) activity.emplace(record.seq, std::move(record));
  }
  for (auto& [seq, record] : activity) {
    if (overview.activity.size() >= static_cast<size_t>(kOverviewActivity)) break;
    overview.activity.push_back(std::move(record));
  }
  return overview;
}

Result<std::shared_ptr<const GuestDirectory>> Policy::Directory() {
  auto current = CurrentDirectory();
  if (!current) return tl::unexpected(current.error());
  return std::move(current->directory);
}

Result<GuestDirectory::Update> Policy::UpdateFor(
    const std::vector<storage::DirectoryChange>& changes) {
  std::set<std::string> ids;
  std::map<storage::PairRecord, bool> pairs;  // pair -> there after the last change naming it
  for (const auto& change : changes) {
    ids.insert(change.guests.begin(), change.guests.end());
    for (const auto& pair : change.removed) pairs[pair] = false;
    for (const auto& pair : change.added) pairs[pair] = true;
  }
  GuestDirectory::Update update;
  // Read now, the guests may be newer than the last change: applying a later change again then
  // leaves them as they are.
  for (const auto& id : ids) {
    auto guest = storage_.GetGuest(id);
    if (guest) {
      update.guests.push_back(std::move(*guest));
    } else if (guest.error().code == ErrorCode::kNotFound) {
      update.deleted.push_back(id);
    } else {
      return tl::unexpected(guest.error());
    }
  }
  for (const auto& [pair, there] : pairs) (there ? update.added : update.removed).push_back(pair);
  return update;
}

Result<Policy::DirectoryAt> Policy::CurrentDirectory() {
  // Above this many changed guests a rebuild costs less than reading each one.
  constexpr std::size_t kMaxGuestsUpdated = 200;
  std::lock_guard lock(directory_mutex_);
  auto delta = storage_.DirectoryChangesSince(directory_.version);
  if (!delta) return tl::unexpected(delta.error());
  if (directory_.directory && delta->version == directory_.version) return directory_;
  std::size_t guests_changed = 0;
  if (delta->changes) {
    for (const auto& change : *delta->changes) guests_changed += change.guests.size();
  }
  if (directory_.directory && delta->changes && guests_changed <= kMaxGuestsUpdated) {
    auto update = UpdateFor(*delta->changes);
    if (!update) return tl::unexpected(update.error());
    directory_.directory =
        std::make_shared<const GuestDirectory>(directory_.directory->With(*update));
    ++directory_updates_;
  } else {
    // Read after the version: the data is at least that new, and a later change moves the version.
    auto guests = storage_.ListGuests();
    if (!guests) return tl::unexpected(guests.error());
    auto pairs = storage_.ListPairs();
    if (!pairs) return tl::unexpected(pairs.error());
    directory_.directory =
        std::make_shared<const GuestDirectory>(std::move(*guests), *pairs, render_);
    ++directory_builds_;
  }
  directory_.version = delta->version;
  return directory_;
}

Result<std::string> Policy::Rendered(
    const std::string& key, const std::function<std::string(const GuestDirectory&)>& render) {
  auto current = CurrentDirectory();
  if (!current) return tl::unexpected(current.error());
  if (auto body = rendered_cache_.Get(key, current->version)) return std::move(*body);
  std::string body = render(*current->directory);
  rendered_cache_.Put(key, current->version, body);
  return body;
}

Result<std::vector<storage::GuestRecord>> Policy::ContactsOf(const std::string& guest_id) {
  auto pairs = storage_.ListPairs();
  if (!pairs) return tl::unexpected(pairs.error());
  std::set<std::string> reachable;
  for (const auto& [a, b] : *pairs) {
    if (a == guest_id) reachable.insert(b);
    if (b == guest_id) reachable.insert(a);
  }
  auto guests = storage_.ListGuests();
  if (!guests) return tl::unexpected(guests.error());
  std::vector<storage::GuestRecord> contacts;
  for (const auto& guest : *guests) {
    if (!guest.disabled && reachable.contains(guest.id)) contacts.push_back(guest);
  }
  std::sort(contacts.begin(), contacts.end(),
            [](const auto& x, const auto& y) { return x.display_name < y.display_name; });
  return contacts;
}

}  // namespace gp::service
