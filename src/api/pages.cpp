// The pages and static files of the web UI, GET /healthz and GET /readyz.
#include <utility>  // Asio 1.74 needs it before its own headers.

#include "api/api.hpp"
#include "api/health.hpp"
#include "api/json_views.hpp"

namespace gp::api {

void AddPageRoutes(Routes& routes, Deps& deps, const http::StaticFiles& files) {
  routes.AddRaw("GET", "/", Access::kPublic, [&files](http::Request& request) { return files.Serve(request, "index.html"); });
  routes.AddRaw("GET", "/guest", Access::kPublic,
                [&files](http::Request& request) { return files.Serve(request, "guest.html"); });
  // The guest's change-password page; the page itself sends anyone who is not a guest to sign-in.
  routes.AddRaw("GET", "/password", Access::kPublic,
                [&files](http::Request& request) { return files.Serve(request, "password.html"); });
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
  routes.AddAsync(
      "GET", "/readyz", Access::kPublic,
      [&deps](http::Request&, const Caller&) -> boost::asio::awaitable<Result<http::Response>> {
        auto observe = [&deps]() -> Result<ReadinessFacts> {
          ReadinessFacts facts{deps.storage.Ping(), deps.storage.SchemaVersion(),
                               deps.options.schema_version, std::nullopt};
          if (facts.database) facts.app_admin = deps.app_admin.Status();
          return facts;
        };
        auto facts = co_await deps.pool.Read(observe);
        if (!facts) co_return tl::unexpected(facts.error());
        auto readiness = AssessReadiness(*facts);
        auto response = JsonResponse(readiness.ready ? 200 : 503, readiness.body);
        response.headers.Set("Cache-Control", "no-store");
        co_return response;
      });
}

}  // namespace gp::api
