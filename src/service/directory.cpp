#include "service/directory.hpp"

#include <algorithm>
#include <charconv>
#include <set>

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

GuestDirectory::GuestDirectory(std::vector<storage::GuestRecord> guests,
                               const std::vector<storage::PairRecord>& pairs) {
  std::sort(guests.begin(), guests.end(),
            [](const auto& x, const auto& y) { return x.username < y.username; });
  entries_.reserve(guests.size());
  search_text_.reserve(guests.size());
  for (auto& guest : guests) {
    guest.password_hash.clear();
    by_id_.emplace(guest.id, static_cast<int>(entries_.size()));
    search_text_.push_back(Lower(guest.username) + '\n' + Lower(guest.display_name));
    entries_.push_back(Entry{std::move(guest), 0, {}});
  }
  const int n = static_cast<int>(entries_.size());
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;

  // Entries are in username order, so a stable sort leaves ties in username order.
  std::vector<std::string> name_keys(n);
  for (int i = 0; i < n; ++i) name_keys[i] = Lower(entries_[i].guest.display_name);
  by_display_name_ = order;
  std::stable_sort(by_display_name_.begin(), by_display_name_.end(),
                   [&name_keys](int x, int y) { return name_keys[x] < name_keys[y]; });
  by_created_at_ = order;
  std::stable_sort(by_created_at_.begin(), by_created_at_.end(), [this](int x, int y) {
    return entries_[x].guest.created_at < entries_[y].guest.created_at;
  });
  by_status_ = order;
  std::stable_sort(by_status_.begin(), by_status_.end(), [this](int x, int y) {
    return !entries_[x].guest.disabled && entries_[y].guest.disabled;
  });
  name_rank_.assign(n, 0);
  for (int i = 0; i < n; ++i) name_rank_[by_display_name_[i]] = i;

  std::set<std::pair<int, int>> unique;
  for (const auto& [first, second] : pairs) {
    auto a = by_id_.find(first);
    auto b = by_id_.find(second);
    if (a == by_id_.end() || b == by_id_.end() || a->second == b->second) continue;
    int x = a->second;
    int y = b->second;
    if (name_rank_[y] < name_rank_[x]) std::swap(x, y);
    unique.emplace(x, y);
  }
  pairs_.assign(unique.begin(), unique.end());
  std::sort(pairs_.begin(), pairs_.end(), [this](const auto& p, const auto& q) {
    return std::pair(name_rank_[p.first], name_rank_[p.second]) <
           std::pair(name_rank_[q.first], name_rank_[q.second]);
  });
  for (const auto& [a, b] : pairs_) {
    entries_[a].contacts.push_back(b);
    entries_[b].contacts.push_back(a);
  }
  for (auto& entry : entries_) {
    entry.pair_count = static_cast<int64_t>(entry.contacts.size());
    std::sort(entry.contacts.begin(), entry.contacts.end(),
              [this](int x, int y) { return name_rank_[x] < name_rank_[y]; });
  }
}

bool GuestDirectory::Matches(int index, const std::string& text) const {
  return text.empty() || search_text_[index].find(text) != std::string::npos;
}

GuestDirectory::GuestPage GuestDirectory::Guests(const GuestQuery& query) const {
  GuestPage page;
  for (const auto& entry : entries_) {
    ++page.all;
    if (entry.guest.disabled) {
      ++page.disabled;
    } else {
      ++page.active;
    }
  }
  const std::vector<int>* order = &by_display_name_;
  std::vector<int> by_username;
  switch (query.sort) {
    case GuestSort::kUsername:
      order = nullptr;  // the entries' own order
      break;
    case GuestSort::kDisplayName:
      order = &by_display_name_;
      break;
    case GuestSort::kCreatedAt:
      order = &by_created_at_;
      break;
    case GuestSort::kStatus:
      order = &by_status_;
      break;
  }
  const auto n = static_cast<int64_t>(entries_.size());
  const int64_t end = query.limit ? query.offset + *query.limit : INT64_MAX;
  for (int64_t k = 0; k < n; ++k) {
    int64_t position = query.descending ? n - 1 - k : k;
    int index = order ? (*order)[position] : static_cast<int>(position);
    const Entry& entry = entries_[index];
    if (query.status == GuestStatus::kActive && entry.guest.disabled) continue;
    if (query.status == GuestStatus::kDisabled && !entry.guest.disabled) continue;
    if (!Matches(index, query.text)) continue;
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
    const Entry& guest = entries_[found->second];
    bool guest_matches = Matches(found->second, query.text);
    for (int contact : guest.contacts) {
      if (guest_matches || Matches(contact, query.text)) take(&guest, &entries_[contact]);
    }
    return page;
  }
  std::vector<char> matches;
  if (!query.text.empty()) {
    matches.resize(entries_.size());
    for (std::size_t i = 0; i < entries_.size(); ++i)
      matches[i] = Matches(static_cast<int>(i), query.text) ? 1 : 0;
  }
  for (const auto& [a, b] : pairs_) {
    if (!matches.empty() && matches[a] == 0 && matches[b] == 0) continue;
    take(&entries_[a], &entries_[b]);
  }
  return page;
}

const GuestDirectory::Entry* GuestDirectory::Find(const std::string& id) const {
  auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &entries_[found->second];
}

bool GuestDirectory::Paired(const std::string& a, const std::string& b) const {
  const Entry* x = Find(a);
  const Entry* y = Find(b);
  if (x == nullptr || y == nullptr || x == y) return false;
  int target = by_id_.at(b);
  return std::find(x->contacts.begin(), x->contacts.end(), target) != x->contacts.end();
}

}  // namespace gp::service
