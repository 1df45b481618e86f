// GET/POST/DELETE /api/v1/session, GET /api/v1/info.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"
#include "domain/guests.hpp"

namespace gp::api {
namespace {

Json SessionJson(const service::Session& session, const storage::GuestRecord* guest) {
  Json json = {{"role", session.role}, {"csrfToken", session.csrf_token}};
  if (guest) {
    json["guest"] = {{"id", guest->id},
                     {"username", guest->username},
                     {"displayName", guest->display_name},
                     {"mustChangePassword", guest->must_change_password}};
  }
  if (session.admin_email) json["admin"] = {{"email", *session.admin_email}};
  return json;
}

}  // namespace

void AddSessionRoutes(Routes& routes, Deps& deps) {
  routes.Add("GET", "/api/v1/info", Access::kPublic, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               // The limits the server enforces, for the pages' hints and maxlength.
               Json limits = {{"usernameMin", domain::kUsernameMinLength},
                              {"usernameMax", domain::kUsernameMaxLength},
                              {"displayNameMax", domain::kDisplayNameMaxLength},
                              {"passwordMin", domain::kPasswordMinBytes},
                              {"passwordMax", domain::kPasswordMaxBytes}};
               return JsonResponse(200, {{"demo", deps.options.demo},
                                         {"appAdminReady", deps.app_admin.Ready()},
                                         {"limits", limits}});
             });

  // Public: it answers "nobody" rather than 401 to a browser without a session.
  routes.Add("GET", "/api/v1/session", Access::kPublic, Exec::kInline,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto caller = Authenticate(request, deps.sessions);
               if (!caller) return JsonResponse(200, {{"role", nullptr}, {"csrfToken", nullptr}});
               if (caller->session.role == "guest") {
                 auto guest = deps.guests.Get(caller->session.guest_id.value_or(""));
                 if (!guest) return JsonResponse(200, {{"role", nullptr}, {"csrfToken", nullptr}});
                 return JsonResponse(200, SessionJson(caller->session, &*guest));
               }
               Json json = SessionJson(caller->session, nullptr);
               auto status = deps.app_admin.Status();
               if (status.email == caller->session.admin_email.value_or("")) {
                 json["admin"]["displayName"] = status.display_name;
               }
               return JsonResponse(200, json);
             });

  routes.AddAsync("POST", "/api/v1/session", Access::kPublic,
                  [&deps](http::Request& request, const Caller&) -> boost::asio::awaitable<Result<http::Response>> {
                    auto body = ParseJsonObject(request);
                    if (!body) co_return tl::unexpected(body.error());
                    auto username = RequireString(*body, "username");
                    if (!username) co_return tl::unexpected(username.error());
                    auto password = RequireString(*body, "password");
                    if (!password) co_return tl::unexpected(password.error());
                    auto signed_in = co_await deps.guest_auth.SignIn(*username, *password, request.remote_address);
                    if (!signed_in) co_return tl::unexpected(signed_in.error());
                    auto response = JsonResponse(200, SessionJson(signed_in->session.session, &signed_in->guest));
                    response.headers.Add("Set-Cookie",
                                         SessionCookie(signed_in->session.cookie_value,
                                                       deps.sessions.lifetime_seconds(), deps.options.secure_cookies));
                    co_return response;
                  });

  // The guest's own password change: open to a guest who must change it (kAnyGuest).
  routes.Add("POST", "/api/v1/session/password", Access::kAnyGuest, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto current = RequireString(*body, "currentPassword");
               if (!current) return tl::unexpected(current.error());
               auto fresh = RequireString(*body, "newPassword");
               if (!fresh) return tl::unexpected(fresh.error());
               auto changed = deps.guests.ChangeOwnPassword(caller.session.guest_id.value_or(""), *current, *fresh,
                                                            caller.cookie_value);
               if (!changed) return tl::unexpected(changed.error());
               return http::Response::Empty(204);
             });

  routes.Add("DELETE", "/api/v1/session", Access::kSignedIn, Exec::kPool,
             [&deps](http::Request&, const Caller& caller) -> Result<http::Response> {
               auto ended = deps.sessions.End(caller.cookie_value);
               if (!ended) return tl::unexpected(ended.error());
               deps.audit.Record(caller.actor, "session.sign_out", "", "success");
               deps.notices.SessionEnded(caller.session.csrf_token, "signed_out");
               auto response = http::Response::Empty(204);
               response.headers.Add("Set-Cookie", ClearedSessionCookie(deps.options.secure_cookies));
               return response;
             });
}

}  // namespace gp::api
