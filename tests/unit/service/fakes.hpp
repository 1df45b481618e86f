#pragma once
// Test doubles for the services and the graph they run in:
//   - FakeWebex: webex::Api in memory (rooms with members, people by token, messages per room,
//     uploaded files, webhooks, OAuth), with failures to order per operation, hooks that run inside
//     an operation ("while Webex is slow" another change happens), latencies and call counters;
//   - FakeGuestTokenProvider: a guest's person id derived from its subject;
//   - ServiceTest: a fixture holding the real services over SQLite :memory:, a WorkPool(2, 64), an
//     injected clock (an integer the test advances) and deterministic ids.
// Every fake is used from the event loop's thread only (the test thread inside RunSync), like the
// real Webex client.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "../core/run_sync.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/work_pool.hpp"
#include "domain/ids.hpp"
#include "domain/policy.hpp"
#include "domain/throttle.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/guests.hpp"
#include "service/policy.hpp"
#include "service/reconciler.hpp"
#include "service/sessions.hpp"
#include "service/sign_in.hpp"
#include "service/spaces.hpp"
#include "storage/open.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"
#include "webex/guest_token_provider.hpp"

namespace gp::service::fakes {

using test_support::RunSync;
using test_support::RunUntil;

// "2015-10-18T14:26:16.000Z" for Unix seconds, as Webex writes times.
inline std::string IsoTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return text;
}

class FakeWebex final : public webex::Api {
 public:
  enum class Op {
    kGetMe,
    kCreateRoom,
    kDeleteRoom,
    kListRecentRooms,
    kAddMembership,
    kDeleteMembership,
    kListMemberships,
    kCreateGuestToken,
    kLoginWithJwt,
    kExchangeCode,
    kRefreshToken,
    kSendMessage,
    kListMessages,
    kGetMessage,
    kGetPerson,
    kHeadContent,
    kGetContent,
    kCreateWebhook,
    kListWebhooks,
    kUpdateWebhook,
    kDeleteWebhook,
    kCreateMeeting,
    kGetMeeting,
    kEndMeeting,
    kCount
  };

  // Where the files of messages are, as Message::files URLs name them.
  static constexpr const char* kContentsUrl = "https://webex.test/v1/contents/";
  // Webex's limit on text and markdown.
  static constexpr std::size_t kMaxMessageBytes = 7439;

  struct FakeRoom {
    std::string id;
    std::string title;
    std::string creator_id;
    int64_t created_at = 0;
    std::string created;  // ISO, as Webex sends it
    std::string last_activity;  // moves with each message; `created` until the first
    uint64_t sequence = 0;  // creation order
    std::map<std::string, std::string> members;  // person id -> membership id
  };

  explicit FakeWebex(Clock clock) : clock_(std::move(clock)) {}

  // --- Set-up -------------------------------------------------------------------------------
  // Makes `access_token` stand for `person`; `refresh_token` (when given) refreshes to new
  // access tokens of the same person.
  void AddPerson(const std::string& access_token, webex::Person person, const std::string& refresh_token = {}) {
    if (!refresh_token.empty()) refresh_owner_[refresh_token] = person.id;
    persons_[person.id] = person;
    people_by_token_[access_token] = std::move(person);
  }
  // The next N calls of `op` fail with `code` (N < 0: every call until Heal).
  void FailNext(Op op, int times, ErrorCode code = ErrorCode::kUnavailable, int retry_after_seconds = 0) {
    auto& state = ops_[Index(op)];
    state.fail_remaining = times;
    state.fail_code = code;
    state.retry_after_seconds = retry_after_seconds;
  }
  void FailAlways(Op op, ErrorCode code = ErrorCode::kUnavailable) { FailNext(op, -1, code); }
  void Heal(Op op) { ops_[Index(op)].fail_remaining = 0; }
  // Runs inside every call of `op`, after its latency and before its effect. Clear with {}.
  void SetHook(Op op, std::function<void()> hook) { ops_[Index(op)].hook = std::move(hook); }
  // Each call of `op` waits this long on a timer (default: it only yields to the loop once).
  void SetLatency(Op op, std::chrono::milliseconds latency) { ops_[Index(op)].latency = latency; }
  // Tokens that RefreshToken hands out live this long.
  void SetAccessLifetime(int64_t seconds) { access_lifetime_ = seconds; }
  // A person GetPerson knows, without an access token of its own.
  void SeedPerson(webex::Person person) { persons_[person.id] = std::move(person); }
  // A message posted by `person_id` (a member or not) outside the portal; its id.
  std::string SeedMessage(const std::string& room_id, const std::string& person_id,
                          const std::string& text) {
    webex::Message message;
    message.id = "message-" + std::to_string(++message_sequence_);
    message.room_id = room_id;
    message.room_type = "group";
    message.text = text;
    message.person_id = person_id;
    message.created = IsoTime(clock_());
    room_messages_[room_id].push_back(message.id);
    if (auto room = rooms_.find(room_id); room != rooms_.end()) room->second.last_activity = message.created;
    messages_[message.id] = message;
    return message.id;
  }
  // Makes a webhook "inactive" (or anything else), as Webex does after failed deliveries.
  void SetWebhookStatus(const std::string& webhook_id, const std::string& status) {
    if (auto it = webhooks_.find(webhook_id); it != webhooks_.end())
      it->second.hook.status = status;
  }
  // A room made outside the portal's view (e.g. by a process that died before recording it).
  std::string SeedRoom(const std::string& title, const std::string& creator_id, int64_t created_at,
                       const std::vector<std::string>& member_ids = {}) {
    FakeRoom& room = NewRoom(title, creator_id, created_at);
    for (const auto& person : member_ids) room.members[person] = NextMembershipId();
    return room.id;
  }

  // --- Inspection -----------------------------------------------------------------------------
  int Calls(Op op) const { return ops_[Index(op)].calls; }
  int TotalCalls() const {
    int total = 0;
    for (const auto& state : ops_) total += state.calls;
    return total;
  }
  const std::map<std::string, FakeRoom>& rooms() const { return rooms_; }
  bool HasRoom(const std::string& id) const { return rooms_.contains(id); }
  // The person ids in a room (none when the room does not exist).
  std::set<std::string> MembersOf(const std::string& room_id) const {
    std::set<std::string> out;
    if (auto it = rooms_.find(room_id); it != rooms_.end()) {
      for (const auto& [person, membership] : it->second.members) out.insert(person);
    }
    return out;
  }
  std::string MembershipIdOf(const std::string& room_id, const std::string& person_id) const {
    auto it = rooms_.find(room_id);
    if (it == rooms_.end()) return {};
    auto member = it->second.members.find(person_id);
    return member == it->second.members.end() ? std::string() : member->second;
  }
  std::vector<std::string> access_tokens_issued() const { return issued_; }
  // A room's messages, newest first.
  std::vector<webex::Message> MessagesIn(const std::string& room_id) const {
    std::vector<webex::Message> out;
    if (auto it = room_messages_.find(room_id); it != room_messages_.end()) {
      for (auto id = it->second.rbegin(); id != it->second.rend(); ++id)
        out.push_back(messages_.at(*id));
    }
    return out;
  }
  // The stored bytes of an uploaded file; nullopt when there is none of that id.
  std::optional<std::string> ContentBytes(const std::string& content_id) const {
    auto it = contents_.find(content_id);
    if (it == contents_.end()) return std::nullopt;
    return it->second.bytes;
  }
  // Every webhook, of any owner, in creation order.
  std::vector<webex::Webhook> webhooks() const {
    std::vector<const FakeWebhook*> all;
    for (const auto& [id, webhook] : webhooks_) all.push_back(&webhook);
    std::sort(all.begin(), all.end(),
              [](const FakeWebhook* a, const FakeWebhook* b) { return a->sequence < b->sequence; });
    std::vector<webex::Webhook> out;
    for (const FakeWebhook* webhook : all) out.push_back(webhook->hook);
    return out;
  }
  // Every meeting, ended or not, by id.
  const std::map<std::string, webex::Meeting>& meetings() const { return meetings_; }
  int LiveMeetings() const {
    int live = 0;
    for (const auto& [id, meeting] : meetings_) live += meeting.state != "ended";
    return live;
  }
  // Ends a meeting as its participants leaving would (no webhook: the caller tells the portal).
  void EndMeetingNow(const std::string& meeting_id) {
    if (auto it = meetings_.find(meeting_id); it != meetings_.end()) it->second.state = "ended";
  }
  std::string WebhookSecret(const std::string& webhook_id) const {
    auto it = webhooks_.find(webhook_id);
    return it == webhooks_.end() ? std::string() : it->second.secret;
  }

  // --- webex::Api -----------------------------------------------------------------------------
  // Meetings follow the emulator: a licensed member of the room (anyone with a token here) creates
  // it; while it is live the same call returns it; only its host ends it.
  webex::Task<webex::Meeting> CreateAdhocMeeting(std::string token, std::string room_id, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kCreateMeeting)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    if (!IsMember(room_id, *person)) co_return NoRoom();
    for (const auto& [id, meeting] : meetings_) {
      if (meeting.room_id == room_id && meeting.state != "ended") co_return meeting;
    }
    webex::Meeting meeting;
    meeting.id = "meeting-" + std::to_string(++meeting_sequence_);
    meeting.meeting_number = std::to_string(2000000000 + meeting_sequence_);
    meeting.password = "pw" + std::to_string(meeting_sequence_);
    meeting.web_link = "https://webex.test/meet/" + meeting.id;
    meeting.sip_address = meeting.meeting_number + "@webex.test";
    meeting.state = "inProgress";
    meeting.room_id = room_id;
    meeting.host_user_id = *person;
    meeting.start = IsoTime(clock_());
    meetings_[meeting.id] = meeting;
    co_return meeting;
  }

  webex::Task<webex::Meeting> GetMeeting(std::string token, std::string meeting_id, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kGetMeeting)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto it = meetings_.find(meeting_id);
    if (it == meetings_.end() || (it->second.host_user_id != *person && !IsMember(it->second.room_id, *person))) {
      co_return Fail(ErrorCode::kNotFound, "fake webex: no such meeting");
    }
    co_return it->second;
  }

  webex::Task<void> EndMeeting(std::string token, std::string meeting_id, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kEndMeeting)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto it = meetings_.find(meeting_id);
    if (it == meetings_.end()) co_return Fail(ErrorCode::kNotFound, "fake webex: no such meeting");
    if (it->second.host_user_id != *person) co_return Fail(ErrorCode::kForbidden, "fake webex: not the host");
    if (it->second.state == "ended") co_return Fail(ErrorCode::kConflict, "fake webex: already ended");
    it->second.state = "ended";
    co_return Result<void>{};
  }

  webex::Task<webex::Person> GetMe(std::string token, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kGetMe)) co_return tl::unexpected(*failed);
    auto person = people_by_token_.find(token);
    if (person == people_by_token_.end()) co_return Fail(ErrorCode::kUnauthorized, "fake webex: unknown token");
    co_return person->second;
  }

  webex::Task<webex::Room> CreateRoom(std::string token, std::string title, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kCreateRoom)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    FakeRoom& room = NewRoom(title, *person, clock_());
    room.members[*person] = NextMembershipId();  // Webex makes the creator a member
    co_return ToRoom(room);
  }

  webex::Task<void> DeleteRoom(std::string token, std::string room_id, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kDeleteRoom)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    if (rooms_.erase(room_id) == 0) co_return Fail(ErrorCode::kNotFound, "fake webex: no such room");
    co_return Result<void>{};
  }

  webex::Task<std::vector<webex::Room>> ListRecentRooms(std::string token, std::string sort_by, int max,
                                                        webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kListRecentRooms)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    last_sort_by_ = sort_by;
    std::vector<const FakeRoom*> visible;
    for (const auto& [id, room] : rooms_) {
      if (room.creator_id == *person || room.members.contains(*person)) visible.push_back(&room);
    }
    std::sort(visible.begin(), visible.end(), [](const FakeRoom* a, const FakeRoom* b) { return a->sequence > b->sequence; });
    std::vector<webex::Room> out;
    for (const FakeRoom* room : visible) {
      if (static_cast<int>(out.size()) >= max) break;
      out.push_back(ToRoom(*room));
    }
    co_return out;
  }

  webex::Task<webex::Membership> AddMembership(std::string token, std::string room_id, std::string person_id,
                                               webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kAddMembership)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto room = rooms_.find(room_id);
    if (room == rooms_.end()) co_return Fail(ErrorCode::kNotFound, "fake webex: no such room");
    if (room->second.members.contains(person_id)) co_return Fail(ErrorCode::kConflict, "fake webex: already a member");
    std::string id = NextMembershipId();
    room->second.members[person_id] = id;
    webex::Membership membership;
    membership.id = id;
    membership.room_id = room_id;
    membership.person_id = person_id;
    membership.room_type = "group";
    membership.created = IsoTime(clock_());
    co_return membership;
  }

  webex::Task<void> DeleteMembership(std::string token, std::string membership_id, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kDeleteMembership)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    for (auto& [id, room] : rooms_) {
      for (auto it = room.members.begin(); it != room.members.end(); ++it) {
        if (it->second == membership_id) {
          room.members.erase(it);
          co_return Result<void>{};
        }
      }
    }
    co_return Fail(ErrorCode::kNotFound, "fake webex: no such membership");
  }

  webex::Task<std::vector<webex::Membership>> ListMemberships(std::string token, std::string room_id,
                                                              webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kListMemberships)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto room = rooms_.find(room_id);
    if (room == rooms_.end()) co_return Fail(ErrorCode::kNotFound, "fake webex: no such room");
    std::vector<webex::Membership> out;
    for (const auto& [person_id, id] : room->second.members) {
      webex::Membership membership;
      membership.id = id;
      membership.room_id = room_id;
      membership.person_id = person_id;
      out.push_back(membership);
    }
    co_return out;
  }

  webex::Task<webex::Message> SendMessage(std::string token, std::string room_id,
                                          webex::OutgoingMessage message,
                                          webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kSendMessage)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    if (!IsMember(room_id, *person)) co_return NoRoom();
    if (message.text.empty() && message.markdown.empty() && message.files.empty() &&
        !message.upload) {
      co_return Fail(ErrorCode::kBadRequest,
                     "fake webex: a message needs text, markdown or a file");
    }
    if (message.text.size() > kMaxMessageBytes || message.markdown.size() > kMaxMessageBytes) {
      co_return Fail(ErrorCode::kBadRequest, "fake webex: the message is too long");
    }
    if (!message.files.empty()) {
      // Like the emulator: files come as uploads, never fetched from a URL.
      co_return Fail(ErrorCode::kBadRequest, "fake webex: files must be uploaded");
    }
    if (!message.parent_id.empty()) {
      auto parent = messages_.find(message.parent_id);
      if (parent == messages_.end() || parent->second.room_id != room_id) {
        co_return Fail(ErrorCode::kBadRequest, "fake webex: no such parent message in the room");
      }
    }
    webex::Message sent;
    sent.id = "message-" + std::to_string(++message_sequence_);
    sent.parent_id = message.parent_id;
    sent.room_id = room_id;
    sent.room_type = "group";
    sent.text = message.text;
    sent.markdown = message.markdown;
    sent.person_id = *person;
    if (auto known = persons_.find(*person);
        known != persons_.end() && !known->second.emails.empty()) {
      sent.person_email = known->second.emails.front();
    }
    sent.created = IsoTime(clock_());
    if (message.upload) {
      FakeContent content;
      content.room_id = room_id;
      content.info.name = message.upload->name;
      content.info.content_type = message.upload->content_type.empty()
                                      ? "application/octet-stream"
                                      : message.upload->content_type;
      content.info.size = static_cast<int64_t>(message.upload->bytes.size());
      content.bytes = std::move(message.upload->bytes);
      const std::string content_id = "content-" + std::to_string(++content_sequence_);
      contents_[content_id] = std::move(content);
      sent.files.push_back(kContentsUrl + content_id);
    }
    room_messages_[room_id].push_back(sent.id);
    if (auto room = rooms_.find(room_id); room != rooms_.end()) room->second.last_activity = sent.created;
    messages_[sent.id] = sent;
    co_return sent;
  }

  webex::Task<webex::MessagePage> ListMessages(std::string token, std::string room_id, int max,
                                               std::string before_message,
                                               webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kListMessages)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    if (!IsMember(room_id, *person)) co_return NoRoom();
    const std::vector<std::string> empty;
    auto listed = room_messages_.find(room_id);
    const std::vector<std::string>& ids =
        listed == room_messages_.end() ? empty : listed->second;  // oldest first
    // Newest first, from just before `before_message` (exclusive).
    auto start = ids.rbegin();
    if (!before_message.empty()) {
      start = std::find(ids.rbegin(), ids.rend(), before_message);
      if (start == ids.rend())
        co_return Fail(ErrorCode::kBadRequest, "fake webex: beforeMessage is not in the room");
      ++start;
    }
    const auto page_size = static_cast<std::ptrdiff_t>(max > 0 ? max : 50);
    webex::MessagePage page;
    auto it = start;
    for (; it != ids.rend() && std::distance(start, it) < page_size; ++it)
      page.items.push_back(messages_.at(*it));
    if (it != ids.rend() && !page.items.empty()) {
      page.next_before_message = page.items.back().id;
      page.next_url = "https://webex.test/v1/messages?roomId=" + room_id +
                      "&max=" + std::to_string(page_size) +
                      "&beforeMessage=" + page.items.back().id;
    }
    co_return page;
  }

  webex::Task<webex::Message> GetMessage(std::string token, std::string message_id,
                                         webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kGetMessage)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto message = messages_.find(message_id);
    if (message == messages_.end() || !IsMember(message->second.room_id, *person)) {
      co_return Fail(ErrorCode::kNotFound, "fake webex: no such message");
    }
    co_return message->second;
  }

  webex::Task<webex::Person> GetPerson(std::string token, std::string person_id,
                                       webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kGetPerson)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto known = persons_.find(person_id);
    if (known == persons_.end()) co_return Fail(ErrorCode::kNotFound, "fake webex: no such person");
    co_return known->second;
  }

  webex::Task<webex::ContentInfo> HeadContent(std::string token, std::string content_id,
                                              webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kHeadContent)) co_return tl::unexpected(*failed);
    auto content = VisibleContent(token, content_id);
    if (!content) co_return tl::unexpected(content.error());
    co_return (*content)->info;
  }

  webex::Task<webex::Content> GetContent(std::string token, std::string content_id,
                                         int64_t max_bytes, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kGetContent)) co_return tl::unexpected(*failed);
    auto content = VisibleContent(token, content_id);
    if (!content) co_return tl::unexpected(content.error());
    if ((*content)->info.size > max_bytes)
      co_return Fail(ErrorCode::kTooLarge, "fake webex: the file is too large");
    co_return webex::Content{(*content)->info, (*content)->bytes};
  }

  webex::Task<webex::Webhook> CreateWebhook(std::string token, webex::WebhookSpec spec,
                                            webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kCreateWebhook)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    if (spec.name.empty() || spec.target_url.empty() || spec.resource.empty() ||
        spec.event.empty()) {
      co_return Fail(ErrorCode::kBadRequest,
                     "fake webex: name, targetUrl, resource and event are required");
    }
    FakeWebhook webhook;
    webhook.sequence = ++webhook_sequence_;
    webhook.hook.id = "webhook-" + std::to_string(webhook.sequence);
    webhook.hook.name = spec.name;
    webhook.hook.target_url = spec.target_url;
    webhook.hook.resource = spec.resource;
    webhook.hook.event = spec.event;
    webhook.hook.filter = spec.filter;
    webhook.hook.status = "active";
    webhook.hook.owned_by = "creator";
    webhook.hook.created_by = *person;
    webhook.hook.created = IsoTime(clock_());
    webhook.secret = spec.secret;
    webex::Webhook out = webhook.hook;
    webhooks_[out.id] = std::move(webhook);
    co_return out;
  }

  webex::Task<std::vector<webex::Webhook>> ListWebhooks(std::string token,
                                                        webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kListWebhooks)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    std::vector<webex::Webhook> out;
    for (const auto& webhook : webhooks()) {
      if (webhook.created_by == *person) out.push_back(webhook);
    }
    co_return out;
  }

  webex::Task<webex::Webhook> UpdateWebhook(std::string token, std::string webhook_id,
                                            webex::WebhookUpdate update, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kUpdateWebhook)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto webhook = webhooks_.find(webhook_id);
    if (webhook == webhooks_.end() || webhook->second.hook.created_by != *person) {
      co_return Fail(ErrorCode::kNotFound, "fake webex: no such webhook");
    }
    if (update.name.empty() || update.target_url.empty()) {
      co_return Fail(ErrorCode::kBadRequest, "fake webex: name and targetUrl are required");
    }
    // Webex only revives a webhook this way; it never deactivates one.
    if (!update.status.empty() && update.status != "active") {
      co_return Fail(ErrorCode::kBadRequest, "fake webex: status may only be set to active");
    }
    webhook->second.hook.name = update.name;
    webhook->second.hook.target_url = update.target_url;
    if (!update.secret.empty()) webhook->second.secret = update.secret;
    if (!update.status.empty()) webhook->second.hook.status = update.status;
    co_return webhook->second.hook;
  }

  webex::Task<void> DeleteWebhook(std::string token, std::string webhook_id,
                                  webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kDeleteWebhook)) co_return tl::unexpected(*failed);
    auto person = Caller(token);
    if (!person) co_return tl::unexpected(person.error());
    auto webhook = webhooks_.find(webhook_id);
    if (webhook == webhooks_.end() || webhook->second.hook.created_by != *person) {
      co_return Fail(ErrorCode::kNotFound, "fake webex: no such webhook");
    }
    webhooks_.erase(webhook);
    co_return Result<void>{};
  }

  webex::Task<webex::GuestToken> CreateGuestToken(std::string, std::string subject, std::string,
                                                  webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kCreateGuestToken)) co_return tl::unexpected(*failed);
    webex::GuestToken token;
    token.person_id = "person-" + subject;
    token.access_token = "guest-access-" + subject;
    token.expires_in = 3600;
    co_return token;
  }

  webex::Task<webex::JwtLogin> LoginWithJwt(std::string jwt, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kLoginWithJwt)) co_return tl::unexpected(*failed);
    co_return webex::JwtLogin{"jwt-access-" + std::to_string(jwt.size()), 3600};
  }

  webex::Task<webex::OAuthTokens> ExchangeCode(std::string, std::string, std::string code, std::string,
                                               std::string, webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kExchangeCode)) co_return tl::unexpected(*failed);
    co_return Fail(ErrorCode::kBadRequest, "fake webex: unknown code " + code);
  }

  webex::Task<webex::OAuthTokens> RefreshToken(std::string, std::string, std::string refresh_token,
                                               webex::Deadline) override {
    if (auto failed = co_await Enter(Op::kRefreshToken)) co_return tl::unexpected(*failed);
    auto owner = refresh_owner_.find(refresh_token);
    if (owner == refresh_owner_.end()) co_return Fail(ErrorCode::kUnauthorized, "fake webex: unknown refresh token");
    webex::OAuthTokens tokens;
    tokens.access_token = "refreshed-access-" + std::to_string(++refreshes_);
    tokens.expires_in = access_lifetime_;
    tokens.refresh_token = refresh_token;
    tokens.refresh_token_expires_in = 90 * 24 * 3600;
    people_by_token_[tokens.access_token] = persons_[owner->second];
    issued_.push_back(tokens.access_token);
    co_return tokens;
  }

  std::string AuthorizeUrl(const std::string& client_id, const std::string& redirect_uri, const std::string&,
                           const std::string& state, const std::string& code_challenge) const override {
    return "https://fake.webex/authorize?client_id=" + client_id + "&redirect_uri=" + redirect_uri +
           "&state=" + state + "&code_challenge=" + code_challenge;
  }

 private:
  struct OpState {
    int calls = 0;
    int fail_remaining = 0;  // < 0: always
    ErrorCode fail_code = ErrorCode::kUnavailable;
    int retry_after_seconds = 0;
    std::function<void()> hook;
    std::chrono::milliseconds latency{0};
  };

  struct FakeContent {
    std::string room_id;
    webex::ContentInfo info;
    std::string bytes;
  };

  struct FakeWebhook {
    webex::Webhook hook;
    std::string secret;
    uint64_t sequence = 0;
  };

  static std::size_t Index(Op op) { return static_cast<std::size_t>(op); }

  // Counts the call, waits its latency, runs its hook; the failure to answer with, if one is due.
  boost::asio::awaitable<std::optional<Error>> Enter(Op op) {
    ++ops_[Index(op)].calls;
    auto executor = co_await boost::asio::this_coro::executor;
    const auto latency = ops_[Index(op)].latency;
    if (latency.count() > 0) {
      boost::asio::steady_timer timer(executor, latency);
      co_await timer.async_wait(boost::asio::use_awaitable);
    } else {
      co_await boost::asio::post(executor, boost::asio::use_awaitable);
    }
    if (auto hook = ops_[Index(op)].hook) hook();  // a copy: the hook may replace itself
    auto& state = ops_[Index(op)];
    if (state.fail_remaining == 0) co_return std::nullopt;
    if (state.fail_remaining > 0) --state.fail_remaining;
    Error error{state.fail_code, "fake webex: the call failed"};
    error.retry_after_seconds = state.retry_after_seconds;
    co_return error;
  }

  Result<std::string> Caller(const std::string& token) const {
    auto person = people_by_token_.find(token);
    if (person == people_by_token_.end()) return Fail(ErrorCode::kUnauthorized, "fake webex: unknown token");
    return person->second.id;
  }

  // Whether `person_id` is in the room; like Webex, anything else reads as "no such room".
  bool IsMember(const std::string& room_id, const std::string& person_id) const {
    auto room = rooms_.find(room_id);
    return room != rooms_.end() && room->second.members.contains(person_id);
  }

  static tl::unexpected<Error> NoRoom() {
    return Fail(ErrorCode::kNotFound, "fake webex: Could not find a room with provided ID.");
  }

  // A file the caller may see: one uploaded to a room it is in.
  Result<const FakeContent*> VisibleContent(const std::string& token,
                                            const std::string& content_id) const {
    if (!webex::IsContentId(content_id))
      return Fail(ErrorCode::kBadRequest, "fake webex: not a content id");
    auto person = Caller(token);
    if (!person) return tl::unexpected(person.error());
    auto content = contents_.find(content_id);
    if (content == contents_.end() || !IsMember(content->second.room_id, *person)) {
      return Fail(ErrorCode::kNotFound, "fake webex: no such content");
    }
    return &content->second;
  }

  FakeRoom& NewRoom(const std::string& title, const std::string& creator_id, int64_t created_at) {
    FakeRoom room;
    room.sequence = ++room_sequence_;
    room.id = "room-" + std::to_string(room.sequence);
    room.title = title;
    room.creator_id = creator_id;
    room.created_at = created_at;
    room.created = IsoTime(created_at);
    auto [it, inserted] = rooms_.emplace(room.id, std::move(room));
    return it->second;
  }

  std::string NextMembershipId() { return "membership-" + std::to_string(++membership_sequence_); }

  static webex::Room ToRoom(const FakeRoom& room) {
    webex::Room out;
    out.id = room.id;
    out.title = room.title;
    out.type = "group";
    out.creator_id = room.creator_id;
    out.created = room.created;
    out.last_activity = room.last_activity.empty() ? room.created : room.last_activity;
    return out;
  }

  Clock clock_;
  std::array<OpState, static_cast<std::size_t>(Op::kCount)> ops_{};
  std::map<std::string, webex::Person> people_by_token_;
  std::map<std::string, webex::Person> persons_;
  std::map<std::string, std::string> refresh_owner_;  // refresh token -> person id
  std::map<std::string, FakeRoom> rooms_;
  std::map<std::string, webex::Message> messages_;  // by id
  std::map<std::string, std::vector<std::string>>
      room_messages_;                            // room id -> message ids, oldest first
  std::map<std::string, FakeContent> contents_;  // by content id
  std::map<std::string, FakeWebhook> webhooks_;  // by id
  std::map<std::string, webex::Meeting> meetings_;  // by id
  uint64_t meeting_sequence_ = 0;
  std::vector<std::string> issued_;
  std::string last_sort_by_;
  uint64_t room_sequence_ = 0;
  uint64_t membership_sequence_ = 0;
  uint64_t message_sequence_ = 0;
  uint64_t content_sequence_ = 0;
  uint64_t webhook_sequence_ = 0;
  uint64_t refreshes_ = 0;
  int64_t access_lifetime_ = 14 * 24 * 3600;
};

class FakeGuestTokenProvider final : public webex::GuestTokenProvider {
 public:
  static std::string PersonIdOf(const std::string& subject) { return "person-" + subject; }

  webex::Task<webex::GuestToken> Issue(std::string subject, std::string display_name, webex::Deadline) override {
    ++calls_;
    co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
    if (auto hook = hook_) hook(subject);
    if (failure_) co_return tl::unexpected(*failure_);
    last_display_name_ = display_name;
    webex::GuestToken token;
    token.person_id = PersonIdOf(subject);
    token.access_token = "guest-token-" + subject + "-" + std::to_string(calls_);
    token.expires_in = 3600;
    if (webex_) {
      // The guest's token works at the fake Webex, as the person it names.
      webex::Person person;
      person.id = token.person_id;
      person.display_name = display_name;
      person.type = "appuser";
      webex_->AddPerson(token.access_token, person);
    }
    co_return token;
  }

  // Tokens issued from now on are known to `webex`.
  void SetWebex(FakeWebex* webex) { webex_ = webex; }
  int calls() const { return calls_; }
  // Runs inside every Issue, before it answers, with the subject (the guest id).
  void SetHook(std::function<void(const std::string&)> hook) { hook_ = std::move(hook); }
  void SetFailure(std::optional<Error> failure) { failure_ = std::move(failure); }
  const std::string& last_display_name() const { return last_display_name_; }

 private:
  int calls_ = 0;
  FakeWebex* webex_ = nullptr;
  std::function<void(const std::string&)> hook_;
  std::optional<Error> failure_;
  std::string last_display_name_;
};

// Deterministic ids: a counter run through splitmix64, shared by every copy (several services
// take a RandomSource; they must not hand out the same ids).
inline domain::RandomSource CountingRandom(uint64_t seed = 1) {
  struct State {
    std::mutex mutex;
    uint64_t next;
  };
  auto state = std::make_shared<State>();
  state->next = seed;
  return [state](unsigned char* out, size_t size) {
    std::lock_guard lock(state->mutex);
    for (size_t i = 0; i < size; ++i) {
      uint64_t z = (state->next += 0x9e3779b97f4a7c15ULL);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      out[i] = static_cast<unsigned char>(z ^ (z >> 31));
    }
  };
}

// The real services over SQLite :memory:, with FakeWebex and FakeGuestTokenProvider at the edge.
class ServiceTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStart = 1'700'000'000;
  static constexpr const char* kAdminPerson = "person-app-admin";
  static constexpr const char* kAdminAccess = "admin-access-0";
  static constexpr const char* kAdminRefresh = "admin-refresh";
  static constexpr const char* kPassword = "correct horse battery staple";

  // Cheap Argon2id for tests (the configuration refuses these; the code under test does not care).
  static crypto::PasswordParams TestPasswordParams() {
    crypto::PasswordParams params;
    params.memory_kib = 1024;
    params.iterations = 2;
    return params;
  }

  ServiceTest() {
    auto opened = storage::OpenStorage("sqlite::memory:");
    if (!opened) throw std::runtime_error("cannot open SQLite :memory:: " + opened.error().message);
    storage_ = std::move(*opened);
    auto migrated = storage_->Migrate();
    if (!migrated) throw std::runtime_error("cannot migrate: " + migrated.error().message);
    clock_ = [this] {
      // A one-shot hook lets a test make a change "between" two steps of the code under test.
      std::function<void()> hook;
      {
        std::lock_guard lock(clock_mutex_);
        hook = std::move(on_next_clock_read_);
        on_next_clock_read_ = nullptr;
      }
      if (hook) hook();
      return now_.load();
    };
    io_ = std::make_unique<boost::asio::io_context>();
    pool_ = std::make_unique<WorkPool>(2, 64);
    box_.emplace(*crypto::SecretBox::FromKey(std::string(crypto::SecretBox::kKeySize, 'k')));
    webex_ = std::make_unique<FakeWebex>(clock_);
    provider_ = std::make_unique<FakeGuestTokenProvider>();
    provider_->SetWebex(webex_.get());
    random_ = CountingRandom();
    sessions_ = std::make_unique<Sessions>(*storage_, clock_, 3600);
    audit_ = std::make_unique<Audit>(*storage_, *pool_, clock_);
    app_admin_ =
        std::make_unique<AppAdmin>(*storage_, *webex_, *pool_, *box_, *audit_, clock_, "client-id", "client-secret");
    guest_tokens_ = std::make_unique<GuestTokens>(*storage_, *provider_, *pool_, *box_, *audit_, clock_);
    spaces_ = std::make_unique<Spaces>(*storage_, *webex_, *app_admin_, *guest_tokens_, *pool_, *audit_, intents_,
                                       clock_, random_);
    reconciler_ = std::make_unique<Reconciler>(*storage_, *webex_, *app_admin_, *pool_, *audit_, intents_, clock_);
    policy_ = std::make_unique<Policy>(*storage_, *audit_, clock_);
    guests_ = std::make_unique<Guests>(*storage_, *sessions_, *audit_, clock_, TestPasswordParams(), random_);
    guest_auth_ = std::make_unique<GuestAuth>(*storage_, *sessions_, *app_admin_, *guest_tokens_, throttle_, *pool_,
                                              *audit_, clock_, TestPasswordParams());
  }

  ~ServiceTest() override {
    // The pool's threads finish first, then the loop drops what it still holds (coroutine frames
    // refer to the services), then the services go, and the database last.
    pool_->Join();
    io_.reset();
    guest_auth_.reset();
    guests_.reset();
    policy_.reset();
    reconciler_.reset();
    spaces_.reset();
    guest_tokens_.reset();
    app_admin_.reset();
    audit_.reset();
    sessions_.reset();
    pool_.reset();
    storage_.reset();
  }

  template <typename T>
  T Run(boost::asio::awaitable<T> task) {
    return RunSync(*io_, std::move(task));
  }

  void Advance(int64_t seconds) { now_ += seconds; }
  int64_t Now() const { return now_.load(); }
  // `hook` runs once, at the next read of the injected clock by anyone.
  void OnNextClockRead(std::function<void()> hook) {
    std::lock_guard lock(clock_mutex_);
    on_next_clock_read_ = std::move(hook);
  }

  // Signs the AppAdmin in with an access token that lives `access_lifetime` seconds.
  void SignInAppAdmin(int64_t access_lifetime = 14 * 24 * 3600) {
    webex::Person person;
    person.id = kAdminPerson;
    person.emails = {"admin@example.com"};
    person.display_name = "App Admin";
    webex_->AddPerson(kAdminAccess, person, kAdminRefresh);
    webex::OAuthTokens tokens;
    tokens.access_token = kAdminAccess;
    tokens.expires_in = access_lifetime;
    tokens.refresh_token = kAdminRefresh;
    tokens.refresh_token_expires_in = 90 * 24 * 3600;
    auto adopted = app_admin_->Adopt(tokens, person);
    ASSERT_TRUE(adopted) << adopted.error().message;
  }

  // Stores a guest (id "g-<username>") directly, with a hash of kPassword made with `params`.
  storage::GuestRecord AddGuest(const std::string& username, const std::string& display_name,
                                std::optional<crypto::PasswordParams> params = std::nullopt) {
    storage::GuestRecord guest;
    guest.id = "g-" + username;
    guest.username = username;
    guest.display_name = display_name;
    guest.password_hash = *crypto::HashPassword(kPassword, params.value_or(TestPasswordParams()));
    guest.created_at = Now();
    guest.updated_at = Now();
    auto created = storage_->CreateGuest(guest);
    EXPECT_TRUE(created) << created.error().message;
    return guest;
  }

  void Allow(const std::vector<domain::Pair>& pairs) {
    std::vector<storage::PairRecord> normalized;
    for (const auto& [a, b] : pairs) normalized.push_back(domain::NormalizePair(a, b));
    auto replaced = storage_->ReplacePairs(normalized, Now());
    ASSERT_TRUE(replaced) << replaced.error().message;
  }

  // An open space of `members` as a completed creation leaves it: a Webex room made by the AppAdmin
  // holding every member, and the stored space with their membership ids. Members get their
  // provider person id.
  storage::SpaceRecord SeedOpenSpace(const std::vector<std::string>& member_ids, const std::string& title) {
    std::vector<std::string> persons;
    for (const auto& id : member_ids) {
      persons.push_back(FakeGuestTokenProvider::PersonIdOf(id));
      auto stored = storage_->SetGuestPersonId(id, persons.back(), Now());
      EXPECT_TRUE(stored) << stored.error().message;
    }
    std::vector<std::string> in_room = persons;
    in_room.push_back(kAdminPerson);
    std::string room_id = webex_->SeedRoom(title, kAdminPerson, Now(), in_room);
    storage::SpaceRecord space;
    space.id = "space-" + std::to_string(++seeded_spaces_);
    space.webex_room_id = room_id;
    space.title = title;
    space.member_key = domain::MemberKey(member_ids);
    space.member_ids = member_ids;
    for (std::size_t i = 0; i < member_ids.size(); ++i) {
      space.membership_ids[member_ids[i]] = webex_->MembershipIdOf(room_id, persons[i]);
    }
    space.created_by = member_ids.front();
    space.created_at = Now();
    space.last_activity = Now();
    auto created = storage_->CreateSpace(space);
    EXPECT_TRUE(created) << created.error().message;
    return space;
  }

  std::vector<storage::WebexJob> Jobs() {
    auto jobs = storage_->ListWebexJobs();
    EXPECT_TRUE(jobs) << jobs.error().message;
    return jobs ? *jobs : std::vector<storage::WebexJob>{};
  }
  std::vector<storage::SpaceIntent> Intents() {
    auto intents = storage_->ListSpaceIntents(std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(intents) << intents.error().message;
    return intents ? *intents : std::vector<storage::SpaceIntent>{};
  }
  std::vector<storage::SpaceRecord> AllSpaces() {
    auto spaces = storage_->ListSpaces();
    EXPECT_TRUE(spaces) << spaces.error().message;
    return spaces ? *spaces : std::vector<storage::SpaceRecord>{};
  }
  std::vector<storage::SpaceRecord> OpenSpacesOf(const std::string& guest_id) {
    auto spaces = storage_->ListSpacesForGuest(guest_id, false);
    EXPECT_TRUE(spaces) << spaces.error().message;
    return spaces ? *spaces : std::vector<storage::SpaceRecord>{};
  }
  // How many session rows exist, of any guest or administrator. Storage has no listing of
  // sessions, so this deletes them all: call it last.
  int64_t CountAndDropAllSessions() {
    auto deleted = storage_->DeleteExpiredSessions(std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(deleted) << deleted.error().message;
    return deleted ? *deleted : -1;
  }

  std::atomic<int64_t> now_{kStart};
  std::mutex clock_mutex_;
  std::function<void()> on_next_clock_read_;
  Clock clock_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<WorkPool> pool_;
  std::optional<crypto::SecretBox> box_;
  std::unique_ptr<FakeWebex> webex_;
  std::unique_ptr<FakeGuestTokenProvider> provider_;
  domain::RandomSource random_;
  domain::LoginThrottle throttle_;
  InFlightIntents intents_;
  std::unique_ptr<Sessions> sessions_;
  std::unique_ptr<Audit> audit_;
  std::unique_ptr<AppAdmin> app_admin_;
  std::unique_ptr<GuestTokens> guest_tokens_;
  std::unique_ptr<Spaces> spaces_;
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<Policy> policy_;
  std::unique_ptr<Guests> guests_;
  std::unique_ptr<GuestAuth> guest_auth_;
  int seeded_spaces_ = 0;
};

}  // namespace gp::service::fakes
