#pragma once
// Values derived from stored data, kept per key with the version of the data they were derived
// from. A value is returned only while the data's version is still the one it was stored with, so
// the cache never answers with stale data; a new version empties it. It also empties itself when
// full, which keeps the hot path free of eviction bookkeeping. Safe to use from several threads.
//
// The version must be read before the value is computed: a change in between then makes the stored
// version older than the value, which only costs one recomputation.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace gp {

template <typename Version, typename Value>
class VersionedCache {
 public:
  explicit VersionedCache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<Value> Get(const std::string& key, const Version& version) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!version_ || !(*version_ == version)) return std::nullopt;
    auto found = entries_.find(key);
    if (found == entries_.end()) return std::nullopt;
    return found->second;
  }

  void Put(std::string key, const Version& version, Value value) {
    if (capacity_ == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!version_ || !(*version_ == version)) {
      entries_.clear();
      version_ = version;
    } else if (entries_.size() >= capacity_ && !entries_.contains(key)) {
      entries_.clear();
    }
    entries_.insert_or_assign(std::move(key), std::move(value));
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::optional<Version> version_;
  std::unordered_map<std::string, Value> entries_;
};

}  // namespace gp
