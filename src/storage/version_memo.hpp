#pragma once
// A request that only reads may take the data's version once for all its caches. While a VersionMemo
// lives on a thread, Storage::Version() on that thread asks the database the first time and answers
// the same version afterwards (PostgreSQL, where asking is a round trip; SQLite's is a local read).
// That stays exact for code that only reads: a cache keeps what it read after this version under
// it, and any commit since moves the database's version, so the next request misses. Code that
// writes must not run under a memo, or it would find its own change hidden behind the older version.

#include <optional>

#include "storage/records.hpp"

namespace gp::storage {

class VersionMemo {
 public:
  VersionMemo();
  // With the version already known (read before anything the code under the memo reads).
  explicit VersionMemo(DataVersion version);
  ~VersionMemo();
  VersionMemo(const VersionMemo&) = delete;
  VersionMemo& operator=(const VersionMemo&) = delete;

  // The memo of the calling thread, or nullptr outside one.
  static std::optional<DataVersion>* Current();

 private:
  std::optional<DataVersion> version_;
  std::optional<DataVersion>* outer_;
};

// While a NoWaiting lives on a thread, a call that would wait on the database (PostgreSQL) fails at
// once (kUnavailable) instead, and is noted: code on the event loop tries what memory can answer,
// and when that was not enough, does the same again where it may wait.
class NoWaiting {
 public:
  NoWaiting();
  ~NoWaiting();
  NoWaiting(const NoWaiting&) = delete;
  NoWaiting& operator=(const NoWaiting&) = delete;

  // Whether a call was refused.
  bool refused() const { return refused_; }

  // For the storage: true (and noted) when a call on this thread must not wait.
  static bool Refuse();

 private:
  bool refused_ = false;
  NoWaiting* outer_;
};

}  // namespace gp::storage
