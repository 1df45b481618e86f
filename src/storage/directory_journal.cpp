#include "storage/directory_journal.hpp"

#include <utility>

#include <nlohmann/json.hpp>

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

std::optional<std::vector<DirectoryChange>> DirectoryJournal::Chain(
    std::vector<DirectoryChange> changes, int64_t since, int64_t now) {
  DirectoryJournal found;
  for (auto& change : changes) found.Record(std::move(change));
  return found.Since(since, now);
}

std::string DirectoryJournal::Encode(const DirectoryChange& change) {
  auto pairs = [](const std::vector<PairRecord>& list) {
    auto json = nlohmann::json::array();
    for (const auto& [a, b] : list) json.push_back({a, b});
    return json;
  };
  nlohmann::json json = {{"guests", change.guests},
                         {"added", pairs(change.added)},
                         {"removed", pairs(change.removed)}};
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<DirectoryChange> DirectoryJournal::Decode(int64_t before, int64_t after,
                                                        const std::string& json) {
  auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  DirectoryChange change;
  change.before = before;
  change.after = after;
  auto guests = parsed.find("guests");
  if (guests == parsed.end() || !guests->is_array()) return std::nullopt;
  for (const auto& id : *guests) {
    if (!id.is_string()) return std::nullopt;
    change.guests.push_back(id.get<std::string>());
  }
  for (auto [key, list] :
       {std::pair("added", &change.added), std::pair("removed", &change.removed)}) {
    auto pairs = parsed.find(key);
    if (pairs == parsed.end() || !pairs->is_array()) return std::nullopt;
    for (const auto& pair : *pairs) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
        return std::nullopt;
      list->emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return change;
}

size_t DirectoryJournal::Size() const {
  std::lock_guard lock(mutex_);
  return by_before_.size();
}

}  // namespace gp::storage
