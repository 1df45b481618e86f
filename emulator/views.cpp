#include "emulator/views.hpp"

#include "emulator/clock.hpp"

namespace gp::emulator {

namespace {

std::string PersonEmail(State& state, const Uuid& id) {
  const Person* person = state.FindPerson(id);
  return person ? person->email : std::string();
}

}  // namespace

Json PersonJson(const State& state, const Person& person) {
  std::string first = person.display_name;
  std::string last;
  if (auto space = person.display_name.find(' '); space != std::string::npos) {
    first = person.display_name.substr(0, space);
    last = person.display_name.substr(space + 1);
  }
  std::string created = FormatIso(person.created);
  Json json = {{"id", EncodeId("PEOPLE", person.id)},
               {"emails", Json::array({person.email})},
               {"phoneNumbers", Json::array()},
               {"displayName", person.display_name},
               {"nickName", first},
               {"firstName", first},
               {"lastName", last},
               {"orgId", EncodeId("ORGANIZATION", state.org())},
               {"created", created},
               {"lastModified", created},
               {"type", person.guest ? "appuser" : "person"}};
  return json;
}

Json RoomJson(State& state, const Room& room, const Uuid& viewer) {
  std::string title = room.title;
  if (room.direct) {
    for (const auto& member : room.members) {
      if (member.person == viewer) continue;
      if (const Person* other = state.FindPerson(member.person)) title = other->display_name;
    }
  }
  Json json = {{"id", EncodeId("ROOM", room.id)},
               {"title", title},
               {"type", room.direct ? "direct" : "group"},
               {"isLocked", room.locked},
               {"lastActivity", FormatIso(room.last_activity)},
               {"creatorId", EncodeId("PEOPLE", room.creator)},
               {"created", FormatIso(room.created)},
               {"ownerId", EncodeId("ORGANIZATION", state.org())},
               {"isAnnouncementOnly", room.announcement_only},
               {"isReadOnly", false},
               {"isPublic", false}};
  if (!room.description.empty()) json["description"] = room.description;
  return json;
}

Json MembershipJson(State& state, const Room& room, const Member& member) {
  const Person* person = state.FindPerson(member.person);
  Json json = {{"id", EncodeMembershipId(member.person, room.id)},
               {"roomId", EncodeId("ROOM", room.id)},
               {"personId", EncodeId("PEOPLE", member.person)},
               {"personEmail", person ? person->email : std::string()},
               {"personDisplayName", person ? person->display_name : std::string()},
               {"personOrgId", EncodeId("ORGANIZATION", state.org())},
               {"isModerator", member.moderator},
               {"isMonitor", false},
               {"isRoomHidden", member.hidden},
               {"roomType", room.direct ? "direct" : "group"},
               {"created", FormatIso(member.created)}};
  return json;
}

std::string MeetingId(const Uuid& uuid) {
  std::string hex = ToString(uuid);
  std::erase(hex, '-');
  return hex;
}

std::optional<Uuid> ParseMeetingId(std::string_view id) {
  if (id.size() != 32) return std::nullopt;
  std::string canonical;
  canonical.append(id.substr(0, 8)).append("-").append(id.substr(8, 4)).append("-");
  canonical.append(id.substr(12, 4))
      .append("-")
      .append(id.substr(16, 4))
      .append("-")
      .append(id.substr(20));
  return ParseUuid(canonical);
}

std::string ContentUrl(const std::string& origin, const Uuid& content) {
  return origin + "/v1/contents/" + EncodeId("CONTENT", content);
}

Json MessageJson(State& state, const Room& room, const Message& message,
                 const std::string& origin) {
  Json json = {{"id", EncodeId("MESSAGE", message.id)},
               {"roomId", EncodeId("ROOM", room.id)},
               {"roomType", room.direct ? "direct" : "group"}};
  if (!message.parent.IsNil()) json["parentId"] = EncodeId("MESSAGE", message.parent);
  if (!message.text.empty()) json["text"] = message.text;
  if (!message.markdown.empty()) json["markdown"] = message.markdown;
  if (!message.content.IsNil()) json["files"] = Json::array({ContentUrl(origin, message.content)});
  json["personId"] = EncodeId("PEOPLE", message.person);
  json["personEmail"] = PersonEmail(state, message.person);
  json["created"] = FormatIso(message.created);
  return json;
}

Json MessageEventData(State& state, const Room& room, const Message& message) {
  Json json = {{"id", EncodeId("MESSAGE", message.id)},
               {"roomId", EncodeId("ROOM", room.id)},
               {"roomType", room.direct ? "direct" : "group"},
               {"personId", EncodeId("PEOPLE", message.person)},
               {"personEmail", PersonEmail(state, message.person)},
               {"created", FormatIso(message.created)}};
  if (!message.parent.IsNil()) json["parentId"] = EncodeId("MESSAGE", message.parent);
  return json;
}

Json WebhookJson(const State& state, const Webhook& webhook) {
  Json json = {{"id", EncodeId("WEBHOOK", webhook.id)},
               {"name", webhook.name},
               {"targetUrl", webhook.target_url},
               {"resource", webhook.resource},
               {"event", webhook.event}};
  if (!webhook.filter.empty()) json["filter"] = webhook.filter;
  if (!webhook.secret.empty()) json["secret"] = webhook.secret;
  json["status"] = webhook.active ? "active" : "inactive";
  json["created"] = FormatIso(webhook.created);
  json["ownedBy"] = "creator";
  json["orgId"] = EncodeId("ORGANIZATION", state.org());
  json["createdBy"] = EncodeId("PEOPLE", webhook.owner);
  json["appId"] = EncodeId("APPLICATION", state.app());
  return json;
}

Json MeetingJson(State& state, const Meeting& meeting) {
  const Person* host = state.FindPerson(meeting.host);
  const Room* room = state.FindRoom(meeting.room);
  std::string site = "emulator.webex.com";
  Json json = {
      {"id", MeetingId(meeting.id)},
      {"meetingNumber", meeting.number},
      {"title", room ? (room->direct && host ? host->display_name + "'s meeting" : room->title)
                     : std::string("Meeting")},
      {"password", meeting.password},
      {"meetingType", "meeting"},
      {"scheduledType", "meeting"},
      {"state", meeting.ended ? "ended" : "inProgress"},
      {"start", FormatIso(meeting.start)},
      {"end", FormatIso(meeting.end)},
      {"hostUserId", EncodeId("PEOPLE", meeting.host)},
      {"hostDisplayName", host ? host->display_name : std::string()},
      {"hostEmail", host ? host->email : std::string()},
      {"hostKey", meeting.host_key},
      {"siteUrl", site},
      {"webLink", "https://" + site + "/meet/" + meeting.number},
      {"sipAddress", meeting.number + "@" + site},
      {"roomId", EncodeId("ROOM", meeting.room)},
      {"enabledJoinBeforeHost", true},
      {"publicMeeting", false}};
  return json;
}

}  // namespace gp::emulator
