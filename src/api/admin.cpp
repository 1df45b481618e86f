// Admin console data: /api/v1/admin/status, /api/v1/spaces.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {

void AddAdminRoutes(Routes& routes, Deps& deps) {
  routes.Add("GET", "/api/v1/admin/status", Access::kAdmin, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto status = deps.app_admin.Status();
               Json app_admin = {{"signedIn", status.signed_in}, {"warning", status.warning}};
               if (!status.email.empty()) {
                 app_admin["email"] = status.email;
                 app_admin["displayName"] = status.display_name;
                 app_admin["accessExpiresAt"] = IsoTime(status.access_expires_at);
                 app_admin["refreshExpiresAt"] = IsoTime(status.refresh_expires_at);
               }
               return JsonResponse(200, {{"appAdmin", app_admin},
                                         {"guestProvider", deps.options.guest_provider},
                                         {"demo", deps.options.demo}});
             });

  routes.Add("GET", "/api/v1/spaces", Access::kAdmin, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto spaces = deps.spaces.ListAll();
               if (!spaces) return tl::unexpected(spaces.error());
               Json items = Json::array();
               for (const auto& space : *spaces) items.push_back(SpaceJson(space));
               return JsonResponse(200, {{"items", items}});
             });
}

}  // namespace gp::api
