// A guest's spaces: GET/POST /api/v1/rooms.
#include <string>
#include <vector>

#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {

namespace {

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
    item["closed"] = space.closed_at.has_value();
    // A message newer than the last one this guest read (the guest's own messages count as read).
    item["unread"] = space.last_message_ms > 0 && space.last_message_ms > space.read_mark_ms.value_or(-1);
    items.push_back(std::move(item));
  }
  // Moved, not listed in an initializer: nlohmann copies initializer-list elements deeply.
  Json body = Json::object();
  body["items"] = std::move(items);
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

void AddRoomRoutes(Routes& routes, Deps& deps) {
  routes.Add("GET", "/api/v1/rooms", Access::kGuest, Exec::kInline,
             [&deps](http::Request&, const Caller& caller) -> Result<http::Response> {
               auto body = deps.spaces.RenderedListFor(caller.session.guest_id.value_or(""), RenderRoomList);
               if (!body) return tl::unexpected(body.error());
               return JsonTextResponse(200, std::move(*body));
             });

  routes.AddAsync("POST", "/api/v1/rooms", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> boost::asio::awaitable<Result<http::Response>> {
                    auto body = ParseJsonObject(request);
                    if (!body) co_return tl::unexpected(body.error());
                    auto member_ids = RequireStringArray(*body, "memberIds");
                    if (!member_ids) co_return tl::unexpected(member_ids.error());
                    auto title = OptionalString(*body, "title");
                    if (!title) co_return tl::unexpected(title.error());
                    service::CreateSpaceRequest create{caller.session.guest_id.value_or(""), *member_ids, *title};
                    auto created = co_await deps.spaces.Create(std::move(create));
                    if (!created) co_return tl::unexpected(created.error());
                    co_return JsonResponse(created->existing ? 200 : 201, SpaceJson(created->space));
                  });
}

}  // namespace gp::api
