// Meetings and the pool of hosts (SPEC §4.6, docs/api.md): /api/v1/rooms/{id}/meeting (and its
// heartbeat), /api/v1/webex/token, /api/v1/hosts, and the host connect link /auth/webex/host/{id}.
#include <string>

#include "api/api.hpp"
#include "api/auth.hpp"
#include "api/json_views.hpp"

namespace gp::api {

namespace {

using Awaitable = boost::asio::awaitable<Result<http::Response>>;

Json LeaseJson(const storage::LeaseRecord& lease, Deps& deps) {
  const service::Meetings& meetings = deps.meetings;
  Json body{{"leaseId", lease.id},
            {"roomId", lease.space_id},
            {"mode", lease.mode},
            {"startedAt", IsoTime(lease.created_at)},
            {"expiresAt", IsoTime(lease.expires_at)},
            {"mediaAvailable", meetings.options().media_available}};
  if (!lease.meeting_json.empty()) {
    auto meeting = Json::parse(lease.meeting_json, nullptr, false);
    if (meeting.is_object()) body["meeting"] = std::move(meeting);
  }
  if (lease.mode == "space-pool") {
    // The borrowed space: the browser opens its meeting.
    if (auto host = deps.storage.GetHost(lease.host_id)) body["spaceId"] = host->webex_room_id;
  }
  return body;
}

Json HostJson(const storage::HostRecord& host, service::Hosts& hosts, storage::Storage& storage) {
  const bool person = host.kind == storage::HostKind::kPerson;
  Json body{{"id", host.id},
            {"kind", person ? "person" : "space"},
            {"displayName", host.display_name},
            {"connected", host.connected()}};
  if (person) {
    body["email"] = host.email;
    const std::string warning = hosts.TokenWarning(host);
    // Shown again when the host must sign in anew soon (its Webex refresh token is ending).
    if (!host.connected() || warning == "critical" || warning == "expired") body["connectUrl"] = hosts.ConnectUrl(host);
    body["tokenWarning"] = warning;
  } else {
    body["spaceId"] = host.webex_room_id;
  }
  if (host.lease) {
    static constexpr const char* kStates[] = {"starting", "live", "ending"};
    Json lease{{"leaseId", host.lease->id},
               {"roomId", host.lease->space_id},
               {"since", IsoTime(host.lease->created_at)},
               {"state", kStates[static_cast<int>(host.lease->state)]}};
    if (auto space = storage.GetSpace(host.lease->space_id)) lease["roomTitle"] = space->title;
    body["lease"] = std::move(lease);
  }
  return body;
}

std::string GuestOf(const Caller& caller) { return caller.session.guest_id.value_or(""); }
std::string RoomOf(const http::Request& request) { return request.PathParam("id").value_or(""); }

}  // namespace

void AddMeetingRoutes(Routes& routes, Deps& deps) {
  routes.AddAsync("POST", "/api/v1/rooms/{id}/meeting", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto lease = co_await deps.meetings.Start(GuestOf(caller), RoomOf(request));
                    if (!lease) co_return tl::unexpected(lease.error());
                    // A space-pool lease names its host's space, a read.
                    auto body = co_await deps.pool.Read([&]() -> Result<Json> { return LeaseJson(*lease, deps); });
                    if (!body) co_return tl::unexpected(body.error());
                    co_return JsonResponse(200, *body);
                  });

  routes.Add("GET", "/api/v1/rooms/{id}/meeting", Access::kGuest, Exec::kInline,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto lease = deps.meetings.Live(GuestOf(caller), RoomOf(request));
               if (!lease) return tl::unexpected(lease.error());
               return JsonResponse(200, LeaseJson(*lease, deps));
             });

  routes.AddAsync("POST", "/api/v1/rooms/{id}/meeting/heartbeat", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto lease = co_await deps.meetings.Heartbeat(GuestOf(caller), RoomOf(request));
                    if (!lease) co_return tl::unexpected(lease.error());
                    co_return JsonResponse(200, Json{{"expiresAt", IsoTime(lease->expires_at)}});
                  });

  routes.AddAsync("DELETE", "/api/v1/rooms/{id}/meeting", Access::kGuest,
                  [&deps](http::Request& request, const Caller& caller) -> Awaitable {
                    auto ended = co_await deps.meetings.End(GuestOf(caller), RoomOf(request));
                    if (!ended) co_return tl::unexpected(ended.error());
                    co_return http::Response::Empty(204);
                  });

  // The guest's own Webex token, for the browser SDK: never cached by anything on the way.
  routes.AddAsync("GET", "/api/v1/webex/token", Access::kGuest,
                  [&deps](http::Request&, const Caller& caller) -> Awaitable {
                    auto guest = co_await deps.pool.Read([&] { return deps.storage.GetGuest(GuestOf(caller)); });
                    if (!guest) co_return tl::unexpected(guest.error());
                    auto token = co_await deps.guest_tokens.TokenFor(*guest, webex::DeadlineIn(std::chrono::seconds(20)));
                    if (!token) co_return tl::unexpected(token.error());
                    auto cached = co_await deps.pool.Read([&] { return deps.storage.GetGuestToken(guest->id); });
                    Json body{{"accessToken", *token}};
                    body["expiresAt"] = cached ? Json(IsoTime(cached->expires_at)) : Json(nullptr);
                    auto response = JsonResponse(200, body);
                    response.headers.Set("Cache-Control", "no-store");
                    co_return response;
                  });

  routes.Add("GET", "/api/v1/hosts", Access::kAdmin, Exec::kInline,
             [&deps](http::Request&, const Caller&) -> Result<http::Response> {
               auto hosts = deps.hosts.List();
               if (!hosts) return tl::unexpected(hosts.error());
               auto stats = deps.storage.GetPoolStats();
               if (!stats) return tl::unexpected(stats.error());
               Json items = Json::array();
               for (const auto& host : *hosts) items.push_back(HostJson(host, deps.hosts, deps.storage));
               Json body = Json::object();
               body["mode"] = service::MeetingModeName(deps.meetings.options().mode);
               body["items"] = std::move(items);
               body["stats"] = Json{{"free", stats->free}, {"leased", stats->leased}, {"exhausted", stats->exhausted}};
               return JsonResponse(200, body);
             });

  routes.Add("POST", "/api/v1/hosts", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto body = ParseJsonObject(request);
               if (!body) return tl::unexpected(body.error());
               for (const auto& [key, value] : body->items()) {
                 if (key != "email" && key != "spaceId" && key != "title") {
                   return Fail(ErrorCode::kBadRequest, "invalid_field", key + ": not a field of a host.", key);
                 }
               }
               auto email = OptionalString(*body, "email");
               if (!email) return tl::unexpected(email.error());
               auto space_id = OptionalString(*body, "spaceId");
               if (!space_id) return tl::unexpected(space_id.error());
               auto title = OptionalString(*body, "title");
               if (!title) return tl::unexpected(title.error());
               if (email->has_value() == space_id->has_value()) {
                 return Fail(ErrorCode::kBadRequest, "invalid_field",
                             "Give either email (a licensed person) or spaceId (a space for space-pool mode).");
               }
               auto host = email->has_value()
                               ? deps.hosts.AddPerson(**email, caller.actor)
                               : deps.hosts.AddSpace(**space_id, title->value_or(""), caller.actor);
               if (!host) return tl::unexpected(host.error());
               return JsonResponse(201, HostJson(*host, deps.hosts, deps.storage));
             });

  routes.Add("DELETE", "/api/v1/hosts/{id}", Access::kAdmin, Exec::kPool,
             [&deps](http::Request& request, const Caller& caller) -> Result<http::Response> {
               auto removed = deps.hosts.Remove(request.PathParam("id").value_or(""), caller.actor);
               if (!removed) return tl::unexpected(removed.error());
               return http::Response::Empty(204);
             });

  // The link a pool host follows to connect: Webex sign-in, bound to this browser like the admin's.
  routes.Add("GET", "/auth/webex/host/{id}", Access::kPublic, Exec::kPool,
             [&deps](http::Request& request, const Caller&) -> Result<http::Response> {
               auto host = deps.hosts.CheckConnectLink(request.PathParam("id").value_or(""),
                                                       request.Query("key").value_or(""));
               if (!host) {
                 auto page = MessagePage(404, "Host link not valid", host.error().message);
                 page.headers.Set("Cache-Control", "no-store");
                 return page;
               }
               auto started = deps.admin_auth.Begin(service::Hosts::kPurposePrefix + host->id);
               if (!started) {
                 auto page = MessagePage(HttpStatus(started.error().code), "Sign-in unavailable",
                                         started.error().message);
                 page.headers.Set("Cache-Control", "no-store");
                 if (started.error().retry_after_seconds > 0) {
                   page.headers.Set("Retry-After", std::to_string(started.error().retry_after_seconds));
                 }
                 return page;
               }
               auto response = http::Response::Redirect(started->authorize_url);
               response.headers.Set("Cache-Control", "no-store");
               response.headers.Add("Set-Cookie", OAuthCookie(started->binding, service::AdminAuth::kStateLifetime,
                                                              deps.options.secure_cookies));
               return response;
             });
}

}  // namespace gp::api
