#include "api/json_views.hpp"

namespace gp::api {

Json GuestJson(const storage::GuestRecord& guest) {
  Json json = {{"id", guest.id},
               {"username", guest.username},
               {"displayName", guest.display_name},
               {"disabled", guest.disabled},
               {"createdAt", IsoTime(guest.created_at)},
               {"mustChangePassword", guest.must_change_password},
               {"expiresAt", guest.expires_at ? Json(IsoTime(*guest.expires_at)) : Json(nullptr)}};
  if (guest.webex_person_id && !guest.webex_person_id->empty()) json["webexPersonId"] = *guest.webex_person_id;
  return json;
}

std::string GuestListItem(const storage::GuestRecord& guest, int64_t pair_count) {
  Json json = GuestJson(guest);
  json["pairCount"] = pair_count;
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json SpaceJson(const storage::SpaceRecord& space) {
  Json json = {{"id", space.id},
               {"title", space.title},
               {"memberIds", space.member_ids},
               {"webexRoomId", space.webex_room_id},
               {"createdAt", IsoTime(space.created_at)},
               {"lastActivity", IsoTime(space.last_activity)}};
  if (space.closed_at) json["closedAt"] = IsoTime(*space.closed_at);
  return json;
}

Json MessageJson(const service::MessageView& message) {
  Json sender = {{"displayName", message.sender_name}};
  if (message.sender_guest_id) sender["guestId"] = *message.sender_guest_id;
  Json files = Json::array();
  for (const auto& file : message.files) {
    files.push_back({{"id", file.id}, {"name", file.name}, {"contentType", file.content_type}, {"size", file.size}});
  }
  Json json = {{"id", message.id},
               {"roomId", message.space_id},
               {"sender", std::move(sender)},
               {"text", message.text},
               {"files", std::move(files)},
               {"created", message.created}};
  if (message.html) json["html"] = *message.html;
  return json;
}

Json SpaceBriefJson(const storage::SpaceRecord& space) {
  Json members = Json::array();
  for (const auto& id : space.member_ids) {
    auto name = space.member_names.find(id);
    members.push_back(
        {{"id", id}, {"displayName", name == space.member_names.end() ? "" : name->second}});
  }
  Json json = {{"id", space.id}, {"title", space.title}};
  json["members"] = std::move(members);
  return json;
}

Json GuestSummaryJson(const storage::GuestRecord& guest) {
  return {{"id", guest.id},
          {"username", guest.username},
          {"displayName", guest.display_name},
          {"disabled", guest.disabled}};
}

Result<bool> DryRunParam(const http::Request& request) {
  auto value = request.Query("dryRun");
  if (!value || *value == "false" || *value == "0") return false;
  if (*value == "true" || *value == "1") return true;
  return Fail(ErrorCode::kBadRequest, "invalid_parameter", "dryRun must be true or false.",
              "dryRun");
}

}  // namespace gp::api
