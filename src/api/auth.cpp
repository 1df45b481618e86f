#include "api/auth.hpp"

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

std::string SessionCookie(const std::string& value, int64_t max_age, bool secure) {
  std::string cookie = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                       std::to_string(max_age);
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string ClearedSessionCookie(bool secure) { return SessionCookie("", 0, secure); }

std::string OAuthCookie(const std::string& value, int64_t max_age, bool secure) {
  // SameSite=Lax: Webex sends the browser back with a top-level GET, which carries it.
  std::string cookie = std::string(kOAuthCookie) + "=" + value +
                       "; Path=/auth/webex; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age);
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string ClearedOAuthCookie(bool secure) { return OAuthCookie("", 0, secure); }

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

http::Response MessagePage(int status, const std::string& title, const std::string& message,
                           const std::vector<std::string>& notes, const std::vector<PageLink>& links) {
  std::string body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + EscapeHtml(title) +
                     " — Guest Portal</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
                     "<link rel=\"stylesheet\" href=\"/static/css/app.css\"></head><body><main class=\"narrow\"><h1>" +
                     EscapeHtml(title) + "</h1><p role=\"alert\">" + EscapeHtml(message) + "</p>";
  for (const auto& note : notes) body += "<p>" + EscapeHtml(note) + "</p>";
  for (const auto& link : links) {
    body += "<p><a class=\"button\" href=\"" + EscapeHtml(link.href) + "\">" + EscapeHtml(link.text) + "</a></p>";
  }
  body += "<p><a href=\"/\">Back to the sign-in page</a></p></main></body></html>";
  return http::Response::Text(status, std::move(body), "text/html; charset=utf-8");
}

}  // namespace gp::api
