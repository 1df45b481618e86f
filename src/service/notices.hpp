#pragma once
// What guests are told as it happens (SPEC §5 events): a space opened or closed, a message posted,
// a session ended. Each event goes to the members of its space only. Safe to call from any thread
// (the policy and guest services call it on the pool).

#include <optional>
#include <string>
#include <vector>

#include "service/events.hpp"
#include "storage/storage.hpp"

namespace gp::service {

class Notices {
 public:
  Notices(storage::Storage& storage, Events& events) : storage_(storage), events_(events) {}

  // room.created {roomId, title}
  void SpaceCreated(const storage::SpaceRecord& space);
  // room.closed {roomId, title} for each space (read back for its title and members).
  void SpacesClosed(const std::vector<std::string>& space_ids);
  // message.created {roomId, messageId, title, senderName, senderGuestId?, preview}
  void MessageCreated(const storage::SpaceRecord& space, const std::string& message_id,
                      const std::optional<std::string>& sender_guest_id, const std::string& sender_name,
                      const std::string& preview);
  // meeting.started {roomId, leaseId, startedBy, startedByName}; meeting.ended {roomId, leaseId, reason}.
  void MeetingStarted(const storage::SpaceRecord& space, const std::string& lease_id, const std::string& guest_id);
  void MeetingEnded(const storage::SpaceRecord& space, const std::string& lease_id, const std::string& reason);
  // Ends the guest's streams (reason: disabled, removed, password_changed) or one session's (signed_out).
  void GuestSessionsEnded(const std::string& guest_id, const std::string& reason);
  void SessionEnded(const std::string& session_key, const std::string& reason);

  Events& events() { return events_; }

 private:
  storage::Storage& storage_;
  Events& events_;
};

}  // namespace gp::service
