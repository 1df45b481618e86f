// The pages and static files of the web UI, and GET /healthz.
#include "api/api.hpp"
#include "api/json_views.hpp"

namespace gp::api {

void AddPageRoutes(http::Router& router, Deps& deps, const http::StaticFiles& files) {
  router.Add("GET", "/", [&files](http::Request& request) { return files.Serve(request, "index.html"); });
  router.Add("GET", "/guest", [&files](http::Request& request) { return files.Serve(request, "guest.html"); });
  router.Add("GET", "/admin", [&files](http::Request& request) { return files.Serve(request, "admin.html"); });
  router.Add("GET", "/static/{path...}",
             [&files](http::Request& request) { return files.Serve(request, *request.PathParam("path")); });
  router.Add("GET", "/healthz", [&deps](http::Request&) {
    auto ping = deps.storage.Ping();
    if (!ping) return JsonResponse(503, {{"status", "unavailable"}});
    return JsonResponse(200, {{"status", "ok"}});
  });
}

}  // namespace gp::api
