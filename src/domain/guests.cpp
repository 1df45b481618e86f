#include "domain/guests.hpp"

#include "domain/audit.hpp"
#include "domain/text.hpp"

namespace gp::domain {
namespace {

tl::unexpected<Error> Invalid(std::string_view field, const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_field", message, std::string(field));
}

}  // namespace

Result<void> ValidateUsername(std::string_view username) {
  if (username.empty()) return Invalid("username", "Username is required.");
  if (username.size() < kUsernameMinLength || username.size() > kUsernameMaxLength) {
    return Invalid("username", "Username must be 3 to 64 characters.");
  }
  bool uppercase = false;
  for (char c : username) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (c >= 'A' && c <= 'Z') {
      uppercase = true;
    } else if (!allowed) {
      return Invalid("username", "Username may contain only a\u2013z, 0\u20139, '.', '_' and '-'.");
    }
  }
  if (uppercase) return Invalid("username", "Username must be lowercase (a\u2013z, 0\u20139, '.', '_' and '-').");
  return {};
}

Result<void> ValidateDisplayName(std::string_view display_name) {
  if (!IsValidUtf8(display_name)) return Invalid("displayName", "Display name must be valid UTF-8 text.");
  auto trimmed = TrimAscii(display_name);
  if (trimmed.empty()) return Invalid("displayName", "Display name is required.");
  if (CodePointCount(trimmed) > kDisplayNameMaxLength) {
    return Invalid("displayName", "Display name must be at most 100 characters.");
  }
  if (HasControlCharacter(trimmed)) {
    return Invalid("displayName", "Display name must not contain control characters such as line breaks.");
  }
  return {};
}

std::string TrimDisplayName(std::string_view display_name) { return std::string(TrimAscii(display_name)); }

Result<void> ValidatePassword(std::string_view password, std::string_view field) {
  const std::string label = FieldLabel(field);
  if (password.size() < kPasswordMinBytes) return Invalid(field, label + " must be at least 8 characters.");
  if (password.size() > kPasswordMaxBytes) return Invalid(field, label + " must be at most 1024 bytes.");
  return {};
}

std::string GeneratePassword(const RandomSource& random) {
  // Rejection sampling keeps every character equally likely: bytes at or above the largest multiple
  // of the alphabet's size are drawn again.
  constexpr unsigned kLimit = 256 / kPasswordAlphabet.size() * kPasswordAlphabet.size();
  std::string password;
  unsigned char byte = 0;
  for (size_t group = 0; group < kGeneratedPasswordGroups; ++group) {
    if (group > 0) password += '-';
    for (size_t i = 0; i < kGeneratedPasswordGroupLength;) {
      random(&byte, 1);
      if (byte >= kLimit) continue;
      password += kPasswordAlphabet[byte % kPasswordAlphabet.size()];
      ++i;
    }
  }
  return password;
}

Result<int64_t> ParseExpiresAt(std::string_view text, std::string_view field) {
  constexpr int64_t kLastSecondOfDay = 24 * 60 * 60 - 1;
  auto ms = ParseAuditTime(text);
  if (!ms) {
    return Invalid(field, "The expiry must be a date (2027-01-31) or a time in UTC (2027-01-31T23:59:59Z).");
  }
  const int64_t seconds = *ms >= 0 ? *ms / 1000 : (*ms - 999) / 1000;
  if (text.size() == 10) return seconds + kLastSecondOfDay;
  return seconds;
}

}  // namespace gp::domain
