#include "domain/guests.hpp"

#include <gtest/gtest.h>

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
  EXPECT_EQ(too_short.error().message, "username: must be 3 to 64 characters long.");
  EXPECT_FALSE(ValidateUsername(std::string(65, 'x')));
  EXPECT_FALSE(ValidateUsername(""));
}

TEST(DomainGuests, UppercaseUsernameAsksForLowercase) {
  EXPECT_EQ(MessageOf(ValidateUsername("Alice")), "username: must be lowercase (a-z, 0-9, '.', '_', '-').");
}

TEST(DomainGuests, UsernameRejectsOtherCharacters) {
  for (const char* bad : {"al ice", "al@ce", "ali'; DROP TABLE guests;--", "al\nice", "älice", "al/ice"}) {
    auto result = ValidateUsername(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().message,
              "username: may contain only lowercase letters a-z, digits 0-9 and '.', '_' or '-'.");
  }
  EXPECT_FALSE(ValidateUsername(std::string("ab\0c", 4)));
}

TEST(DomainGuests, DisplayNamesAreTrimmedAndBounded) {
  EXPECT_TRUE(ValidateDisplayName("Ann"));
  EXPECT_TRUE(ValidateDisplayName("  Ann Lee  "));
  EXPECT_EQ(TrimDisplayName("  Ann Lee \t"), "Ann Lee");
  EXPECT_EQ(MessageOf(ValidateDisplayName("   ")), "displayName: must not be empty.");
  EXPECT_EQ(MessageOf(ValidateDisplayName("")), "displayName: must not be empty.");
  EXPECT_TRUE(ValidateDisplayName(std::string(100, 'a')));
  EXPECT_EQ(MessageOf(ValidateDisplayName(std::string(101, 'a'))), "displayName: must be at most 100 characters long.");
  // Length counts characters, not bytes: 100 two-byte letters are fine.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";
  EXPECT_TRUE(ValidateDisplayName(accents));
  EXPECT_FALSE(ValidateDisplayName(accents + "\xC3\xA9"));
  EXPECT_EQ(ValidateDisplayName("").error().field, "displayName");
}

TEST(DomainGuests, DisplayNameRejectsControlCharactersAndBadUtf8) {
  EXPECT_EQ(MessageOf(ValidateDisplayName("Ann\nLee")), "displayName: must not contain control characters.");
  EXPECT_FALSE(ValidateDisplayName(std::string("Ann\0", 4) + "Lee"));
  EXPECT_FALSE(ValidateDisplayName("Ann\x7F"));
  EXPECT_FALSE(ValidateDisplayName("Ann\xC2\x85"));  // U+0085, a C1 control
  EXPECT_EQ(MessageOf(ValidateDisplayName("Ann\xFF")), "displayName: must be valid UTF-8 text.");
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
  EXPECT_EQ(MessageOf(ValidatePassword("1234567")), "password: must be at least 8 characters long.");
  EXPECT_TRUE(ValidatePassword("12345678"));
  EXPECT_TRUE(ValidatePassword(std::string(1024, 'p')));
  EXPECT_EQ(MessageOf(ValidatePassword(std::string(1025, 'p'))), "password: must be at most 1024 bytes long.");
  EXPECT_EQ(ValidatePassword("").error().field, "password");
  // Anything else goes: spaces, quotes, NUL bytes, non-ASCII.
  EXPECT_TRUE(ValidatePassword(std::string(" ' \" \0 \xC3\xA9 x", 12)));
}

}  // namespace
}  // namespace gp::domain
