#include "domain/messages.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gp::domain {
namespace {

TEST(MessageText, WebexLimitIsCountedInBytes) {
  EXPECT_TRUE(ValidateMessageText(std::string(kMaxMessageBytes, 'a'), "text"));
  auto over = ValidateMessageText(std::string(kMaxMessageBytes + 1, 'a'), "text");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(over.error().field, "text");
  EXPECT_NE(over.error().message.find("7439"), std::string::npos);
  // 2,480 three-byte characters: fewer than 7439 characters, more than 7439 bytes.
  std::string wide;
  for (int i = 0; i < 2480; ++i) wide += "\xE2\x82\xAC";
  EXPECT_EQ(ValidateMessageText(wide, "markdown").error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(ValidateMessageText("\xC3\x28", "text").error().code, ErrorCode::kBadRequest);
}

TEST(MessagePreview, IsOneShortLineCutOnACodePoint) {
  EXPECT_EQ(Preview("  hello\n\tworld  "), "hello world");
  EXPECT_EQ(Preview(std::string(200, 'x'), 10), std::string(10, 'x') + "…");
  // "é" is two bytes: a cut after 3 bytes must not split the second one.
  EXPECT_EQ(Preview("\xC3\xA9\xC3\xA9\xC3\xA9", 3), "\xC3\xA9…");
  EXPECT_EQ(Preview(""), "");
}

TEST(WebexTime, ParsesMillisecondsAndRefusesOtherShapes) {
  EXPECT_EQ(ParseWebexTime("1970-01-01T00:00:01.250Z"), 1250);
  EXPECT_EQ(ParseWebexTime("2015-10-18T14:26:16.203Z"), int64_t{1445178376203});
  EXPECT_EQ(ParseWebexTime("2015-10-18T14:26:16Z"), int64_t{1445178376000});
  EXPECT_EQ(ParseWebexTime("2015-10-18T14:26:16.2Z"), int64_t{1445178376200});
  EXPECT_EQ(ParseWebexTime("2015-10-18 14:26:16Z"), std::nullopt);
  EXPECT_EQ(ParseWebexTime("2015-13-18T14:26:16Z"), std::nullopt);
  EXPECT_EQ(ParseWebexTime("2015-10-18T14:26:16.Z"), std::nullopt);
  EXPECT_EQ(ParseWebexTime("2015-10-18T14:26:16.203"), std::nullopt);
  EXPECT_EQ(ParseWebexTime(""), std::nullopt);
}

TEST(WebexIds, OnlyTheirAlphabet) {
  EXPECT_TRUE(LooksLikeWebexId("Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk"));
  EXPECT_TRUE(LooksLikeWebexId("abc=="));
  EXPECT_FALSE(LooksLikeWebexId(""));
  EXPECT_FALSE(LooksLikeWebexId("../etc/passwd"));
  EXPECT_FALSE(LooksLikeWebexId("a b"));
  EXPECT_FALSE(LooksLikeWebexId("a?b=c"));
  EXPECT_FALSE(LooksLikeWebexId(std::string(513, 'a')));
}

TEST(FileNames, AreOneSafeSegment) {
  EXPECT_EQ(SafeFileName("report.pdf"), "report.pdf");
  EXPECT_EQ(SafeFileName("C:\\Users\\me\\report.pdf"), "report.pdf");
  EXPECT_EQ(SafeFileName("../../etc/passwd"), "passwd");
  EXPECT_EQ(SafeFileName("a\"b\r\nc.txt"), "abc.txt");
  EXPECT_EQ(SafeFileName("..."), "file");
  EXPECT_EQ(SafeFileName(""), "file");
  EXPECT_EQ(SafeFileName("\xC3\xA9t\xC3\xA9.txt"), "\xC3\xA9t\xC3\xA9.txt");
  EXPECT_EQ(SafeFileName(std::string(300, 'x')).size(), 255u);
}

TEST(ContentTypes, AreKeptOnlyWhenWellFormed) {
  EXPECT_EQ(SafeContentType("text/plain; charset=utf-8"), "text/plain; charset=utf-8");
  EXPECT_EQ(SafeContentType("image/png"), "image/png");
  EXPECT_EQ(SafeContentType("text/html\r\nSet-Cookie: x=1"), "application/octet-stream");
  EXPECT_EQ(SafeContentType("nonsense"), "application/octet-stream");
  EXPECT_EQ(SafeContentType(""), "application/octet-stream");
}

}  // namespace
}  // namespace gp::domain
