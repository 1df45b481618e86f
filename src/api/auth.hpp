#pragma once
// Who is calling: the session behind the cookie. Roles and CSRF are enforced by the route table
// (api/routes.hpp).

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

std::string SessionCookie(const std::string& value, int64_t max_age, bool secure);
std::string ClearedSessionCookie(bool secure);

}  // namespace gp::api
