// A guest's spaces: GET/POST /api/v1/rooms.
#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {

void AddRoomRoutes(http::Router& router, Deps& deps) {
  router.Add("GET", "/api/v1/rooms", Wrap([&deps](http::Request& request) -> Result<http::Response> {
               auto caller = RequireRole(request, deps.sessions, "guest");
               if (!caller) return tl::unexpected(caller.error());
               auto spaces = deps.spaces.ListForGuest(caller->session.guest_id.value_or(""));
               if (!spaces) return tl::unexpected(spaces.error());
               Json items = Json::array();
               for (const auto& space : *spaces) {
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
               return JsonResponse(200, body);
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
