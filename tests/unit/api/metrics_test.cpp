#include "api/metrics.hpp"

#include <gtest/gtest.h>

namespace gp::api {
namespace {

const std::string kToken = "scrape-token-0123456789";

TEST(MetricsAccess, WithoutATokenOnlyLoopbackClients) {
  for (const char* address : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_EQ(CheckMetricsAccess(address, std::nullopt, ""), MetricsAccess::kAllowed) << address;
  }
  for (const char* address : {"10.0.0.1", "192.168.1.2", "::2", "fe80::1", "::ffff:10.0.0.1", "",
                              "localhost", "128.0.0.1"}) {
    EXPECT_EQ(CheckMetricsAccess(address, std::nullopt, ""), MetricsAccess::kNotLoopback)
        << address;
  }
  // A bearer token does not help when none is configured.
  EXPECT_EQ(CheckMetricsAccess("10.0.0.1", "Bearer whatever-it-is-0000", ""),
            MetricsAccess::kNotLoopback);
}

TEST(MetricsAccess, WithATokenAnyAddressWithTheBearerToken) {
  EXPECT_EQ(CheckMetricsAccess("10.0.0.1", "Bearer " + kToken, kToken), MetricsAccess::kAllowed);
  EXPECT_EQ(CheckMetricsAccess("10.0.0.1", "bearer " + kToken, kToken), MetricsAccess::kAllowed);
  // Loopback needs the token too, once one is set.
  EXPECT_EQ(CheckMetricsAccess("127.0.0.1", std::nullopt, kToken), MetricsAccess::kNeedsToken);
  for (const std::string& bad :
       {std::string("Bearer"), std::string("Bearer "), std::string("Basic ") + kToken,
        std::string("Bearer ") + kToken + "x", std::string("Bearer ") + kToken.substr(1), kToken}) {
    EXPECT_EQ(CheckMetricsAccess("127.0.0.1", bad, kToken), MetricsAccess::kNeedsToken) << bad;
  }
}

}  // namespace
}  // namespace gp::api
