#include "service/directory.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "domain/text.hpp"

namespace gp::service {
namespace {

tl::unexpected<Error> BadParameter(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_parameter", message, field);
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  });
  return lower;
}

// A whole number in [min, max], or nullopt.
std::optional<int64_t> WholeNumber(const std::string& text, int64_t min, int64_t max) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max)
    return std::nullopt;
  return value;
}

Result<std::string> SearchText(const std::optional<std::string>& query) {
  if (!query) return std::string();
  std::string_view trimmed = domain::TrimAscii(*query);
  if (trimmed.size() > kMaxSearchLength) {
    return BadParameter("query",
                        "Search for at most " + std::to_string(kMaxSearchLength) + " characters.");
  }
  return Lower(trimmed);
}

Result<std::pair<int64_t, std::optional<int64_t>>> Paging(const std::optional<std::string>& offset,
                                                          const std::optional<std::string>& limit) {
  std::pair<int64_t, std::optional<int64_t>> paging{0, std::nullopt};
  if (offset) {
    auto value = WholeNumber(*offset, 0, INT64_MAX);
    if (!value) return BadParameter("offset", "The offset must be a whole number, 0 or more.");
    paging.first = *value;
  }
  if (limit) {
    auto value = WholeNumber(*limit, 1, kMaxPageLimit);
    if (!value) {
      return BadParameter("limit", "The limit must be a whole number from 1 to " +
                                       std::to_string(kMaxPageLimit) + ".");
    }
    paging.second = *value;
  }
  return paging;
}

}  // namespace

Result<GuestQuery> ParseGuestQuery(const GuestQueryParams& params) {
  GuestQuery query;
  auto text = SearchText(params.query);
  if (!text) return tl::unexpected(text.error());
  query.text = std::move(*text);
  if (params.status) {
    if (*params.status == "all") {
      query.status = GuestStatus::kAll;
    } else if (*params.status == "active") {
      query.status = GuestStatus::kActive;
    } else if (*params.status == "disabled") {
      query.status = GuestStatus::kDisabled;
    } else {
      return BadParameter("status", "Show all, active or disabled guests.");
    }
  }
  if (params.sort) {
    if (*params.sort == "username") {
      query.sort = GuestSort::kUsername;
    } else if (*params.sort == "displayName") {
      query.sort = GuestSort::kDisplayName;
    } else if (*params.sort == "createdAt") {
      query.sort = GuestSort::kCreatedAt;
    } else if (*params.sort == "status") {
      query.sort = GuestSort::kStatus;
    } else {
      return BadParameter("sort", "Sort by username, displayName, createdAt or status.");
    }
  }
  if (params.order) {
    if (*params.order == "asc") {
      query.descending = false;
    } else if (*params.order == "desc") {
      query.descending = true;
    } else {
      return BadParameter("order", "Order asc (ascending) or desc (descending).");
    }
  }
  auto paging = Paging(params.offset, params.limit);
  if (!paging) return tl::unexpected(paging.error());
  query.offset = paging->first;
  query.limit = paging->second;
  return query;
}

Result<PairQuery> ParsePairQuery(const PairQueryParams& params) {
  PairQuery query;
  auto text = SearchText(params.query);
  if (!text) return tl::unexpected(text.error());
  query.text = std::move(*text);
  if (params.guest) {
    if (params.guest->empty()) return BadParameter("guest", "Name the guest whose pairs to list.");
    query.guest = *params.guest;
  }
  auto paging = Paging(params.offset, params.limit);
  if (!paging) return tl::unexpected(paging.error());
  query.offset = paging->first;
  query.limit = paging->second;
  return query;
}

namespace {

constexpr auto kByUsername = static_cast<std::size_t>(GuestSort::kUsername);
constexpr auto kByDisplayName = static_cast<std::size_t>(GuestSort::kDisplayName);

void EraseValue(std::vector<int>& values, int value) {
  auto found = std::find(values.begin(), values.end(), value);
  if (found != values.end()) values.erase(found);
}

}  // namespace

GuestDirectory::Entry GuestDirectory::MakeEntry(storage::GuestRecord guest) const {
  Entry entry;
  guest.password_hash.clear();
  entry.search = Lower(guest.username) + '\n' + Lower(guest.display_name);
  entry.name_key = Lower(guest.display_name);
  entry.guest = std::move(guest);
  return entry;
}

bool GuestDirectory::Less(GuestSort sort, int x, int y) const {
  const Entry& a = At(x);
  const Entry& b = At(y);
  switch (sort) {
    case GuestSort::kUsername:
      break;
    case GuestSort::kDisplayName:
      if (a.name_key != b.name_key) return a.name_key < b.name_key;
      break;
    case GuestSort::kCreatedAt:
      if (a.guest.created_at != b.guest.created_at) return a.guest.created_at < b.guest.created_at;
      break;
    case GuestSort::kStatus:
      if (a.guest.disabled != b.guest.disabled) return !a.guest.disabled;
      break;
  }
  return a.guest.username < b.guest.username;
}

void GuestDirectory::RankNames() {
  name_rank_.assign(entries_.size(), -1);
  const auto& order = orders_[kByDisplayName];
  for (std::size_t i = 0; i < order.size(); ++i) name_rank_[order[i]] = static_cast<int>(i);
}

GuestDirectory::GuestDirectory(std::vector<storage::GuestRecord> guests,
                               const std::vector<storage::PairRecord>& pairs, Renderer render)
    : render_(std::move(render)) {
  entries_.reserve(guests.size());
  by_id_.reserve(guests.size());
  for (auto& guest : guests) {
    if (by_id_.contains(guest.id)) continue;
    by_id_.emplace(guest.id, static_cast<int>(entries_.size()));
    entries_.push_back(std::make_shared<Entry>(MakeEntry(std::move(guest))));
  }
  const int n = static_cast<int>(entries_.size());
  for (std::size_t sort = 0; sort < kOrders; ++sort) {
    auto& order = orders_[sort];
    order.resize(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [this, sort](int x, int y) { return Less(static_cast<GuestSort>(sort), x, y); });
  }
  RankNames();

  std::vector<std::pair<int, int>> links;
  links.reserve(pairs.size());
  for (const auto& [first, second] : pairs) {
    auto a = by_id_.find(first);
    auto b = by_id_.find(second);
    if (a == by_id_.end() || b == by_id_.end() || a->second == b->second) continue;
    links.emplace_back(std::minmax(a->second, b->second));
  }
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()), links.end());
  pair_total_ = static_cast<int64_t>(links.size());
  for (const auto& [a, b] : links) {
    entries_[a]->contacts.push_back(b);
    entries_[b]->contacts.push_back(a);
  }
  for (auto& entry : entries_) {
    entry->pair_count = static_cast<int64_t>(entry->contacts.size());
    std::sort(entry->contacts.begin(), entry->contacts.end(),
              [this](int x, int y) { return name_rank_[x] < name_rank_[y]; });
    if (render_) entry->rendered = render_(entry->guest, entry->pair_count);
  }
}

GuestDirectory GuestDirectory::With(const Update& update) const {
  GuestDirectory next = *this;
  // Entries this update copied (and may change); the others are still shared with this directory,
  // and an entry once shared is never changed.
  std::vector<char> own(entries_.size(), 0);
  auto edit = [&next, &own](int slot) -> Entry& {
    auto index = static_cast<std::size_t>(slot);
    if (own[index] == 0) {
      next.entries_[index] = std::make_shared<Entry>(*next.entries_[index]);
      own[index] = 1;
    }
    return *next.entries_[index];
  };
  auto place = [&next](int slot) {
    for (std::size_t sort = 0; sort < kOrders; ++sort) {
      auto& order = next.orders_[sort];
      auto at = std::lower_bound(order.begin(), order.end(), slot, [&next, sort](int x, int y) {
        return next.Less(static_cast<GuestSort>(sort), x, y);
      });
      order.insert(at, slot);
    }
  };
  std::set<int> changed;  // slots to render again
  std::set<int> renamed;  // slots whose place in the display-name order moved
  bool names_moved = false;

  for (const auto& id : update.deleted) {
    auto found = next.by_id_.find(id);
    if (found == next.by_id_.end()) continue;
    const int slot = found->second;
    for (int contact : next.At(slot).contacts) {
      Entry& other = edit(contact);
      EraseValue(other.contacts, slot);
      other.pair_count = static_cast<int64_t>(other.contacts.size());
      changed.insert(contact);
      --next.pair_total_;
    }
    for (auto& order : next.orders_) EraseValue(order, slot);
    next.by_id_.erase(found);
    next.entries_[static_cast<std::size_t>(slot)].reset();
    changed.erase(slot);
    renamed.erase(slot);
    names_moved = true;
  }

  for (const auto& guest : update.guests) {
    auto found = next.by_id_.find(guest.id);
    if (found == next.by_id_.end()) {
      const int slot = static_cast<int>(next.entries_.size());
      next.entries_.push_back(std::make_shared<Entry>(MakeEntry(guest)));
      own.push_back(1);
      next.by_id_.emplace(guest.id, slot);
      place(slot);
      changed.insert(slot);
      names_moved = true;
      continue;
    }
    const int slot = found->second;
    for (auto& order : next.orders_) EraseValue(order, slot);
    Entry fresh = MakeEntry(guest);
    Entry& entry = edit(slot);
    if (fresh.name_key != entry.name_key || fresh.guest.username != entry.guest.username) {
      renamed.insert(slot);
      names_moved = true;
    }
    entry.guest = std::move(fresh.guest);
    entry.search = std::move(fresh.search);
    entry.name_key = std::move(fresh.name_key);
    place(slot);
    changed.insert(slot);
  }

  if (names_moved) next.RankNames();
  const auto by_rank = [&next](int x, int y) { return next.name_rank_[x] < next.name_rank_[y]; };
  // A renamed guest moved among the others, whose order among themselves stayed: only the lists
  // that hold it are out of order.
  for (int slot : renamed) {
    for (int contact : next.At(slot).contacts) {
      Entry& other = edit(contact);
      std::sort(other.contacts.begin(), other.contacts.end(), by_rank);
    }
  }

  auto slots_of = [&next](const storage::PairRecord& pair) -> std::optional<std::pair<int, int>> {
    auto a = next.by_id_.find(pair.first);
    auto b = next.by_id_.find(pair.second);
    if (a == next.by_id_.end() || b == next.by_id_.end() || a->second == b->second)
      return std::nullopt;
    return std::pair(a->second, b->second);
  };
  for (const auto& pair : update.removed) {
    auto slots = slots_of(pair);
    if (!slots) continue;
    const auto [a, b] = *slots;
    const auto& contacts = next.At(a).contacts;
    if (std::find(contacts.begin(), contacts.end(), b) == contacts.end()) continue;
    for (auto [x, y] : {std::pair(a, b), std::pair(b, a)}) {
      Entry& entry = edit(x);
      EraseValue(entry.contacts, y);
      entry.pair_count = static_cast<int64_t>(entry.contacts.size());
      changed.insert(x);
    }
    --next.pair_total_;
  }
  for (const auto& pair : update.added) {
    auto slots = slots_of(pair);
    if (!slots) continue;
    const auto [a, b] = *slots;
    const auto& contacts = next.At(a).contacts;
    if (std::find(contacts.begin(), contacts.end(), b) != contacts.end()) continue;
    for (auto [x, y] : {std::pair(a, b), std::pair(b, a)}) {
      Entry& entry = edit(x);
      entry.contacts.insert(
          std::lower_bound(entry.contacts.begin(), entry.contacts.end(), y, by_rank), y);
      entry.pair_count = static_cast<int64_t>(entry.contacts.size());
      changed.insert(x);
    }
    ++next.pair_total_;
  }

  if (next.render_) {
    for (int slot : changed) {
      Entry& entry = edit(slot);
      entry.rendered = next.render_(entry.guest, entry.pair_count);
    }
  }
  return next;
}

bool GuestDirectory::Matches(int slot, const std::string& text) const {
  return text.empty() || At(slot).search.find(text) != std::string::npos;
}

GuestDirectory::GuestPage GuestDirectory::Guests(const GuestQuery& query) const {
  GuestPage page;
  const auto& by_username = orders_[kByUsername];
  for (int slot : by_username) {
    ++page.all;
    if (At(slot).guest.disabled) {
      ++page.disabled;
    } else {
      ++page.active;
    }
  }
  const auto& order = orders_[static_cast<std::size_t>(query.sort)];
  const auto n = static_cast<int64_t>(order.size());
  const int64_t end = query.limit ? query.offset + *query.limit : INT64_MAX;
  for (int64_t k = 0; k < n; ++k) {
    const int slot = order[static_cast<std::size_t>(query.descending ? n - 1 - k : k)];
    const Entry& entry = At(slot);
    if (query.status == GuestStatus::kActive && entry.guest.disabled) continue;
    if (query.status == GuestStatus::kDisabled && !entry.guest.disabled) continue;
    if (!Matches(slot, query.text)) continue;
    if (page.total >= query.offset && page.total < end) page.items.push_back(&entry);
    ++page.total;
  }
  return page;
}

Result<GuestDirectory::PairPage> GuestDirectory::Pairs(const PairQuery& query) const {
  PairPage page;
  const int64_t end = query.limit ? query.offset + *query.limit : INT64_MAX;
  auto take = [&page, &query, end](const Entry* a, const Entry* b) {
    if (page.total >= query.offset && page.total < end) page.items.push_back({a, b});
    ++page.total;
  };
  if (query.guest) {
    auto found = by_id_.find(*query.guest);
    if (found == by_id_.end()) {
      return Fail(ErrorCode::kNotFound, "not_found",
                  "No guest has the id '" + domain::Abbreviate(*query.guest) + "'.", "guest");
    }
    const Entry& guest = At(found->second);
    bool guest_matches = Matches(found->second, query.text);
    for (int contact : guest.contacts) {
      if (guest_matches || Matches(contact, query.text)) take(&guest, &At(contact));
    }
    return page;
  }
  std::vector<char> matches;
  if (!query.text.empty()) {
    matches.resize(entries_.size());
    for (int slot : orders_[kByUsername]) matches[slot] = Matches(slot, query.text) ? 1 : 0;
  }
  // Each pair once, from the guest first by display name: the pairs in (first, second) name order.
  for (int slot : orders_[kByDisplayName]) {
    const Entry& entry = At(slot);
    const int rank = name_rank_[slot];
    auto later = std::upper_bound(entry.contacts.begin(), entry.contacts.end(), rank,
                                  [this](int r, int contact) { return r < name_rank_[contact]; });
    if (matches.empty()) {
      const auto count = static_cast<int64_t>(entry.contacts.end() - later);
      if (page.total + count <= query.offset || page.total >= end) {  // nothing on this page
        page.total += count;
        continue;
      }
    }
    for (auto it = later; it != entry.contacts.end(); ++it) {
      if (!matches.empty() && matches[slot] == 0 && matches[*it] == 0) continue;
      take(&entry, &At(*it));
    }
  }
  return page;
}

std::vector<const GuestDirectory::Entry*> GuestDirectory::Contacts(const Entry& entry) const {
  std::vector<const Entry*> contacts;
  contacts.reserve(entry.contacts.size());
  for (int contact : entry.contacts) contacts.push_back(&At(contact));
  return contacts;
}

const GuestDirectory::Entry* GuestDirectory::Find(const std::string& id) const {
  auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &At(found->second);
}

bool GuestDirectory::Paired(const std::string& a, const std::string& b) const {
  auto x = by_id_.find(a);
  auto y = by_id_.find(b);
  if (x == by_id_.end() || y == by_id_.end() || x->second == y->second) return false;
  const auto& contacts = At(x->second).contacts;
  return std::find(contacts.begin(), contacts.end(), y->second) != contacts.end();
}

}  // namespace gp::service
