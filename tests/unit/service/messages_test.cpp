// Messages and the Notifier over SQLite and the fake Webex: who may read and write, what reaches
// Webex, and that each message is announced once however the portal learns of it.
#include "service/messages.hpp"

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "fakes.hpp"
#include "service/events.hpp"
#include "service/notices.hpp"
#include "service/notifier.hpp"

namespace gp::service {
namespace {

namespace asio = boost::asio;
using fakes::FakeGuestTokenProvider;
using fakes::FakeWebex;
using Op = FakeWebex::Op;
using namespace std::chrono_literals;

constexpr const char* kPing = ": test-ping\n\n";

class MessagesTest : public fakes::ServiceTest {
 protected:
  void SetUp() override {
    SignInAppAdmin();
    ann_ = AddGuest("ann", "Ann");
    bob_ = AddGuest("bob", "Bob");
    cy_ = AddGuest("cy", "Cy");
    space_ = SeedOpenSpace({ann_.id, bob_.id}, "Ann and Bob");
    Events::Options options;
    options.stream.heartbeat = 5ms;
    options.stream.heartbeat_text = kPing;
    events_ = std::make_unique<Events>(options);
    notices_ = std::make_unique<Notices>(*storage_, *events_);
    messages_ = std::make_unique<Messages>(*storage_, *webex_, *app_admin_, *guest_tokens_, *pool_, *notices_, *audit_,
                                           clock_, 1000);
  }

  void TearDown() override {
    pool_->Join();
    // The streams' timers belong to the loop: they go before it, as in the portal.
    events_.reset();
    // Coroutine frames the loop still holds refer to these.
    io_.reset();
    notifier_.reset();
    messages_.reset();
  }

  Notifier& MakeNotifier(NotifyMode mode) {
    notifier_ = std::make_unique<Notifier>(*storage_, *webex_, *app_admin_, *messages_, *pool_, *box_, mode,
                                           "https://portal.test/webhooks/webex");
    return *notifier_;
  }

  std::shared_ptr<http::Stream> Listen(const storage::GuestRecord& guest) {
    return events_->Open({guest.id, "session-" + guest.id, "cookie-" + guest.id, Now() + 3600}, std::nullopt);
  }

  // What the stream has received so far.
  std::string Received(const std::shared_ptr<http::Stream>& stream) {
    stream->Attach(io_->get_executor());
    std::string text;
    Run([&]() -> asio::awaitable<void> {
      for (;;) {
        auto next = co_await stream->Next();
        if (!next || *next == kPing) co_return;
        text += *next;
      }
    }());
    return text;
  }

  static int Count(const std::string& text, const std::string& what) {
    int count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
    return count;
  }

  std::string AnnPerson() const { return FakeGuestTokenProvider::PersonIdOf(ann_.id); }

  storage::GuestRecord ann_;
  storage::GuestRecord bob_;
  storage::GuestRecord cy_;
  storage::SpaceRecord space_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<Notices> notices_;
  std::unique_ptr<Messages> messages_;
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(MessagesTest, ASentMessageIsTheGuestsOwnOneWebexCallAndAnnouncedToTheMembers) {
  auto ann_events = Listen(ann_);
  auto bob_events = Listen(bob_);
  auto cy_events = Listen(cy_);
  const int calls_before = webex_->TotalCalls();
  auto sent = Run(messages_->Send({ann_.id, space_.id, "hello Bob", "", std::nullopt}));
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(webex_->TotalCalls() - calls_before, 1);
  EXPECT_EQ(webex_->Calls(Op::kSendMessage), 1);
  auto in_webex = webex_->MessagesIn(space_.webex_room_id);
  ASSERT_EQ(in_webex.size(), 1u);
  EXPECT_EQ(in_webex.front().person_id, AnnPerson());
  EXPECT_EQ(in_webex.front().text, "hello Bob");
  EXPECT_EQ(sent->sender_guest_id, ann_.id);
  EXPECT_EQ(sent->sender_name, "Ann");

  std::string expected = "\"messageId\":\"" + sent->id + "\"";
  std::string bob_text = Received(bob_events);
  EXPECT_EQ(Count(bob_text, expected), 1);
  EXPECT_NE(bob_text.find("\"senderGuestId\":\"" + ann_.id + "\""), std::string::npos) << bob_text;
  EXPECT_EQ(Count(Received(ann_events), expected), 1);
  EXPECT_EQ(Count(Received(cy_events), "message.created"), 0);
  // The sender has read it; the other member has not.
  auto spaces = storage_->ListSpacesForGuest(ann_.id);
  ASSERT_TRUE(spaces && spaces->size() == 1);
  EXPECT_EQ(spaces->front().read_mark_ms, spaces->front().last_message_ms);
}

TEST_F(MessagesTest, NonMembersAndClosedSpacesGetNotFoundWithoutAWebexCall) {
  const int calls_before = webex_->TotalCalls();
  auto send = Run(messages_->Send({cy_.id, space_.id, "let me in", "", std::nullopt}));
  ASSERT_FALSE(send);
  EXPECT_EQ(send.error().code, ErrorCode::kNotFound);
  auto list = Run(messages_->List(cy_.id, space_.id, 10, ""));
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code, ErrorCode::kNotFound);
  auto file = Run(messages_->File(cy_.id, space_.id, "content-1"));
  EXPECT_EQ(file.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(storage_->CloseSpace(space_.id, Now()));
  auto closed = Run(messages_->List(ann_.id, space_.id, 10, ""));
  EXPECT_EQ(closed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(webex_->TotalCalls(), calls_before);
}

TEST_F(MessagesTest, TextOverWebexsLimitOrAFileOverTheMaximumSendsNothing) {
  auto long_text = Run(messages_->Send({ann_.id, space_.id, std::string(7440, 'x'), "", std::nullopt}));
  ASSERT_FALSE(long_text);
  EXPECT_EQ(long_text.error().code, ErrorCode::kTooLarge);
  auto big_file =
      Run(messages_->Send({ann_.id, space_.id, "", "", OutgoingFile{"a.bin", "application/octet-stream",
                                                                     std::string(1001, 'x')}}));
  ASSERT_FALSE(big_file);
  EXPECT_EQ(big_file.error().code, ErrorCode::kTooLarge);
  auto both = Run(messages_->Send({ann_.id, space_.id, "a", "b", std::nullopt}));
  EXPECT_EQ(both.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(webex_->Calls(Op::kSendMessage), 0);
}

TEST_F(MessagesTest, AFileRoundTripsAndIsReachableOnlyThroughItsSpace) {
  auto sent = Run(messages_->Send(
      {ann_.id, space_.id, "report", "", OutgoingFile{"../r\xC3\xA9port.pdf", "application/pdf", "%PDF-\0bytes"}}));
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_EQ(sent->files.size(), 1u);
  EXPECT_EQ(sent->files[0].name, "r\xC3\xA9port.pdf");
  auto down = Run(messages_->File(bob_.id, space_.id, sent->files[0].id));
  ASSERT_TRUE(down) << down.error().message;
  EXPECT_EQ(down->bytes, std::string("%PDF-\0bytes"));
  EXPECT_EQ(down->content_type, "application/pdf");
  EXPECT_EQ(down->name, "r\xC3\xA9port.pdf");
  auto other = SeedOpenSpace({ann_.id, cy_.id}, "Ann and Cy");
  auto elsewhere = Run(messages_->File(ann_.id, other.id, sent->files[0].id));
  EXPECT_EQ(elsewhere.error().code, ErrorCode::kNotFound);
}

TEST_F(MessagesTest, AMessageLearnedTwiceIsFetchedAndAnnouncedOnce) {
  auto bob_events = Listen(bob_);
  webex::Person staff;
  staff.id = "person-staff";
  staff.display_name = "Staff Member";
  webex_->SeedPerson(staff);
  std::string id = webex_->SeedMessage(space_.webex_room_id, kAdminPerson, "from the app");
  auto first = Run(messages_->Learn(space_.webex_room_id, id, std::nullopt));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  auto again = Run(messages_->Learn(space_.webex_room_id, id, std::nullopt));
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(webex_->Calls(Op::kGetMessage), 1);
  std::string text = Received(bob_events);
  EXPECT_EQ(Count(text, "\"messageId\":\"" + id + "\""), 1);
  EXPECT_NE(text.find("\"senderName\":\"App Admin\""), std::string::npos) << text;
  // A room that is not a portal space is none of the portal's business.
  auto foreign = Run(messages_->Learn("room-elsewhere", "message-x", std::nullopt));
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(*foreign);
  EXPECT_EQ(webex_->Calls(Op::kGetMessage), 1);
}

TEST_F(MessagesTest, ReadMarksNeedAMessageOfTheSpace) {
  std::string id = webex_->SeedMessage(space_.webex_room_id, kAdminPerson, "news");
  ASSERT_TRUE(Run(messages_->Learn(space_.webex_room_id, id, std::nullopt)));
  auto unknown = Run(messages_->MarkRead(bob_.id, space_.id, "message-unknown"));
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  auto marked = Run(messages_->MarkRead(bob_.id, space_.id, id));
  ASSERT_TRUE(marked) << marked.error().message;
  auto spaces = storage_->ListSpacesForGuest(bob_.id);
  ASSERT_TRUE(spaces && spaces->size() == 1);
  EXPECT_EQ(spaces->front().read_mark_ms, spaces->front().last_message_ms);

  // Listed by Webex before the portal learned of it: the mark moves, and the announcement still comes.
  auto bob_events = Listen(bob_);
  Advance(10);
  std::string later = webex_->SeedMessage(space_.webex_room_id, kAdminPerson, "later");
  auto early = Run(messages_->MarkRead(bob_.id, space_.id, later));
  ASSERT_TRUE(early) << early.error().message;
  auto learned = Run(messages_->Learn(space_.webex_room_id, later, std::nullopt));
  ASSERT_TRUE(learned && *learned);
  EXPECT_EQ(Count(Received(bob_events), "\"messageId\":\"" + later + "\""), 1);
  spaces = storage_->ListSpacesForGuest(bob_.id);
  EXPECT_EQ(spaces->front().read_mark_ms, spaces->front().last_message_ms);
  // A message of another room is not a mark for this one.
  auto other = SeedOpenSpace({bob_.id, cy_.id}, "Bob and Cy");
  std::string elsewhere = webex_->SeedMessage(other.webex_room_id, kAdminPerson, "elsewhere");
  auto wrong_room = Run(messages_->MarkRead(bob_.id, space_.id, elsewhere));
  EXPECT_EQ(wrong_room.error().code, ErrorCode::kNotFound);
}

TEST_F(MessagesTest, TheWebhooksAreMadeOnceWithAStoredSecretAndRevivedWhenDisabled) {
  Notifier& notifier = MakeNotifier(NotifyMode::kWebhook);
  ASSERT_TRUE(Run(notifier.Check()));
  ASSERT_TRUE(Run(notifier.Check()));
  auto hooks = webex_->webhooks();
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].target_url, "https://portal.test/webhooks/webex");
  EXPECT_EQ(hooks[0].resource, "messages");
  EXPECT_EQ(hooks[0].event, "created");
  EXPECT_EQ(hooks[1].target_url, "https://portal.test/webhooks/webex");
  EXPECT_EQ(hooks[1].resource, "meetings");
  EXPECT_EQ(hooks[1].event, "ended");
  const std::string secret = webex_->WebhookSecret(hooks[0].id);
  ASSERT_EQ(secret.size(), 64u);
  EXPECT_EQ(webex_->WebhookSecret(hooks[1].id), secret);
  // Stored encrypted, never in clear.
  auto stored = storage_->GetSetting(Notifier::kSecretSetting);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->find(secret), std::string::npos);

  const std::string body = R"({"resource":"messages","event":"created","data":{"id":"m","roomId":"r"}})";
  EXPECT_TRUE(Run(notifier.Verify(body, HexEncode(crypto::HmacSha1(secret, body)))));
  EXPECT_EQ(Run(notifier.Verify(body, HexEncode(crypto::HmacSha1("guess", body)))).error().code,
            ErrorCode::kUnauthorized);
  EXPECT_EQ(Run(notifier.Verify(body, "")).error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(Run(notifier.Verify(body + " ", HexEncode(crypto::HmacSha1(secret, body)))).error().code,
            ErrorCode::kUnauthorized);

  webex_->SetWebhookStatus(hooks[0].id, "inactive");
  ASSERT_TRUE(Run(notifier.Check()));
  EXPECT_EQ(webex_->webhooks().at(0).status, "active");
  EXPECT_EQ(webex_->Calls(Op::kCreateWebhook), 2);
  EXPECT_EQ(webex_->Calls(Op::kUpdateWebhook), 1);
}

TEST_F(MessagesTest, AMeetingsEndedDeliveryNamesItsMeetingToTheBroker) {
  Notifier& notifier = MakeNotifier(NotifyMode::kWebhook);
  std::vector<std::string> ended;
  notifier.SetOnMeetingEnded([&ended](std::string id) -> asio::awaitable<void> {
    ended.push_back(std::move(id));
    co_return;
  });
  ASSERT_TRUE(Run(notifier.Deliver(R"({"resource":"meetings","event":"ended","data":{"id":"abc123","roomId":"r"}})")));
  ASSERT_TRUE(Run(notifier.Deliver(R"({"resource":"meetings","event":"started","data":{"id":"other","roomId":"r"}})")));
  EXPECT_EQ(ended, std::vector<std::string>{"abc123"});
  auto bad = Run(notifier.Deliver(R"({"resource":"meetings","event":"ended","data":{"id":"not an id!"}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(ended.size(), 1u);
}

TEST_F(MessagesTest, PollingCostsOneCallWhenNothingChangedAndAnnouncesNewMessagesOnce) {
  Notifier& notifier = MakeNotifier(NotifyMode::kPoll);
  auto bob_events = Listen(bob_);
  ASSERT_TRUE(Run(notifier.Poll()));
  const int before = webex_->TotalCalls();
  ASSERT_TRUE(Run(notifier.Poll()));
  EXPECT_EQ(webex_->TotalCalls() - before, 1);

  Advance(5);
  std::string first = webex_->SeedMessage(space_.webex_room_id, kAdminPerson, "one");
  std::string second = webex_->SeedMessage(space_.webex_room_id, kAdminPerson, "two");
  ASSERT_TRUE(Run(notifier.Poll()));
  ASSERT_TRUE(Run(notifier.Poll()));
  std::string text = Received(bob_events);
  EXPECT_EQ(Count(text, "\"messageId\":\"" + first + "\""), 1);
  EXPECT_EQ(Count(text, "\"messageId\":\"" + second + "\""), 1);
  // In the order they were posted.
  EXPECT_LT(text.find(first), text.find(second));
}

}  // namespace
}  // namespace gp::service
