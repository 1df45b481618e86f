#pragma once
// The guests and allowed pairs as one in-memory index, for the admin console's lists: search,
// filter, sort and page the guests (with each guest's pair count and the counts per status), page
// the pairs by display name, and answer who is paired with whom. Built from a snapshot of the
// guests and pairs and never changed afterwards, so one index is shared by any number of readers;
// service::Policy keeps the one built for the data's current version. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "storage/records.hpp"

namespace gp::service {

enum class GuestStatus { kAll, kActive, kDisabled };
enum class GuestSort { kUsername, kDisplayName, kCreatedAt, kStatus };

// GET /api/v1/guests, parsed. `text` is trimmed and lowercased; empty matches everyone.
struct GuestQuery {
  std::string text;
  GuestStatus status = GuestStatus::kAll;
  GuestSort sort = GuestSort::kUsername;
  bool descending = false;
  int64_t offset = 0;
  std::optional<int64_t> limit;  // absent: every matching guest
};

// GET /api/v1/policy/pairs with paging, parsed.
struct PairQuery {
  std::string text;
  std::optional<std::string> guest;
  int64_t offset = 0;
  std::optional<int64_t> limit;
};

// The raw query parameters (absent when not given).
struct GuestQueryParams {
  std::optional<std::string> query, status, sort, order, offset, limit;
};
struct PairQueryParams {
  std::optional<std::string> query, guest, offset, limit;
};

inline constexpr std::size_t kMaxSearchLength = 200;
inline constexpr int64_t kMaxPageLimit = 500;

// A 400 whose message says what is wrong in plain words and whose field is the parameter.
Result<GuestQuery> ParseGuestQuery(const GuestQueryParams& params);
Result<PairQuery> ParsePairQuery(const PairQueryParams& params);

class GuestDirectory {
 public:
  struct Entry {
    storage::GuestRecord guest;  // without its password hash
    int64_t pair_count = 0;
    // The guests paired with this one, ordered by display name (indices into the directory).
    std::vector<int> contacts;
  };
  struct GuestPage {
    std::vector<const Entry*> items;
    int64_t total = 0;                          // guests matching the query and status
    int64_t all = 0, active = 0, disabled = 0;  // every guest, whatever the query
  };
  struct PairItem {
    const Entry* a = nullptr;
    const Entry* b = nullptr;
  };
  struct PairPage {
    std::vector<PairItem> items;
    int64_t total = 0;
  };

  // Pairs naming a guest that is not in `guests` are left out.
  GuestDirectory(std::vector<storage::GuestRecord> guests,
                 const std::vector<storage::PairRecord>& pairs);

  GuestPage Guests(const GuestQuery& query) const;
  // kNotFound when query.guest names no guest.
  Result<PairPage> Pairs(const PairQuery& query) const;
  // Every entry, by username (Entry::contacts index into it).
  const std::vector<Entry>& Entries() const { return entries_; }
  // nullptr for an unknown id.
  const Entry* Find(const std::string& id) const;
  bool Paired(const std::string& a, const std::string& b) const;
  std::size_t size() const { return entries_.size(); }
  std::size_t pair_count() const { return pairs_.size(); }

 private:
  bool Matches(int index, const std::string& text) const;

  std::vector<Entry> entries_;            // ordered by username
  std::vector<std::string> search_text_;  // per entry: lowercased username and display name
  std::unordered_map<std::string, int> by_id_;
  // Orders of the entries: by display name (case-insensitive, then username), by createdAt (then
  // username), by status (active first, then username).
  std::vector<int> by_display_name_, by_created_at_, by_status_;
  std::vector<int> name_rank_;  // per entry: its position in by_display_name_
  // Every pair as (a, b) with a before b by display name, ordered by a's then b's display name.
  std::vector<std::pair<int, int>> pairs_;
};

}  // namespace gp::service
