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

void AddPolicyRoutes(http::Router& router, Deps& deps) {
  router.Add("GET", "/api/v1/policy/pairs", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = RequireRole(request, deps.sessions, "admin");
               if (!caller) return tl::unexpected(caller.error());
               auto pairs = deps.policy.Pairs();
               if (!pairs) return tl::unexpected(pairs.error());
               return JsonResponse(200, {{"pairs", PairsJson(*pairs)}});
             }));

  router.Add("PUT", "/api/v1/policy/pairs", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = RequireRole(request, deps.sessions, "admin");
               if (!caller) return tl::unexpected(caller.error());
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto pairs = ParsePairs(*body);
               if (!pairs) return tl::unexpected(pairs.error());
               auto change = deps.policy.Replace(*pairs, caller->actor);
               if (!change) return tl::unexpected(change.error());
               return JsonResponse(200, {{"pairs", PairsJson(change->pairs)}, {"closedSpaces", change->closed_spaces}});
             }));

  router.Add("GET", "/api/v1/contacts", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = RequireRole(request, deps.sessions, "guest");
               if (!caller) return tl::unexpected(caller.error());
               auto contacts = deps.policy.ContactsOf(caller->session.guest_id.value_or(""));
               if (!contacts) return tl::unexpected(contacts.error());
               Json items = Json::array();
               for (const auto& guest : *contacts) items.push_back({{"id", guest.id}, {"displayName", guest.display_name}});
               return JsonResponse(200, {{"items", items}});
             }));
}

}  // namespace gp::api
