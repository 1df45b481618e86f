#include "service/notifier.hpp"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/encoding.hpp"
#include "core/log.hpp"
#include "domain/messages.hpp"

namespace gp::service {

namespace {

tl::unexpected<Error> BadSignature() {
  return Fail(ErrorCode::kUnauthorized, "bad_signature", "The webhook signature is missing or wrong.");
}

}  // namespace

Notifier::Notifier(storage::Storage& storage, webex::Api& webex, AppAdmin& app_admin, Messages& messages,
                   WorkPool& pool, const crypto::SecretBox& box, NotifyMode mode, std::string webhook_url)
    : storage_(storage),
      webex_(webex),
      app_admin_(app_admin),
      messages_(messages),
      pool_(pool),
      box_(box),
      mode_(mode),
      webhook_url_(std::move(webhook_url)) {}

Result<Notifier::StoredSecret> Notifier::LoadOrMakeSecret() {
  auto stored = storage_.GetSetting(kSecretSetting);
  if (stored) {
    auto sealed = Base64Decode(*stored);
    auto secret = sealed ? box_.Decrypt(*sealed) : Fail(ErrorCode::kBadRequest, "not base64");
    if (secret) return StoredSecret{*secret, false};
    log::warn("the stored webhook secret cannot be read (another SECRET_KEY_FILE?); a new one is made");
  } else if (stored.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(stored.error());
  }
  std::string secret = HexEncode(crypto::RandomBytes(32));
  auto saved = storage_.PutSetting(kSecretSetting, Base64Encode(box_.Encrypt(secret)));
  if (!saved) return tl::unexpected(saved.error());
  return StoredSecret{secret, true};
}

webex::Task<void> Notifier::Verify(std::string body, std::string signature) {
  if (!secret_) {
    // Only a secret saved by Check() is good: none yet means no webhook of ours exists. With several
    // instances it is another instance's Check() that saved it.
    auto stored = co_await pool_.Read([&] { return storage_.GetSetting(kSecretSetting); });
    if (!stored) co_return BadSignature();
    auto sealed = Base64Decode(*stored);
    if (!sealed) co_return BadSignature();
    auto secret = box_.Decrypt(*sealed);
    if (!secret) co_return BadSignature();
    secret_ = *secret;
  }
  std::string expected = HexEncode(crypto::HmacSha1(*secret_, body));
  if (signature.empty() || !crypto::ConstantTimeEquals(ToLower(signature), expected)) co_return BadSignature();
  co_return Result<void>{};
}

webex::Task<void> Notifier::EnsureWebhook(std::string token, webex::Deadline deadline) {
  auto stored = co_await pool_.Run([&] { return LoadOrMakeSecret(); });
  if (!stored) co_return tl::unexpected(stored.error());
  secret_ = stored->secret;
  const bool new_secret = stored->created;
  const std::string secret = stored->secret;
  auto hooks = co_await webex_.ListWebhooks(token, deadline);
  if (!hooks) co_return tl::unexpected(hooks.error());
  struct Wanted {
    const char* name;
    const char* resource;
    const char* event;
  };
  static constexpr Wanted kWanted[] = {{kWebhookName, "messages", "created"},
                                       {kMeetingsWebhookName, "meetings", "ended"}};
  bool revived_messages = false;
  for (const Wanted& wanted : kWanted) {
    std::vector<const webex::Webhook*> ours;
    for (const auto& hook : *hooks) {
      if (hook.name == wanted.name && hook.target_url == webhook_url_) ours.push_back(&hook);
    }
    if (ours.empty()) {
      webex::WebhookSpec spec{wanted.name, webhook_url_, wanted.resource, wanted.event, "", secret};
      auto created = co_await webex_.CreateWebhook(token, std::move(spec), deadline);
      if (!created) co_return tl::unexpected(created.error());
      log::info("webhook created for {} {}", wanted.resource, wanted.event);
      continue;
    }
    // One is enough: extra ones (left by an earlier secret) would deliver every event twice.
    for (size_t i = 1; i < ours.size(); ++i) {
      auto deleted = co_await webex_.DeleteWebhook(token, ours[i]->id, deadline);
      if (!deleted && deleted.error().code != ErrorCode::kNotFound) co_return tl::unexpected(deleted.error());
    }
    const webex::Webhook& hook = *ours.front();
    const bool inactive = hook.status != "active";
    if (inactive || new_secret) {
      webex::WebhookUpdate update{wanted.name, webhook_url_, secret, "active"};
      auto updated = co_await webex_.UpdateWebhook(token, hook.id, std::move(update), deadline);
      if (!updated) co_return tl::unexpected(updated.error());
      if (inactive) {
        log::warn("Webex had disabled the {} webhook; it is active again", wanted.resource);
        if (std::string_view(wanted.resource) == "messages") revived_messages = true;
      }
    }
  }
  // What was missed while the webhook was disabled is polled for (meetings: by the lease sweep).
  if (revived_messages) co_return co_await Poll();
  co_return Result<void>{};
}

webex::Task<void> Notifier::Check() {
  const auto deadline = webex::DeadlineIn(kBudget);
  auto token = co_await app_admin_.AccessToken(deadline);
  if (!token) {
    if (token.error().reason == "app_admin_required") co_return Result<void>{};
    co_return tl::unexpected(token.error());
  }
  if (mode_ == NotifyMode::kPoll) co_return co_await Poll();
  co_return co_await EnsureWebhook(*token, deadline);
}

webex::Task<void> Notifier::Poll() {
  const auto deadline = webex::DeadlineIn(kBudget);
  auto token = co_await app_admin_.AccessToken(deadline);
  if (!token) {
    if (token.error().reason == "app_admin_required") co_return Result<void>{};
    co_return tl::unexpected(token.error());
  }
  auto rooms = co_await webex_.ListRecentRooms(*token, "lastactivity", kPollRooms, deadline);
  if (!rooms) co_return tl::unexpected(rooms.error());
  for (const auto& room : *rooms) {
    auto space = co_await pool_.Read([&] { return storage_.FindSpaceByRoom(room.id); });
    if (!space) {
      if (space.error().code == ErrorCode::kNotFound) continue;
      co_return tl::unexpected(space.error());
    }
    if (space->closed_at || room.last_activity.empty() || room.last_activity <= space->polled_activity) continue;
    // Newest first, back to the first message already seen (or older than the newest seen).
    std::vector<webex::Message> fresh;
    std::string before;
    bool reached_known = false;
    for (int round = 0; round < 4 && !reached_known; ++round) {
      auto page = co_await webex_.ListMessages(*token, room.id, kPollMessages, before, deadline);
      if (!page) co_return tl::unexpected(page.error());
      for (auto& message : page->items) {
        auto created = domain::ParseWebexTime(message.created).value_or(0);
        auto known = co_await pool_.Read([&] { return storage_.GetSpaceMessageTime(space->id, message.id); });
        if (known || created < space->last_message_ms || message.id == space->last_message_id) {
          reached_known = true;
          break;
        }
        fresh.push_back(std::move(message));
      }
      if (!page->next_url || page->items.empty()) break;
      before = page->next_before_message.value_or(page->items.back().id);
    }
    // Oldest first, so that events come in the order of the messages.
    for (auto it = fresh.rbegin(); it != fresh.rend(); ++it) {
      std::string id = it->id;
      auto learned = co_await messages_.Learn(room.id, id, std::move(*it));
      if (!learned) co_return tl::unexpected(learned.error());
    }
    std::string activity = room.last_activity;
    std::string space_id = space->id;
    auto saved = co_await pool_.Run([&] { return storage_.SetSpacePolledActivity(space_id, activity); });
    if (!saved) co_return tl::unexpected(saved.error());
  }
  co_return Result<void>{};
}

webex::Task<void> Notifier::Deliver(std::string body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_json", "The webhook body is not a JSON object.");
  }
  auto text = [](const nlohmann::json& object, const char* key) -> std::string {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto data = json.find("data");
  if (data == json.end() || !data->is_object()) co_return Result<void>{};
  if (text(json, "resource") == "meetings" && text(json, "event") == "ended") {
    std::string meeting_id = text(*data, "id");
    if (!domain::LooksLikeWebexId(meeting_id)) {
      co_return Fail(ErrorCode::kBadRequest, "invalid_field", "The webhook names no meeting.");
    }
    if (on_meeting_ended_) co_await on_meeting_ended_(std::move(meeting_id));
    co_return Result<void>{};
  }
  if (text(json, "resource") != "messages" || text(json, "event") != "created") co_return Result<void>{};
  std::string room_id = text(*data, "roomId");
  std::string message_id = text(*data, "id");
  if (!domain::LooksLikeWebexId(room_id) || !domain::LooksLikeWebexId(message_id)) {
    co_return Fail(ErrorCode::kBadRequest, "invalid_field", "The webhook names no message.");
  }
  auto learned = co_await messages_.Learn(room_id, message_id, std::nullopt);
  if (!learned) co_return tl::unexpected(learned.error());
  co_return Result<void>{};
}

}  // namespace gp::service
