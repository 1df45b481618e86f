#include "storage/migrations.hpp"

#include <algorithm>

namespace gp::storage {

Result<std::vector<Migration>> PendingMigrations(std::vector<Migration> known, int current_version) {
  std::sort(known.begin(), known.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 0; i < known.size(); ++i) {
    if (known[i].version <= 0) {
      return Fail(ErrorCode::kInternal, "migration '" + known[i].name + "' has no positive version");
    }
    if (i > 0 && known[i].version == known[i - 1].version) {
      return Fail(ErrorCode::kInternal, "two migrations share version " + std::to_string(known[i].version));
    }
  }
  int newest = known.empty() ? 0 : known.back().version;
  if (current_version > newest) {
    return Fail(ErrorCode::kUnavailable, "the database schema is at version " + std::to_string(current_version) +
                                             " but this build knows versions up to " + std::to_string(newest) +
                                             "; run a newer guest-portal");
  }
  std::vector<Migration> pending;
  for (auto& migration : known) {
    if (migration.version > current_version) pending.push_back(std::move(migration));
  }
  return pending;
}

}  // namespace gp::storage
