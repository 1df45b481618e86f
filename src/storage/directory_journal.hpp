#pragma once
// The changes to the guests and the allowed pairs that this process committed, each with the
// directory version it moved from and to (see Storage::DirectoryChangesSince). A reader that knows
// the version it last saw asks for the chain of changes since: when every step is here, it can
// apply them; when one is missing (another process, instance or CLI command moved the version, or
// the step is too old) it gets std::nullopt and reads the guests and pairs again.
//
// Each backend also writes every change into the table directory_changes, in the transaction that
// makes it (Encode), so that other processes and instances can follow the chain too (Decode).
//
// Thread-safe: Record and Since take one mutex. Bounded: it keeps the newest kCapacity (1024)
// changes, by version; older ones are forgotten, and a chain that needs them is std::nullopt.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace gp::storage {

class DirectoryJournal {
 public:
  static constexpr size_t kCapacity = 1024;

  // Keeps a committed change. A change that did not move the version (before >= after) is ignored.
  // Changes may arrive out of order (two commits on different connections): each is filed under its
  // `before`, and a second change from the same `before` replaces the first.
  void Record(DirectoryChange change);

  // The changes leading from `since` to `now`, oldest first, each one's `before` the previous one's
  // `after`: empty when since == now; std::nullopt when since > now or any step is missing.
  [[nodiscard]] std::optional<std::vector<DirectoryChange>> Since(int64_t since, int64_t now) const;

  // How many changes are kept (at most kCapacity).
  [[nodiscard]] size_t Size() const;

  // The chain from `since` to `now` through `changes` (rows read from directory_changes), as Since
  // answers it.
  [[nodiscard]] static std::optional<std::vector<DirectoryChange>> Chain(
      std::vector<DirectoryChange> changes, int64_t since, int64_t now);

  // A change's guests and pairs as the JSON stored in directory_changes.change, and back (nullopt
  // for text that is not such JSON).
  [[nodiscard]] static std::string Encode(const DirectoryChange& change);
  [[nodiscard]] static std::optional<DirectoryChange> Decode(int64_t before, int64_t after,
                                                             const std::string& json);

 private:
  mutable std::mutex mutex_;
  std::map<int64_t, DirectoryChange> by_before_;
};

}  // namespace gp::storage
