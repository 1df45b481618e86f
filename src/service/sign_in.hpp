#pragma once
// Guest sign-in with username and password (throttled), and administrator sign-in with Webex OAuth
// (state + PKCE, admitted only when an email is in ADMIN_EMAILS).

#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/throttle.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/sessions.hpp"
#include "storage/storage.hpp"
#include "webex/client.hpp"

namespace gp::service {

struct GuestSignIn {
  NewSession session;
  storage::GuestRecord guest;
};

class GuestAuth {
 public:
  GuestAuth(storage::Storage& storage, Sessions& sessions, AppAdmin& app_admin, GuestTokens& guest_tokens,
            domain::LoginThrottle& throttle, Audit& audit, Clock clock);

  Result<GuestSignIn> SignIn(const std::string& username, const std::string& password,
                             const std::string& remote_address);

 private:
  storage::Storage& storage_;
  Sessions& sessions_;
  AppAdmin& app_admin_;
  GuestTokens& guest_tokens_;
  domain::LoginThrottle& throttle_;
  Audit& audit_;
  Clock clock_;
};

struct AdminAuthOptions {
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;
  std::vector<std::string> admin_emails;  // lowercased
  std::string scopes;
};

struct AdminSignIn {
  NewSession session;
  std::string email;
};

class AdminAuth {
 public:
  static constexpr int64_t kStateLifetime = 600;

  AdminAuth(storage::Storage& storage, webex::Client& webex, Sessions& sessions, AppAdmin& app_admin, Audit& audit,
            Clock clock, AdminAuthOptions options);

  // The Webex authorize URL to send the browser to.
  Result<std::string> Begin();
  Result<AdminSignIn> Complete(const std::string& code, const std::string& state);

 private:
  storage::Storage& storage_;
  webex::Client& webex_;
  Sessions& sessions_;
  AppAdmin& app_admin_;
  Audit& audit_;
  Clock clock_;
  AdminAuthOptions options_;
};

}  // namespace gp::service
