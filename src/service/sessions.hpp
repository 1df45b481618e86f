#pragma once
// Portal sessions for guests and administrators. The cookie carries a random value; storage keeps
// only its SHA-256, so a database leak does not leak live sessions.

#include <optional>
#include <string>

#include "core/error.hpp"
#include "service/clock.hpp"
#include "storage/storage.hpp"

namespace gp::service {

struct Session {
  std::string role;  // "guest" or "admin"
  std::optional<std::string> guest_id;
  std::optional<std::string> admin_email;
  std::string csrf_token;
  int64_t expires_at = 0;
};

struct NewSession {
  std::string cookie_value;
  Session session;
};

class Sessions {
 public:
  Sessions(storage::Storage& storage, Clock clock, int64_t lifetime_seconds);

  Result<NewSession> CreateForGuest(const std::string& guest_id);
  Result<NewSession> CreateForAdmin(const std::string& email);
  // kUnauthorized when the cookie names no live session.
  Result<Session> Resolve(const std::string& cookie_value);
  Result<void> End(const std::string& cookie_value);
  Result<void> EndAllForGuest(const std::string& guest_id);

  int64_t lifetime_seconds() const { return lifetime_seconds_; }

 private:
  Result<NewSession> Create(std::string role, std::optional<std::string> guest_id,
                            std::optional<std::string> admin_email);

  storage::Storage& storage_;
  Clock clock_;
  int64_t lifetime_seconds_;
};

}  // namespace gp::service
