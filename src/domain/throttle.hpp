#pragma once
// Slows down and then refuses repeated failed sign-ins, counted separately per username and per remote
// address. Times are Unix seconds passed in by the caller (the injected clock).
//
// Within a 15-minute window: the first 5 failures cost nothing; after the 5th, each further attempt
// must wait 2^(failures-4) seconds after the last failure (2, 4, 8, 16, 32 s); after the 10th the key
// is refused for 15 minutes from that failure. Failures older than the window are forgotten. A
// success clears the username's count (not the address's, so one valid account cannot launder an
// address that is guessing at others). Memory is bounded: at most `max_keys` usernames and as many
// addresses; when full, stale entries go first, then the entry with the oldest last failure. A key
// is kept to its first `max_key_bytes` bytes, so keys longer than that are counted as one (no real
// username or address is that long), and the tables hold at most 2 × max_keys × max_key_bytes bytes
// of keys.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gp::domain {

struct ThrottleOptions {
  int free_failures = 5;       // failures before any delay
  int lockout_failures = 10;   // failures that lock the key out
  int64_t window_seconds = 15 * 60;
  int64_t lockout_seconds = 15 * 60;
  int64_t max_delay_seconds = 60;
  size_t max_keys = 10000;     // per kind (usernames, addresses)
  size_t max_key_bytes = 128;  // longer keys are cut to this
};

struct Decision {
  bool allowed = true;
  int64_t retry_after_seconds = 0;  // > 0 when not allowed
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleOptions options = {});

  // Whether a sign-in attempt may be tried now. An empty username or address is not tracked.
  Decision Check(const std::string& username, const std::string& address, int64_t now);
  void RecordFailure(const std::string& username, const std::string& address, int64_t now);
  void RecordSuccess(const std::string& username, const std::string& address, int64_t now);

  // How many usernames and addresses are tracked (for tests and metrics).
  size_t TrackedKeys() const;
  // How many bytes the tracked keys hold together.
  size_t TrackedKeyBytes() const;

 private:
  struct Entry {
    std::deque<int64_t> failures;  // within the window, newest last, at most lockout_failures
    int64_t locked_until = 0;
  };
  using Table = std::unordered_map<std::string, Entry>;

  std::string_view Bounded(const std::string& key) const;
  Decision CheckOne(Table& table, std::string_view key, int64_t now);
  void RecordOne(Table& table, std::string_view key, int64_t now);
  void Forget(Entry& entry, int64_t now) const;
  void MakeRoom(Table& table, int64_t now);

  const ThrottleOptions options_;
  mutable std::mutex mutex_;
  Table usernames_;
  Table addresses_;
};

}  // namespace gp::domain
