// The cookies the API sets: the session and the OAuth browser binding.
#include "api/auth.hpp"

#include <gtest/gtest.h>

namespace gp::api {
namespace {

TEST(ApiCookies, TheOAuthBindingIsShortLivedAndOnlyForTheSignInPaths) {
  EXPECT_EQ(OAuthCookie("abc", 600, false), "gp_oauth=abc; Path=/auth/webex; HttpOnly; SameSite=Lax; Max-Age=600");
  EXPECT_EQ(OAuthCookie("abc", 600, true),
            "gp_oauth=abc; Path=/auth/webex; HttpOnly; SameSite=Lax; Max-Age=600; Secure");
  EXPECT_EQ(ClearedOAuthCookie(true), "gp_oauth=; Path=/auth/webex; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
}

TEST(ApiCookies, TheSessionCookieIsSecureOnlyOverHttps) {
  EXPECT_EQ(SessionCookie("v", 60, false), "gp_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
  EXPECT_EQ(ClearedSessionCookie(true), "gp_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
}

}  // namespace
}  // namespace gp::api
