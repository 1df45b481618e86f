#include "core/log.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gp::log {
namespace {

using namespace std::string_literals;

TEST(LogSafeTest, KeepsPrintableAsciiAsItIs) {
  EXPECT_EQ(Safe("GET /spaces/42?x=1 Mozilla/5.0 (X11; Linux)"),
            "GET /spaces/42?x=1 Mozilla/5.0 (X11; Linux)");
  EXPECT_EQ(Safe(""), "");
}

TEST(LogSafeTest, EscapesLineBreaksAndTabs) {
  EXPECT_EQ(Safe("a\nb\rc\td"), "a\\nb\\rc\\td");
  // A forged second log line stays on the first.
  EXPECT_EQ(Safe("/x\r\n2024-01-01T00:00:00Z error forged"),
            "/x\\r\\n2024-01-01T00:00:00Z error forged");
}

TEST(LogSafeTest, EscapesOtherControlCharactersNulAndDelAsHex) {
  EXPECT_EQ(Safe("a\0b"s), "a\\x00b");
  EXPECT_EQ(Safe("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
  EXPECT_EQ(Safe("\x01\x08\x0b\x0c\x1f\x7f"), "\\x01\\x08\\x0b\\x0c\\x1f\\x7f");
}

TEST(LogSafeTest, EscapesC1ControlCharacters) {
  // U+009B is CSI, which some terminals act on like ESC [.
  EXPECT_EQ(Safe("a\xc2\x9b"
                 "31mb"),
            "a\\xc2\\x9b31mb");
  EXPECT_EQ(Safe("\xc2\x80"), "\\xc2\\x80");
  EXPECT_EQ(Safe("\xc2\xa0"), "\xc2\xa0") << "U+00A0 is not a control character";
}

TEST(LogSafeTest, EscapesBackslashesSoThatEscapesAreUnambiguous) {
  EXPECT_EQ(Safe("C:\\x0a"), "C:\\\\x0a");
  EXPECT_NE(Safe("\\n"), Safe("\n"));
}

TEST(LogSafeTest, KeepsValidUtf8) {
  EXPECT_EQ(Safe("Zoë Æbleskiver"), "Zoë Æbleskiver");
  EXPECT_EQ(Safe("日本語"), "日本語");
  EXPECT_EQ(Safe("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");  // U+1F600, four bytes
  EXPECT_EQ(Safe("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF, the last one
  EXPECT_EQ(Safe("\xe2\x80\xae"), "\xe2\x80\xae");          // U+202E: valid, not a control
}

TEST(LogSafeTest, EscapesBytesThatAreNotValidUtf8) {
  EXPECT_EQ(Safe("a\xff"
                 "b"),
            "a\\xffb");
  EXPECT_EQ(Safe("\x80"), "\\x80") << "a lone continuation byte";
  EXPECT_EQ(Safe("\xc3"), "\\xc3") << "a sequence cut short at the end";
  EXPECT_EQ(Safe("\xc3(x"), "\\xc3(x") << "a sequence cut short by ASCII";
  EXPECT_EQ(Safe("\xe6\x97"), "\\xe6\\x97");
  EXPECT_EQ(Safe("\xc0\xaf"), "\\xc0\\xaf") << "an overlong '/'";
  EXPECT_EQ(Safe("\xe0\x80\xaf"), "\\xe0\\x80\\xaf") << "an overlong '/' in three bytes";
  EXPECT_EQ(Safe("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf") << "and in four";
  EXPECT_EQ(Safe("\xed\xa0\x80"), "\\xed\\xa0\\x80") << "a UTF-16 surrogate";
  EXPECT_EQ(Safe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80") << "above U+10FFFF";
  EXPECT_EQ(Safe("\xf8\x88\x80\x80\x80"), "\\xf8\\x88\\x80\\x80\\x80");
  // Valid characters on either side of the damage survive.
  EXPECT_EQ(Safe("é\xffé"), "é\\xffé");
}

TEST(LogSafeTest, LeavesAValueThatFitsExactlyUncut) {
  std::string value(256, 'a');
  EXPECT_EQ(Safe(value), value);
  EXPECT_EQ(Safe("abcd", 4), "abcd");
}

TEST(LogSafeTest, CutsALongValueAndSaysHowLongItWas) {
  std::string value(1000, 'a');
  std::string safe = Safe(value);
  const std::string marker = "\xe2\x80\xa6(1000 bytes)";
  ASSERT_EQ(safe.size(), 256u);
  EXPECT_EQ(safe.substr(safe.size() - marker.size()), marker);
  EXPECT_EQ(safe.substr(0, safe.size() - marker.size()), std::string(256 - marker.size(), 'a'));

  EXPECT_EQ(Safe("abcdefghijklmnopqrstuvwxyz", 20), "abcdefg\xe2\x80\xa6(26 bytes)");
}

TEST(LogSafeTest, TheCapCountsEscapesAndNeverSplitsOne) {
  // Each "\n" becomes two bytes, so ten newlines need 20 bytes of output.
  std::string newlines(10, '\n');
  EXPECT_EQ(Safe(newlines, 20), "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n");
  // One byte less and they are cut: 19 - 13 for "…(10 bytes)" leaves room for three whole escapes.
  EXPECT_EQ(Safe(newlines, 19), "\\n\\n\\n\xe2\x80\xa6(10 bytes)");
  EXPECT_EQ(Safe("\x01\x01\x01\x01\x01\x01", 20), "\\x01\\x01\xe2\x80\xa6(6 bytes)");
  EXPECT_EQ(Safe("\x01\x01\x01\x01\x01\x01", 19), "\\x01\xe2\x80\xa6(6 bytes)");
}

TEST(LogSafeTest, NeverSplitsAUtf8Character) {
  // Ten three-byte characters; "…(30 bytes)" takes 13 bytes of the cap.
  std::string value;
  for (int i = 0; i < 10; ++i) value += "日";
  EXPECT_EQ(Safe(value, 15), "\xe2\x80\xa6(30 bytes)");
  EXPECT_EQ(Safe(value, 16), "日\xe2\x80\xa6(30 bytes)");
  EXPECT_EQ(Safe(value, 18), "日\xe2\x80\xa6(30 bytes)");
  EXPECT_EQ(Safe(value, 19), "日日\xe2\x80\xa6(30 bytes)");
}

TEST(LogSafeTest, AMarkerLongerThanTheCapIsAllThatIsLeft) {
  EXPECT_EQ(Safe("abcdef", 0), "\xe2\x80\xa6(6 bytes)");
  EXPECT_EQ(Safe("abcdef", 3), "\xe2\x80\xa6(6 bytes)");
  EXPECT_EQ(Safe("", 0), "");
}

TEST(LogSafeTest, AHugeValueIsCutWithoutEscapingAllOfIt) {
  std::string value(16 * 1024 * 1024, '\n');
  std::string safe = Safe(value, 64);
  EXPECT_EQ(safe.size(), 63u) << "22 escapes of two bytes and a 19-byte marker: " << safe;
  EXPECT_EQ(safe.substr(safe.size() - 19), "\xe2\x80\xa6(16777216 bytes)");
}

}  // namespace
}  // namespace gp::log
