// Administrator sign-in with Webex: GET /auth/webex/login and /auth/webex/callback.
#include <optional>
#include <string>

#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {

void AddOAuthRoutes(Routes& routes, Deps& deps) {
  // Starting a sign-in stores its state: a write, so it runs on the pool.
  routes.Add("GET", "/auth/webex/login", Access::kPublic, Exec::kPool,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto started = deps.admin_auth.Begin();
               if (!started) {
                 const Error& error = started.error();
                 auto page = MessagePage(HttpStatus(error.code), "Sign-in unavailable", error.message);
                 page.headers.Set("Cache-Control", "no-store");
                 if (error.retry_after_seconds > 0) {
                   page.headers.Set("Retry-After", std::to_string(error.retry_after_seconds));
                 }
                 return page;
               }
               auto response = http::Response::Redirect(started->authorize_url);
               response.headers.Set("Cache-Control", "no-store");
               response.headers.Add("Set-Cookie", OAuthCookie(started->binding, service::AdminAuth::kStateLifetime,
                                                              deps.options.secure_cookies));
               return response;
             });

  routes.AddAsync("GET", "/auth/webex/callback", Access::kPublic,
                  [&deps](http::Request& request, const Caller&) -> boost::asio::awaitable<Result<http::Response>> {
                    // The binding is good for this one callback, whatever its outcome.
                    const std::optional<std::string> binding = request.Cookie(kOAuthCookie);
                    auto answer = [&deps, &binding](http::Response response) {
                      response.headers.Set("Cache-Control", "no-store");
                      if (binding) response.headers.Add("Set-Cookie", ClearedOAuthCookie(deps.options.secure_cookies));
                      return response;
                    };
                    if (auto error = request.Query("error")) {
                      co_return answer(MessagePage(400, "Sign-in cancelled",
                                                   "Webex did not complete the sign-in. Please try again."));
                    }
                    auto code = request.Query("code");
                    auto state = request.Query("state");
                    if (!code || !state || code->empty() || state->empty()) {
                      co_return answer(MessagePage(400, "Sign-in failed",
                                                   "The sign-in response is incomplete. Please start again."));
                    }
                    auto signed_in =
                        co_await deps.admin_auth.Complete(std::move(*code), std::move(*state), binding.value_or(""));
                    if (!signed_in) {
                      const Error& error = signed_in.error();
                      if (error.reason == "not_an_administrator") {
                        // Webex keeps the browser signed in to the account just used, and its authorize
                        // URL has no documented parameter that asks for another account: the page says
                        // how to switch, and offers to start again.
                        co_return answer(MessagePage(
                            HttpStatus(error.code), "Not an administrator", error.message,
                            {"To use another Webex account, sign out of Webex in this browser (or open a private "
                             "window), then sign in again and choose an administrator's account."},
                            {{"/auth/webex/login", "Sign in with another Webex account"}}));
                      }
                      std::string title =
                          error.reason == "wrong_person"          ? "Wrong Webex account"
                          : error.code == ErrorCode::kForbidden ? "Not an administrator"
                                                                : "Sign-in failed";
                      co_return answer(MessagePage(HttpStatus(error.code), title, error.message));
                    }
                    if (signed_in->host) {
                      co_return answer(MessagePage(200, "Meeting host connected",
                                                   "Thank you. " + signed_in->host->email +
                                                       " can now host the portal's meetings. You may close this page."));
                    }
                    auto response = http::Response::Redirect("/admin");
                    response.headers.Add("Set-Cookie",
                                         SessionCookie(signed_in->session.cookie_value,
                                                       deps.sessions.lifetime_seconds(), deps.options.secure_cookies));
                    co_return answer(std::move(response));
                  });
}

}  // namespace gp::api
