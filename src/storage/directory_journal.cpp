#include "storage/directory_journal.hpp"

#include <utility>

namespace gp::storage {

void DirectoryJournal::Record(DirectoryChange change) {
  if (change.after <= change.before) return;
  std::lock_guard lock(mutex_);
  const int64_t before = change.before;
  by_before_.insert_or_assign(before, std::move(change));
  while (by_before_.size() > kCapacity) by_before_.erase(by_before_.begin());
}

std::optional<std::vector<DirectoryChange>> DirectoryJournal::Since(int64_t since,
                                                                    int64_t now) const {
  if (since > now) return std::nullopt;
  std::vector<DirectoryChange> chain;
  std::lock_guard lock(mutex_);
  for (int64_t at = since; at < now;) {
    auto step = by_before_.find(at);
    if (step == by_before_.end() || step->second.after > now) return std::nullopt;
    chain.push_back(step->second);
    at = step->second.after;
  }
  return chain;
}

size_t DirectoryJournal::Size() const {
  std::lock_guard lock(mutex_);
  return by_before_.size();
}

}  // namespace gp::storage
