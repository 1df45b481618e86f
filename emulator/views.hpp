#pragma once
// Webex JSON shapes of the model's objects (webex-api.md §7–§11, §12). Optional fields are
// omitted, never null. All of these require the state lock.

#include <string>

#include "emulator/call.hpp"

namespace gp::emulator {

Json PersonJson(const State& state, const Person& person);
// `viewer` decides a direct room's title (the other person's name).
Json RoomJson(State& state, const Room& room, const Uuid& viewer);
Json MembershipJson(State& state, const Room& room, const Member& member);
// `origin` ("http://host:port") makes file URLs absolute.
Json MessageJson(State& state, const Room& room, const Message& message, const std::string& origin);
// The webhook `data` of a message: no text, markdown or files.
Json MessageEventData(State& state, const Room& room, const Message& message);
Json WebhookJson(const State& state, const Webhook& webhook);
Json MeetingJson(State& state, const Meeting& meeting);
// Meeting ids are 32 hex digits, as Webex's are.
std::string MeetingId(const Uuid& uuid);
std::optional<Uuid> ParseMeetingId(std::string_view id);
std::string ContentUrl(const std::string& origin, const Uuid& content);

}  // namespace gp::emulator
