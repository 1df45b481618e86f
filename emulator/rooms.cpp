#include "emulator/rooms.hpp"

#include <algorithm>

#include "emulator/errors.hpp"
#include "emulator/meetings.hpp"
#include "emulator/views.hpp"
#include "emulator/webhooks.hpp"

namespace gp::emulator {
namespace {

constexpr std::size_t kMaxTitle = 1024;

void EmitMembership(Call& call, const Room& room, const Member& member, const std::string& event,
                    std::vector<Uuid> audience) {
  Emit(call, Event{"memberships", event, call.caller.person,
                   MembershipJson(call.state, room, member), std::move(audience)});
}

Room* VisibleRoom(Call& call, const std::string& id_text) {
  auto id = DecodeId("ROOM", id_text);
  return id ? call.state.RoomForMember(*id, call.caller.person) : nullptr;
}

void RemoveMember(Call& call, Room& room, const Uuid& person_id) {
  std::vector<Uuid> audience = Audience(room);
  auto it = std::find_if(room.members.begin(), room.members.end(),
                         [&](const Member& m) { return m.person == person_id; });
  if (it == room.members.end()) return;
  Member removed = *it;
  room.members.erase(it);
  if (Person* person = call.state.FindPerson(person_id)) person->rooms.erase(room.id);
  // Webex reports membership deletions in group rooms only.
  if (!room.direct) EmitMembership(call, room, removed, "deleted", std::move(audience));
}

void DestroyRoom(Call& call, Room& room) {
  if (!room.live_meeting.IsNil()) EndMeeting(call, room.live_meeting);
  for (const auto& member : room.members) {
    if (Person* person = call.state.FindPerson(member.person)) person->rooms.erase(room.id);
  }
  for (const auto& message : room.messages) {
    call.state.message_index.erase(message.id);
    if (!message.content.IsNil()) call.state.contents.erase(message.content);
  }
  if (room.direct && room.members.size() == 2) {
    call.state.direct_rooms.erase(DirectKey(room.members[0].person, room.members[1].person));
  } else if (room.direct) {
    std::erase_if(call.state.direct_rooms,
                  [&](const auto& entry) { return entry.second == room.id; });
  }
  Uuid id = room.id;
  std::erase(call.state.rooms_order, id);
  call.state.rooms.erase(id);
}

// The person named by personId or personEmail in a JSON body.
Result<Person*> TargetPerson(Call& call, const Json& body) {
  auto person_id = OptString(body, "personId");
  if (!person_id) return tl::unexpected(person_id.error());
  auto person_email = OptString(body, "personEmail");
  if (!person_email) return tl::unexpected(person_email.error());
  if (*person_id) {
    auto id = DecodeId("PEOPLE", **person_id);
    if (!id) return Fail(ErrorCode::kBadRequest, "Invalid personId.");
    Person* person = call.state.FindPerson(*id);
    if (!person) return Fail(ErrorCode::kNotFound, "Person not found.");
    return person;
  }
  if (*person_email) {
    Person* person = call.state.FindPersonByEmail(**person_email);
    if (!person) return Fail(ErrorCode::kNotFound, "Person not found.");
    return person;
  }
  return Fail(ErrorCode::kBadRequest, "personId or personEmail is required.");
}

}  // namespace

std::vector<Uuid> Audience(const Room& room) {
  std::vector<Uuid> people;
  people.reserve(room.members.size());
  for (const auto& member : room.members) people.push_back(member.person);
  return people;
}

http::Response RoomNotFound(const Call& call) {
  return call.Fail(ErrorCode::kNotFound, std::string(kRoomNotFoundMessage));
}

Room& NewRoom(Call& call, std::string title, bool direct, bool locked,
              const std::vector<Uuid>& members) {
  State& state = call.state;
  Room room;
  room.id = NewUuid();
  room.title = std::move(title);
  room.direct = direct;
  room.locked = locked;
  room.creator = call.caller.person;
  room.created = state.Now();
  room.last_activity = room.created;
  room.created_seq = state.NextSeq();
  room.activity_seq = room.created_seq;
  for (const Uuid& person_id : members) {
    room.members.push_back(
        Member{person_id, locked && person_id == call.caller.person, false, room.created});
    if (Person* person = state.FindPerson(person_id)) person->rooms.insert(room.id);
  }
  state.rooms_order.push_back(room.id);
  Room& stored = state.rooms.emplace(room.id, std::move(room)).first->second;
  std::vector<Uuid> audience = Audience(stored);
  Emit(call, Event{"rooms", "created", call.caller.person,
                   RoomJson(state, stored, call.caller.person), audience});
  for (const auto& member : stored.members)
    EmitMembership(call, stored, member, "created", audience);
  return stored;
}

// The fields POST and PUT /rooms share; `title` is required by both.
struct RoomFields {
  std::string title;
  std::optional<bool> locked;
  std::optional<std::string> description;
  std::optional<bool> announcement;
};

Result<RoomFields> ReadRoomFields(const http::Request& request) {
  auto body = JsonBody(request);
  if (!body) return tl::unexpected(body.error());
  auto title = ReqString(*body, "title");
  if (!title) return Fail(ErrorCode::kBadRequest, "title is required and must not be empty.");
  if (title->size() > kMaxTitle) return Fail(ErrorCode::kBadRequest, "title is too long.");
  auto locked = OptBool(*body, "isLocked");
  if (!locked) return tl::unexpected(locked.error());
  auto description = OptString(*body, "description");
  if (!description) return tl::unexpected(description.error());
  auto announcement = OptBool(*body, "isAnnouncementOnly");
  if (!announcement) return tl::unexpected(announcement.error());
  return RoomFields{*title, *locked, *description, *announcement};
}

http::Response CreateRoom(Call& call) {
  auto fields = ReadRoomFields(call.request);
  if (!fields) return call.Fail(fields.error());
  if (fields->announcement.value_or(false) && !fields->locked.value_or(false)) {
    return call.Fail(ErrorCode::kBadRequest, "isAnnouncementOnly requires isLocked.");
  }
  auto lock = call.state.Lock();
  Room& room = NewRoom(call, fields->title, false, fields->locked.value_or(false), {call.caller.person});
  room.description = fields->description.value_or("");
  room.announcement_only = fields->announcement.value_or(false);
  return call.Ok(RoomJson(call.state, room, call.caller.person));
}

http::Response ListRooms(Call& call) {
  auto page = ParsePage(call.request, 100, 1000);
  if (!page) return call.Fail(page.error());
  std::string type = call.request.Query("type").value_or("");
  if (!type.empty() && type != "direct" && type != "group") {
    return call.Fail(ErrorCode::kBadRequest, "type must be direct or group.");
  }
  std::string sort = call.request.Query("sortBy").value_or("lastactivity");
  if (sort != "id" && sort != "lastactivity" && sort != "created") {
    return call.Fail(ErrorCode::kBadRequest, "sortBy must be id, lastactivity or created.");
  }
  bool team = call.request.Query("teamId").has_value();
  auto lock = call.state.Lock();
  std::vector<const Room*> rooms;
  if (const Person* me = call.state.FindPerson(call.caller.person); me && !team) {
    rooms.reserve(me->rooms.size());
    for (const Uuid& id : me->rooms) {
      const Room* room = call.state.FindRoom(id);
      if (!room) continue;
      if (type == "direct" && !room->direct) continue;
      if (type == "group" && room->direct) continue;
      rooms.push_back(room);
    }
  }
  if (sort == "id") {
    std::sort(rooms.begin(), rooms.end(),
              [](const Room* a, const Room* b) { return a->id < b->id; });
  } else if (sort == "created") {
    std::sort(rooms.begin(), rooms.end(), [](const Room* a, const Room* b) {
      return std::tie(a->created, a->created_seq) > std::tie(b->created, b->created_seq);
    });
  } else {
    std::sort(rooms.begin(), rooms.end(), [](const Room* a, const Room* b) {
      return std::tie(a->last_activity, a->activity_seq) >
             std::tie(b->last_activity, b->activity_seq);
    });
  }
  Json items = Json::array();
  std::size_t end = std::min(rooms.size(), page->offset + page->max);
  for (std::size_t i = std::min(page->offset, rooms.size()); i < end; ++i) {
    items.push_back(RoomJson(call.state, *rooms[i], call.caller.person));
  }
  auto response = call.Ok(Json{{"items", std::move(items)}});
  if (end < rooms.size()) SetNextLink(response, NextUrl(call, "cursor", std::to_string(end)));
  return response;
}

http::Response GetRoom(Call& call) {
  auto lock = call.state.Lock();
  Room* room = VisibleRoom(call, call.request.PathParam("roomId").value_or(""));
  if (!room) return RoomNotFound(call);
  return call.Ok(RoomJson(call.state, *room, call.caller.person));
}

http::Response UpdateRoom(Call& call) {
  auto fields = ReadRoomFields(call.request);
  if (!fields) return call.Fail(fields.error());

  auto lock = call.state.Lock();
  Room* room = VisibleRoom(call, call.request.PathParam("roomId").value_or(""));
  if (!room) return RoomNotFound(call);
  Member* me = room->FindMember(call.caller.person);
  if (room->locked && !me->moderator)
    return call.Fail(ErrorCode::kForbidden, "Only moderators may change a locked room.");
  if (room->direct && fields->title != room->title) {
    return call.Fail(ErrorCode::kBadRequest, "A direct room cannot be renamed.");
  }
  bool will_lock = fields->locked.value_or(room->locked);
  if (fields->announcement.value_or(false) && !will_lock) {
    return call.Fail(ErrorCode::kBadRequest, "isAnnouncementOnly requires isLocked.");
  }
  if (!room->direct) room->title = fields->title;
  if (fields->description) room->description = *fields->description;
  if (will_lock && !room->locked) me->moderator = true;  // whoever locks a room moderates it
  room->locked = will_lock;
  room->announcement_only = will_lock && fields->announcement.value_or(room->announcement_only);
  Emit(call, Event{"rooms", "updated", call.caller.person,
                   RoomJson(call.state, *room, call.caller.person), Audience(*room)});
  return call.Ok(RoomJson(call.state, *room, call.caller.person));
}

http::Response DeleteRoom(Call& call) {
  auto lock = call.state.Lock();
  Room* room = VisibleRoom(call, call.request.PathParam("roomId").value_or(""));
  if (!room) return RoomNotFound(call);
  const Member* me = room->FindMember(call.caller.person);
  if (room->locked && !me->moderator) {
    // A non-moderator's delete of a locked room only removes them from it.
    RemoveMember(call, *room, call.caller.person);
  } else {
    DestroyRoom(call, *room);
  }
  return call.NoContent();
}

// --- memberships ---------------------------------------------------------------------------------

http::Response CreateMembership(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto room_id = ReqString(*body, "roomId");
  if (!room_id) return call.Fail(room_id.error());
  auto moderator = OptBool(*body, "isModerator");
  if (!moderator) return call.Fail(moderator.error());

  auto lock = call.state.Lock();
  Room* room = VisibleRoom(call, *room_id);
  if (!room) return RoomNotFound(call);
  auto person = TargetPerson(call, *body);
  if (!person) return call.Fail(person.error());
  if (room->direct)
    return call.Fail(ErrorCode::kBadRequest, "Members cannot be added to a direct room.");
  const Member* me = room->FindMember(call.caller.person);
  if (room->locked && !me->moderator) {
    return call.Fail(ErrorCode::kForbidden, "Only moderators may add people to a locked room.");
  }
  if (room->IsMember((*person)->id))
    return call.Fail(ErrorCode::kConflict, "Person is already in the room.");
  room->members.push_back(
      Member{(*person)->id, moderator->value_or(false), false, call.state.Now()});
  (*person)->rooms.insert(room->id);
  const Member& added = room->members.back();
  EmitMembership(call, *room, added, "created", Audience(*room));
  return call.Ok(MembershipJson(call.state, *room, added));
}

http::Response ListMemberships(Call& call) {
  auto page = ParsePage(call.request, 100, 1000);
  if (!page) return call.Fail(page.error());
  auto room_id = call.request.Query("roomId");
  auto person_id = call.request.Query("personId");
  auto person_email = call.request.Query("personEmail");
  if (!room_id && (person_id || person_email)) {
    return call.Fail(ErrorCode::kBadRequest, "personId and personEmail filters require roomId.");
  }
  std::vector<Json> items;
  auto lock = call.state.Lock();
  if (room_id) {
    Room* room = VisibleRoom(call, *room_id);
    if (!room) return RoomNotFound(call);
    std::optional<Uuid> wanted_id = person_id ? DecodeId("PEOPLE", *person_id) : std::nullopt;
    if (person_id && !wanted_id) return call.Fail(ErrorCode::kBadRequest, "Invalid personId.");
    for (const auto& member : room->members) {
      if (wanted_id && member.person != *wanted_id) continue;
      if (person_email) {
        const Person* person = call.state.FindPerson(member.person);
        if (!person || !EqualsIgnoreCase(person->email, *person_email)) continue;
      }
      items.push_back(MembershipJson(call.state, *room, member));
    }
  } else if (const Person* me = call.state.FindPerson(call.caller.person)) {
    std::vector<Room*> rooms;
    for (const Uuid& id : me->rooms) {
      if (Room* room = call.state.FindRoom(id)) rooms.push_back(room);
    }
    std::sort(rooms.begin(), rooms.end(),
              [](const Room* a, const Room* b) { return a->created_seq > b->created_seq; });
    for (Room* room : rooms) {
      if (const Member* member = room->FindMember(me->id))
        items.push_back(MembershipJson(call.state, *room, *member));
    }
  }
  return PagedList(call, items, *page);
}

namespace {

struct MembershipTarget {
  Room* room = nullptr;
  Member* member = nullptr;
};

// The membership named in the path, if the caller can see its room.
std::optional<MembershipTarget> FindMembership(Call& call) {
  auto ids = DecodeMembershipId(call.request.PathParam("membershipId").value_or(""));
  if (!ids) return std::nullopt;
  Room* room = call.state.RoomForMember(ids->second, call.caller.person);
  if (!room) return std::nullopt;
  Member* member = room->FindMember(ids->first);
  if (!member) return std::nullopt;
  return MembershipTarget{room, member};
}

}  // namespace

http::Response GetMembership(Call& call) {
  auto lock = call.state.Lock();
  auto target = FindMembership(call);
  if (!target) return call.Fail(ErrorCode::kNotFound, "Membership not found.");
  return call.Ok(MembershipJson(call.state, *target->room, *target->member));
}

http::Response UpdateMembership(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto moderator = OptBool(*body, "isModerator");
  if (!moderator) return call.Fail(moderator.error());
  auto hidden = OptBool(*body, "isRoomHidden");
  if (!hidden) return call.Fail(hidden.error());
  auto lock = call.state.Lock();
  auto target = FindMembership(call);
  if (!target) return call.Fail(ErrorCode::kNotFound, "Membership not found.");
  Member* me = target->room->FindMember(call.caller.person);
  if (*moderator && **moderator != target->member->moderator && target->room->locked &&
      !me->moderator) {
    return call.Fail(ErrorCode::kForbidden,
                     "Only moderators may change moderators of a locked room.");
  }
  if (*hidden && **hidden != target->member->hidden &&
      target->member->person != call.caller.person) {
    return call.Fail(ErrorCode::kForbidden, "Only the member may hide a room for themselves.");
  }
  if (*moderator) target->member->moderator = **moderator;
  if (*hidden) target->member->hidden = **hidden;
  EmitMembership(call, *target->room, *target->member, "updated", Audience(*target->room));
  return call.Ok(MembershipJson(call.state, *target->room, *target->member));
}

http::Response DeleteMembership(Call& call) {
  auto lock = call.state.Lock();
  auto target = FindMembership(call);
  if (!target) return call.Fail(ErrorCode::kNotFound, "Membership not found.");
  Room& room = *target->room;
  bool self = target->member->person == call.caller.person;
  if (room.direct)
    return call.Fail(ErrorCode::kBadRequest, "Members cannot be removed from a direct room.");
  if (!self && room.locked && !room.FindMember(call.caller.person)->moderator) {
    return call.Fail(ErrorCode::kForbidden,
                     "Only moderators may remove people from a locked room.");
  }
  RemoveMember(call, room, target->member->person);
  return call.NoContent();
}

}  // namespace gp::emulator
