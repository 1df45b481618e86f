#include "service/notices.hpp"

#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace gp::service {

namespace {

std::string Dump(const nlohmann::json& json) { return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

void Notices::SpaceCreated(const storage::SpaceRecord& space) {
  events_.Publish("room.created", Dump({{"roomId", space.id}, {"title", space.title}}), space.member_ids);
}

void Notices::MeetingStarted(const storage::SpaceRecord& space, const std::string& lease_id,
                             const std::string& guest_id) {
  auto name = space.member_names.find(guest_id);
  events_.Publish("meeting.started",
                  Dump({{"roomId", space.id},
                        {"leaseId", lease_id},
                        {"startedBy", guest_id},
                        {"startedByName", name == space.member_names.end() ? std::string() : name->second}}),
                  space.member_ids);
}

void Notices::MeetingEnded(const storage::SpaceRecord& space, const std::string& lease_id,
                           const std::string& reason) {
  events_.Publish("meeting.ended", Dump({{"roomId", space.id}, {"leaseId", lease_id}, {"reason", reason}}),
                  space.member_ids);
}

void Notices::SpacesClosed(const std::vector<std::string>& space_ids) {
  for (const auto& id : space_ids) {
    auto space = storage_.GetSpace(id);
    if (!space) {
      log::warn("closed space {} could not be read to announce it: {}", log::Safe(id),
                log::Safe(space.error().message));
      continue;
    }
    events_.Publish("room.closed", Dump({{"roomId", space->id}, {"title", space->title}}), space->member_ids);
  }
}

void Notices::MessageCreated(const storage::SpaceRecord& space, const std::string& message_id,
                             const std::optional<std::string>& sender_guest_id, const std::string& sender_name,
                             const std::string& preview) {
  nlohmann::json data = {{"roomId", space.id},
                         {"messageId", message_id},
                         {"title", space.title},
                         {"senderName", sender_name},
                         {"preview", preview}};
  // Lets a page tell its own messages from others' (no toast for what you wrote in another tab).
  if (sender_guest_id) data["senderGuestId"] = *sender_guest_id;
  events_.Publish("message.created", Dump(data), space.member_ids);
}

void Notices::GuestSessionsEnded(const std::string& guest_id, const std::string& reason) {
  events_.EndGuest(guest_id, reason);
}

void Notices::SessionEnded(const std::string& session_key, const std::string& reason) {
  events_.EndSession(session_key, reason);
}

}  // namespace gp::service
