#include "webex/guest_token_provider.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"

namespace gp::webex {
namespace {

// Refresh the Service App token when less than this share of its lifetime (at most 5 minutes) is left.
int64_t RefreshMargin(int64_t lifetime) { return std::clamp<int64_t>(lifetime / 10, 0, 300); }

}  // namespace

Clock SystemClock() {
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

ServiceAppProvider::ServiceAppProvider(Client& client, std::string client_id, std::string client_secret,
                                       std::string refresh_token, Clock clock)
    : client_(client),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      clock_(clock ? std::move(clock) : SystemClock()),
      refresh_token_(std::move(refresh_token)) {}

Result<std::string> ServiceAppProvider::AccessToken(const std::string& rejected) {
  // Held across the refresh so that concurrent callers wait for one refresh instead of racing.
  std::lock_guard lock(mutex_);
  const int64_t now = clock_();
  const bool usable = !access_token_.empty() && access_token_ != rejected &&
                      now < access_expires_at_ - RefreshMargin(access_lifetime_);
  if (usable) return access_token_;
  if (!rejected.empty() && access_token_ != rejected && !access_token_.empty() && now < access_expires_at_) {
    return access_token_;  // another caller already replaced the rejected token
  }
  auto tokens = client_.RefreshToken(client_id_, client_secret_, refresh_token_);
  if (!tokens) {
    // Webex's error text is not logged: the client already logged status and tracking id.
    log::warn("Service App token refresh failed ({})", ErrorCodeName(tokens.error().code));
    Error error = tokens.error();
    if (error.code == ErrorCode::kBadRequest || error.code == ErrorCode::kUnauthorized) {
      // Webex refused the Service App's own credentials: the portal, not the guest, is at fault.
      error.code = ErrorCode::kUnavailable;
      error.reason = "service_app_unauthorized";
      error.message = "Webex refused the Service App's credentials (SERVICE_APP_* settings)";
    }
    return tl::unexpected(error);
  }
  access_token_ = tokens->access_token;
  access_lifetime_ = tokens->expires_in;
  access_expires_at_ = now + tokens->expires_in;
  if (!tokens->refresh_token.empty()) refresh_token_ = tokens->refresh_token;
  log::info("Service App access token refreshed; expires in {} s", tokens->expires_in);
  return access_token_;
}

Result<GuestToken> ServiceAppProvider::Issue(const std::string& subject, const std::string& display_name) {
  auto token = AccessToken();
  if (!token) return tl::unexpected(token.error());
  auto issued = client_.CreateGuestToken(*token, subject, display_name);
  if (issued || issued.error().code != ErrorCode::kUnauthorized) return issued;
  // The cached token was revoked or expired early: refresh once and try again.
  auto fresh = AccessToken(*token);
  if (!fresh) return tl::unexpected(fresh.error());
  return client_.CreateGuestToken(*fresh, subject, display_name);
}

GuestIssuerProvider::GuestIssuerProvider(Client& client, std::string issuer_id,
                                         const std::string& shared_secret_base64, int64_t jwt_horizon_seconds,
                                         Clock clock)
    : client_(client),
      issuer_id_(std::move(issuer_id)),
      horizon_(jwt_horizon_seconds),
      clock_(clock ? std::move(clock) : SystemClock()) {
  auto decoded = Base64Decode(shared_secret_base64);
  secret_valid_ = decoded.has_value() && !decoded->empty();
  if (secret_valid_) secret_ = std::move(*decoded);
}

Result<std::string> GuestIssuerProvider::MakeJwt(const std::string& subject, const std::string& display_name) const {
  if (!secret_valid_) {
    return Fail(ErrorCode::kInternal, "guest_issuer_secret", "GUEST_SHARED_SECRET is not valid base64");
  }
  const std::string header = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  nlohmann::json claims{{"sub", subject}, {"name", display_name}, {"iss", issuer_id_}, {"exp", clock_() + horizon_}};
  const std::string signing_input = header + "." + Base64UrlEncode(claims.dump());
  return signing_input + "." + Base64UrlEncode(crypto::HmacSha256(secret_, signing_input));
}

Result<GuestToken> GuestIssuerProvider::Issue(const std::string& subject, const std::string& display_name) {
  auto jwt = MakeJwt(subject, display_name);
  if (!jwt) return tl::unexpected(jwt.error());
  auto login = client_.LoginWithJwt(*jwt);
  if (!login) return tl::unexpected(login.error());
  auto me = client_.GetMe(login->access_token);
  if (!me) return tl::unexpected(me.error());
  GuestToken token;
  token.person_id = me->id;
  token.access_token = login->access_token;
  token.expires_in = login->expires_in;
  if (!me->emails.empty()) token.email = me->emails.front();
  return token;
}

}  // namespace gp::webex
