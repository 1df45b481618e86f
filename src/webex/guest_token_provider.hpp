#pragma once
// Guest token providers: how a guest gets a Webex access token. ServiceAppProvider uses a Service
// App (POST /guests/token, current); GuestIssuerProvider uses a legacy Guest Issuer (HS256 JWT
// exchanged at POST /jwt/login). Both run on the event loop of the Api they are given.

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "webex/api.hpp"
#include "webex/types.hpp"

namespace gp::webex {

class GuestTokenProvider {
 public:
  virtual ~GuestTokenProvider() = default;
  // A fresh access token for the guest with this stable `subject`, creating the Webex identity on
  // first use and renaming it when `display_name` changed.
  virtual Task<GuestToken> Issue(std::string subject, std::string display_name, Deadline deadline) = 0;
};

class ServiceAppProvider final : public GuestTokenProvider {
 public:
  ServiceAppProvider(Api& api, std::string client_id, std::string client_secret, std::string refresh_token,
                     Clock clock = SystemClock());
  ~ServiceAppProvider() override;

  Task<GuestToken> Issue(std::string subject, std::string display_name, Deadline deadline) override;

 private:
  // The Service App's access token, refreshed when missing, near expiry (domain::RefreshDue), or
  // equal to `rejected`. Concurrent callers share one refresh.
  Task<std::string> AccessToken(std::string rejected, Deadline deadline);

  struct State;
  Api& api_;
  std::string client_id_;
  std::string client_secret_;
  Clock clock_;
  std::unique_ptr<State> state_;
};

class GuestIssuerProvider final : public GuestTokenProvider {
 public:
  // `shared_secret_base64` as the Guest Issuer app shows it; its decoded bytes are the HMAC key.
  // `jwt_horizon_seconds` bounds the JWT's exp (now + horizon).
  GuestIssuerProvider(Api& api, std::string issuer_id, const std::string& shared_secret_base64,
                      int64_t jwt_horizon_seconds, Clock clock = SystemClock());

  Task<GuestToken> Issue(std::string subject, std::string display_name, Deadline deadline) override;

  // The signed HS256 JWT for this guest, as sent to /jwt/login.
  Result<std::string> MakeJwt(const std::string& subject, const std::string& display_name) const;

 private:
  Api& api_;
  std::string issuer_id_;
  std::string secret_;  // decoded
  bool secret_valid_ = false;
  int64_t horizon_;
  Clock clock_;
};

}  // namespace gp::webex
