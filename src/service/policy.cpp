#include "service/policy.hpp"

#include <algorithm>
#include <set>

#include "domain/policy.hpp"

namespace gp::service {

Policy::Policy(storage::Storage& storage, Audit& audit, Clock clock)
    : storage_(storage), audit_(audit), clock_(std::move(clock)) {}

Result<std::vector<Pair>> Policy::Pairs() { return storage_.ListPairs(); }

Result<PolicyChange> Policy::Replace(const std::vector<Pair>& pairs, const std::string& actor) {
  auto guests = storage_.ListGuests();
  if (!guests) return tl::unexpected(guests.error());
  std::set<std::string> known;
  for (const auto& guest : *guests) known.insert(guest.id);
  auto validated = domain::ValidatePairs(pairs, known);
  if (!validated) return tl::unexpected(validated.error());
  auto before = storage_.ListPairs();
  if (!before) return tl::unexpected(before.error());
  auto closure = storage_.ReplacePairs(*validated, clock_());
  if (!closure) return tl::unexpected(closure.error());
  if (closure->jobs_queued > 0 && on_queued_) on_queued_();
  if (!closure->closed_space_ids.empty() && on_closed_) on_closed_(closure->closed_space_ids);

  PolicyChange change;
  change.pairs = *validated;
  change.closed_spaces = closure->closed_space_ids;
  for (const auto& [a, b] : domain::RevokedPairs(*before, *validated)) {
    audit_.Record(actor, "policy.revoke", a + "," + b, "success");
  }
  for (const auto& pair : *validated) {
    if (std::find(before->begin(), before->end(), pair) == before->end()) {
      audit_.Record(actor, "policy.allow", pair.first + "," + pair.second, "success");
    }
  }
  for (const auto& space : change.closed_spaces) {
    audit_.Record(actor, "space.close", space, "success", "a pair of members was revoked");
  }
  return change;
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
