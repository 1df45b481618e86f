// Admin guest management: /api/v1/guests and /api/v1/guests/import.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"
#include "domain/guests.hpp"
#include "domain/imports.hpp"

namespace gp::api {
namespace {

// `expiresAt`: absent -> no change; null -> none; a date or an RFC 3339 time -> that end.
Result<std::optional<std::optional<int64_t>>> ReadExpiresAt(const Json& body) {
  using Change = std::optional<std::optional<int64_t>>;
  auto it = body.find("expiresAt");
  if (it == body.end()) return Change{};
  if (it->is_null()) return Change{std::in_place, std::nullopt};
  if (!it->is_string()) {
    return Fail(ErrorCode::kBadRequest, "invalid_field",
                "The expiry must be a date (2027-01-31) or a time in UTC (2027-01-31T23:59:59Z).", "expiresAt");
  }
  auto at = domain::ParseExpiresAt(it->get<std::string>());
  if (!at) return tl::unexpected(at.error());
  return Change{std::in_place, *at};
}

// The password to set: the one given, or a generated one when `generatePassword` is true (never
// both). std::nullopt when neither is given.
struct PasswordChoice {
  std::optional<std::string> password;
  bool generated = false;
};

Result<PasswordChoice> ReadPassword(const Json& body) {
  auto password = OptionalString(body, "password");
  if (!password) return tl::unexpected(password.error());
  auto generate = OptionalBool(body, "generatePassword");
  if (!generate) return tl::unexpected(generate.error());
  const bool generated = generate->value_or(false);
  if (generated && *password) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "Give a password or generate one, not both.", "password");
  }
  if (generated) return PasswordChoice{service::Guests::GeneratePassword(), true};
  return PasswordChoice{*password, false};
}

// The guest, with the generated password when there is one: shown this once.
Json GuestWithPassword(const storage::GuestRecord& guest, const PasswordChoice& choice) {
  Json json = GuestJson(guest);
  if (choice.generated) json["password"] = *choice.password;
  return json;
}

}  // namespace

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
               auto password = ReadPassword(*body);
               if (!password) return tl::unexpected(password.error());
               if (!password->password) {
                 return Fail(ErrorCode::kBadRequest, "missing_field", "Give a password or generate one.", "password");
               }
               auto must_change = OptionalBool(*body, "mustChangePassword");
               if (!must_change) return tl::unexpected(must_change.error());
               auto expires_at = ReadExpiresAt(*body);
               if (!expires_at) return tl::unexpected(expires_at.error());
               service::NewGuest guest{*display_name, *username, *password->password, must_change->value_or(false),
                                       expires_at->value_or(std::nullopt)};
               auto created = deps.guests.Create(guest, caller.actor);
               if (!created) return tl::unexpected(created.error());
               return JsonResponse(201, GuestWithPassword(*created, *password));
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
               auto password = ReadPassword(*body);
               if (!password) return tl::unexpected(password.error());
               auto disabled = OptionalBool(*body, "disabled");
               if (!disabled) return tl::unexpected(disabled.error());
               auto must_change = OptionalBool(*body, "mustChangePassword");
               if (!must_change) return tl::unexpected(must_change.error());
               auto expires_at = ReadExpiresAt(*body);
               if (!expires_at) return tl::unexpected(expires_at.error());
               changes.display_name = *display_name;
               changes.password = password->password;
               changes.disabled = *disabled;
               changes.must_change_password = *must_change;
               changes.expires_at = *expires_at;
               auto updated = deps.guests.Update(*request.PathParam("id"), changes, caller.actor);
               if (!updated) return tl::unexpected(updated.error());
               return JsonResponse(200, GuestWithPassword(*updated, *password));
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
