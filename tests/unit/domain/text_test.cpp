#include "domain/text.hpp"

#include <gtest/gtest.h>

namespace gp::domain {
namespace {

TEST(DomainText, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\x80"));  // overlong
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));
}

TEST(DomainText, CountsAndTrims) {
  EXPECT_EQ(CodePointCount("a\xC3\xA9\xF0\x9F\x98\x80"), 3u);
  EXPECT_EQ(TrimAscii(" \t a b \r\n"), "a b");
  EXPECT_EQ(TrimAscii("   "), "");
}

TEST(DomainText, AbbreviateKeepsMessagesShortAndOnOneLine) {
  EXPECT_EQ(Abbreviate("short"), "short");
  EXPECT_EQ(Abbreviate("a\nb"), "a?b");
  EXPECT_EQ(Abbreviate(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
  // Never cuts inside a character.
  EXPECT_EQ(Abbreviate("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9...");
}

TEST(DomainText, FieldLabelsReadAsWords) {
  EXPECT_EQ(FieldLabel("displayName"), "Display name");
  EXPECT_EQ(FieldLabel("currentPassword"), "Current password");
  EXPECT_EQ(FieldLabel("username"), "Username");
  EXPECT_EQ(FieldLabel("webexPersonId"), "Webex person id");
  EXPECT_EQ(FieldLabel(""), "");
}

}  // namespace
}  // namespace gp::domain
