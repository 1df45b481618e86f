#include "core/encoding.hpp"

#include <gtest/gtest.h>

namespace gp {
namespace {

TEST(EncodingTest, Base64UrlRoundTripsWithoutPadding) {
  std::string encoded = Base64UrlEncode("ciscospark://us/PEOPLE/1");
  EXPECT_EQ(encoded.find('='), std::string::npos);
  EXPECT_EQ(Base64Decode(encoded).value(), "ciscospark://us/PEOPLE/1");
}

TEST(EncodingTest, Base64DecodeAcceptsStandardAlphabetWithPadding) {
  EXPECT_EQ(Base64Decode("aGk/Pz8+").value(), "hi\x3f\x3f\x3f>");
  EXPECT_EQ(Base64Decode("aGk=").value(), "hi");
  EXPECT_FALSE(Base64Decode("a$b").has_value());
}

TEST(EncodingTest, ParsesFormParamsWithEscapes) {
  auto params = ParseParams("a=1&redirect_uri=http%3A%2F%2Fx%2Fcb&name=John+Doe&flag");
  EXPECT_EQ(FindParam(params, "redirect_uri").value(), "http://x/cb");
  EXPECT_EQ(FindParam(params, "name").value(), "John Doe");
  EXPECT_EQ(FindParam(params, "flag").value(), "");
  EXPECT_FALSE(FindParam(params, "missing").has_value());
}

TEST(EncodingTest, PercentDecodeRejectsTruncatedEscape) {
  EXPECT_FALSE(PercentDecode("abc%4").has_value());
  EXPECT_EQ(PercentDecode("%41%42").value(), "AB");
}

TEST(EncodingTest, EncodeParamsEscapesReservedCharacters) {
  EXPECT_EQ(EncodeParams({{"a b", "x&y=z"}}), "a%20b=x%26y%3Dz");
}

}  // namespace
}  // namespace gp
