#pragma once
// Plain values parsed from Webex REST API JSON (see webex-api.md). Webex omits optional fields
// rather than sending null; parsing tolerates both, and absent strings stay empty.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace gp::webex {

struct Person {
  std::string id;
  std::vector<std::string> emails;
  std::string display_name;
  std::string nick_name;
  std::string first_name;
  std::string last_name;
  std::string avatar;
  std::string org_id;
  std::string type;  // person | bot | appuser (guests)
  std::string status;
  std::string created;
  std::string last_activity;
};

struct Room {
  std::string id;
  std::string title;
  std::string type;  // direct | group
  bool is_locked = false;
  std::string team_id;
  std::string creator_id;
  std::string owner_id;
  std::string created;
  std::string last_activity;
};

struct Membership {
  std::string id;
  std::string room_id;
  std::string person_id;
  std::string person_email;
  std::string person_display_name;
  std::string person_org_id;
  bool is_moderator = false;
  bool is_room_hidden = false;
  std::string room_type;
  std::string created;
};

struct Message {
  std::string id;
  std::string parent_id;
  std::string room_id;
  std::string room_type;
  std::string to_person_id;
  std::string to_person_email;
  std::string text;
  std::string markdown;
  std::string html;
  std::vector<std::string> files;  // content URLs
  std::string person_id;
  std::string person_email;
  std::string created;
  std::string updated;
};

// A file sent with a message, as multipart/form-data.
struct FileUpload {
  std::string name;
  std::string content_type;
  std::string bytes;
};

// What to send with POST /messages; set text and/or markdown, optionally one public file URL or one
// file to upload (then the request is multipart/form-data).
struct OutgoingMessage {
  std::string text;
  std::string markdown;
  std::vector<std::string> files;
  std::optional<FileUpload> upload;
  std::string parent_id;
};

// What HEAD /contents/{id} tells of a file: from Content-Disposition, Content-Type, Content-Length
// (`size` 0 when the answer had none).
struct ContentInfo {
  std::string name;
  std::string content_type;
  int64_t size = 0;
};

// GET /contents/{id}: the file and its headers.
struct Content {
  ContentInfo info;
  std::string bytes;
};

// PUT /webhooks/{id}: Webex changes only these (set status "active" to revive a disabled webhook).
struct WebhookUpdate {
  std::string name;
  std::string target_url;
  std::string secret;
  std::string status;
};

// One page of GET /messages (newest first) and where the next (older) page starts.
struct MessagePage {
  std::vector<Message> items;
  std::optional<std::string> next_url;             // the Link rel="next" URL, verbatim
  std::optional<std::string> next_before_message;  // its beforeMessage parameter, when present
};

struct OAuthTokens {
  std::string access_token;
  int64_t expires_in = 0;
  std::string refresh_token;  // empty when the response carried none
  int64_t refresh_token_expires_in = 0;
};

struct GuestToken {
  std::string person_id;
  std::string access_token;
  int64_t expires_in = 0;
  std::optional<std::string> email;
};

// POST /jwt/login: {token, expiresIn}.
struct JwtLogin {
  std::string access_token;
  int64_t expires_in = 0;
};

struct Meeting {
  std::string id;
  std::string meeting_number;
  std::string title;
  std::string password;
  std::string web_link;
  std::string sip_address;
  std::string site_url;
  std::string state;
  std::string room_id;
  std::string host_user_id;
  std::string host_email;
  std::string start;
  std::string end;
};

struct MeetingJoin {
  std::string start_link;
  std::string join_link;
  std::string expiration;
};

struct Webhook {
  std::string id;
  std::string name;
  std::string target_url;
  std::string resource;
  std::string event;
  std::string filter;
  std::string status;  // active | inactive
  std::string owned_by;
  std::string org_id;
  std::string created_by;
  std::string app_id;
  std::string created;
};

// POST /webhooks. `secret` enables X-Spark-Signature on deliveries.
struct WebhookSpec {
  std::string name;
  std::string target_url;
  std::string resource;
  std::string event;
  std::string filter;
  std::string secret;
};

// The content id at the end of a Message::files URL (".../contents/{id}"), or empty when the URL has
// no such segment or the id holds anything but [A-Za-z0-9_-=].
std::string ContentIdFromUrl(std::string_view url);
// Whether `id` is a non-empty string of [A-Za-z0-9_-=], the content ids ContentIdFromUrl accepts.
bool IsContentId(std::string_view id);

// Each parser fails with kUpstream when a required field (the id, a token) is missing or mistyped.
Result<Person> ParsePerson(const nlohmann::json& json);
Result<Room> ParseRoom(const nlohmann::json& json);
Result<Membership> ParseMembership(const nlohmann::json& json);
Result<Message> ParseMessage(const nlohmann::json& json);
Result<OAuthTokens> ParseOAuthTokens(const nlohmann::json& json);
Result<GuestToken> ParseGuestToken(const nlohmann::json& json);
Result<JwtLogin> ParseJwtLogin(const nlohmann::json& json);
Result<Meeting> ParseMeeting(const nlohmann::json& json);
Result<MeetingJoin> ParseMeetingJoin(const nlohmann::json& json);
Result<Webhook> ParseWebhook(const nlohmann::json& json);

}  // namespace gp::webex
