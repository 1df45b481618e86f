#include "domain/throttle.hpp"

#include <algorithm>

namespace gp::domain {

LoginThrottle::LoginThrottle(ThrottleOptions options) : options_(options) {}

void LoginThrottle::Forget(Entry& entry, int64_t now) const {
  while (!entry.failures.empty() && entry.failures.front() <= now - options_.window_seconds) {
    entry.failures.pop_front();
  }
}

std::string_view LoginThrottle::Bounded(const std::string& key) const {
  return std::string_view(key).substr(0, options_.max_key_bytes);
}

Decision LoginThrottle::CheckOne(Table& table, std::string_view key, int64_t now) {
  if (key.empty()) return {};
  auto found = table.find(std::string(key));
  if (found == table.end()) return {};
  Entry& entry = found->second;
  if (entry.locked_until > now) return {false, entry.locked_until - now};
  Forget(entry, now);
  int count = static_cast<int>(entry.failures.size());
  if (count == 0) {
    table.erase(found);
    return {};
  }
  int64_t last = entry.failures.back();
  int64_t until = 0;
  if (count >= options_.free_failures) {
    int shift = std::min(count - options_.free_failures + 1, 30);
    until = last + std::min<int64_t>(int64_t{1} << shift, options_.max_delay_seconds);
  }
  if (until > now) return {false, until - now};
  return {};
}

Decision LoginThrottle::Check(const std::string& username, const std::string& address, int64_t now) {
  std::lock_guard lock(mutex_);
  Decision by_name = CheckOne(usernames_, Bounded(username), now);
  Decision by_address = CheckOne(addresses_, Bounded(address), now);
  if (by_name.allowed && by_address.allowed) return {};
  return {false, std::max(by_name.retry_after_seconds, by_address.retry_after_seconds)};
}

void LoginThrottle::MakeRoom(Table& table, int64_t now) {
  if (table.size() < options_.max_keys) return;
  int64_t stale_before = now - std::max(options_.window_seconds, options_.lockout_seconds);
  std::erase_if(table, [&](const auto& item) {
    const Entry& entry = item.second;
    return entry.locked_until <= now && (entry.failures.empty() || entry.failures.back() <= stale_before);
  });
  while (!table.empty() && table.size() >= options_.max_keys) {
    auto oldest = std::min_element(table.begin(), table.end(), [](const auto& x, const auto& y) {
      return std::max(x.second.failures.back(), x.second.locked_until) <
           std::max(y.second.failures.back(), y.second.locked_until);
    });
    table.erase(oldest);
  }
}

void LoginThrottle::RecordOne(Table& table, std::string_view key, int64_t now) {
  if (key.empty() || options_.max_keys == 0) return;
  auto found = table.find(std::string(key));
  if (found == table.end()) {
    MakeRoom(table, now);
    found = table.emplace(std::string(key), Entry{}).first;
  }
  Entry& entry = found->second;
  if (entry.locked_until > now) return;  // already refused; more failures change nothing
  Forget(entry, now);
  entry.failures.push_back(now);
  if (static_cast<int>(entry.failures.size()) >= options_.lockout_failures) {
    // Locked out: the count starts afresh when the lockout ends.
    entry.locked_until = now + options_.lockout_seconds;
    entry.failures.clear();
    entry.failures.push_back(now);
  }
}

void LoginThrottle::RecordFailure(const std::string& username, const std::string& address, int64_t now) {
  std::lock_guard lock(mutex_);
  RecordOne(usernames_, Bounded(username), now);
  RecordOne(addresses_, Bounded(address), now);
}

void LoginThrottle::RecordSuccess(const std::string& username, const std::string& /*address*/, int64_t /*now*/) {
  std::lock_guard lock(mutex_);
  usernames_.erase(std::string(Bounded(username)));
}

size_t LoginThrottle::TrackedKeys() const {
  std::lock_guard lock(mutex_);
  return usernames_.size() + addresses_.size();
}

size_t LoginThrottle::TrackedKeyBytes() const {
  std::lock_guard lock(mutex_);
  size_t bytes = 0;
  for (const Table* table : {&usernames_, &addresses_}) {
    for (const auto& item : *table) bytes += item.first.size();
  }
  return bytes;
}

}  // namespace gp::domain
