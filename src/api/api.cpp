#include "api/api.hpp"

#include <memory>

#include "api/json_views.hpp"

namespace gp::api {
namespace {

void AddSecurityHeaders(http::Response& response, const ApiOptions& options) {
  auto& headers = response.headers;
  headers.Set("X-Content-Type-Options", "nosniff");
  headers.Set("Referrer-Policy", "no-referrer");
  headers.Set("X-Frame-Options", "DENY");
  std::string form_action = "'self'";
  if (!options.webex_origin.empty()) form_action += " " + options.webex_origin;
  headers.Set("Content-Security-Policy",
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
              "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
              "frame-ancestors 'none'; form-action " + form_action);
  if (options.secure_cookies) headers.Set("Strict-Transport-Security", "max-age=31536000");
}

}  // namespace

http::Handler BuildHandler(Deps& deps) {
  auto router = std::make_shared<http::Router>();
  auto files = std::make_shared<http::StaticFiles>(deps.options.web_root);
  AddPageRoutes(*router, deps, *files);
  AddOAuthRoutes(*router, deps);
  AddSessionRoutes(*router, deps);
  AddGuestRoutes(*router, deps);
  AddPolicyRoutes(*router, deps);
  AddRoomRoutes(*router, deps);
  AddAdminRoutes(*router, deps);
  router->SetNotFound([](http::Request&) {
    return ErrorResponse(Error{ErrorCode::kNotFound, "There is nothing at this address."});
  });
  router->SetMethodNotAllowed([](http::Request& request) {
    auto response = JsonResponse(405, {{"error", {{"code", "method_not_allowed"},
                                                  {"message", request.method + " is not allowed here."}}}});
    return response;
  });
  return [router, files, options = deps.options](http::Request& request) {
    http::Response response = router->Dispatch(request);
    AddSecurityHeaders(response, options);
    return response;
  };
}

}  // namespace gp::api
