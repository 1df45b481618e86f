#pragma once
// How the portal learns of messages posted in its spaces from anywhere (a member of staff in the Webex
// app, the AppAdmin), so that guests are told within a second or so:
//   - webhook mode: one AppAdmin webhook on messages/created (and one on meetings/ended, for the meeting
//     leases: the AppAdmin belongs to every guest space), pointing at PUBLIC_URL/webhooks/webex,
//     with a random secret kept encrypted in the settings. Check() creates it when missing, and
//     revives it when Webex has disabled it (then polls once, to catch up on what was missed).
//     Deliveries are checked against X-Spark-Signature (HMAC-SHA1 over the raw body, compared in
//     constant time) before anything else is read.
//   - poll mode: Check() reads the AppAdmin's rooms by last activity — the one Webex call made when
//     nothing changed — and, for each portal space whose room moved, its new messages.
// Either way a message reaches Messages::Learn, which announces each message once.
//
// Runs on the event loop; writes go to the pool.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <functional>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/work_pool.hpp"
#include "service/app_admin.hpp"
#include "service/messages.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

enum class NotifyMode { kWebhook, kPoll };

class Notifier {
 public:
  static constexpr const char* kWebhookName = "Guest Portal";
  static constexpr const char* kMeetingsWebhookName = "Guest Portal meetings";
  static constexpr const char* kSecretSetting = "webhook.secret";
  // Rooms read per poll (the AppAdmin's most recently active), and messages per room and round.
  static constexpr int kPollRooms = 100;
  static constexpr int kPollMessages = 50;
  static constexpr std::chrono::seconds kBudget{20};

  Notifier(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, Messages& messages, WorkPool& pool,
           const crypto::SecretBox& box, NotifyMode mode, std::string webhook_url);

  NotifyMode mode() const { return mode_; }

  // Webhook mode: makes sure the webhook exists and is active. Poll mode: one round of polling.
  // Without an AppAdmin there is nothing to do yet.
  webex::Task<void> Check();
  // One round of polling, in either mode.
  webex::Task<void> Poll();

  // A webhook delivery: kUnauthorized unless `signature` is the body's HMAC-SHA1 with our secret.
  webex::Task<void> Verify(std::string body, std::string signature);
  // Acts on a verified delivery (messages/created: Messages::Learn; meetings/ended: the callback).
  webex::Task<void> Deliver(std::string body);
  // Called with the Webex meeting id of each meetings/ended delivery.
  void SetOnMeetingEnded(std::function<boost::asio::awaitable<void>(std::string)> on_ended) {
    on_meeting_ended_ = std::move(on_ended);
  }

 private:
  // The webhook secret, made (and saved, encrypted) on first use. Blocking: call on the pool.
  struct StoredSecret {
    std::string secret;
    bool created = false;
  };
  Result<StoredSecret> LoadOrMakeSecret();
  webex::Task<void> EnsureWebhook(std::string token, webex::Deadline deadline);

  storage::Storage& storage_;
  webex::Api& webex_;
  AppAdmin& app_admin_;
  Messages& messages_;
  WorkPool& pool_;
  const crypto::SecretBox& box_;
  NotifyMode mode_;
  std::string webhook_url_;
  // The secret in memory once read (touched on the loop only).
  std::optional<std::string> secret_;
  std::function<boost::asio::awaitable<void>(std::string)> on_meeting_ended_;
};

}  // namespace gp::service
