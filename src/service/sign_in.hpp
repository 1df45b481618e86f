#pragma once
// Guest sign-in with username and password (throttled), and administrator sign-in with Webex OAuth
// (state + PKCE, admitted only when an email is in ADMIN_EMAILS).

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/work_pool.hpp"
#include "domain/throttle.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/sessions.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

struct GuestSignIn {
  NewSession session;
  storage::GuestRecord guest;
};

// Password checks run on the pool, so at most as many Argon2id hashes run at once (each holding
// its memory cost) as the pool has threads. A hash made with other parameters than the configured
// ones is replaced at the guest's next successful sign-in. A guest disabled while their sign-in is
// in flight ends up disabled and without a session.
class GuestAuth {
 public:
  // How long a sign-in may take, its Webex call included.
  static constexpr std::chrono::seconds kBudget{15};

  GuestAuth(storage::Storage& storage, Sessions& sessions, AppAdmin& app_admin, GuestTokens& guest_tokens,
            domain::LoginThrottle& throttle, WorkPool& pool, Audit& audit, Clock clock,
            crypto::PasswordParams password);

  webex::Task<GuestSignIn> SignIn(std::string username, std::string password, std::string remote_address);

 private:
  storage::Storage& storage_;
  Sessions& sessions_;
  AppAdmin& app_admin_;
  GuestTokens& guest_tokens_;
  domain::LoginThrottle& throttle_;
  WorkPool& pool_;
  Audit& audit_;
  Clock clock_;
  crypto::PasswordParams password_;
  std::string dummy_hash_;
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

  AdminAuth(storage::Storage& storage, webex::Api& webex, Sessions& sessions, AppAdmin& app_admin, WorkPool& pool,
            Audit& audit, Clock clock, AdminAuthOptions options);

  // The Webex authorize URL to send the browser to. Writes: call on the pool.
  Result<std::string> Begin();
  webex::Task<AdminSignIn> Complete(std::string code, std::string state);

 private:
  storage::Storage& storage_;
  webex::Api& webex_;
  Sessions& sessions_;
  AppAdmin& app_admin_;
  WorkPool& pool_;
  Audit& audit_;
  Clock clock_;
  AdminAuthOptions options_;
};

}  // namespace gp::service
