#pragma once
// Who may connect with whom: a set of allowed, symmetric pairs of guest ids.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace gp::domain {

using Pair = std::pair<std::string, std::string>;

// The canonical form of a pair: the smaller id first.
Pair NormalizePair(const std::string& a, const std::string& b);

class PairSet {
 public:
  PairSet() = default;
  // Pairs naming the same guest twice are ignored.
  explicit PairSet(const std::vector<Pair>& pairs);

  // Adds {a, b} in either order; false when a == b (nobody is paired with themself).
  bool Add(const std::string& a, const std::string& b);
  bool Remove(const std::string& a, const std::string& b);
  bool Allowed(const std::string& a, const std::string& b) const;
  // Every pair of distinct members that is not allowed, normalized and sorted; empty when the member
  // set may share a space. Repeated members are counted once.
  std::vector<Pair> MissingPairs(const std::vector<std::string>& members) const;
  // All pairs, normalized and sorted.
  std::vector<Pair> Pairs() const;
  size_t size() const { return pairs_.size(); }

 private:
  std::set<Pair> pairs_;
};

// The identity of a member set: ids sorted, de-duplicated and joined by ','.
std::string MemberKey(std::vector<std::string> ids);

// Pairs present in `before` and absent from `after` (both in any order or orientation), normalized and
// sorted: the spaces holding both guests of such a pair must be closed.
std::vector<Pair> RevokedPairs(const std::vector<Pair>& before, const std::vector<Pair>& after);

// Checks a replacement policy against the known guest ids. Returns it normalized, de-duplicated and
// sorted, or a 400 naming the first bad entry ("pairs[2]: ...").
Result<std::vector<Pair>> ValidatePairs(const std::vector<Pair>& pairs, const std::set<std::string>& known_ids);

}  // namespace gp::domain
