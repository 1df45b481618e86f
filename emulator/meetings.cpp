#include "emulator/meetings.hpp"

#include "core/crypto.hpp"
#include "emulator/errors.hpp"
#include "emulator/rooms.hpp"
#include "emulator/views.hpp"
#include "emulator/webhooks.hpp"

namespace gp::emulator {
namespace {

constexpr int64_t kAdHocDurationMs = 60 * 60 * 1000;
constexpr int64_t kJoinLinkLifetimeMs = 15 * 60 * 1000;

std::string RandomDigits(std::size_t count) {
  std::string bytes = crypto::RandomBytes(count);
  std::string digits;
  for (unsigned char b : bytes) digits.push_back(static_cast<char>('0' + b % 10));
  return digits;
}

std::string RandomPassword() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string bytes = crypto::RandomBytes(10);
  std::string password;
  for (unsigned char b : bytes) password.push_back(kAlphabet[b % (sizeof kAlphabet - 1)]);
  return password;
}

Json EventData(State& state, const Meeting& meeting) {
  const Person* host = state.FindPerson(meeting.host);
  return Json{{"id", MeetingId(meeting.id)},
              {"roomId", EncodeId("ROOM", meeting.room)},
              {"meetingNumber", meeting.number},
              {"meetingType", "meeting"},
              {"state", meeting.ended ? "ended" : "inProgress"},
              {"hostUserId", EncodeId("PEOPLE", meeting.host)},
              {"hostEmail", host ? host->email : std::string()},
              {"start", FormatIso(meeting.start)},
              {"end", FormatIso(meeting.end)}};
}

std::vector<Uuid> MeetingAudience(State& state, const Meeting& meeting) {
  std::vector<Uuid> audience;
  if (const Room* room = state.FindRoom(meeting.room)) audience = Audience(*room);
  audience.push_back(meeting.host);
  return audience;
}

// The meeting if the caller hosts it or belongs to its room.
Meeting* VisibleMeeting(Call& call, const Uuid& id) {
  auto it = call.state.meetings.find(id);
  if (it == call.state.meetings.end()) return nullptr;
  Meeting& meeting = it->second;
  if (meeting.host == call.caller.person ||
      call.state.RoomForMember(meeting.room, call.caller.person))
    return &meeting;
  return nullptr;
}

}  // namespace

http::Response CreateMeeting(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto room_id = ReqString(*body, "roomId");
  if (!room_id) {
    return call.Fail(ErrorCode::kBadRequest,
                     "roomId is required: the emulator creates ad hoc space meetings only.");
  }
  auto adhoc = OptBool(*body, "adhoc");
  if (!adhoc) return call.Fail(adhoc.error());
  if (!adhoc->value_or(false))
    return call.Fail(ErrorCode::kBadRequest, "adhoc must be true when roomId is given.");

  auto lock = call.state.Lock();
  State& state = call.state;
  auto id = DecodeId("ROOM", *room_id);
  Room* room = id ? state.RoomForMember(*id, call.caller.person) : nullptr;
  if (!room) return RoomNotFound(call);
  const Person* me = state.FindPerson(call.caller.person);
  if (!me || me->guest || !me->licensed) {
    return call.Fail(ErrorCode::kForbidden, "Creating a meeting requires a licensed host.");
  }
  if (!room->live_meeting.IsNil()) {
    auto it = state.meetings.find(room->live_meeting);
    if (it != state.meetings.end() && !it->second.ended)
      return call.Ok(MeetingJson(state, it->second));
  }
  Meeting meeting;
  meeting.id = NewUuid();
  meeting.number = "2" + RandomDigits(9);
  meeting.password = RandomPassword();
  meeting.host_key = RandomDigits(6);
  meeting.room = room->id;
  meeting.host = me->id;
  meeting.start = state.Now();
  meeting.end = meeting.start + kAdHocDurationMs;
  room->live_meeting = meeting.id;
  state.meetings_order.push_back(meeting.id);
  Meeting& stored = state.meetings.emplace(meeting.id, std::move(meeting)).first->second;
  Emit(call, Event{"meetings", "started", me->id, EventData(state, stored),
                   MeetingAudience(state, stored)});
  return call.Ok(MeetingJson(state, stored));
}

http::Response GetMeeting(Call& call) {
  auto id = ParseMeetingId(call.request.PathParam("meetingId").value_or(""));
  auto lock = call.state.Lock();
  Meeting* meeting = id ? VisibleMeeting(call, *id) : nullptr;
  if (!meeting) return call.Fail(ErrorCode::kNotFound, "Meeting not found.");
  return call.Ok(MeetingJson(call.state, *meeting));
}

http::Response JoinMeeting(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto meeting_id = OptString(*body, "meetingId");
  auto number = OptString(*body, "meetingNumber");
  auto web_link = OptString(*body, "webLink");
  if (!meeting_id || !number || !web_link)
    return call.Fail(ErrorCode::kBadRequest, "Invalid request body.");
  if (!*meeting_id && !*number && !*web_link) {
    return call.Fail(ErrorCode::kBadRequest,
                     "One of meetingId, meetingNumber or webLink is required.");
  }
  auto lock = call.state.Lock();
  State& state = call.state;
  Meeting* meeting = nullptr;
  if (*meeting_id) {
    if (auto id = ParseMeetingId(**meeting_id)) meeting = VisibleMeeting(call, *id);
  } else {
    for (const Uuid& id : state.meetings_order) {
      Meeting& candidate = state.meetings.at(id);
      if (candidate.ended) continue;
      bool match = *number
                       ? candidate.number == **number
                       : MeetingJson(state, candidate)["webLink"].get<std::string>() == **web_link;
      if (match) {
        meeting = VisibleMeeting(call, id);
        break;
      }
    }
  }
  if (!meeting || meeting->ended) return call.Fail(ErrorCode::kNotFound, "Meeting not found.");
  std::string base = "https://emulator.webex.com/wbxmjs/joinservice/sites/emulator/meeting/";
  std::string ticket = crypto::RandomToken(16);
  return call.Ok(Json{{"startLink", base + "start/" + MeetingId(meeting->id) + "?ticket=" + ticket},
                      {"joinLink", base + "join/" + MeetingId(meeting->id) + "?ticket=" + ticket},
                      {"expiration", FormatIso(state.Now() + kJoinLinkLifetimeMs)}});
}

http::Response EndMeetingByHost(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  // The reason is optional and kept nowhere: nothing in the API reads it back.
  if (auto reason = OptString(*body, "reason"); !reason) return call.Fail(reason.error());
  auto id = ParseMeetingId(call.request.PathParam("meetingId").value_or(""));
  auto lock = call.state.Lock();
  Meeting* meeting = id ? VisibleMeeting(call, *id) : nullptr;
  if (!meeting) return call.Fail(ErrorCode::kNotFound, "Meeting not found.");
  // There are no cohosts or compliance officers here, so the host is the only one who may end it.
  if (meeting->host != call.caller.person)
    return call.Fail(ErrorCode::kForbidden, "Only the meeting's host can end the meeting.");
  if (meeting->ended) return call.Fail(ErrorCode::kConflict, "The meeting has already ended.");
  EndMeeting(call, *id);
  return call.NoContent();
}

bool EndMeeting(Call& call, const Uuid& id) {
  State& state = call.state;
  auto it = state.meetings.find(id);
  if (it == state.meetings.end() || it->second.ended) return false;
  Meeting& meeting = it->second;
  meeting.ended = true;
  meeting.end = state.Now();
  if (Room* room = state.FindRoom(meeting.room); room && room->live_meeting == id)
    room->live_meeting = Uuid{};
  Emit(call, Event{"meetings", "ended", meeting.host, EventData(state, meeting),
                   MeetingAudience(state, meeting)});
  return true;
}

}  // namespace gp::emulator
