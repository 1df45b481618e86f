#include "domain/tokens.hpp"

#include <algorithm>

namespace gp::domain {

bool TokenUsable(int64_t expires_at, int64_t now, int64_t margin) { return expires_at - now > margin; }

int64_t RefreshMargin(int64_t lifetime) {
  constexpr int64_t kHour = 3600;
  if (lifetime <= 0) return kHour;
  return std::min(std::max(lifetime / 10, kHour), lifetime / 2);
}

bool RefreshDue(int64_t expires_at, int64_t lifetime, int64_t now) {
  return expires_at - now <= RefreshMargin(lifetime);
}

RefreshWarning RefreshTokenWarning(int64_t refresh_expires_at, int64_t now) {
  int64_t left = refresh_expires_at - now;
  if (left <= 0) return RefreshWarning::kExpired;
  if (left < kRefreshCriticalSeconds) return RefreshWarning::kCritical;
  if (left < kRefreshWarnSeconds) return RefreshWarning::kWarn;
  return RefreshWarning::kNone;
}

const char* RefreshTokenWarningName(RefreshWarning warning) {
  switch (warning) {
    case RefreshWarning::kNone:
      return "none";
    case RefreshWarning::kWarn:
      return "warn";
    case RefreshWarning::kCritical:
      return "critical";
    case RefreshWarning::kExpired:
      return "expired";
  }
  return "none";
}

}  // namespace gp::domain
