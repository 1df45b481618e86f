#pragma once
// The narrow interface through which the services speak to Webex. Client (client.hpp) implements it
// over HTTP; tests substitute an in-memory fake. Every call is a coroutine: waiting for Webex holds
// no thread. Calls must be made from the event loop the implementation was built for.
//
// Each call takes a deadline: retries (after 429, 423 or 502/503/504) wait on timers, and a wait
// that would pass the deadline is not started; the call then fails with kUnavailable (or
// kTooManyRequests) carrying retry_after_seconds, which the API answers as 503 with Retry-After.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "webex/types.hpp"

namespace gp::webex {

template <typename T>
using Task = boost::asio::awaitable<Result<T>>;

using Deadline = std::chrono::steady_clock::time_point;

// A deadline `budget` from now.
inline Deadline DeadlineIn(std::chrono::milliseconds budget) { return std::chrono::steady_clock::now() + budget; }

class Api {
 public:
  virtual ~Api() = default;

  // People
  virtual Task<Person> GetMe(std::string token, Deadline deadline) = 0;

  // Rooms. ListRecentRooms returns the first page only (newest first for "created" and
  // "lastactivity"), `max` items at most.
  virtual Task<Room> CreateRoom(std::string token, std::string title, Deadline deadline) = 0;
  virtual Task<void> DeleteRoom(std::string token, std::string room_id, Deadline deadline) = 0;
  virtual Task<std::vector<Room>> ListRecentRooms(std::string token, std::string sort_by, int max,
                                                  Deadline deadline) = 0;

  // Memberships. ListMemberships follows every page.
  virtual Task<Membership> AddMembership(std::string token, std::string room_id, std::string person_id,
                                         Deadline deadline) = 0;
  virtual Task<void> DeleteMembership(std::string token, std::string membership_id, Deadline deadline) = 0;
  virtual Task<std::vector<Membership>> ListMemberships(std::string token, std::string room_id,
                                                        Deadline deadline) = 0;

  // Messages. SendMessage uploads OutgoingMessage::upload as multipart/form-data when it is set.
  // ListMessages returns one page, newest first; `max` 0 leaves Webex's default and an empty
  // `before_message` starts at the newest.
  virtual Task<Message> SendMessage(std::string token, std::string room_id, OutgoingMessage message,
                                    Deadline deadline) = 0;
  virtual Task<MessagePage> ListMessages(std::string token, std::string room_id, int max,
                                         std::string before_message, Deadline deadline) = 0;
  virtual Task<Message> GetMessage(std::string token, std::string message_id, Deadline deadline) = 0;
  virtual Task<Person> GetPerson(std::string token, std::string person_id, Deadline deadline) = 0;

  // Files, by content id (the last segment of a Message::files URL, see ContentIdFromUrl). GetContent
  // fails with kTooLarge, without reading further, when the file has more than `max_bytes`.
  virtual Task<ContentInfo> HeadContent(std::string token, std::string content_id, Deadline deadline) = 0;
  virtual Task<Content> GetContent(std::string token, std::string content_id, int64_t max_bytes,
                                   Deadline deadline) = 0;

  // Webhooks. ListWebhooks follows every page.
  virtual Task<Webhook> CreateWebhook(std::string token, WebhookSpec spec, Deadline deadline) = 0;
  virtual Task<std::vector<Webhook>> ListWebhooks(std::string token, Deadline deadline) = 0;
  virtual Task<Webhook> UpdateWebhook(std::string token, std::string webhook_id, WebhookUpdate update,
                                      Deadline deadline) = 0;
  virtual Task<void> DeleteWebhook(std::string token, std::string webhook_id, Deadline deadline) = 0;

  // Meetings, with a licensed host's token. CreateAdhocMeeting (POST /meetings {roomId, adhoc:true})
  // returns the room's live ad hoc meeting, made when there is none; EndMeeting is POST
  // /meetings/{id}/end (host only).
  virtual Task<Meeting> CreateAdhocMeeting(std::string token, std::string room_id, Deadline deadline) = 0;
  virtual Task<Meeting> GetMeeting(std::string token, std::string meeting_id, Deadline deadline) = 0;
  virtual Task<void> EndMeeting(std::string token, std::string meeting_id, Deadline deadline) = 0;

  // Guest tokens: POST /guests/token with a Service App token, POST /jwt/login with a guest JWT.
  virtual Task<GuestToken> CreateGuestToken(std::string service_app_token, std::string subject,
                                            std::string display_name, Deadline deadline) = 0;
  virtual Task<JwtLogin> LoginWithJwt(std::string jwt, Deadline deadline) = 0;

  // OAuth (form-encoded POST {base}/access_token, no bearer).
  virtual Task<OAuthTokens> ExchangeCode(std::string client_id, std::string client_secret, std::string code,
                                         std::string redirect_uri, std::string code_verifier,
                                         Deadline deadline) = 0;
  virtual Task<OAuthTokens> RefreshToken(std::string client_id, std::string client_secret,
                                         std::string refresh_token, Deadline deadline) = 0;
  // {base}/authorize?client_id&response_type=code&redirect_uri&scope&state&code_challenge
  // &code_challenge_method=S256. `scopes` is space-separated.
  virtual std::string AuthorizeUrl(const std::string& client_id, const std::string& redirect_uri,
                                   const std::string& scopes, const std::string& state,
                                   const std::string& code_challenge) const = 0;
};

}  // namespace gp::webex
