#include "emulator/jwt.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::emulator {
namespace {

constexpr int64_t kNow = 1700000000;
const std::string kKey = "raw-secret-bytes";

std::string Sign(const nlohmann::json& claims, const std::string& key = kKey,
                 const nlohmann::json& header = {{"alg", "HS256"}, {"typ", "JWT"}}) {
  std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return signing_input + "." + Base64UrlEncode(crypto::HmacSha256(key, signing_input));
}

nlohmann::json Claims() {
  return {{"sub", "john.doe"}, {"name", "John Doe"}, {"iss", "issuer"}, {"exp", kNow + 60}};
}

TEST(EmulatorJwt, AcceptsAValidToken) {
  auto claims = VerifyGuestJwt(Sign(Claims()), kKey, "issuer", kNow);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->sub, "john.doe");
  EXPECT_EQ(claims->name, "John Doe");
  EXPECT_EQ(claims->exp, kNow + 60);
}

TEST(EmulatorJwt, AcceptsExpAsADigitString) {
  auto c = Claims();
  c["exp"] = std::to_string(kNow + 60);
  EXPECT_TRUE(VerifyGuestJwt(Sign(c), kKey, "issuer", kNow));
  c["exp"] = "12abc";
  EXPECT_FALSE(VerifyGuestJwt(Sign(c), kKey, "issuer", kNow));
}

TEST(EmulatorJwt, RefusesBadSignatureIssuerExpiryAndAlgorithm) {
  EXPECT_FALSE(VerifyGuestJwt(Sign(Claims(), "other-key"), kKey, "issuer", kNow));
  EXPECT_FALSE(VerifyGuestJwt(Sign(Claims()), kKey, "another-issuer", kNow));
  auto expired = Claims();
  expired["exp"] = kNow;
  EXPECT_FALSE(VerifyGuestJwt(Sign(expired), kKey, "issuer", kNow));
  EXPECT_FALSE(VerifyGuestJwt(Sign(Claims(), kKey, {{"alg", "none"}}), kKey, "issuer", kNow));
  auto nameless = Claims();
  nameless.erase("name");
  EXPECT_FALSE(VerifyGuestJwt(Sign(nameless), kKey, "issuer", kNow));
  std::string token = Sign(Claims());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  auto tampered = VerifyGuestJwt(token, kKey, "issuer", kNow);
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code, ErrorCode::kUnauthorized);
}

TEST(EmulatorJwt, MalformedInputIsRefusedNotFatal) {
  std::vector<std::string> inputs = {"",
                                     ".",
                                     "..",
                                     "a.b.c",
                                     "not.a.jwt",
                                     "a.b.c.d",
                                     "eyJhbGciOiJIUzI1NiJ9..",
                                     "%%%.%%%.%%%",
                                     std::string(5000, '.')};
  for (const auto& bad : inputs) {
    auto result = VerifyGuestJwt(bad, kKey, "issuer", kNow);
    EXPECT_FALSE(result) << bad;
  }
  std::string array_claims =
      Base64UrlEncode(R"({"alg":"HS256"})") + "." + Base64UrlEncode("[1,2]") + ".sig";
  EXPECT_FALSE(VerifyGuestJwt(array_claims, kKey, "issuer", kNow));
}

}  // namespace
}  // namespace gp::emulator
