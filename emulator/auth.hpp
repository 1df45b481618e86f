#pragma once
// Identity endpoints: the OAuth authorization-code flow with PKCE (/v1/authorize,
// /v1/access_token), Guest Issuer JWT login, Service App tokens and Service App guests
// (webex-api.md §4–§6, §14.14, §15).

#include <optional>
#include <string>

#include "emulator/call.hpp"

namespace gp::emulator {

// The token of an "Authorization: Bearer <token>" header.
std::optional<std::string> BearerToken(const http::Request& request);

http::Response AuthorizePage(Call& call);
http::Response AuthorizeSubmit(Call& call);
http::Response AccessTokenGrant(Call& call);
http::Response JwtLogin(Call& call);
http::Response ApplicationToken(Call& call);
http::Response GuestToken(Call& call);
http::Response GuestCount(Call& call);

}  // namespace gp::emulator
