#include "domain/policy.hpp"

#include <algorithm>

#include "domain/text.hpp"

namespace gp::domain {

Pair NormalizePair(const std::string& a, const std::string& b) { return a < b ? Pair{a, b} : Pair{b, a}; }

PairSet::PairSet(const std::vector<Pair>& pairs) {
  for (const auto& [a, b] : pairs) Add(a, b);
}

bool PairSet::Add(const std::string& a, const std::string& b) {
  if (a == b) return false;
  pairs_.insert(NormalizePair(a, b));
  return true;
}

bool PairSet::Remove(const std::string& a, const std::string& b) { return pairs_.erase(NormalizePair(a, b)) > 0; }

bool PairSet::Allowed(const std::string& a, const std::string& b) const {
  return a != b && pairs_.contains(NormalizePair(a, b));
}

std::vector<Pair> PairSet::MissingPairs(const std::vector<std::string>& members) const {
  std::set<std::string> unique(members.begin(), members.end());
  std::vector<std::string> sorted(unique.begin(), unique.end());
  std::vector<Pair> missing;
  for (size_t i = 0; i < sorted.size(); ++i) {
    for (size_t j = i + 1; j < sorted.size(); ++j) {
      if (!pairs_.contains({sorted[i], sorted[j]})) missing.emplace_back(sorted[i], sorted[j]);
    }
  }
  return missing;
}

std::vector<Pair> PairSet::Pairs() const { return {pairs_.begin(), pairs_.end()}; }

std::string MemberKey(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string key;
  for (const auto& id : ids) {
    if (!key.empty()) key += ',';
    key += id;
  }
  return key;
}

std::vector<Pair> RevokedPairs(const std::vector<Pair>& before, const std::vector<Pair>& after) {
  PairSet kept(after);
  std::set<Pair> revoked;
  for (const auto& [a, b] : before) {
    if (a != b && !kept.Allowed(a, b)) revoked.insert(NormalizePair(a, b));
  }
  return {revoked.begin(), revoked.end()};
}

Result<std::vector<Pair>> ValidatePairs(const std::vector<Pair>& pairs, const std::set<std::string>& known_ids) {
  PairSet valid;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [a, b] = pairs[i];
    std::string where = "pairs[" + std::to_string(i) + "]: ";
    for (const auto* id : {&a, &b}) {
      if (!known_ids.contains(*id)) {
        return Fail(ErrorCode::kBadRequest, "unknown_guest", where + "no guest has the id '" + Abbreviate(*id) + "'.",
                    "pairs");
      }
    }
    if (!valid.Add(a, b)) {
      return Fail(ErrorCode::kBadRequest, "invalid_pair", where + "a guest cannot be paired with themself.", "pairs");
    }
  }
  return valid.Pairs();
}

}  // namespace gp::domain
