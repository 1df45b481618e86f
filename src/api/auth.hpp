#pragma once
// Who is calling: the session behind the cookie. Roles and CSRF are enforced by the route table
// (api/routes.hpp).

#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"
#include "service/sessions.hpp"

namespace gp::api {

inline constexpr const char* kSessionCookie = "gp_session";
// Binds an administrator's OAuth sign-in to the browser that started it (service::AdminAuth): set by
// /auth/webex/login, read and cleared by /auth/webex/callback, sent nowhere else.
inline constexpr const char* kOAuthCookie = "gp_oauth";

struct Caller {
  service::Session session;
  std::string cookie_value;
  std::string actor;  // "guest:<id>" or "admin:<email>", for the audit log
};

// The caller when a live session exists; kUnauthorized otherwise.
Result<Caller> Authenticate(const http::Request& request, service::Sessions& sessions);

std::string SessionCookie(const std::string& value, int64_t max_age, bool secure);
std::string ClearedSessionCookie(bool secure);
std::string OAuthCookie(const std::string& value, int64_t max_age, bool secure);
std::string ClearedOAuthCookie(bool secure);

std::string EscapeHtml(const std::string& text);
// A link a MessagePage offers after its message.
struct PageLink {
  std::string href;
  std::string text;
};

// A small HTML page that says what happened (OAuth outcomes, host links), linking back to sign-in.
// `notes` are further paragraphs; `links` come before the way back to sign-in.
http::Response MessagePage(int status, const std::string& title, const std::string& message,
                           const std::vector<std::string>& notes = {}, const std::vector<PageLink>& links = {});

}  // namespace gp::api
