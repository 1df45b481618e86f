#include "api/auth.hpp"

#include "core/crypto.hpp"

namespace gp::api {

Result<Caller> Authenticate(const http::Request& request, service::Sessions& sessions) {
  auto cookie = request.Cookie(kSessionCookie);
  if (!cookie) return Fail(ErrorCode::kUnauthorized, "not_signed_in", "You are not signed in.");
  auto session = sessions.Resolve(*cookie);
  if (!session) return tl::unexpected(session.error());
  Caller caller{*session, *cookie, {}};
  caller.actor = session->role == "guest" ? "guest:" + session->guest_id.value_or("")
                                          : "admin:" + session->admin_email.value_or("");
  return caller;
}

Result<Caller> RequireRole(const http::Request& request, service::Sessions& sessions, const std::string& role) {
  auto caller = Authenticate(request, sessions);
  if (!caller) return caller;
  if (caller->session.role != role) {
    return Fail(ErrorCode::kForbidden, "wrong_role",
                role == "admin" ? "This needs an administrator." : "This is for guests.");
  }
  bool state_changing = request.method != "GET" && request.method != "HEAD";
  if (state_changing) {
    auto token = request.headers.Get("X-CSRF-Token");
    if (!token || !crypto::ConstantTimeEquals(std::string(*token), caller->session.csrf_token)) {
      return Fail(ErrorCode::kForbidden, "csrf_failed", "The request is missing its CSRF token. Reload the page.");
    }
  }
  return caller;
}

std::string SessionCookie(const std::string& value, int64_t max_age, bool secure) {
  std::string cookie = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                       std::to_string(max_age);
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string ClearedSessionCookie(bool secure) { return SessionCookie("", 0, secure); }

}  // namespace gp::api
