#include "webex/types.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

namespace gp::webex {
namespace {

using nlohmann::json;

// Absent, null or mistyped optional fields read as empty/zero: Webex omits rather than nulls,
// and a stray type must not fail a whole list.
std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool Bool(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// Numbers may arrive as JSON numbers or numeric strings.
std::optional<int64_t> Int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(value);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    // Only a value an int64 holds: converting any other (1e300, NaN) is undefined behaviour.
    double value = it->get<double>();
    constexpr double kLimit = 9223372036854775808.0;  // 2^63
    if (!(value >= -kLimit && value < kLimit)) return std::nullopt;
    return static_cast<int64_t>(value);
  }
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > 18) return std::nullopt;
    int64_t value = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    return value;
  }
  return std::nullopt;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

tl::unexpected<Error> Missing(const char* what, const char* field) {
  return Fail(ErrorCode::kUpstream, std::string("Webex returned a ") + what + " without " + field);
}

}  // namespace

bool IsContentId(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '=';
  });
}

std::string ContentIdFromUrl(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  auto slash = url.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view id = url.substr(slash + 1);
  std::string_view parent = url.substr(0, slash);
  constexpr std::string_view kSegment = "/contents";
  if (parent.size() < kSegment.size() || parent.substr(parent.size() - kSegment.size()) != kSegment)
    return {};
  return IsContentId(id) ? std::string(id) : std::string();
}

Result<Person> ParsePerson(const json& j) {
  if (!j.is_object() || Str(j, "id").empty()) return Missing("person", "id");
  Person p;
  p.id = Str(j, "id");
  p.emails = Strings(j, "emails");
  p.display_name = Str(j, "displayName");
  p.nick_name = Str(j, "nickName");
  p.first_name = Str(j, "firstName");
  p.last_name = Str(j, "lastName");
  p.avatar = Str(j, "avatar");
  p.org_id = Str(j, "orgId");
  p.type = Str(j, "type");
  p.status = Str(j, "status");
  p.created = Str(j, "created");
  p.last_activity = Str(j, "lastActivity");
  return p;
}

Result<Room> ParseRoom(const json& j) {
  if (!j.is_object() || Str(j, "id").empty()) return Missing("room", "id");
  Room r;
  r.id = Str(j, "id");
  r.title = Str(j, "title");
  r.type = Str(j, "type");
  r.is_locked = Bool(j, "isLocked");
  r.team_id = Str(j, "teamId");
  r.creator_id = Str(j, "creatorId");
  r.owner_id = Str(j, "ownerId");
  r.created = Str(j, "created");
  r.last_activity = Str(j, "lastActivity");
  return r;
}

Result<Membership> ParseMembership(const json& j) {
  if (!j.is_object() || Str(j, "id").empty()) return Missing("membership", "id");
  Membership m;
  m.id = Str(j, "id");
  m.room_id = Str(j, "roomId");
  m.person_id = Str(j, "personId");
  m.person_email = Str(j, "personEmail");
  m.person_display_name = Str(j, "personDisplayName");
  m.person_org_id = Str(j, "personOrgId");
  m.is_moderator = Bool(j, "isModerator");
  m.is_room_hidden = Bool(j, "isRoomHidden");
  m.room_type = Str(j, "roomType");
  m.created = Str(j, "created");
  return m;
}

Result<Message> ParseMessage(const json& j) {
  if (!j.is_object() || Str(j, "id").empty()) return Missing("message", "id");
  Message m;
  m.id = Str(j, "id");
  m.parent_id = Str(j, "parentId");
  m.room_id = Str(j, "roomId");
  m.room_type = Str(j, "roomType");
  m.to_person_id = Str(j, "toPersonId");
  m.to_person_email = Str(j, "toPersonEmail");
  m.text = Str(j, "text");
  m.markdown = Str(j, "markdown");
  m.html = Str(j, "html");
  m.files = Strings(j, "files");
  m.person_id = Str(j, "personId");
  m.person_email = Str(j, "personEmail");
  m.created = Str(j, "created");
  m.updated = Str(j, "updated");
  return m;
}

Result<OAuthTokens> ParseOAuthTokens(const json& j) {
  if (!j.is_object() || Str(j, "access_token").empty()) return Missing("token response", "access_token");
  OAuthTokens t;
  t.access_token = Str(j, "access_token");
  t.expires_in = Int(j, "expires_in").value_or(0);
  t.refresh_token = Str(j, "refresh_token");
  t.refresh_token_expires_in = Int(j, "refresh_token_expires_in").value_or(0);
  return t;
}

Result<GuestToken> ParseGuestToken(const json& j) {
  if (!j.is_object() || Str(j, "accessToken").empty()) return Missing("guest token", "accessToken");
  if (Str(j, "id").empty()) return Missing("guest token", "id");
  GuestToken t;
  t.person_id = Str(j, "id");
  t.access_token = Str(j, "accessToken");
  t.expires_in = Int(j, "expiresIn").value_or(0);
  std::string email = Str(j, "email");
  if (!email.empty()) t.email = email;
  return t;
}

Result<JwtLogin> ParseJwtLogin(const json& j) {
  if (!j.is_object() || Str(j, "token").empty()) return Missing("JWT login response", "token");
  JwtLogin t;
  t.access_token = Str(j, "token");
  t.expires_in = Int(j, "expiresIn").value_or(0);
  return t;
}

Result<Meeting> ParseMeeting(const json& j) {
  if (!j.is_object() || Str(j, "id").empty()) return Missing("meeting", "id");
  Meeting m;
  m.id = Str(j, "id");
  m.meeting_number = Str(j, "meetingNumber");
  if (m.meeting_number.empty()) {
    if (auto number = Int(j, "meetingNumber")) m.meeting_number = std::to_string(*number);
  }
  m.title = Str(j, "title");
  m.password = Str(j, "password");
  m.web_link = Str(j, "webLink");
  m.sip_address = Str(j, "sipAddress");
  m.site_url = Str(j, "siteUrl");
  m.state = Str(j, "state");
  m.room_id = Str(j, "roomId");
  m.host_user_id = Str(j, "hostUserId");
  m.host_email = Str(j, "hostEmail");
  m.start = Str(j, "start");
  m.end = Str(j, "end");
  return m;
}

Result<MeetingJoin> ParseMeetingJoin(const json& j) {
  if (!j.is_object() || (Str(j, "joinLink").empty() && Str(j, "startLink").empty())) {
    return Missing("meeting join", "joinLink");
  }
  MeetingJoin m;
  m.start_link = Str(j, "startLink");
  m.join_link = Str(j, "joinLink");
  m.expiration = Str(j, "expiration");
  return m;
}

Result<Webhook> ParseWebhook(const json& j) {
  if (!j.is_object() || Str(j, "id").empty()) return Missing("webhook", "id");
  Webhook w;
  w.id = Str(j, "id");
  w.name = Str(j, "name");
  w.target_url = Str(j, "targetUrl");
  w.resource = Str(j, "resource");
  w.event = Str(j, "event");
  w.filter = Str(j, "filter");
  w.status = Str(j, "status");
  w.owned_by = Str(j, "ownedBy");
  w.org_id = Str(j, "orgId");
  w.created_by = Str(j, "createdBy");
  w.app_id = Str(j, "appId");
  w.created = Str(j, "created");
  return w;
}

}  // namespace gp::webex
