#pragma once
// Guest token providers: how a guest gets a Webex access token. ServiceAppProvider uses a Service
// App (POST /guests/token, current); GuestIssuerProvider uses a legacy Guest Issuer (HS256 JWT
// exchanged at POST /jwt/login).

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/error.hpp"
#include "webex/client.hpp"
#include "webex/types.hpp"

namespace gp::webex {

// Unix seconds; injected so tests control time.
using Clock = std::function<int64_t()>;
Clock SystemClock();

class GuestTokenProvider {
 public:
  virtual ~GuestTokenProvider() = default;
  // A fresh access token for the guest with this stable `subject`, creating the Webex identity on
  // first use and renaming it when `display_name` changed.
  virtual Result<GuestToken> Issue(const std::string& subject, const std::string& display_name) = 0;
};

class ServiceAppProvider final : public GuestTokenProvider {
 public:
  ServiceAppProvider(Client& client, std::string client_id, std::string client_secret, std::string refresh_token,
                     Clock clock = SystemClock());

  Result<GuestToken> Issue(const std::string& subject, const std::string& display_name) override;

 private:
  // The Service App's access token, refreshed when missing, near expiry, or equal to `rejected`.
  Result<std::string> AccessToken(const std::string& rejected = "");

  Client& client_;
  std::string client_id_;
  std::string client_secret_;
  Clock clock_;
  std::mutex mutex_;
  std::string refresh_token_;
  std::string access_token_;
  int64_t access_expires_at_ = 0;
  int64_t access_lifetime_ = 0;
};

class GuestIssuerProvider final : public GuestTokenProvider {
 public:
  // `shared_secret_base64` as the Guest Issuer app shows it; its decoded bytes are the HMAC key.
  // `jwt_horizon_seconds` bounds the JWT's exp (now + horizon).
  GuestIssuerProvider(Client& client, std::string issuer_id, const std::string& shared_secret_base64,
                      int64_t jwt_horizon_seconds, Clock clock = SystemClock());

  Result<GuestToken> Issue(const std::string& subject, const std::string& display_name) override;

  // The signed HS256 JWT for this guest, as sent to /jwt/login.
  Result<std::string> MakeJwt(const std::string& subject, const std::string& display_name) const;

 private:
  Client& client_;
  std::string issuer_id_;
  std::string secret_;  // decoded
  bool secret_valid_ = false;
  int64_t horizon_;
  Clock clock_;
};

}  // namespace gp::webex
