// GET/POST/DELETE /api/v1/session, GET /api/v1/info.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {
namespace {

Json SessionJson(const service::Session& session, const storage::GuestRecord* guest) {
  Json json = {{"role", session.role}, {"csrfToken", session.csrf_token}};
  if (guest) json["guest"] = {{"id", guest->id}, {"username", guest->username}, {"displayName", guest->display_name}};
  if (session.admin_email) json["admin"] = {{"email", *session.admin_email}};
  return json;
}

}  // namespace

void AddSessionRoutes(http::Router& router, Deps& deps) {
  router.Add("GET", "/api/v1/info", Wrap([&deps](http::Request&) -> Result<http::Response> {
               return JsonResponse(200, {{"demo", deps.options.demo}, {"appAdminReady", deps.app_admin.Ready()}});
             }));

  router.Add("GET", "/api/v1/session", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = Authenticate(request, deps.sessions);
               if (!caller) return JsonResponse(200, {{"role", nullptr}, {"csrfToken", nullptr}});
               if (caller->session.role == "guest") {
                 auto guest = deps.storage.GetGuest(caller->session.guest_id.value_or(""));
                 if (!guest) return JsonResponse(200, {{"role", nullptr}, {"csrfToken", nullptr}});
                 return JsonResponse(200, SessionJson(caller->session, &*guest));
               }
               Json json = SessionJson(caller->session, nullptr);
               auto status = deps.app_admin.Status();
               if (status.email == caller->session.admin_email.value_or("")) {
                 json["admin"]["displayName"] = status.display_name;
               }
               return JsonResponse(200, json);
             }));

  router.Add("POST", "/api/v1/session", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto username = RequireString(*body, "username");
               if (!username) return tl::unexpected(username.error());
               auto password = RequireString(*body, "password");
               if (!password) return tl::unexpected(password.error());
               auto signed_in = deps.guest_auth.SignIn(*username, *password, request.remote_address);
               if (!signed_in) return tl::unexpected(signed_in.error());
               auto response = JsonResponse(200, SessionJson(signed_in->session.session, &signed_in->guest));
               response.headers.Add("Set-Cookie", SessionCookie(signed_in->session.cookie_value,
                                                                deps.sessions.lifetime_seconds(),
                                                                deps.options.secure_cookies));
               return response;
             }));

  router.Add("DELETE", "/api/v1/session", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = Authenticate(request, deps.sessions);
               if (!caller) return tl::unexpected(caller.error());
               auto checked = RequireRole(request, deps.sessions, caller->session.role);
               if (!checked) return tl::unexpected(checked.error());
               auto ended = deps.sessions.End(caller->cookie_value);
               if (!ended) return tl::unexpected(ended.error());
               auto response = http::Response::Empty(204);
               response.headers.Add("Set-Cookie", ClearedSessionCookie(deps.options.secure_cookies));
               return response;
             }));
}

}  // namespace gp::api
