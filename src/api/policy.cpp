// Allowed pairs (admin) and contacts (guest): /api/v1/policy/pairs, /api/v1/contacts.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {
namespace {

Json PairsJson(const std::vector<service::Pair>& pairs) {
  Json json = Json::array();
  for (const auto& [a, b] : pairs) json.push_back({a, b});
  return json;
}

Result<std::vector<service::Pair>> ParsePairs(const Json& body, const std::string& field = "pairs",
                                              bool required = true) {
  auto it = body.find(field);
  if (!required && it == body.end()) return std::vector<service::Pair>{};
  const std::string what = field == "add" ? "The pairs to add" : field == "remove" ? "The pairs to remove" : "The pairs";
  const std::string message = what + " must be a list of two guest ids each, like [[\"id1\", \"id2\"]].";
  if (it == body.end() || !it->is_array()) return Fail(ErrorCode::kBadRequest, "invalid_field", message, field);
  std::vector<service::Pair> pairs;
  for (const auto& item : *it) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) {
      return Fail(ErrorCode::kBadRequest, "invalid_field", message, field);
    }
    pairs.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  }
  return pairs;
}

Json ChangeJson(const service::PolicyChange& change) {
  Json closed_ids = Json::array();
  Json spaces = Json::array();
  for (const auto& space : change.spaces_closed) {
    closed_ids.push_back(space.id);
    spaces.push_back(SpaceBriefJson(space));
  }
  Json json = {{"dryRun", change.dry_run},
               {"added", PairsJson(change.added)},
               {"removed", PairsJson(change.removed)}};
  json["closedSpaces"] = std::move(closed_ids);
  json["spacesClosed"] = std::move(spaces);
  return json;
}

std::string RenderPairPage(const service::GuestDirectory::PairPage& page) {
  Json items = Json::array();
  for (const auto& item : page.items) {
    items.push_back(
        {{"a", GuestSummaryJson(item.a->guest)}, {"b", GuestSummaryJson(item.b->guest)}});
  }
  Json body = Json::object();
  body["items"] = std::move(items);
  body["total"] = page.total;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

void AddPolicyRoutes(Routes& routes, Deps& deps) {
  // On the pool: after a change the directory is rebuilt (tens of ms with 10,000 guests), which
  // must not hold the event loop.
  routes.Add("GET", "/api/v1/policy/pairs", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               service::PairQueryParams params{request.Query("query"), request.Query("guest"),
                                               request.Query("offset"), request.Query("limit")};
               if (!params.query && !params.guest && !params.offset && !params.limit) {
                 auto pairs = deps.policy.Pairs();
                 if (!pairs) return tl::unexpected(pairs.error());
                 return JsonResponse(200, {{"pairs", PairsJson(*pairs)}});
               }
               auto query = service::ParsePairQuery(params);
               if (!query) return tl::unexpected(query.error());
               auto directory = deps.policy.Directory();
               if (!directory) return tl::unexpected(directory.error());
               auto page = (*directory)->Pairs(*query);
               if (!page) return tl::unexpected(page.error());
               return JsonTextResponse(200, RenderPairPage(*page));
             });

  routes.Add("PUT", "/api/v1/policy/pairs", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto dry_run = DryRunParam(request);
               if (!dry_run) return tl::unexpected(dry_run.error());
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto pairs = ParsePairs(*body);
               if (!pairs) return tl::unexpected(pairs.error());
               auto change = deps.policy.Replace(*pairs, caller.actor, *dry_run);
               if (!change) return tl::unexpected(change.error());
               Json json = ChangeJson(*change);
               json["pairs"] = PairsJson(change->pairs);
               return JsonResponse(200, json);
             });

  routes.Add("PATCH", "/api/v1/policy/pairs", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto dry_run = DryRunParam(request);
               if (!dry_run) return tl::unexpected(dry_run.error());
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto add = ParsePairs(*body, "add", false);
               if (!add) return tl::unexpected(add.error());
               auto remove = ParsePairs(*body, "remove", false);
               if (!remove) return tl::unexpected(remove.error());
               auto change = deps.policy.Change({*add, *remove}, caller.actor, *dry_run);
               if (!change) return tl::unexpected(change.error());
               return JsonResponse(200, ChangeJson(*change));
             });

  // On the pool: after a change the directory is rebuilt (tens of ms with 10,000 guests), which
  // must not hold the event loop.
  routes.Add("GET", "/api/v1/policy/explain", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto a = request.Query("a");
               auto b = request.Query("b");
               for (const auto& [value, field] : {std::pair{&a, "a"}, std::pair{&b, "b"}}) {
                 if (!*value || (*value)->empty()) {
                   return Fail(
                       ErrorCode::kBadRequest, "invalid_parameter",
                       std::string("Name two guests: the ") + field + " parameter is missing.",
                       field);
                 }
               }
               auto explanation = deps.policy.Explain(*a, *b);
               if (!explanation) return tl::unexpected(explanation.error());
               Json reasons = Json::array();
               for (const auto& reason : explanation->reasons) {
                 Json item = {{"code", reason.code}, {"message", reason.message}};
                 if (!reason.guest.empty()) item["guest"] = reason.guest;
                 reasons.push_back(std::move(item));
               }
               Json spaces = Json::array();
               for (const auto& space : explanation->spaces) {
                 Json item = SpaceBriefJson(space);
                 item["createdAt"] = IsoTime(space.created_at);
                 if (space.closed_at) item["closedAt"] = IsoTime(*space.closed_at);
                 spaces.push_back(std::move(item));
               }
               Json json = {{"allowed", explanation->reasons.empty()},
                            {"a", GuestSummaryJson(explanation->a)},
                            {"b", GuestSummaryJson(explanation->b)}};
               json["reasons"] = std::move(reasons);
               json["spaces"] = std::move(spaces);
               return JsonResponse(200, json);
             });

  routes.Add("GET", "/api/v1/contacts", Access::kGuest, Exec::kInline,
             [&deps](http::Request&, const Caller& caller) -> Result<http::Response> {
               auto contacts = deps.policy.ContactsOf(caller.session.guest_id.value_or(""));
               if (!contacts) return tl::unexpected(contacts.error());
               Json items = Json::array();
               for (const auto& guest : *contacts) items.push_back({{"id", guest.id}, {"displayName", guest.display_name}});
               return JsonResponse(200, {{"items", items}});
             });
}

}  // namespace gp::api
