#include "core/log.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

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

// The lines a logger with the JSON formatter writes, each parsed on its own.
class JsonLinesTest : public ::testing::Test {
 protected:
  std::shared_ptr<spdlog::logger> Logger(const std::string& name) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_formatter(MakeJsonFormatter());
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    logger->set_level(spdlog::level::debug);
    return logger;
  }
  std::vector<nlohmann::json> Lines() {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
      lines.push_back(parsed);
    }
    return lines;
  }
  std::ostringstream out_;
};

TEST_F(JsonLinesTest, EachMessageIsOneObjectWithTimeLevelAndMessage) {
  auto logger = Logger("gp");
  logger->info("listening on {}:{}", "127.0.0.1", 5000);
  logger->warn("second");
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["message"], "listening on 127.0.0.1:5000");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[1]["level"], "warning");
  // RFC 3339 in UTC with milliseconds: 2026-01-02T03:04:05.678Z
  std::string time = lines[0]["time"];
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(time.back(), 'Z');
}

TEST_F(JsonLinesTest, QuotesNewlinesControlsAndBrokenUtf8StayInsideOneLine) {
  auto logger = Logger("gp");
  const std::string nasty =
      "say \"hi\"\nforged {\"level\":\"error\"}\r\x01\\ caf\xc3\xa9 \xff\xfe end";
  logger->error("{}", nasty);
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  EXPECT_EQ(lines[0]["level"], "error");
  EXPECT_EQ(
      lines[0]["message"],
      "say \"hi\"\nforged {\"level\":\"error\"}\r\x01\\ caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end");
}

TEST_F(JsonLinesTest, TheAccessLoggersMessagesAreFieldsNotText) {
  auto logger = Logger(kAccessLogger);
  logger->info(R"(,"message":"request","request_id":"ab-1","status":200)");
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["message"], "request");
  EXPECT_EQ(lines[0]["request_id"], "ab-1");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["level"], "info");
}

}  // namespace
}  // namespace gp::log
