#include "emulator/messages.hpp"

#include <algorithm>

#include "core/encoding.hpp"
#include "emulator/errors.hpp"
#include "emulator/rooms.hpp"
#include "emulator/views.hpp"
#include "emulator/webhooks.hpp"
#include "http/multipart.hpp"

namespace gp::emulator {
namespace {

constexpr std::size_t kMaxTextBytes = 7439;
constexpr std::size_t kMaxFilename = 255;

struct NewMessage {
  std::optional<std::string> room_id;
  std::optional<std::string> to_person_id;
  std::optional<std::string> to_person_email;
  std::string text;
  std::string markdown;
  std::optional<std::string> parent_id;
  bool has_file = false;
  std::string file_name;
  std::string file_type;
  std::string file_bytes;
};

Result<NewMessage> FromJson(const Json& body) {
  NewMessage input;
  for (auto [key, target] :
       {std::pair{"roomId", &input.room_id}, std::pair{"toPersonId", &input.to_person_id},
        std::pair{"toPersonEmail", &input.to_person_email},
        std::pair{"parentId", &input.parent_id}}) {
    auto value = OptString(body, key);
    if (!value) return tl::unexpected(value.error());
    *target = *value;
  }
  auto text = OptString(body, "text");
  if (!text) return tl::unexpected(text.error());
  auto markdown = OptString(body, "markdown");
  if (!markdown) return tl::unexpected(markdown.error());
  input.text = text->value_or("");
  input.markdown = markdown->value_or("");
  if (auto files = body.find("files"); files != body.end() && !files->is_null()) {
    if (!files->is_array() || files->size() > 1 ||
        (files->size() == 1 && !(*files)[0].is_string())) {
      return Fail(ErrorCode::kBadRequest, "files must be an array of one URL.");
    }
    if (files->size() == 1) {
      return Fail(
          ErrorCode::kBadRequest,
          "The emulator cannot fetch files by URL; upload the file as multipart/form-data.");
    }
  }
  return input;
}

Result<NewMessage> FromMultipart(const http::Request& request) {
  auto parts = http::ParseMultipart(request.headers.Get("Content-Type").value_or(""), request.body);
  if (!parts) return tl::unexpected(parts.error());
  NewMessage input;
  for (auto& part : *parts) {
    if (part.name == "files") {
      if (input.has_file)
        return Fail(ErrorCode::kBadRequest, "Only one file may be attached to a message.");
      input.has_file = true;
      input.file_name = part.filename.empty() ? "file" : part.filename;
      // The name is echoed in a header: keep it to one safe line.
      std::erase_if(input.file_name, [](char c) {
        return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
      });
      if (input.file_name.size() > kMaxFilename) input.file_name.resize(kMaxFilename);
      input.file_type = part.content_type.empty() ? "application/octet-stream" : part.content_type;
      std::erase_if(input.file_type, [](char c) { return static_cast<unsigned char>(c) < 0x20; });
      input.file_bytes = std::string(part.body);
    } else if (part.name == "roomId") {
      input.room_id = part.body;
    } else if (part.name == "toPersonId") {
      input.to_person_id = part.body;
    } else if (part.name == "toPersonEmail") {
      input.to_person_email = part.body;
    } else if (part.name == "text") {
      input.text = part.body;
    } else if (part.name == "markdown") {
      input.markdown = part.body;
    } else if (part.name == "parentId") {
      input.parent_id = part.body;
    }
  }
  return input;
}

Result<NewMessage> ParseNewMessage(const http::Request& request) {
  if (request.MediaType() == "multipart/form-data") return FromMultipart(request);
  auto body = JsonBody(request);
  if (!body) return tl::unexpected(body.error());
  return FromJson(*body);
}

// Where a message goes: an existing room the caller is in, or the direct room with a person.
Result<Room*> Destination(Call& call, const NewMessage& input) {
  int destinations = input.room_id.has_value() + input.to_person_id.has_value() +
                     input.to_person_email.has_value();
  if (destinations != 1) {
    return Fail(ErrorCode::kBadRequest,
                "Exactly one of roomId, toPersonId or toPersonEmail is required.");
  }
  State& state = call.state;
  if (input.room_id) {
    auto id = DecodeId("ROOM", *input.room_id);
    Room* room = id ? state.RoomForMember(*id, call.caller.person) : nullptr;
    if (!room) return Fail(ErrorCode::kNotFound, std::string(kRoomNotFoundMessage));
    return room;
  }
  Person* other = nullptr;
  if (input.to_person_id) {
    auto id = DecodeId("PEOPLE", *input.to_person_id);
    if (!id) return Fail(ErrorCode::kBadRequest, "Invalid toPersonId.");
    other = state.FindPerson(*id);
  } else {
    other = state.FindPersonByEmail(*input.to_person_email);
  }
  if (!other) return Fail(ErrorCode::kNotFound, "Person not found.");
  const Person* me = state.FindPerson(call.caller.person);
  if (!me || other->id == me->id)
    return Fail(ErrorCode::kBadRequest, "Cannot send a direct message to yourself.");
  if (me->guest && other->guest && !state.config.g2g) {
    return Fail(ErrorCode::kForbidden,
                "Guests may not interact with other guests: the organization has no guest-to-guest "
                "licence.");
  }
  if (auto it = state.direct_rooms.find(DirectKey(me->id, other->id));
      it != state.direct_rooms.end()) {
    if (Room* room = state.FindRoom(it->second)) return room;
  }
  Room& room = NewRoom(call, "", true, false, {me->id, other->id});
  state.direct_rooms[DirectKey(me->id, other->id)] = room.id;
  return &room;
}

struct Located {
  Room* room = nullptr;
  Message* message = nullptr;
};

// A message the caller may see (a member of its room), or nothing.
std::optional<Located> FindMessage(Call& call, const std::string& id_text) {
  auto id = DecodeId("MESSAGE", id_text);
  if (!id) return std::nullopt;
  auto it = call.state.message_index.find(*id);
  if (it == call.state.message_index.end()) return std::nullopt;
  Room* room = call.state.RoomForMember(it->second.room, call.caller.person);
  if (!room || it->second.index >= room->messages.size()) return std::nullopt;
  Message& message = room->messages[it->second.index];
  if (message.deleted) return std::nullopt;
  return Located{room, &message};
}

// Lists a room's messages newest first, honouring before/beforeMessage/parentId/max.
http::Response ListRoomMessages(Call& call, Room* room) {
  auto page = ParsePage(call.request, 50, 1000);
  if (!page) return call.Fail(page.error());
  std::size_t end = room ? room->messages.size() : 0;
  if (auto before_message = call.request.Query("beforeMessage")) {
    auto id = DecodeId("MESSAGE", *before_message);
    auto it = id ? call.state.message_index.find(*id) : call.state.message_index.end();
    if (it == call.state.message_index.end() || !room || it->second.room != room->id) {
      return call.Fail(ErrorCode::kBadRequest, "beforeMessage is not a message of this room.");
    }
    end = it->second.index;
  }
  std::optional<int64_t> before;
  if (auto text = call.request.Query("before")) {
    before = ParseIso(*text);
    if (!before) return call.Fail(ErrorCode::kBadRequest, "before must be an ISO 8601 time.");
  }
  std::optional<Uuid> parent;
  if (auto text = call.request.Query("parentId")) {
    parent = DecodeId("MESSAGE", *text);
    if (!parent) return call.Fail(ErrorCode::kBadRequest, "Invalid parentId.");
  }
  // Mentions are not modelled, so a mentionedPeople query matches nothing.
  bool mentions = call.request.Query("mentionedPeople").has_value();
  Json items = Json::array();
  std::string origin = call.Origin();
  const Message* last = nullptr;
  bool more = false;
  for (std::size_t i = end; room && !mentions && i-- > 0;) {
    const Message& message = room->messages[i];
    if (message.deleted) continue;
    if (before && message.created >= *before) continue;
    if (parent && message.parent != *parent) continue;
    if (items.size() == page->max) {
      more = true;
      break;
    }
    items.push_back(MessageJson(call.state, *room, message, origin));
    last = &message;
  }
  auto response = call.Ok(Json{{"items", std::move(items)}});
  if (more && last) {
    Params params;
    for (const auto& [key, value] : call.request.QueryParams()) {
      if (key != "beforeMessage" && key != "before") params.emplace_back(key, value);
    }
    params.emplace_back("beforeMessage", EncodeId("MESSAGE", last->id));
    SetNextLink(response, origin + call.request.path + "?" + EncodeParams(params));
  }
  return response;
}

Result<void> CheckText(const std::string& text, const std::string& markdown) {
  if (text.size() > kMaxTextBytes || markdown.size() > kMaxTextBytes) {
    return Fail(ErrorCode::kBadRequest, "text and markdown are limited to 7439 bytes.");
  }
  return {};
}

}  // namespace

http::Response CreateMessage(Call& call) {
  auto input = ParseNewMessage(call.request);
  if (!input) return call.Fail(input.error());
  if (input->text.empty() && input->markdown.empty() && !input->has_file) {
    return call.Fail(ErrorCode::kBadRequest, "text, markdown or a file is required.");
  }
  if (auto ok = CheckText(input->text, input->markdown); !ok) return call.Fail(ok.error());

  auto lock = call.state.Lock();
  State& state = call.state;
  std::optional<Uuid> parent;
  if (input->parent_id) {
    parent = DecodeId("MESSAGE", *input->parent_id);
    if (!parent) return call.Fail(ErrorCode::kBadRequest, "Invalid parentId.");
  }
  auto room_or = Destination(call, *input);
  if (!room_or) return call.Fail(room_or.error());
  Room& room = **room_or;
  if (parent) {
    auto it = state.message_index.find(*parent);
    if (it == state.message_index.end() || it->second.room != room.id) {
      return call.Fail(ErrorCode::kBadRequest, "parentId is not a message of this room.");
    }
  }
  if (room.announcement_only && !room.FindMember(call.caller.person)->moderator) {
    return call.Fail(ErrorCode::kForbidden,
                     "Only moderators may post in an announcement-only room.");
  }
  Message message;
  message.id = NewUuid();
  message.person = call.caller.person;
  message.parent = parent.value_or(Uuid{});
  message.created = state.Now();
  message.text = std::move(input->text);
  message.markdown = std::move(input->markdown);
  if (input->has_file) {
    message.content = NewUuid();
    state.contents[message.content] =
        Content{room.id, std::move(input->file_name), std::move(input->file_type),
                std::move(input->file_bytes)};
  }
  room.messages.push_back(std::move(message));
  const Message& stored = room.messages.back();
  state.message_index[stored.id] =
      MessageRef{room.id, static_cast<uint32_t>(room.messages.size() - 1)};
  state.Touch(room, stored.created);
  Emit(call, Event{"messages", "created", call.caller.person, MessageEventData(state, room, stored),
                   Audience(room), !stored.content.IsNil()});
  Json json = MessageJson(state, room, stored, call.Origin());
  if (input->to_person_id) json["toPersonId"] = *input->to_person_id;
  if (input->to_person_email) json["toPersonEmail"] = *input->to_person_email;
  return call.Ok(json);
}

http::Response ListMessages(Call& call) {
  auto room_id = call.request.Query("roomId");
  if (!room_id) return call.Fail(ErrorCode::kBadRequest, "roomId is required.");
  auto lock = call.state.Lock();
  auto id = DecodeId("ROOM", *room_id);
  Room* room = id ? call.state.RoomForMember(*id, call.caller.person) : nullptr;
  if (!room) return RoomNotFound(call);
  return ListRoomMessages(call, room);
}

http::Response ListDirectMessages(Call& call) {
  auto person_id = call.request.Query("personId");
  auto person_email = call.request.Query("personEmail");
  if (!person_id == !person_email)
    return call.Fail(ErrorCode::kBadRequest, "One of personId or personEmail is required.");
  auto lock = call.state.Lock();
  const Person* other = nullptr;
  if (person_id) {
    auto id = DecodeId("PEOPLE", *person_id);
    if (!id) return call.Fail(ErrorCode::kBadRequest, "Invalid personId.");
    other = call.state.FindPerson(*id);
  } else {
    other = call.state.FindPersonByEmail(*person_email);
  }
  if (!other) return call.Fail(ErrorCode::kNotFound, "Person not found.");
  Room* room = nullptr;
  if (auto it = call.state.direct_rooms.find(DirectKey(call.caller.person, other->id));
      it != call.state.direct_rooms.end()) {
    room = call.state.RoomForMember(it->second, call.caller.person);
  }
  return ListRoomMessages(call, room);
}

http::Response GetMessage(Call& call) {
  auto lock = call.state.Lock();
  auto found = FindMessage(call, call.request.PathParam("messageId").value_or(""));
  if (!found) return call.Fail(ErrorCode::kNotFound, "Message not found.");
  return call.Ok(MessageJson(call.state, *found->room, *found->message, call.Origin()));
}

http::Response UpdateMessage(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto room_id = ReqString(*body, "roomId");
  if (!room_id) return call.Fail(room_id.error());
  auto text = OptString(*body, "text");
  if (!text) return call.Fail(text.error());
  auto markdown = OptString(*body, "markdown");
  if (!markdown) return call.Fail(markdown.error());
  if (!*text && !*markdown)
    return call.Fail(ErrorCode::kBadRequest, "text or markdown is required.");
  if (auto ok = CheckText(text->value_or(""), markdown->value_or("")); !ok)
    return call.Fail(ok.error());
  auto lock = call.state.Lock();
  auto found = FindMessage(call, call.request.PathParam("messageId").value_or(""));
  if (!found) return call.Fail(ErrorCode::kNotFound, "Message not found.");
  if (DecodeId("ROOM", *room_id) != found->room->id)
    return call.Fail(ErrorCode::kBadRequest, "roomId does not match.");
  Message& message = *found->message;
  if (message.person != call.caller.person)
    return call.Fail(ErrorCode::kForbidden, "Only the author may edit a message.");
  if (!message.content.IsNil())
    return call.Fail(ErrorCode::kBadRequest, "Messages with files cannot be edited.");
  message.text = text->value_or("");
  message.markdown = markdown->value_or("");
  return call.Ok(MessageJson(call.state, *found->room, message, call.Origin()));
}

http::Response DeleteMessage(Call& call) {
  auto lock = call.state.Lock();
  auto found = FindMessage(call, call.request.PathParam("messageId").value_or(""));
  if (!found) return call.Fail(ErrorCode::kNotFound, "Message not found.");
  Message& message = *found->message;
  const Member* me = found->room->FindMember(call.caller.person);
  if (message.person != call.caller.person && !me->moderator) {
    return call.Fail(ErrorCode::kForbidden, "Only the author or a moderator may delete a message.");
  }
  Emit(call, Event{"messages", "deleted", call.caller.person,
                   MessageEventData(call.state, *found->room, message), Audience(*found->room),
                   !message.content.IsNil()});
  message.deleted = true;
  call.state.message_index.erase(message.id);
  if (!message.content.IsNil()) call.state.contents.erase(message.content);
  message.text.clear();
  message.text.shrink_to_fit();
  message.markdown.clear();
  message.markdown.shrink_to_fit();
  return call.NoContent();
}

http::Response GetContent(Call& call) {
  auto id = DecodeId("CONTENT", call.request.PathParam("contentId").value_or(""));
  auto lock = call.state.Lock();
  auto it = id ? call.state.contents.find(*id) : call.state.contents.end();
  if (it == call.state.contents.end() ||
      !call.state.RoomForMember(it->second.room, call.caller.person)) {
    return call.Fail(ErrorCode::kNotFound, "Content not found.");
  }
  http::Response response = http::Response::Text(200, it->second.bytes, it->second.content_type);
  response.headers.Set("Content-Disposition",
                       "attachment; filename=\"" + it->second.filename + "\"");
  return response;
}

}  // namespace gp::emulator
