#pragma once
// /v1/rooms and /v1/memberships (webex-api.md §8, §9, §14.4–§14.7), plus the room operations
// that messages (direct rooms) and meetings share.

#include <vector>

#include "emulator/call.hpp"

namespace gp::emulator {

http::Response CreateRoom(Call& call);
http::Response ListRooms(Call& call);
http::Response GetRoom(Call& call);
http::Response UpdateRoom(Call& call);
http::Response DeleteRoom(Call& call);

http::Response CreateMembership(Call& call);
http::Response ListMemberships(Call& call);
http::Response GetMembership(Call& call);
http::Response UpdateMembership(Call& call);
http::Response DeleteMembership(Call& call);

// The room's members, the people its events are told to.
std::vector<Uuid> Audience(const Room& room);
// Creates a room with its first members and reports rooms/memberships "created" (requires the
// lock).
Room& NewRoom(Call& call, std::string title, bool direct, bool locked,
              const std::vector<Uuid>& members);
// The 404 a non-member gets for a room, whether or not it exists.
http::Response RoomNotFound(const Call& call);

}  // namespace gp::emulator
