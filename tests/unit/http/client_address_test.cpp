// TrustedProxies: which entries parse, which peers are proxies, and who the client is behind them.
#include "http/client_address.hpp"

#include <gtest/gtest.h>

namespace gp::http {
namespace {

TrustedProxies Trust(std::string_view list) {
  auto parsed = TrustedProxies::Parse(list);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : TrustedProxies();
}

TEST(TrustedProxies, ParsesAddressesAndNetworksOfBothFamilies) {
  auto proxies = Trust(" 127.0.0.1 , 10.0.0.0/8,::1, fd00::/8 ,");
  EXPECT_TRUE(proxies.Contains("127.0.0.1"));
  EXPECT_FALSE(proxies.Contains("127.0.0.2"));
  EXPECT_TRUE(proxies.Contains("10.200.3.4"));
  EXPECT_FALSE(proxies.Contains("11.0.0.1"));
  EXPECT_TRUE(proxies.Contains("::1"));
  EXPECT_TRUE(proxies.Contains("fd12:3456::1"));
  EXPECT_FALSE(proxies.Contains("fe80::1"));
  // An IPv4 peer reported by an IPv6 socket is the same address.
  EXPECT_TRUE(proxies.Contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(proxies.Contains("not an address"));
  EXPECT_TRUE(Trust("").empty());
}

TEST(TrustedProxies, RefusesWhatIsNotAnAddressOrANetworkAndNamesIt) {
  for (std::string_view bad : {"localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "1.2.3", "/8"}) {
    auto parsed = TrustedProxies::Parse(std::string("127.0.0.1, ") + std::string(bad));
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest);
    EXPECT_NE(parsed.error().message.find(std::string(bad)), std::string::npos) << parsed.error().message;
  }
}

TEST(TrustedProxies, APeerThatIsNoProxyIsTheClientWhateverItsHeaderSays) {
  auto proxies = Trust("127.0.0.1");
  EXPECT_EQ(proxies.ClientOf("203.0.113.9", "198.51.100.1"), "203.0.113.9");
  EXPECT_EQ(TrustedProxies().ClientOf("127.0.0.1", "198.51.100.1"), "127.0.0.1");
}

TEST(TrustedProxies, TheClientIsTheRightMostAddressThatIsNoProxy) {
  auto proxies = Trust("127.0.0.1, 10.0.0.0/8");
  // nginx appended the address it got the request from.
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", "203.0.113.7"), "203.0.113.7");
  // What the client wrote itself, further left, is never taken.
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", "1.1.1.1, 203.0.113.7"), "203.0.113.7");
  // Through two proxies.
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", "1.1.1.1,203.0.113.7, 10.0.0.5"), "203.0.113.7");
  // No header: the proxy is all there is to go by.
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", ""), "127.0.0.1");
  // Every hop a proxy: the left-most.
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", "10.0.0.9, 10.0.0.5"), "10.0.0.9");
  // Garbage ends the walk at the last hop that could be believed.
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", "203.0.113.7, junk, 10.0.0.5"), "10.0.0.5");
  EXPECT_EQ(proxies.ClientOf("127.0.0.1", "junk"), "127.0.0.1");
}

}  // namespace
}  // namespace gp::http
