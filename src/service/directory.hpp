#pragma once
// The guests and allowed pairs as one in-memory index, for the admin console's lists: search,
// filter, sort and page the guests (with each guest's pair count and the counts per status), page
// the pairs by display name, and answer who is paired with whom. Built from a snapshot of the
// guests and pairs and never changed afterwards, so one index is shared by any number of readers;
// a change makes a new one from the old (With()), sharing what did not change. service::Policy
// keeps the one for the data's current directory version. Pure: no I/O.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
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
    // The guests paired with this one (slots, see Contacts()), ordered by display name.
    std::vector<int> contacts;
    std::string search;    // lowercased "username\ndisplay name", what a query is looked for in
    std::string name_key;  // lowercased display name, the display-name order's key
    std::string
        rendered;  // the guest as the API lists it, made by the Renderer (empty without one)
  };
  // Renders one guest with its pair count, once per change of either: a page is then a join.
  using Renderer = std::function<std::string(const storage::GuestRecord&, int64_t pair_count)>;
  // Changes to apply to a directory (With()). `guests` are as stored now (created or changed),
  // `deleted` names guests that are gone (their pairs go with them); `added` and `removed` are
  // pairs, applied after the guests. A pair naming an unknown guest is left out, as in a build.
  struct Update {
    std::vector<storage::GuestRecord> guests;
    std::vector<std::string> deleted;
    std::vector<storage::PairRecord> added;
    std::vector<storage::PairRecord> removed;
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
                 const std::vector<storage::PairRecord>& pairs, Renderer render = {});

  // A new directory equal to one built from this one's data with `update` applied. This one is
  // not changed, and the two share every entry the update leaves alone, so the cost follows the
  // size of the update (plus a copy of the orders), not the number of guests.
  GuestDirectory With(const Update& update) const;

  GuestPage Guests(const GuestQuery& query) const;
  // kNotFound when query.guest names no guest.
  Result<PairPage> Pairs(const PairQuery& query) const;
  // The guests paired with `entry`, ordered by display name.
  std::vector<const Entry*> Contacts(const Entry& entry) const;
  // nullptr for an unknown id.
  const Entry* Find(const std::string& id) const;
  bool Paired(const std::string& a, const std::string& b) const;
  std::size_t size() const { return by_id_.size(); }
  std::size_t pair_count() const { return static_cast<std::size_t>(pair_total_); }

 private:
  static constexpr std::size_t kOrders = 4;  // one per GuestSort

  const Entry& At(int slot) const { return *entries_[static_cast<std::size_t>(slot)]; }
  bool Less(GuestSort sort, int x, int y) const;
  bool Matches(int slot, const std::string& text) const;
  void RankNames();
  Entry MakeEntry(storage::GuestRecord guest) const;

  // Slots: an entry keeps its slot for the directory's life; a deleted guest leaves an empty one.
  // Entries are shared between a directory and those made from it by With(), and never changed
  // once shared: With() changes only the copies it made.
  std::vector<std::shared_ptr<Entry>> entries_;
  std::unordered_map<std::string, int> by_id_;
  // The live slots in each GuestSort order: by username; by display name (case-insensitive, then
  // username); by createdAt (then username); by status (active first, then username).
  std::array<std::vector<int>, kOrders> orders_;
  std::vector<int> name_rank_;  // per slot: its position in the display-name order
  int64_t pair_total_ = 0;
  Renderer render_;
};

}  // namespace gp::service
