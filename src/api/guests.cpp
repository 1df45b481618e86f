// Admin guest management: /api/v1/guests and /api/v1/guests/import.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"
#include "domain/imports.hpp"

namespace gp::api {

void AddGuestRoutes(Routes& routes, Deps& deps) {
  routes.Add("GET", "/api/v1/guests", Access::kAdmin, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto guests = deps.guests.List();
               if (!guests) return tl::unexpected(guests.error());
               Json items = Json::array();
               for (const auto& guest : *guests) items.push_back(GuestJson(guest));
               return JsonResponse(200, {{"items", items}});
             });

  routes.Add("POST", "/api/v1/guests", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto display_name = RequireString(*body, "displayName");
               if (!display_name) return tl::unexpected(display_name.error());
               auto username = RequireString(*body, "username");
               if (!username) return tl::unexpected(username.error());
               auto password = RequireString(*body, "password");
               if (!password) return tl::unexpected(password.error());
               auto created = deps.guests.Create({*display_name, *username, *password}, caller.actor);
               if (!created) return tl::unexpected(created.error());
               return JsonResponse(201, GuestJson(*created));
             });

  routes.Add("GET", "/api/v1/guests/{id}", Access::kAdmin, Exec::kInline,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto guest = deps.guests.Get(*request.PathParam("id"));
               if (!guest) return tl::unexpected(guest.error());
               return JsonResponse(200, GuestJson(*guest));
             });

  routes.Add("PATCH", "/api/v1/guests/{id}", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               service::GuestChanges changes;
               auto display_name = OptionalString(*body, "displayName");
               if (!display_name) return tl::unexpected(display_name.error());
               auto password = OptionalString(*body, "password");
               if (!password) return tl::unexpected(password.error());
               auto disabled = OptionalBool(*body, "disabled");
               if (!disabled) return tl::unexpected(disabled.error());
               changes.display_name = *display_name;
               changes.password = *password;
               changes.disabled = *disabled;
               auto updated = deps.guests.Update(*request.PathParam("id"), changes, caller.actor);
               if (!updated) return tl::unexpected(updated.error());
               return JsonResponse(200, GuestJson(*updated));
             });

  routes.Add("DELETE", "/api/v1/guests/{id}", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto deleted = deps.guests.Delete(*request.PathParam("id"), caller.actor);
               if (!deleted) return tl::unexpected(deleted.error());
               return http::Response::Empty(204);
             });

  routes.Add("POST", "/api/v1/guests/import", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               std::string type = request.MediaType();
               Result<domain::ImportPlan> plan = Fail(ErrorCode::kUnsupportedMediaType,
                   "Send the original guests.json as application/json or a CSV as text/csv.");
               if (type == "application/json") {
                 plan = domain::ParseGuestsJson(request.body);
               } else if (type == "text/csv") {
                 plan = domain::ParseGuestsCsv(request.body);
               }
               if (!plan) return tl::unexpected(plan.error());
               auto report = deps.guests.Import(*plan, caller.actor);
               if (!report) return tl::unexpected(report.error());
               Json skipped = Json::array();
               for (const auto& entry : report->skipped) {
                 Json item = {{"entry", entry.entry}, {"reason", entry.reason}};
                 if (!entry.username.empty()) item["username"] = entry.username;
                 skipped.push_back(item);
               }
               return JsonResponse(200, {{"created", report->created},
                                         {"pairsAdded", report->pairs_added},
                                         {"skipped", skipped}});
             });
}

}  // namespace gp::api
