#include "domain/guests.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace gp::domain {
namespace {

std::string MessageOf(const Result<void>& result) { return result ? std::string("ok") : result.error().message; }

TEST(DomainGuests, UsernamesOfTheAllowedAlphabetAndLength) {
  EXPECT_TRUE(ValidateUsername("ann"));
  EXPECT_TRUE(ValidateUsername("a.b_c-9"));
  EXPECT_TRUE(ValidateUsername(std::string(64, 'x')));
}

TEST(DomainGuests, UsernameLengthIsBounded) {
  auto too_short = ValidateUsername("ab");
  ASSERT_FALSE(too_short);
  EXPECT_EQ(too_short.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(too_short.error().field, "username");
  EXPECT_EQ(too_short.error().message, "Username must be 3 to 64 characters.");
  EXPECT_FALSE(ValidateUsername(std::string(65, 'x')));
  EXPECT_FALSE(ValidateUsername(""));
}

TEST(DomainGuests, UppercaseUsernameAsksForLowercase) {
  EXPECT_EQ(MessageOf(ValidateUsername("Alice")), "Username must be lowercase (a–z, 0–9, '.', '_' and '-').");
}

TEST(DomainGuests, UsernameRejectsOtherCharacters) {
  for (const char* bad : {"al ice", "al@ce", "ali'; DROP TABLE guests;--", "al\nice", "älice", "al/ice"}) {
    auto result = ValidateUsername(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().message,
              "Username may contain only a–z, 0–9, '.', '_' and '-'.");
  }
  EXPECT_FALSE(ValidateUsername(std::string("ab\0c", 4)));
}

TEST(DomainGuests, DisplayNamesAreTrimmedAndBounded) {
  EXPECT_TRUE(ValidateDisplayName("Ann"));
  EXPECT_TRUE(ValidateDisplayName("  Ann Lee  "));
  EXPECT_EQ(TrimDisplayName("  Ann Lee \t"), "Ann Lee");
  EXPECT_EQ(MessageOf(ValidateDisplayName("   ")), "Display name is required.");
  EXPECT_EQ(MessageOf(ValidateDisplayName("")), "Display name is required.");
  EXPECT_TRUE(ValidateDisplayName(std::string(100, 'a')));
  EXPECT_EQ(MessageOf(ValidateDisplayName(std::string(101, 'a'))), "Display name must be at most 100 characters.");
  // Length counts characters, not bytes: 100 two-byte letters are fine.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
  EXPECT_TRUE(ValidateDisplayName(accents));
  EXPECT_FALSE(ValidateDisplayName(accents + "\xC3\xA9"));
  EXPECT_EQ(ValidateDisplayName("").error().field, "displayName");
}

TEST(DomainGuests, DisplayNameRejectsControlCharactersAndBadUtf8) {
  EXPECT_EQ(MessageOf(ValidateDisplayName("Ann\nLee")), "Display name must not contain control characters such as line breaks.");
  EXPECT_FALSE(ValidateDisplayName(std::string("Ann\0", 4) + "Lee"));
  EXPECT_FALSE(ValidateDisplayName("Ann\x7F"));
  EXPECT_FALSE(ValidateDisplayName("Ann\xC2\x85"));  // U+0085, a C1 control
  EXPECT_EQ(MessageOf(ValidateDisplayName("Ann\xFF")), "Display name must be valid UTF-8 text.");
  EXPECT_FALSE(ValidateDisplayName("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(ValidateDisplayName("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(ValidateDisplayName("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(ValidateDisplayName("Ann\xE2\x82"));       // truncated sequence
}

TEST(DomainGuests, DisplayNameKeepsMarkupAndInjectionTextVerbatim) {
  // Names are data: they are rendered safely, never rewritten.
  for (const char* name : {"<script>alert(1)</script>", "Robert'); DROP TABLE guests;--", "${jndi:ldap://x}",
                           "\xF0\x9F\x98\x80 Emoji", "\xE6\x9D\x8E\xE5\x9B\x9B"}) {
    EXPECT_TRUE(ValidateDisplayName(name)) << name;
    EXPECT_EQ(TrimDisplayName(name), name);
  }
}

TEST(DomainGuests, PasswordLengthInBytes) {
  EXPECT_EQ(MessageOf(ValidatePassword("1234567")), "Password must be at least 8 characters.");
  EXPECT_TRUE(ValidatePassword("12345678"));
  EXPECT_TRUE(ValidatePassword(std::string(1024, 'p')));
  EXPECT_EQ(MessageOf(ValidatePassword(std::string(1025, 'p'))), "Password must be at most 1024 bytes.");
  EXPECT_EQ(ValidatePassword("").error().field, "password");
  // Anything else goes: spaces, quotes, NUL bytes, non-ASCII.
  EXPECT_TRUE(ValidatePassword(std::string(" ' \" \0 \xC3\xA9 x", 12)));
}

TEST(DomainGuests, PasswordMessagesNameTheInputInWords) {
  auto result = ValidatePassword("short", "newPassword");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "newPassword");
  EXPECT_EQ(result.error().message, "New password must be at least 8 characters.");
}

TEST(DomainGuests, MessagesNeverStartWithTheApiFieldName) {
  for (const auto& message : {MessageOf(ValidateUsername("x")), MessageOf(ValidateUsername("A!")),
                              MessageOf(ValidateDisplayName("")), MessageOf(ValidateDisplayName("a\nb")),
                              MessageOf(ValidatePassword("x"))}) {
    EXPECT_EQ(message.find(':'), std::string::npos) << message;
    EXPECT_EQ(message.find("displayName"), std::string::npos) << message;
  }
}

// A source that hands out the given bytes in order, then repeats the last one.
RandomSource Bytes(std::vector<unsigned char> bytes) {
  auto at = std::make_shared<size_t>(0);
  return [bytes = std::move(bytes), at](unsigned char* out, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      out[i] = bytes[std::min(*at, bytes.size() - 1)];
      ++*at;
    }
  };
}

TEST(DomainGuests, GeneratedPasswordsAreFourGroupsOfFourFromTheAlphabet) {
  const std::string password = GeneratePassword(SystemRandom());
  ASSERT_EQ(password.size(), 19u);
  for (size_t i = 0; i < password.size(); ++i) {
    if (i % 5 == 4) {
      EXPECT_EQ(password[i], '-') << password;
    } else {
      EXPECT_NE(kPasswordAlphabet.find(password[i]), std::string_view::npos) << password;
    }
  }
  EXPECT_TRUE(ValidatePassword(password));
}

TEST(DomainGuests, PasswordAlphabetLeavesOutLookAlikes) {
  for (char c : std::string("01ilo")) EXPECT_EQ(kPasswordAlphabet.find(c), std::string_view::npos) << c;
  EXPECT_EQ(std::set<char>(kPasswordAlphabet.begin(), kPasswordAlphabet.end()).size(), kPasswordAlphabet.size());
}

TEST(DomainGuests, GeneratedPasswordsMapBytesAndRedrawTheBiasedOnes) {
  // 31 letters: bytes 0..247 map to alphabet[b % 31]; 248..255 are drawn again.
  EXPECT_EQ(GeneratePassword(Bytes({0})), "aaaa-aaaa-aaaa-aaaa");
  EXPECT_EQ(GeneratePassword(Bytes({255, 248, 30})), "9999-9999-9999-9999");
  EXPECT_EQ(GeneratePassword(Bytes({1, 2, 3, 4, 31, 0})), "bcde-aaaa-aaaa-aaaa");
}

TEST(DomainGuests, GeneratedPasswordsUseEveryCharacterAboutEvenly) {
  std::map<char, int> counts;
  for (int i = 0; i < 1000; ++i) {
    for (char c : GeneratePassword(SystemRandom())) {
      if (c != '-') ++counts[c];
    }
  }
  ASSERT_EQ(counts.size(), kPasswordAlphabet.size());
  // 16000 draws over 31 characters: about 516 each (standard deviation about 22); a biased or stuck
  // generator falls far outside.
  for (const auto& [c, n] : counts) {
    EXPECT_GT(n, 400) << c;
    EXPECT_LT(n, 640) << c;
  }
}

TEST(DomainGuests, ExpiryFromADateIsTheEndOfThatDayInUtc) {
  EXPECT_EQ(ParseExpiresAt("2027-01-31"), 1801439999);  // 2027-01-31T23:59:59Z
  EXPECT_EQ(ParseExpiresAt("2027-01-31T23:59:59Z"), 1801439999);
  EXPECT_EQ(ParseExpiresAt("2027-02-01T01:59:59+02:00"), 1801439999);
  EXPECT_EQ(ParseExpiresAt("2027-01-31T12:00:00.750Z"), 1801396800);
}

TEST(DomainGuests, ExpiryRefusesAnythingElse) {
  for (const char* bad : {"", "tomorrow", "2027-02-30", "2027-01-31T24:00:00Z", "2027-01-31T10:00:00", "31/01/2027",
                          "2027-1-31"}) {
    auto parsed = ParseExpiresAt(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(parsed.error().field, "expiresAt");
    EXPECT_EQ(parsed.error().message,
              "The expiry must be a date (2027-01-31) or a time in UTC (2027-01-31T23:59:59Z).");
  }
}

}  // namespace
}  // namespace gp::domain
