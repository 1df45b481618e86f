// The pool of hosts: who may connect a host, what its link needs, how its tokens are refreshed, and
// what a largespaces.json may hold.
#include "service/hosts.hpp"

#include <gtest/gtest.h>

#include "core/when_all.hpp"
#include "fakes.hpp"

namespace gp::service {
namespace {

using fakes::FakeWebex;
using Op = FakeWebex::Op;

class HostsTest : public fakes::ServiceTest {
 protected:
  void SetUp() override {
    hosts_ = std::make_unique<Hosts>(*storage_, *webex_, *pool_, *box_, *audit_, clock_,
                                     HostsOptions{"client-id", "client-secret", "https://portal.test"});
    person_.id = "person-hana";
    person_.emails = {"Hana@Example.com"};
    person_.display_name = "Hana Host";
    webex_->AddPerson("hana-access", person_, "hana-refresh");
  }

  std::unique_ptr<Hosts> hosts_;
  webex::Person person_;
};

TEST_F(HostsTest, OnlyThePersonWithTheHostsEmailConnectsItAndTheTokensAreStoredEncrypted) {
  auto host = hosts_->AddPerson("  hana@EXAMPLE.com ", "admin:a");
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->email, "hana@example.com");
  EXPECT_FALSE(host->connected());
  EXPECT_EQ(hosts_->AddPerson("hana@example.com", "admin:a").error().code, ErrorCode::kConflict);
  EXPECT_EQ(hosts_->AddPerson("hana", "admin:a").error().code, ErrorCode::kBadRequest);

  webex::Person other;
  other.id = "person-mallory";
  other.emails = {"mallory@example.com"};
  webex::OAuthTokens tokens{"mallory-access", 3600, "mallory-refresh", 90 * 24 * 3600};
  auto refused = hosts_->Connect(host->id, tokens, other);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(refused.error().reason, "wrong_person");
  EXPECT_FALSE(storage_->GetHost(host->id)->connected());

  auto connected = hosts_->Connect(host->id, {"hana-access", 3600, "hana-refresh", 90 * 24 * 3600}, person_);
  ASSERT_TRUE(connected) << connected.error().message;
  auto stored = storage_->GetHost(host->id);
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->connected());
  EXPECT_EQ(stored->webex_person_id, "person-hana");
  EXPECT_EQ(stored->display_name, "Hana Host");
  EXPECT_EQ(stored->access_token_enc.find("hana-access"), std::string::npos) << "a token is stored in clear";
}

TEST_F(HostsTest, AConnectLinkNeedsItsKey) {
  auto host = hosts_->AddPerson("hana@example.com", "admin:a");
  ASSERT_TRUE(host);
  const std::string url = hosts_->ConnectUrl(*host);
  EXPECT_EQ(url.rfind("https://portal.test/auth/webex/host/" + host->id + "?key=", 0), 0u) << url;
  EXPECT_TRUE(hosts_->CheckConnectLink(host->id, host->connect_key));
  EXPECT_EQ(hosts_->CheckConnectLink(host->id, host->connect_key + "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hosts_->CheckConnectLink(host->id, "").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hosts_->CheckConnectLink("host_unknown", host->connect_key).error().code, ErrorCode::kNotFound);
  auto space = hosts_->AddSpace("Y2lzY29zcGFyazovL3VzL1JPT00vMQ", "Pool", "admin:a");
  ASSERT_TRUE(space);
  EXPECT_EQ(hosts_->CheckConnectLink(space->id, space->connect_key).error().code, ErrorCode::kNotFound);
}

TEST_F(HostsTest, AHostTokenIsRefreshedWhenDueOnceForManyCallers) {
  auto host = hosts_->AddPerson("hana@example.com", "admin:a");
  ASSERT_TRUE(host);
  ASSERT_TRUE(hosts_->Connect(host->id, {"hana-access", 3600, "hana-refresh", 90 * 24 * 3600}, person_));
  auto token = Run(hosts_->AccessToken(host->id, webex::DeadlineIn(std::chrono::seconds(5))));
  ASSERT_TRUE(token);
  EXPECT_EQ(*token, "hana-access");
  EXPECT_EQ(webex_->Calls(Op::kRefreshToken), 0);
  Advance(3600 - 60);
  // Two callers at once, while the refresh takes a while: one refresh, one new token for both.
  webex_->SetLatency(Op::kRefreshToken, std::chrono::milliseconds(20));
  std::vector<std::function<boost::asio::awaitable<Result<std::string>>()>> callers;
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&] { return hosts_->AccessToken(host->id, webex::DeadlineIn(std::chrono::seconds(5))); });
  }
  auto tokens = Run(WhenAll(std::move(callers)));
  ASSERT_TRUE(tokens[0] && tokens[1]);
  EXPECT_NE(*tokens[0], "hana-access");
  EXPECT_EQ(*tokens[0], *tokens[1]);
  EXPECT_EQ(webex_->Calls(Op::kRefreshToken), 1);
}

TEST_F(HostsTest, ALargeSpacesFileInTheOriginalShapesIsRead) {
  auto list = ParseLargeSpaces(R"(["Y2lzY29zcGFyazovL3VzL1JPT00vMQ", {"roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vMg", "title": "Two"}])");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].title, "Two");
  auto wrapped = ParseLargeSpaces(R"({"spaces": [{"spaceId": "Y2lzY29zcGFyazovL3VzL1JPT00vMQ"}]})");
  ASSERT_TRUE(wrapped);
  EXPECT_EQ(wrapped->size(), 1u);
  auto bad = ParseLargeSpaces(R"([{"spaceId": "Y2lz"}, {"title": "no id"}])");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("Item 2"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(ParseLargeSpaces("{"));
  EXPECT_FALSE(ParseLargeSpaces(R"({"other": []})"));
  auto added = hosts_->ImportSpaces(*list, "cli");
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, 2);
  EXPECT_EQ(*hosts_->ImportSpaces(*list, "cli"), 0);
}

}  // namespace
}  // namespace gp::service
