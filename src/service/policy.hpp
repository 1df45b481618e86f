#pragma once
// Who may connect with whom: a symmetric set of allowed guest pairs. Replacing the set closes every
// open space that a revoked pair shared.

#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "service/audit.hpp"
#include "service/spaces.hpp"
#include "storage/storage.hpp"

namespace gp::service {

using Pair = std::pair<std::string, std::string>;

struct PolicyChange {
  std::vector<Pair> pairs;
  std::vector<std::string> closed_spaces;
};

class Policy {
 public:
  Policy(storage::Storage& storage, Spaces& spaces, Audit& audit);

  Result<std::vector<Pair>> Pairs();
  Result<PolicyChange> Replace(const std::vector<Pair>& pairs, const std::string& actor);
  // The enabled guests `guest_id` may connect with, by display name.
  Result<std::vector<storage::GuestRecord>> ContactsOf(const std::string& guest_id);

 private:
  storage::Storage& storage_;
  Spaces& spaces_;
  Audit& audit_;
};

}  // namespace gp::service
