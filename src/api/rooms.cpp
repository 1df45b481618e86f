// A guest's spaces: GET/POST /api/v1/rooms.
#include <memory>
#include <string>
#include <vector>

#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"
#include "core/versioned_cache.hpp"

namespace gp::api {

namespace {

// Rendered room lists, one per guest. Guest pages ask for theirs often and it changes seldom; the
// storage's data version keeps every answer exact, including after changes by a CLI command.
constexpr std::size_t kRoomListCacheEntries = 4096;

std::string RenderRoomList(const std::vector<storage::SpaceRecord>& spaces) {
  Json items = Json::array();
  for (const auto& space : spaces) {
    Json item = SpaceJson(space);
    Json members = Json::array();
    for (const auto& id : space.member_ids) {
      auto name = space.member_names.find(id);
      members.push_back({{"id", id}, {"displayName", name == space.member_names.end() ? "" : name->second}});
    }
    item["members"] = std::move(members);
    items.push_back(std::move(item));
  }
  // Moved, not listed in an initializer: nlohmann copies initializer-list elements deeply.
  Json body = Json::object();
  body["items"] = std::move(items);
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

void AddRoomRoutes(http::Router& router, Deps& deps) {
  auto cache = std::make_shared<VersionedCache<storage::DataVersion, std::string>>(kRoomListCacheEntries);
  router.Add("GET", "/api/v1/rooms", Wrap([&deps, cache](http::Request& request) -> Result<http::Response> {
               auto caller = RequireRole(request, deps.sessions, "guest");
               if (!caller) return tl::unexpected(caller.error());
               std::string guest_id = caller->session.guest_id.value_or("");
               // Read before the list, so that a change made meanwhile only costs a recomputation.
               auto version = deps.storage.Version();
               if (version) {
                 if (auto body = cache->Get(guest_id, *version)) return JsonTextResponse(200, std::move(*body));
               }
               auto spaces = deps.spaces.ListForGuest(guest_id);
               if (!spaces) return tl::unexpected(spaces.error());
               std::string body = RenderRoomList(*spaces);
               if (version) cache->Put(guest_id, *version, body);
               return JsonTextResponse(200, std::move(body));
             }));

  router.Add("POST", "/api/v1/rooms", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = RequireRole(request, deps.sessions, "guest");
               if (!caller) return tl::unexpected(caller.error());
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               auto member_ids = RequireStringArray(*body, "memberIds");
               if (!member_ids) return tl::unexpected(member_ids.error());
               auto title = OptionalString(*body, "title");
               if (!title) return tl::unexpected(title.error());
               service::CreateSpaceRequest create{caller->session.guest_id.value_or(""), *member_ids, *title};
               auto created = deps.spaces.Create(create);
               if (!created) return tl::unexpected(created.error());
               return JsonResponse(created->existing ? 200 : 201, SpaceJson(created->space));
             }));
}

}  // namespace gp::api
