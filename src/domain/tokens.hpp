#pragma once
// When cached tokens may be used and when they must be refreshed. Times are Unix seconds.

#include <cstdint>

namespace gp::domain {

// A cached guest access token is reused until 10 minutes before it expires, so a page opened just
// after sign-in does not hold a token that dies under it.
inline constexpr int64_t kGuestTokenMargin = 10 * 60;

// True when a token expiring at `expires_at` is still good for at least `margin` seconds.
bool TokenUsable(int64_t expires_at, int64_t now, int64_t margin);

// How long before expiry an access token of `lifetime` seconds is refreshed: the larger of 10% of
// its lifetime and one hour, but never more than half its lifetime (so short-lived tokens are not
// refreshed on every use). An unknown lifetime (<= 0) counts as one hour ahead.
int64_t RefreshMargin(int64_t lifetime);
// True when a token expiring at `expires_at`, issued for `lifetime` seconds, should be refreshed now.
bool RefreshDue(int64_t expires_at, int64_t lifetime, int64_t now);

// Webex refresh tokens last 90 days and do not renew; the admin console warns ahead of the end.
enum class RefreshWarning { kNone, kWarn, kCritical, kExpired };
inline constexpr int64_t kRefreshWarnSeconds = 14 * 24 * 3600;     // warn when less than 14 days are left
inline constexpr int64_t kRefreshCriticalSeconds = 2 * 24 * 3600;  // critical when less than 2 days are left

RefreshWarning RefreshTokenWarning(int64_t refresh_expires_at, int64_t now);
// "none", "warn", "critical" or "expired".
const char* RefreshTokenWarningName(RefreshWarning warning);

}  // namespace gp::domain
