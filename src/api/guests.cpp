// Admin guest management: /api/v1/guests, /api/v1/guests/bulk and /api/v1/guests/import.
#include <set>

#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"
#include "domain/audit.hpp"
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
                "The expiry must be a date (2027-01-31) or a time in UTC (2027-01-31T23:59:59Z).",
                "expiresAt");
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
    return Fail(ErrorCode::kBadRequest, "invalid_field",
                "Give a password or generate one, not both.", "password");
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

// The cache key of a guest list: the parsed query, so that equivalent requests share a body.
std::string GuestQueryKey(const service::GuestQuery& query) {
  return "guests\n" + query.text + "\n" + std::to_string(static_cast<int>(query.status)) + "\n" +
         std::to_string(static_cast<int>(query.sort)) + (query.descending ? "d" : "a") + "\n" +
         std::to_string(query.offset) + "\n" + (query.limit ? std::to_string(*query.limit) : "all");
}

// The body, byte for byte what serialising it as one JSON object gives (keys in order), joined from
// the entries' pre-rendered items so that a page of 10,000 guests costs a copy, not a
// serialisation.
std::string RenderGuestPage(const service::GuestDirectory& directory,
                            const service::GuestQuery& query) {
  auto page = directory.Guests(query);
  Json counts = {{"all", page.all}, {"active", page.active}, {"disabled", page.disabled}};
  std::string body = "{\"counts\":" + counts.dump() + ",\"items\":[";
  bool first = true;
  for (const auto* entry : page.items) {
    if (!first) body += ',';
    first = false;
    body +=
        entry->rendered.empty() ? GuestListItem(entry->guest, entry->pair_count) : entry->rendered;
  }
  body += "],\"total\":" + std::to_string(page.total) + "}";
  return body;
}

Json PreviewSpacesJson(const std::vector<storage::SpaceRecord>& spaces) {
  Json json = Json::array();
  for (const auto& space : spaces) json.push_back(SpaceBriefJson(space));
  return json;
}

inline constexpr std::size_t kMaxBulkIds = 1000;

const char* BulkActionName(service::BulkAction action) {
  switch (action) {
    case service::BulkAction::kDisable:
      return "disable";
    case service::BulkAction::kEnable:
      return "enable";
    case service::BulkAction::kAllow:
      return "allow";
  }
  return "";
}

Result<service::BulkRequest> ParseBulk(const http::Request& request) {
  auto body = ParseJsonObject(request);
  if (!body) return tl::unexpected(body.error());
  auto bad = [](const std::string& field, const std::string& message) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", message, field);
  };
  service::BulkRequest bulk;
  auto action = body->find("action");
  if (action == body->end() || !action->is_string())
    return bad("action", "Choose an action: disable, enable or allow.");
  if (*action == "disable") {
    bulk.action = service::BulkAction::kDisable;
  } else if (*action == "enable") {
    bulk.action = service::BulkAction::kEnable;
  } else if (*action == "allow") {
    bulk.action = service::BulkAction::kAllow;
  } else {
    return bad("action", "Choose an action: disable, enable or allow.");
  }
  auto ids = body->find("ids");
  if (ids == body->end() || !ids->is_array() || ids->empty() || ids->size() > kMaxBulkIds) {
    return bad("ids", "Select from 1 to " + std::to_string(kMaxBulkIds) + " guests.");
  }
  std::set<std::string> seen;
  for (const auto& id : *ids) {
    if (!id.is_string()) return bad("ids", "Guests are named by their ids.");
    if (seen.insert(id.get<std::string>()).second) bulk.ids.push_back(id.get<std::string>());
  }
  auto with = body->find("with");
  if (bulk.action == service::BulkAction::kAllow) {
    if (with == body->end() || !with->is_string() || with->get<std::string>().empty()) {
      return bad("with", "Choose the guest to allow the selected guests with.");
    }
    bulk.with = with->get<std::string>();
  } else if (with != body->end()) {
    return bad("with", "Only the allow action takes a guest to pair with.");
  }
  return bulk;
}

}  // namespace

void AddGuestRoutes(Routes& routes, Deps& deps) {
  // On the pool: after a change the directory is rebuilt (tens of ms with 10,000 guests), which
  // must not hold the event loop.
  routes.Add("GET", "/api/v1/guests", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto query = service::ParseGuestQuery(
                   {request.Query("query"), request.Query("status"), request.Query("sort"),
                    request.Query("order"), request.Query("offset"), request.Query("limit")});
               if (!query) return tl::unexpected(query.error());
               auto body = deps.policy.Rendered(
                   GuestQueryKey(*query),
                   [&query](const auto& directory) { return RenderGuestPage(directory, *query); });
               if (!body) return tl::unexpected(body.error());
               return JsonTextResponse(200, std::move(*body));
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
                 return Fail(ErrorCode::kBadRequest, "missing_field",
                             "Give a password or generate one.", "password");
               }
               auto must_change = OptionalBool(*body, "mustChangePassword");
               if (!must_change) return tl::unexpected(must_change.error());
               auto expires_at = ReadExpiresAt(*body);
               if (!expires_at) return tl::unexpected(expires_at.error());
               service::NewGuest guest{*display_name, *username, *password->password,
                                       must_change->value_or(false),
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

  routes.Add("GET", "/api/v1/guests/{id}/overview", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto overview = deps.policy.Overview(*request.PathParam("id"));
               if (!overview) return tl::unexpected(overview.error());
               Json contacts = Json::array();
               for (const auto& guest : overview->contacts)
                 contacts.push_back(GuestSummaryJson(guest));
               Json spaces = Json::array();
               for (const auto& space : overview->spaces) {
                 Json item = SpaceBriefJson(space);
                 item["createdAt"] = IsoTime(space.created_at);
                 item["lastActivity"] = IsoTime(space.last_activity);
                 if (space.closed_at) item["closedAt"] = IsoTime(*space.closed_at);
                 spaces.push_back(std::move(item));
               }
               Json activity = Json::array();
               for (const auto& record : overview->activity)
                 activity.push_back(domain::AuditEntryJson(record));
               Json body = {{"guest", GuestJson(overview->guest)}};
               body["contacts"] = std::move(contacts);
               body["spaces"] = std::move(spaces);
               body["activity"] = std::move(activity);
               return JsonResponse(200, body);
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
               auto dry_run = DryRunParam(request);
               if (!dry_run) return tl::unexpected(dry_run.error());
               if (*dry_run) {
                 auto preview = deps.guests.PreviewUpdate(*request.PathParam("id"), changes);
                 if (!preview) return tl::unexpected(preview.error());
                 return JsonResponse(200,
                                     {{"dryRun", true},
                                      {"guest", GuestJson(preview->guest)},
                                      {"spacesClosed", PreviewSpacesJson(preview->spaces_closed)},
                                      {"endsSessions", preview->ends_sessions}});
               }
               auto updated = deps.guests.Update(*request.PathParam("id"), changes, caller.actor);
               if (!updated) return tl::unexpected(updated.error());
               return JsonResponse(200, GuestWithPassword(*updated, *password));
             });

  routes.Add("DELETE", "/api/v1/guests/{id}", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto dry_run = DryRunParam(request);
               if (!dry_run) return tl::unexpected(dry_run.error());
               if (*dry_run) {
                 auto preview = deps.guests.PreviewDelete(*request.PathParam("id"));
                 if (!preview) return tl::unexpected(preview.error());
                 return JsonResponse(200,
                                     {{"dryRun", true},
                                      {"spacesClosed", PreviewSpacesJson(preview->spaces_closed)},
                                      {"pairsRemoved", preview->pairs_removed},
                                      {"endsSessions", preview->ends_sessions}});
               }
               auto deleted = deps.guests.Delete(*request.PathParam("id"), caller.actor);
               if (!deleted) return tl::unexpected(deleted.error());
               return http::Response::Empty(204);
             });

  routes.Add("POST", "/api/v1/guests/bulk", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto dry_run = DryRunParam(request);
               if (!dry_run) return tl::unexpected(dry_run.error());
               auto bulk = ParseBulk(request);
               if (!bulk) return tl::unexpected(bulk.error());
               auto result = deps.guests.Bulk(*bulk, caller.actor, *dry_run);
               if (!result) return tl::unexpected(result.error());
               Json added = Json::array();
               for (const auto& [a, b] : result->added) added.push_back({a, b});
               return JsonResponse(200,
                                   {{"dryRun", result->dry_run},
                                    {"action", BulkActionName(bulk->action)},
                                    {"changed", result->changed},
                                    {"added", std::move(added)},
                                    {"spacesClosed", PreviewSpacesJson(result->spaces_closed)}});
             });

  routes.Add("POST", "/api/v1/guests/import", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               std::string type = request.MediaType();
               Result<domain::ImportPlan> plan =
                   Fail(ErrorCode::kUnsupportedMediaType,
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
