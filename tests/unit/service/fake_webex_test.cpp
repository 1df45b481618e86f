// FakeWebex behaves like Webex where service tests rely on it: membership decides what a person
// sees, messages page newest first, uploads become contents, webhooks belong to their creator.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include "fakes.hpp"

namespace gp::service::fakes {
namespace {

using Op = FakeWebex::Op;

class FakeWebexTest : public ::testing::Test {
 protected:
  FakeWebexTest() {
    webex::Person ann;
    ann.id = "person-ann";
    ann.emails = {"ann@example.com"};
    webex_.AddPerson("tok-ann", ann);
    webex::Person bob;
    bob.id = "person-bob";
    webex_.AddPerson("tok-bob", bob);
    room_ = webex_.SeedRoom("Room", "person-ann", kNow, {"person-ann"});
  }

  template <typename T>
  T Run(boost::asio::awaitable<T> task) {
    return RunSync(io_, std::move(task));
  }
  webex::Deadline Later() const { return webex::DeadlineIn(std::chrono::seconds(10)); }
  std::string Send(const std::string& text) {
    auto sent = Run(webex_.SendMessage("tok-ann", room_, {.text = text}, Later()));
    EXPECT_TRUE(sent.has_value()) << sent.error().message;
    return sent ? sent->id : std::string();
  }
  static std::vector<std::string> Texts(const webex::MessagePage& page) {
    std::vector<std::string> out;
    for (const auto& message : page.items) out.push_back(message.text);
    return out;
  }

  static constexpr int64_t kNow = 1'700'000'000;
  boost::asio::io_context io_;
  FakeWebex webex_{[] { return kNow; }};
  std::string room_;
};

TEST_F(FakeWebexTest, MessagesPageNewestFirstBeforeAMessageExclusive) {
  for (const char* text : {"m1", "m2", "m3", "m4", "m5"}) Send(text);

  auto first = Run(webex_.ListMessages("tok-ann", room_, 2, "", Later()));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(Texts(*first), (std::vector<std::string>{"m5", "m4"}));
  ASSERT_TRUE(first->next_before_message.has_value());
  EXPECT_EQ(*first->next_before_message, first->items.back().id);
  EXPECT_TRUE(first->next_url.has_value());

  auto second = Run(webex_.ListMessages("tok-ann", room_, 2, *first->next_before_message, Later()));
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(Texts(*second), (std::vector<std::string>{"m3", "m2"}));

  auto last = Run(webex_.ListMessages("tok-ann", room_, 2, *second->next_before_message, Later()));
  ASSERT_TRUE(last.has_value()) << last.error().message;
  EXPECT_EQ(Texts(*last), std::vector<std::string>{"m1"});
  EXPECT_FALSE(last->next_before_message.has_value());
  EXPECT_FALSE(last->next_url.has_value());

  auto all = Run(webex_.ListMessages("tok-ann", room_, 0, "", Later()));
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(Texts(*all), (std::vector<std::string>{"m5", "m4", "m3", "m2", "m1"}));
  EXPECT_FALSE(all->next_before_message.has_value());

  auto unknown = Run(webex_.ListMessages("tok-ann", room_, 2, "message-404", Later()));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(webex_.Calls(Op::kListMessages), 5);
  EXPECT_EQ(webex_.Calls(Op::kSendMessage), 5);
}

TEST_F(FakeWebexTest, SentMessagesCarryTheSenderAndThreadInTheirRoom) {
  const std::string parent = Send("question");
  auto reply = Run(webex_.SendMessage("tok-ann", room_,
                                      {.markdown = "**answer**", .parent_id = parent}, Later()));
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->parent_id, parent);
  EXPECT_EQ(reply->person_id, "person-ann");
  EXPECT_EQ(reply->person_email, "ann@example.com");
  EXPECT_EQ(reply->room_id, room_);
  EXPECT_EQ(reply->created, IsoTime(kNow));
  auto read = Run(webex_.GetMessage("tok-ann", reply->id, Later()));
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(read->markdown, "**answer**");
  ASSERT_EQ(webex_.MessagesIn(room_).size(), 2u);
  EXPECT_EQ(webex_.MessagesIn(room_).front().id, reply->id);

  const std::string other_room = webex_.SeedRoom("Other", "person-ann", kNow, {"person-ann"});
  const std::vector<webex::OutgoingMessage> refused = {
      {},
      {.text = std::string(FakeWebex::kMaxMessageBytes + 1, 'x')},
      {.text = "t", .files = {"https://example.com/a.png"}},
      {.text = "t", .parent_id = parent},  // a parent in another room
  };
  for (const auto& message : refused) {
    auto sent = Run(webex_.SendMessage("tok-ann", other_room, message, Later()));
    ASSERT_FALSE(sent.has_value());
    EXPECT_EQ(sent.error().code, ErrorCode::kBadRequest) << sent.error().message;
  }
  EXPECT_TRUE(webex_.MessagesIn(other_room).empty());
}

TEST_F(FakeWebexTest, UploadsBecomeContentsOnlyMembersCanRead) {
  auto sent = Run(webex_.SendMessage(
      "tok-ann", room_,
      {.text = "file", .upload = webex::FileUpload{"a.pdf", "application/pdf", "PDFBYTES"}},
      Later()));
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  ASSERT_EQ(sent->files.size(), 1u);
  EXPECT_EQ(sent->files[0].rfind("https://webex.test/v1/contents/", 0), 0u) << sent->files[0];
  const std::string id = webex::ContentIdFromUrl(sent->files[0]);
  ASSERT_FALSE(id.empty()) << sent->files[0];
  EXPECT_EQ(webex_.ContentBytes(id), "PDFBYTES");

  auto info = Run(webex_.HeadContent("tok-ann", id, Later()));
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_EQ(info->name, "a.pdf");
  EXPECT_EQ(info->content_type, "application/pdf");
  EXPECT_EQ(info->size, 8);
  auto content = Run(webex_.GetContent("tok-ann", id, 8, Later()));
  ASSERT_TRUE(content.has_value()) << content.error().message;
  EXPECT_EQ(content->bytes, "PDFBYTES");
  EXPECT_EQ(content->info.name, "a.pdf");

  auto too_large = Run(webex_.GetContent("tok-ann", id, 7, Later()));
  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, ErrorCode::kTooLarge);
  auto bad_id = Run(webex_.HeadContent("tok-ann", "../" + id, Later()));
  ASSERT_FALSE(bad_id.has_value());
  EXPECT_EQ(bad_id.error().code, ErrorCode::kBadRequest);
  auto missing = Run(webex_.GetContent("tok-ann", "content-404", 100, Later()));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  // An upload without a type is stored as octet-stream.
  auto untyped = Run(
      webex_.SendMessage("tok-ann", room_, {.upload = webex::FileUpload{"b", "", "x"}}, Later()));
  ASSERT_TRUE(untyped.has_value()) << untyped.error().message;
  auto untyped_info =
      Run(webex_.HeadContent("tok-ann", webex::ContentIdFromUrl(untyped->files.at(0)), Later()));
  ASSERT_TRUE(untyped_info.has_value());
  EXPECT_EQ(untyped_info->content_type, "application/octet-stream");
}

TEST_F(FakeWebexTest, APersonOutsideTheRoomFindsNothingInIt) {
  const std::string message = Send("private");
  auto sent = Run(webex_.SendMessage(
      "tok-ann", room_, {.upload = webex::FileUpload{"a.txt", "text/plain", "x"}}, Later()));
  ASSERT_TRUE(sent.has_value());
  const std::string content = webex::ContentIdFromUrl(sent->files.at(0));

  auto send = Run(webex_.SendMessage("tok-bob", room_, {.text = "hi"}, Later()));
  ASSERT_FALSE(send.has_value());
  EXPECT_EQ(send.error().code, ErrorCode::kNotFound);
  auto list = Run(webex_.ListMessages("tok-bob", room_, 0, "", Later()));
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code, ErrorCode::kNotFound);
  auto get = Run(webex_.GetMessage("tok-bob", message, Later()));
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  auto head = Run(webex_.HeadContent("tok-bob", content, Later()));
  ASSERT_FALSE(head.has_value());
  EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  auto body = Run(webex_.GetContent("tok-bob", content, 100, Later()));
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code, ErrorCode::kNotFound);

  // Once added, the same person sees all of it.
  ASSERT_TRUE(Run(webex_.AddMembership("tok-ann", room_, "person-bob", Later())).has_value());
  EXPECT_TRUE(Run(webex_.GetMessage("tok-bob", message, Later())).has_value());
  EXPECT_TRUE(Run(webex_.GetContent("tok-bob", content, 100, Later())).has_value());

  auto unknown = Run(webex_.ListMessages("tok-nobody", room_, 0, "", Later()));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnauthorized);
}

TEST_F(FakeWebexTest, GetPersonKnowsPeopleWithAndWithoutTokens) {
  webex::Person guest;
  guest.id = "person-guest";
  guest.display_name = "Guest";
  guest.type = "appuser";
  webex_.SeedPerson(guest);
  auto ann = Run(webex_.GetPerson("tok-bob", "person-ann", Later()));
  ASSERT_TRUE(ann.has_value()) << ann.error().message;
  EXPECT_EQ(ann->emails, std::vector<std::string>{"ann@example.com"});
  auto seeded = Run(webex_.GetPerson("tok-bob", "person-guest", Later()));
  ASSERT_TRUE(seeded.has_value()) << seeded.error().message;
  EXPECT_EQ(seeded->type, "appuser");
  auto missing = Run(webex_.GetPerson("tok-bob", "person-404", Later()));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(webex_.Calls(Op::kGetPerson), 3);
}

TEST_F(FakeWebexTest, WebhooksBelongToTheirCreatorAndAreRevivedByUpdate) {
  auto created = Run(webex_.CreateWebhook("tok-ann",
                                          {.name = "n",
                                           .target_url = "https://p/hook",
                                           .resource = "all",
                                           .event = "all",
                                           .secret = "s1"},
                                          Later()));
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->status, "active");
  EXPECT_EQ(created->created_by, "person-ann");
  EXPECT_EQ(webex_.WebhookSecret(created->id), "s1");
  auto incomplete =
      Run(webex_.CreateWebhook("tok-ann", {.name = "n", .target_url = "https://p/hook"}, Later()));
  ASSERT_FALSE(incomplete.has_value());
  EXPECT_EQ(incomplete.error().code, ErrorCode::kBadRequest);

  auto mine = Run(webex_.ListWebhooks("tok-ann", Later()));
  ASSERT_TRUE(mine.has_value());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().id, created->id);
  auto theirs = Run(webex_.ListWebhooks("tok-bob", Later()));
  ASSERT_TRUE(theirs.has_value());
  EXPECT_TRUE(theirs->empty());

  webex_.SetWebhookStatus(created->id, "inactive");
  EXPECT_EQ(webex_.webhooks().front().status, "inactive");
  auto deactivate = Run(webex_.UpdateWebhook(
      "tok-ann", created->id, {.name = "n", .target_url = "https://p/hook", .status = "inactive"},
      Later()));
  ASSERT_FALSE(deactivate.has_value());
  EXPECT_EQ(deactivate.error().code, ErrorCode::kBadRequest);
  auto foreign = Run(webex_.UpdateWebhook(
      "tok-bob", created->id, {.name = "n", .target_url = "https://p/hook", .status = "active"},
      Later()));
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  auto revived = Run(webex_.UpdateWebhook(
      "tok-ann", created->id,
      {.name = "n2", .target_url = "https://p/new", .secret = "s2", .status = "active"}, Later()));
  ASSERT_TRUE(revived.has_value()) << revived.error().message;
  EXPECT_EQ(revived->status, "active");
  EXPECT_EQ(revived->name, "n2");
  EXPECT_EQ(revived->target_url, "https://p/new");
  EXPECT_EQ(webex_.WebhookSecret(created->id), "s2");
  EXPECT_EQ(webex_.webhooks().front().status, "active");

  auto not_theirs = Run(webex_.DeleteWebhook("tok-bob", created->id, Later()));
  ASSERT_FALSE(not_theirs.has_value());
  EXPECT_EQ(not_theirs.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Run(webex_.DeleteWebhook("tok-ann", created->id, Later())).has_value());
  EXPECT_TRUE(webex_.webhooks().empty());
  auto again = Run(webex_.DeleteWebhook("tok-ann", created->id, Later()));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(webex_.Calls(Op::kDeleteWebhook), 3);
}

TEST_F(FakeWebexTest, TheNewOperationsFailOnOrderLikeTheOthers) {
  const std::string message = Send("m");
  webex_.FailNext(Op::kGetMessage, 1, ErrorCode::kTooManyRequests, 7);
  auto failed = Run(webex_.GetMessage("tok-ann", message, Later()));
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(failed.error().retry_after_seconds, 7);
  EXPECT_TRUE(Run(webex_.GetMessage("tok-ann", message, Later())).has_value());
  EXPECT_EQ(webex_.Calls(Op::kGetMessage), 2);

  int hooked = 0;
  webex_.SetHook(Op::kListWebhooks, [&hooked] { ++hooked; });
  EXPECT_TRUE(Run(webex_.ListWebhooks("tok-ann", Later())).has_value());
  EXPECT_EQ(hooked, 1);
}

}  // namespace
}  // namespace gp::service::fakes
