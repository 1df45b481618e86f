#include "domain/guests.hpp"

#include "domain/text.hpp"

namespace gp::domain {
namespace {

tl::unexpected<Error> Invalid(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kBadRequest, "invalid_field", field + ": " + message, field);
}

}  // namespace

Result<void> ValidateUsername(std::string_view username) {
  if (username.size() < kUsernameMinLength || username.size() > kUsernameMaxLength) {
    return Invalid("username", "must be 3 to 64 characters long.");
  }
  bool uppercase = false;
  for (char c : username) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (c >= 'A' && c <= 'Z') {
      uppercase = true;
    } else if (!allowed) {
      return Invalid("username", "may contain only lowercase letters a-z, digits 0-9 and '.', '_' or '-'.");
    }
  }
  if (uppercase) return Invalid("username", "must be lowercase (a-z, 0-9, '.', '_', '-').");
  return {};
}

Result<void> ValidateDisplayName(std::string_view display_name) {
  if (!IsValidUtf8(display_name)) return Invalid("displayName", "must be valid UTF-8 text.");
  auto trimmed = TrimAscii(display_name);
  if (trimmed.empty()) return Invalid("displayName", "must not be empty.");
  if (CodePointCount(trimmed) > kDisplayNameMaxLength) {
    return Invalid("displayName", "must be at most 100 characters long.");
  }
  if (HasControlCharacter(trimmed)) return Invalid("displayName", "must not contain control characters.");
  return {};
}

std::string TrimDisplayName(std::string_view display_name) { return std::string(TrimAscii(display_name)); }

Result<void> ValidatePassword(std::string_view password) {
  if (password.size() < kPasswordMinBytes) return Invalid("password", "must be at least 8 characters long.");
  if (password.size() > kPasswordMaxBytes) return Invalid("password", "must be at most 1024 bytes long.");
  return {};
}

}  // namespace gp::domain
