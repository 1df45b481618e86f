#pragma once
// Who is calling: the session behind the cookie, the role a route needs, and the CSRF token that
// every state-changing call must carry.

#include <string>

#include "core/error.hpp"
#include "http/message.hpp"
#include "service/sessions.hpp"

namespace gp::api {

inline constexpr const char* kSessionCookie = "gp_session";

struct Caller {
  service::Session session;
  std::string cookie_value;
  std::string actor;  // "guest:<id>" or "admin:<email>", for the audit log
};

// The caller when a live session exists; kUnauthorized otherwise.
Result<Caller> Authenticate(const http::Request& request, service::Sessions& sessions);
// As Authenticate, plus the role (403 for the other role) and, for state-changing methods, CSRF.
Result<Caller> RequireRole(const http::Request& request, service::Sessions& sessions, const std::string& role);

std::string SessionCookie(const std::string& value, int64_t max_age, bool secure);
std::string ClearedSessionCookie(bool secure);

}  // namespace gp::api
