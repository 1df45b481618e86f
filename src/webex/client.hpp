#pragma once
// The Webex REST client: typed calls over a Transport, with capped retries that honour
// Retry-After (429, 423) and back off on 502/503/504 — waiting on timers, never past the call's
// deadline — Link-header pagination, and failures mapped to gp::Error. Every call but the OAuth
// ones takes the bearer access token first. Failures are logged with method, path (no query),
// status and Webex's Trackingid, never with tokens or bodies. See docs/webex-client.md.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "domain/ids.hpp"
#include "webex/api.hpp"
#include "webex/transport.hpp"
#include "webex/types.hpp"

namespace gp::webex {

// Waits between attempts. The default waits on a timer of the calling coroutine's executor; tests
// inject one that records the waits and returns at once.
using Waiter = std::function<boost::asio::awaitable<void>(std::chrono::milliseconds)>;
Waiter TimerWaiter();

struct RetryPolicy {
  int max_attempts = 4;                              // including the first
  std::chrono::seconds default_retry_after{15};      // 429/423 without a usable Retry-After
  std::chrono::seconds max_retry_after{60};          // a longer Retry-After is not waited for
  std::chrono::milliseconds initial_backoff{500};    // 502/503/504: 0.5 s, 1 s, 2 s, ...
  std::chrono::milliseconds max_backoff{8000};
  int max_pages = 100;                               // pagination safety cap
};

// Told of each attempt of a call and of each retry, for metrics. `endpoint` is the template of the
// call's path (EndpointTemplate); `status` is 0 when no answer came. Called on the calling
// coroutine's thread; must be quick.
struct CallHooks {
  std::function<void(std::string_view method, std::string_view endpoint, int status,
                     std::chrono::duration<double> took)>
      answered;
  std::function<void(std::string_view method, std::string_view endpoint, int status)> retrying;
};

// The path of `url` below `base_url`'s path, with ids replaced by "{id}" ("/rooms/{id}",
// "/memberships", "/people/me"): a bounded set, fit for metric labels. A resource the client does
// not call is "other".
std::string EndpointTemplate(std::string_view base_url, std::string_view url);

class Client final : public Api {
 public:
  // `base_url` is WEBEX_API_URL, e.g. "https://webexapis.com/v1" (a trailing '/' is ignored).
  // `random` draws multipart boundaries.
  Client(std::string base_url, Transport& transport, Waiter waiter = TimerWaiter(),
         RetryPolicy policy = {}, domain::RandomSource random = domain::SystemRandom());
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& base_url() const { return base_url_; }
  // Before any call.
  void SetHooks(CallHooks hooks) { hooks_ = std::move(hooks); }

  // Api
  Task<Person> GetMe(std::string token, Deadline deadline) override;
  Task<Room> CreateRoom(std::string token, std::string title, Deadline deadline) override;
  Task<void> DeleteRoom(std::string token, std::string room_id, Deadline deadline) override;
  Task<std::vector<Room>> ListRecentRooms(std::string token, std::string sort_by, int max,
                                          Deadline deadline) override;
  Task<Membership> AddMembership(std::string token, std::string room_id, std::string person_id,
                                 Deadline deadline) override;
  Task<void> DeleteMembership(std::string token, std::string membership_id, Deadline deadline) override;
  Task<std::vector<Membership>> ListMemberships(std::string token, std::string room_id, Deadline deadline) override;
  // JSON, or multipart/form-data when `message.upload` is set (then `message.files` must be empty).
  Task<Message> SendMessage(std::string token, std::string room_id, OutgoingMessage message,
                            Deadline deadline) override;
  Task<MessagePage> ListMessages(std::string token, std::string room_id, int max,
                                 std::string before_message, Deadline deadline) override;
  Task<Message> GetMessage(std::string token, std::string message_id, Deadline deadline) override;
  Task<Person> GetPerson(std::string token, std::string person_id, Deadline deadline) override;
  // A content id outside ContentIdFromUrl's alphabet fails with kBadRequest without a request.
  Task<ContentInfo> HeadContent(std::string token, std::string content_id,
                                Deadline deadline) override;
  Task<Content> GetContent(std::string token, std::string content_id, int64_t max_bytes,
                           Deadline deadline) override;
  Task<Webhook> CreateWebhook(std::string token, WebhookSpec spec, Deadline deadline) override;
  Task<std::vector<Webhook>> ListWebhooks(std::string token, Deadline deadline) override;
  Task<Webhook> UpdateWebhook(std::string token, std::string webhook_id, WebhookUpdate update,
                              Deadline deadline) override;
  Task<void> DeleteWebhook(std::string token, std::string webhook_id, Deadline deadline) override;
  Task<Meeting> CreateAdhocMeeting(std::string token, std::string room_id, Deadline deadline) override;
  Task<Meeting> GetMeeting(std::string token, std::string meeting_id, Deadline deadline) override;
  Task<void> EndMeeting(std::string token, std::string meeting_id, Deadline deadline) override;
  Task<GuestToken> CreateGuestToken(std::string service_app_token, std::string subject, std::string display_name,
                                    Deadline deadline) override;
  Task<JwtLogin> LoginWithJwt(std::string jwt, Deadline deadline) override;
  Task<OAuthTokens> ExchangeCode(std::string client_id, std::string client_secret, std::string code,
                                 std::string redirect_uri, std::string code_verifier, Deadline deadline) override;
  Task<OAuthTokens> RefreshToken(std::string client_id, std::string client_secret, std::string refresh_token,
                                 Deadline deadline) override;
  std::string AuthorizeUrl(const std::string& client_id, const std::string& redirect_uri, const std::string& scopes,
                           const std::string& state, const std::string& code_challenge) const override;

  // Beyond Api: used by messaging and meetings.
  Task<Room> GetRoom(std::string token, std::string room_id, Deadline deadline);
  // Every page. `sort_by` is "", "id", "lastactivity" or "created"; `max` 0 leaves Webex's default.
  Task<std::vector<Room>> ListRooms(std::string token, std::string sort_by, int max,
                                    Deadline deadline);
  // Follows a MessagePage::next_url.
  Task<MessagePage> ListMessagesAt(std::string token, std::string next_url, Deadline deadline);
  Task<MeetingJoin> JoinMeeting(std::string token, std::string meeting_id, std::string email,
                                std::string display_name, Deadline deadline);

 private:
  std::string base_url_;
  Transport& transport_;
  Waiter waiter_;
  RetryPolicy policy_;
  domain::RandomSource random_;
  CallHooks hooks_;
};

}  // namespace gp::webex
