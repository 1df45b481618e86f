// The pages and static files of the web UI, and GET /healthz.
#include "api/api.hpp"
#include "api/json_views.hpp"

namespace gp::api {

void AddPageRoutes(Routes& routes, Deps& deps, const http::StaticFiles& files) {
  routes.AddRaw("GET", "/", Access::kPublic, [&files](http::Request& request) { return files.Serve(request, "index.html"); });
  routes.AddRaw("GET", "/guest", Access::kPublic,
                [&files](http::Request& request) { return files.Serve(request, "guest.html"); });
  routes.AddRaw("GET", "/admin", Access::kPublic,
                [&files](http::Request& request) { return files.Serve(request, "admin.html"); });
  routes.AddRaw("GET", "/static/{path...}", Access::kPublic,
                [&files](http::Request& request) { return files.Serve(request, *request.PathParam("path")); });
  // kInline: on the pool when the database is across the network (Routes::SetReadsBlock).
  routes.Add("GET", "/healthz", Access::kPublic, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto ping = deps.storage.Ping();
               if (!ping) return JsonResponse(503, {{"status", "unavailable"}});
               return JsonResponse(200, {{"status", "ok"}});
             });
}

}  // namespace gp::api
