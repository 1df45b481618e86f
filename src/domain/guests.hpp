#pragma once
// Validation of guest account fields, generated passwords and account end dates. Each validator returns
// a 400 error whose message is a sentence fit to show to an administrator or guest ("Username must be 3
// to 64 characters.") and whose `field` is the API name of the field it is about.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "domain/ids.hpp"

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
// 8-1024 bytes; otherwise anything (it is only ever hashed). `field` names the input in the error
// ("password", "newPassword").
Result<void> ValidatePassword(std::string_view password, std::string_view field = "password");

// Generated passwords: 16 characters in four groups joined by '-' ("k7pm-x3rt-9fwq-h2nd"), each drawn
// uniformly from kPasswordAlphabet, which leaves out characters that read alike (0/o, 1/l/i). About 79
// bits of entropy; 19 characters, within kPasswordMinBytes..kPasswordMaxBytes.
inline constexpr std::string_view kPasswordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";
inline constexpr size_t kGeneratedPasswordGroups = 4;
inline constexpr size_t kGeneratedPasswordGroupLength = 4;
std::string GeneratePassword(const RandomSource& random);

// An account's end as Unix seconds: an RFC 3339 time ("2027-01-31T23:59:59Z", any offset), or a date
// ("2027-01-31") meaning the last second of that day in UTC. 400 (field `field`) for anything else.
Result<int64_t> ParseExpiresAt(std::string_view text, std::string_view field = "expiresAt");

}  // namespace gp::domain
