#pragma once
// The Webex REST client: typed calls over a Transport, with capped retries that honour
// Retry-After (429, 423) and back off on 502/503/504, Link-header pagination, and failures mapped
// to gp::Error. Every call but the OAuth ones takes the bearer access token first. Failures are
// logged with method, path (no query), status and Webex's Trackingid, never with tokens or bodies.
// See docs/webex-client.md.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "webex/transport.hpp"
#include "webex/types.hpp"

namespace gp::webex {

// Waits between attempts; injected so tests record the waits instead of sleeping.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
Sleeper RealSleeper();

struct RetryPolicy {
  int max_attempts = 4;                              // including the first
  std::chrono::seconds default_retry_after{15};      // 429/423 without a usable Retry-After
  std::chrono::seconds max_retry_after{60};          // a longer Retry-After is not waited for
  std::chrono::milliseconds initial_backoff{500};    // 502/503/504: 0.5 s, 1 s, 2 s, ...
  std::chrono::milliseconds max_backoff{8000};
  int max_pages = 100;                               // pagination safety cap
};

class Client {
 public:
  // `base_url` is WEBEX_API_URL, e.g. "https://webexapis.com/v1" (a trailing '/' is ignored).
  Client(std::string base_url, Transport& transport, Sleeper sleeper = RealSleeper(), RetryPolicy policy = {});
  virtual ~Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& base_url() const { return base_url_; }

  // People
  virtual Result<Person> GetMe(const std::string& token);
  virtual Result<Person> GetPerson(const std::string& token, const std::string& person_id);

  // Rooms
  virtual Result<Room> CreateRoom(const std::string& token, const std::string& title);
  virtual Result<Room> GetRoom(const std::string& token, const std::string& room_id);
  virtual Result<void> DeleteRoom(const std::string& token, const std::string& room_id);
  // Every page. `sort_by` is "", "id", "lastactivity" or "created"; `max` 0 leaves Webex's default.
  virtual Result<std::vector<Room>> ListRooms(const std::string& token, const std::string& sort_by = "",
                                              int max = 0);

  // Memberships
  virtual Result<Membership> AddMembership(const std::string& token, const std::string& room_id,
                                           const std::string& person_id, bool is_moderator = false);
  virtual Result<void> DeleteMembership(const std::string& token, const std::string& membership_id);
  // Every page.
  virtual Result<std::vector<Membership>> ListMemberships(const std::string& token, const std::string& room_id);

  // Messages
  virtual Result<Message> SendMessage(const std::string& token, const std::string& room_id,
                                      const OutgoingMessage& message);
  // One page, newest first; `max` 0 leaves Webex's default, `before_message` empty starts at the newest.
  virtual Result<MessagePage> ListMessages(const std::string& token, const std::string& room_id, int max = 0,
                                           const std::string& before_message = "");
  // Follows a MessagePage::next_url.
  virtual Result<MessagePage> ListMessagesAt(const std::string& token, const std::string& next_url);
  virtual Result<Message> GetMessage(const std::string& token, const std::string& message_id);

  // Webhooks
  virtual Result<Webhook> CreateWebhook(const std::string& token, const WebhookSpec& spec);
  virtual Result<std::vector<Webhook>> ListWebhooks(const std::string& token);
  virtual Result<void> DeleteWebhook(const std::string& token, const std::string& webhook_id);

  // Meetings
  virtual Result<Meeting> CreateAdhocMeeting(const std::string& token, const std::string& room_id);
  virtual Result<MeetingJoin> JoinMeeting(const std::string& token, const std::string& meeting_id,
                                          const std::string& email, const std::string& display_name);

  // Guest tokens: POST /guests/token with a Service App token, POST /jwt/login with a guest JWT.
  virtual Result<GuestToken> CreateGuestToken(const std::string& service_app_token, const std::string& subject,
                                              const std::string& display_name);
  virtual Result<JwtLogin> LoginWithJwt(const std::string& jwt);

  // OAuth (form-encoded POST {base}/access_token, no bearer).
  virtual Result<OAuthTokens> ExchangeCode(const std::string& client_id, const std::string& client_secret,
                                           const std::string& code, const std::string& redirect_uri,
                                           const std::string& code_verifier);
  virtual Result<OAuthTokens> RefreshToken(const std::string& client_id, const std::string& client_secret,
                                           const std::string& refresh_token);
  // {base}/authorize?client_id&response_type=code&redirect_uri&scope&state&code_challenge
  // &code_challenge_method=S256. `scopes` is space-separated.
  std::string AuthorizeUrl(const std::string& client_id, const std::string& redirect_uri,
                           const std::string& scopes, const std::string& state,
                           const std::string& code_challenge) const;

 private:
  struct Call;
  Result<HttpResult> Execute(const Call& call);
  Result<HttpResult> Json(const std::string& method, const std::string& url, const std::string& token,
                          const std::string* body);
  template <typename T>
  Result<std::vector<T>> ListAll(const std::string& token, std::string url,
                                 Result<T> (*parse)(const nlohmann::json&));
  std::string Url(const std::string& path) const;
  bool SameOrigin(const std::string& url) const;

  std::string base_url_;
  Transport& transport_;
  Sleeper sleeper_;
  RetryPolicy policy_;
};

}  // namespace gp::webex
