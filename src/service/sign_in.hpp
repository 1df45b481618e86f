#pragma once
// Guest sign-in with username and password (throttled), and administrator sign-in with Webex OAuth
// (state + PKCE, the state bound to the browser that started the sign-in, admitted only when an
// email is in ADMIN_EMAILS).

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/work_pool.hpp"
#include "domain/throttle.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/hosts.hpp"
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

// The default cap on pending administrator sign-ins (docs/security.md): started, neither completed
// nor expired. Expired ones are purged every 60 s, and before a start is refused.
inline constexpr int64_t kMaxPendingOAuthStates = 10000;

struct AdminAuthOptions {
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;
  std::vector<std::string> admin_emails;  // lowercased
  std::string scopes;
  // At most this many sign-ins may be pending at once (tests lower it).
  int64_t max_pending_states = kMaxPendingOAuthStates;
};

// A started sign-in: where to send the browser, and the value the browser must bring back to the
// callback (in a short-lived cookie) for the sign-in to complete.
struct AdminSignInStart {
  std::string authorize_url;
  std::string binding;
};

struct AdminSignIn {
  NewSession session;  // empty when a pool host connected
  std::string email;
  // Set when the sign-in connected a meeting host (Begin with a host purpose) instead.
  std::optional<storage::HostRecord> host;
};

// Login CSRF: a callback URL made in one browser (an attacker's sign-in) must not sign another
// browser in. Begin() hands back a binding that the API layer keeps in a cookie of the browser that
// started the sign-in; Complete() refuses a callback whose binding does not match its state, before
// the state is consumed. States are capped: a flood of started sign-ins cannot grow the database.
class AdminAuth {
 public:
  static constexpr int64_t kStateLifetime = 600;
  // A longer state or code was never issued by us or Webex; it is refused without a lookup.
  static constexpr std::size_t kMaxStateBytes = 128;
  static constexpr std::size_t kMaxCodeBytes = 4096;
  // What a client is told to wait when the cap is reached.
  static constexpr int kRetryAfterSeconds = 60;

  AdminAuth(storage::Storage& storage, webex::Api& webex, Sessions& sessions, AppAdmin& app_admin, WorkPool& pool,
            Audit& audit, Clock clock, AdminAuthOptions options);

  // Stores a state and returns the Webex authorize URL to send the browser to, with the binding for
  // the browser's cookie. When max_pending_states unexpired sign-ins are pending: kUnavailable with
  // retry_after_seconds, and nothing is stored. Writes: call on the pool.
  // `purpose` is stored with the state: empty for an administrator, Hosts::kPurposePrefix + host id
  // for a pool host connecting (Complete then stores that host's tokens instead of signing in).
  Result<AdminSignInStart> Begin(const std::string& purpose = {});
  // `binding` is what the browser's cookie holds (empty when it has none): a mismatch is refused
  // with kBadRequest and consumes nothing.
  webex::Task<AdminSignIn> Complete(std::string code, std::string state, std::string binding);
  // The pool, for host connections; set once at start.
  void SetHosts(Hosts* hosts) { hosts_ = hosts; }

 private:
  storage::Storage& storage_;
  webex::Api& webex_;
  Sessions& sessions_;
  AppAdmin& app_admin_;
  WorkPool& pool_;
  Audit& audit_;
  Clock clock_;
  AdminAuthOptions options_;
  std::mutex begin_mutex_;  // the count and the insert of Begin() as one step
  Hosts* hosts_ = nullptr;
};

}  // namespace gp::service
