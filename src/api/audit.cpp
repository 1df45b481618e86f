// The audit log for admins: GET /api/v1/audit (docs/api.md, docs/audit.md).
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_io.hpp"
#include "domain/audit.hpp"

namespace gp::api {

void AddAuditRoutes(Routes& routes, Deps& deps) {
  routes.Add("GET", "/api/v1/audit", Access::kAdmin, Exec::kInline,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto filter = domain::ParseAuditQuery(
                   {request.Query("action"), request.Query("actor"), request.Query("since"),
                    request.Query("until"), request.Query("max"), request.Query("before")});
               if (!filter) return tl::unexpected(filter.error());
               auto page = deps.audit.List(*filter);
               if (!page) return tl::unexpected(page.error());
               Json items = Json::array();
               for (const auto& record : page->items)
                 items.push_back(domain::AuditEntryJson(record));
               Json next = nullptr;
               if (page->next_before) next = std::to_string(*page->next_before);
               return JsonResponse(200, {{"items", std::move(items)}, {"next", std::move(next)}});
             });
}

}  // namespace gp::api
