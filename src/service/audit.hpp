#pragma once
// Records who did what, when, and how it ended (SPEC §4.7). Recording never fails a user action:
// a storage error is logged instead. Record() writes at once (for code already on the WorkPool or
// in the CLI); Note() is for coroutines on the event loop and writes on the pool.
// Every field is stored cut to kMaxFieldBytes (at a UTF-8 character boundary), whatever the caller
// passes: a field can carry what a client sent, and an unauthenticated client must not grow the
// database by more than a bounded amount per request.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "core/work_pool.hpp"
#include "storage/storage.hpp"

namespace gp::service {

// One page of the log, newest first, and the cursor (a seq) of the next one: set only when older
// records match the filter, so the last page has none.
struct AuditPage {
  std::vector<storage::AuditRecord> items;
  std::optional<int64_t> next_before;
};

// The detail of a failed token refresh: what kind of failure and Webex's message, never a token.
std::string RefreshFailure(const Error& error);

class Audit {
 public:
  static constexpr std::size_t kMaxFieldBytes = 512;
  // Retention deletes at most this many records per statement, so a first purge of a large log
  // never holds the database for long.
  static constexpr int64_t kPurgeBatch = 1000;

  Audit(storage::Storage& storage, WorkPool& pool, Clock clock)
      : storage_(storage), pool_(pool), clock_(std::move(clock)) {}

  void Record(const std::string& actor, const std::string& action, const std::string& target,
              const std::string& outcome, const std::string& detail = {});
  boost::asio::awaitable<void> Note(std::string actor, std::string action, std::string target, std::string outcome,
                                    std::string detail = {});
  // Told of each record's action and outcome (for metrics), on the recording thread. Set before
  // use.
  using Observer = std::function<void(const std::string& action, const std::string& outcome)>;
  void SetObserver(Observer observer) { observer_ = std::move(observer); }

  // A page for the API and the CLI (blocks: call it on the pool, a reader or in the CLI).
  Result<AuditPage> List(const storage::AuditFilter& filter);

  // Retention: deletes the records older than `retention_days` (0 keeps everything), in batches of
  // kPurgeBatch, and records an `audit.purge` with the count when it deleted any. Blocks.
  Result<int64_t> Purge(int retention_days);

 private:
  storage::Storage& storage_;
  WorkPool& pool_;
  Clock clock_;
  Observer observer_;
};

}  // namespace gp::service
