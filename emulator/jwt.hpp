#pragma once
// Verification of Guest Issuer JWTs (HS256), as /v1/jwt/login does it: the key is the
// base64-decoded issuer secret; `exp` may be a number or a string of digits.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace gp::emulator {

struct GuestClaims {
  std::string sub;
  std::string name;
  std::string iss;
  int64_t exp = 0;  // Unix seconds
};

// Checks structure, algorithm, signature (with `key`, raw bytes), `iss`, `exp` > now and the
// presence of `sub` and `name`. Every failure is kUnauthorized with a short reason.
Result<GuestClaims> VerifyGuestJwt(std::string_view jwt, std::string_view key,
                                   std::string_view expected_issuer, int64_t now_seconds);

}  // namespace gp::emulator
