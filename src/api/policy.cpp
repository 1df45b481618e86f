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

Result<std::vector<service::Pair>> ParsePairs(const Json& body) {
  auto it = body.find("pairs");
  if (it == body.end() || !it->is_array()) {
    return Fail(ErrorCode::kBadRequest, "invalid_field", "pairs: must be an array of [guestId, guestId].", "pairs");
  }
  std::vector<service::Pair> pairs;
  for (const auto& item : *it) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) {
      return Fail(ErrorCode::kBadRequest, "invalid_field", "pairs: each entry must be [guestId, guestId].", "pairs");
    }
    pairs.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  }
  return pairs;
}

}  // namespace

void AddPolicyRoutes(Routes& routes, Deps& deps) {
  routes.Add("GET", "/api/v1/policy/pairs", Access::kAdmin, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto pairs = deps.policy.Pairs();
               if (!pairs) return tl::unexpected(pairs.error());
               return JsonResponse(200, {{"pairs", PairsJson(*pairs)}});
             });

  routes.Add("PUT", "/api/v1/policy/pairs", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto pairs = ParsePairs(*body);
               if (!pairs) return tl::unexpected(pairs.error());
               auto change = deps.policy.Replace(*pairs, caller.actor);
               if (!change) return tl::unexpected(change.error());
               return JsonResponse(200, {{"pairs", PairsJson(change->pairs)}, {"closedSpaces", change->closed_spaces}});
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
