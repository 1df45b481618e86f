#pragma once
// Portal sessions for guests and administrators. The cookie carries a random value; storage keeps
// only its SHA-256, so a database leak does not leak live sessions.
//
// Every API call resolves its session, so resolved sessions are remembered for a few seconds.
// Ending sessions through this class forgets them at once; a session deleted by another process
// (the CLI) stays usable here for at most kCacheSeconds. With a database shared by several instances
// a session is remembered only with the data's version (Storage::Version) it was read at, and used
// while that version is current: a sign-out on one instance is final on every other at once.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "core/clock.hpp"
#include "core/versioned_cache.hpp"
#include "storage/storage.hpp"

namespace gp::service {

struct Session {
  std::string role;  // "guest" or "admin"
  std::optional<std::string> guest_id;
  std::optional<std::string> admin_email;
  std::string csrf_token;
  int64_t expires_at = 0;
  // A guest who must choose a new password first (read from the guest with the session).
  bool must_change_password = false;
};

struct NewSession {
  std::string cookie_value;
  Session session;
};

class Sessions {
 public:
  // `cache`: false when other instances share the database and may end a session at any time; every
  // Resolve then reads the data's version, and the session too unless nothing changed since.
  Sessions(storage::Storage& storage, Clock clock, int64_t lifetime_seconds, bool cache = true);

  // Create and End write (call them on the pool); Resolve only reads.
  Result<NewSession> CreateForGuest(const std::string& guest_id);
  Result<NewSession> CreateForAdmin(const std::string& email);
  // kUnauthorized when the cookie names no live session.
  Result<Session> Resolve(const std::string& cookie_value);
  Result<void> End(const std::string& cookie_value);
  // Forgets the guest's remembered sessions, after storage ended them (disable, delete, password)
  // or changed what they carry (must_change_password).
  void ForgetGuest(const std::string& guest_id);
  // What storage keys a session by: the SHA-256 of its cookie value, in hex.
  static std::string IdHash(const std::string& cookie_value);

  int64_t lifetime_seconds() const { return lifetime_seconds_; }

  static constexpr int64_t kCacheSeconds = 5;
  static constexpr size_t kCacheCapacity = 10000;

 private:
  struct Cached {
    Session session;
    int64_t cached_at = 0;
  };
  // Remembers only when nothing was forgotten since `generation` was read, so a lookup racing
  // with the end of a session cannot bring it back.
  void Remember(const std::string& id_hash, const Session& session, int64_t now, uint64_t generation);
  void Forget(const std::string& id_hash);

  // The session stored under `id_hash`, if live at `now`.
  Result<Session> Load(const std::string& id_hash, int64_t now);
  Result<NewSession> Create(std::string role, std::optional<std::string> guest_id,
                            std::optional<std::string> admin_email);

  storage::Storage& storage_;
  Clock clock_;
  int64_t lifetime_seconds_;
  bool cache_enabled_;
  std::mutex cache_mutex_;
  std::unordered_map<std::string, Cached> cache_;
  uint64_t generation_ = 0;
  VersionedCache<storage::DataVersion, Session> shared_cache_{kCacheCapacity};
};

}  // namespace gp::service
