#include "emulator/webhooks.hpp"

#include <algorithm>

#include <curl/curl.h>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "emulator/errors.hpp"
#include "emulator/views.hpp"

namespace gp::emulator {
namespace {

constexpr std::size_t kQueueLimit = 100000;
constexpr std::size_t kDeliveryLog = 1000;
constexpr int64_t kFailureWindowMs = 5 * 60 * 1000;
constexpr std::size_t kFailuresToDisable = 100;

const std::vector<std::string> kResources = {
    "messages", "memberships", "rooms", "meetings", "attachmentActions", "serviceApp", "all"};
const std::vector<std::string> kEvents = {"created",    "updated",      "deleted", "started",
                                          "ended",      "migrated",     "joined",  "left",
                                          "authorized", "deauthorized", "all"};

std::string ValueText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

bool FilterMatches(const std::string& filter, const Event& event) {
  const Json& data = event.data;
  if (filter.empty()) return true;
  for (const auto& [key, expected] : ParseParams(filter)) {
    if (key == "hasFiles" || key == "hasAttachments") {
      bool has = key == "hasFiles" && event.has_files;
      if ((expected == "true") != has) return false;
      continue;
    }
    if (key == "mentionedPeople") {
      // Mentions are not modelled: no message mentions anyone.
      return false;
    }
    auto it = data.find(key);
    if (it == data.end()) return false;
    std::string actual = ValueText(*it);
    bool equal = key == "personEmail" ? EqualsIgnoreCase(actual, expected) : actual == expected;
    if (!equal) return false;
  }
  return true;
}

Result<std::string> CheckedTargetUrl(const std::string& url) {
  if (!(url.starts_with("http://") || url.starts_with("https://")) || url.size() > 2048) {
    return Fail(ErrorCode::kBadRequest, "targetUrl must be an http or https URL.");
  }
  return url;
}

std::optional<Uuid> OwnWebhook(Call& call) {
  auto id = DecodeId("WEBHOOK", call.request.PathParam("webhookId").value_or(""));
  if (!id) return std::nullopt;
  auto it = call.state.webhooks.find(*id);
  if (it == call.state.webhooks.end() || it->second.owner != call.caller.person)
    return std::nullopt;
  return *id;
}

size_t DiscardBody(char*, size_t size, size_t count, void*) {
  return size * count;
}

}  // namespace

void Emit(Call& call, const Event& event) {
  State& state = call.state;
  std::vector<Uuid> audience = event.audience;
  std::sort(audience.begin(), audience.end());
  audience.erase(std::unique(audience.begin(), audience.end()), audience.end());
  for (const Uuid& person_id : audience) {
    const Person* person = state.FindPerson(person_id);
    if (!person) continue;
    for (const Uuid& hook_id : person->webhooks) {
      auto it = state.webhooks.find(hook_id);
      if (it == state.webhooks.end()) continue;
      const Webhook& hook = it->second;
      if (!hook.active) continue;
      if (hook.resource != "all" && hook.resource != event.resource) continue;
      if (hook.event != "all" && hook.event != event.event) continue;
      if (!FilterMatches(hook.filter, event)) continue;
      Json envelope = {{"id", EncodeId("WEBHOOK", hook.id)},
                       {"name", hook.name},
                       {"targetUrl", hook.target_url},
                       {"resource", event.resource},
                       {"event", event.event}};
      if (!hook.filter.empty()) envelope["filter"] = hook.filter;
      envelope["orgId"] = EncodeId("ORGANIZATION", state.org());
      envelope["createdBy"] = EncodeId("PEOPLE", hook.owner);
      envelope["appId"] = EncodeId("APPLICATION", state.app());
      envelope["ownedBy"] = "creator";
      envelope["status"] = "active";
      envelope["created"] = FormatIso(hook.created);
      envelope["actorId"] = EncodeId("PEOPLE", event.actor);
      envelope["data"] = event.data;
      call.deliveries.push_back(Delivery{hook.id, hook.target_url, hook.secret, Dump(envelope),
                                         event.resource, event.event});
    }
  }
}

http::Response CreateWebhook(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto name = ReqString(*body, "name");
  if (!name) return call.Fail(name.error());
  auto target = ReqString(*body, "targetUrl");
  if (!target) return call.Fail(target.error());
  auto checked_target = CheckedTargetUrl(*target);
  if (!checked_target) return call.Fail(checked_target.error());
  auto resource = ReqString(*body, "resource");
  if (!resource) return call.Fail(resource.error());
  auto event = ReqString(*body, "event");
  if (!event) return call.Fail(event.error());
  auto filter = OptString(*body, "filter");
  if (!filter) return call.Fail(filter.error());
  auto secret = OptString(*body, "secret");
  if (!secret) return call.Fail(secret.error());
  if (std::find(kResources.begin(), kResources.end(), *resource) == kResources.end()) {
    return call.Fail(ErrorCode::kBadRequest, "Invalid resource: " + *resource);
  }
  if (std::find(kEvents.begin(), kEvents.end(), *event) == kEvents.end()) {
    return call.Fail(ErrorCode::kBadRequest, "Invalid event: " + *event);
  }

  auto lock = call.state.Lock();
  Person* owner = call.state.FindPerson(call.caller.person);
  if (!owner) return call.Fail(ErrorCode::kUnauthorized, std::string(kInvalidTokenMessage));
  if (filter->has_value()) {
    // A filter on a room the owner cannot see is refused, as Webex does.
    for (const auto& [key, value] : ParseParams(**filter)) {
      if (key != "roomId") continue;
      auto room = DecodeId("ROOM", value);
      if (!room || !call.state.RoomForMember(*room, owner->id)) {
        return call.Fail(ErrorCode::kBadRequest, "invalid value for filter: roomId");
      }
    }
  }
  Webhook hook;
  hook.id = NewUuid();
  hook.owner = owner->id;
  hook.name = *name;
  hook.target_url = *target;
  hook.resource = *resource;
  hook.event = *event;
  hook.filter = filter->value_or("");
  hook.secret = secret->value_or("");
  hook.created = call.state.Now();
  owner->webhooks.push_back(hook.id);
  call.state.webhooks_order.push_back(hook.id);
  auto& stored = call.state.webhooks.emplace(hook.id, std::move(hook)).first->second;
  return call.Ok(WebhookJson(call.state, stored));
}

http::Response ListWebhooks(Call& call) {
  auto page = ParsePage(call.request, 100, 1000);
  if (!page) return call.Fail(page.error());
  std::vector<Json> items;
  auto lock = call.state.Lock();
  if (const Person* owner = call.state.FindPerson(call.caller.person)) {
    for (const Uuid& id : owner->webhooks) {
      auto it = call.state.webhooks.find(id);
      if (it != call.state.webhooks.end()) items.push_back(WebhookJson(call.state, it->second));
    }
  }
  return PagedList(call, items, *page);
}

http::Response GetWebhook(Call& call) {
  auto lock = call.state.Lock();
  auto id = OwnWebhook(call);
  if (!id) return call.Fail(ErrorCode::kNotFound, "Webhook not found.");
  return call.Ok(WebhookJson(call.state, call.state.webhooks.at(*id)));
}

http::Response UpdateWebhook(Call& call) {
  auto body = JsonBody(call.request);
  if (!body) return call.Fail(body.error());
  auto name = OptString(*body, "name");
  if (!name) return call.Fail(name.error());
  auto target = OptString(*body, "targetUrl");
  if (!target) return call.Fail(target.error());
  auto secret = OptString(*body, "secret");
  if (!secret) return call.Fail(secret.error());
  auto status = OptString(*body, "status");
  if (!status) return call.Fail(status.error());
  if (*status && **status != "active" && **status != "inactive") {
    return call.Fail(ErrorCode::kBadRequest, "status must be active or inactive.");
  }
  if (*target) {
    auto checked = CheckedTargetUrl(**target);
    if (!checked) return call.Fail(checked.error());
  }
  if (*name && (*name)->empty())
    return call.Fail(ErrorCode::kBadRequest, "name must not be empty.");

  auto lock = call.state.Lock();
  auto id = OwnWebhook(call);
  if (!id) return call.Fail(ErrorCode::kNotFound, "Webhook not found.");
  Webhook& hook = call.state.webhooks.at(*id);
  if (*name) hook.name = **name;
  if (*target) hook.target_url = **target;
  if (*secret) hook.secret = **secret;
  if (*status) {
    bool reviving = !hook.active && **status == "active";
    hook.active = **status == "active";
    // A revived webhook keeps its recent failures, so one that keeps failing is disabled again
    // soon.
    if (reviving && hook.failures.size() >= kFailuresToDisable) hook.failures.pop_front();
  }
  return call.Ok(WebhookJson(call.state, hook));
}

http::Response DeleteWebhook(Call& call) {
  auto lock = call.state.Lock();
  auto id = OwnWebhook(call);
  if (!id) return call.Fail(ErrorCode::kNotFound, "Webhook not found.");
  if (Person* owner = call.state.FindPerson(call.caller.person)) std::erase(owner->webhooks, *id);
  std::erase(call.state.webhooks_order, *id);
  call.state.webhooks.erase(*id);
  return call.NoContent();
}

// --- delivery ------------------------------------------------------------------------------------

WebhookDispatcher::WebhookDispatcher(State& state) : state_(state) {}

WebhookDispatcher::~WebhookDispatcher() {
  Stop();
}

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::Enqueue(std::vector<Delivery> deliveries) {
  {
    std::lock_guard lock(mutex_);
    for (auto& delivery : deliveries) {
      if (queue_.size() >= kQueueLimit) {
        log::warn("webhook queue full; dropping a delivery");
        break;
      }
      queue_.push_back(std::move(delivery));
    }
  }
  cv_.notify_one();
}

void WebhookDispatcher::Clear() {
  std::lock_guard lock(mutex_);
  queue_.clear();
}

void WebhookDispatcher::Run() {
  CURL* curl = curl_easy_init();
  for (;;) {
    Delivery delivery;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      delivery = std::move(queue_.front());
      queue_.pop_front();
    }
    {
      // A webhook disabled, changed or deleted since the event was queued is not called.
      auto lock = state_.Lock();
      auto it = state_.webhooks.find(delivery.webhook);
      if (it == state_.webhooks.end() || !it->second.active) continue;
      delivery.target_url = it->second.target_url;
      delivery.secret = it->second.secret;
    }
    int status = curl ? Send(curl, delivery) : 0;
    Record(delivery, status);
  }
  if (curl) curl_easy_cleanup(curl);
}

int WebhookDispatcher::Send(void* handle, const Delivery& delivery) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_reset(curl);
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
  headers = curl_slist_append(headers, "User-Agent: webex-emulator");
  headers = curl_slist_append(headers, "Expect:");
  std::string signature;
  if (!delivery.secret.empty()) {
    signature = "X-Spark-Signature: " + HexEncode(crypto::HmacSha1(delivery.secret, delivery.body));
    headers = curl_slist_append(headers, signature.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, delivery.target_url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, delivery.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(delivery.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return static_cast<int>(status);
}

void WebhookDispatcher::Record(const Delivery& delivery, int status) {
  auto lock = state_.Lock();
  state_.deliveries.push_back(DeliveryRecord{delivery.webhook, delivery.target_url, status,
                                             delivery.resource, delivery.event});
  if (state_.deliveries.size() > kDeliveryLog) state_.deliveries.pop_front();
  if (status >= 200 && status < 300) return;
  auto it = state_.webhooks.find(delivery.webhook);
  if (it == state_.webhooks.end()) return;
  Webhook& hook = it->second;
  int64_t now = state_.Now();
  hook.failures.push_back(now);
  while (!hook.failures.empty() && hook.failures.front() < now - kFailureWindowMs)
    hook.failures.pop_front();
  if (hook.failures.size() >= kFailuresToDisable && hook.active) {
    hook.active = false;
    log::info("webhook {} disabled after {} failed deliveries", EncodeId("WEBHOOK", hook.id),
              hook.failures.size());
  }
}

}  // namespace gp::emulator
