#pragma once
// Validation of guest account fields. Each validator returns a 400 error whose message starts with the
// field's API name ("username: ...") and is fit to show to an administrator.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gp::domain {

inline constexpr size_t kUsernameMinLength = 3;
inline constexpr size_t kUsernameMaxLength = 64;
inline constexpr size_t kDisplayNameMaxLength = 100;  // code points, after trimming
inline constexpr size_t kPasswordMinBytes = 8;
// Argon2id hashes any length, but an upper bound keeps a single sign-in from costing unbounded work.
inline constexpr size_t kPasswordMaxBytes = 1024;

// 3-64 of [a-z0-9._-]. Uppercase letters are refused with a message asking for lowercase.
Result<void> ValidateUsername(std::string_view username);
// 1-100 code points after trimming ASCII whitespace, valid UTF-8, no control characters. Any other text
// (including markup) is allowed and must be rendered safely.
Result<void> ValidateDisplayName(std::string_view display_name);
// The stored form of a display name: trimmed of surrounding ASCII whitespace.
std::string TrimDisplayName(std::string_view display_name);
// 8-1024 bytes; otherwise anything (it is only ever hashed).
Result<void> ValidatePassword(std::string_view password);

}  // namespace gp::domain
