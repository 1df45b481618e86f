#include "service/sign_in.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/encoding.hpp"

namespace gp::service {
namespace {

tl::unexpected<Error> InvalidCredentials() {
  return Fail(ErrorCode::kUnauthorized, "invalid_credentials", "Wrong username or password.");
}

// Verifying against a real hash for unknown usernames keeps their answer as slow as a wrong password.
const std::string& DummyHash() {
  static const std::string hash = crypto::HashPassword("not a password of anyone").value_or("");
  return hash;
}

}  // namespace

GuestAuth::GuestAuth(storage::Storage& storage, Sessions& sessions, AppAdmin& app_admin, GuestTokens& guest_tokens,
                     domain::LoginThrottle& throttle, Audit& audit, Clock clock)
    : storage_(storage),
      sessions_(sessions),
      app_admin_(app_admin),
      guest_tokens_(guest_tokens),
      throttle_(throttle),
      audit_(audit),
      clock_(std::move(clock)) {}

Result<GuestSignIn> GuestAuth::SignIn(const std::string& username, const std::string& password,
                                      const std::string& remote_address) {
  std::string name = ToLower(username);
  int64_t now = clock_();
  auto decision = throttle_.Check(name, remote_address, now);
  if (!decision.allowed) {
    audit_.Record("guest:" + name, "session.sign_in", name, "throttled");
    Error error{ErrorCode::kTooManyRequests, "Too many failed attempts. Please wait before trying again."};
    error.reason = "too_many_attempts";
    error.retry_after_seconds = static_cast<int>(std::max<int64_t>(1, decision.retry_after_seconds));
    return tl::unexpected(error);
  }
  auto guest = storage_.FindGuestByUsername(name);
  if (!guest && guest.error().code != ErrorCode::kNotFound) return tl::unexpected(guest.error());
  bool verified = guest ? crypto::VerifyPassword(guest->password_hash, password)
                        : (crypto::VerifyPassword(DummyHash(), password), false);
  if (!verified) {
    throttle_.RecordFailure(name, remote_address, now);
    audit_.Record("guest:" + name, "session.sign_in", name, "failure", "wrong username or password");
    return InvalidCredentials();
  }
  throttle_.RecordSuccess(name, remote_address, now);
  if (guest->disabled) {
    audit_.Record("guest:" + name, "session.sign_in", guest->id, "failure", "account disabled");
    return Fail(ErrorCode::kForbidden, "account_disabled", "This account is disabled. Please contact your administrator.");
  }
  if (!app_admin_.Ready()) {
    audit_.Record("guest:" + name, "session.sign_in", guest->id, "failure", "no AppAdmin");
    return Fail(ErrorCode::kUnavailable, "app_admin_required",
                "The portal needs an administrator to sign in to Webex. Please contact your administrator.");
  }
  // The guest's Webex token is what their pages use; a cached one costs no Webex call.
  auto token = guest_tokens_.TokenFor(*guest);
  if (!token) {
    audit_.Record("guest:" + name, "session.sign_in", guest->id, "failure", token.error().message);
    return tl::unexpected(token.error());
  }
  auto session = sessions_.CreateForGuest(guest->id);
  if (!session) return tl::unexpected(session.error());
  audit_.Record("guest:" + name, "session.sign_in", guest->id, "success");
  auto refreshed = storage_.GetGuest(guest->id);
  return GuestSignIn{*session, refreshed ? *refreshed : *guest};
}

AdminAuth::AdminAuth(storage::Storage& storage, webex::Client& webex, Sessions& sessions, AppAdmin& app_admin,
                     Audit& audit, Clock clock, AdminAuthOptions options)
    : storage_(storage),
      webex_(webex),
      sessions_(sessions),
      app_admin_(app_admin),
      audit_(audit),
      clock_(std::move(clock)),
      options_(std::move(options)) {}

Result<std::string> AdminAuth::Begin() {
  int64_t now = clock_();
  storage::OAuthStateRecord record;
  record.state = crypto::RandomToken(24);
  record.code_verifier = crypto::RandomToken(48);
  record.created_at = now;
  record.expires_at = now + kStateLifetime;
  auto saved = storage_.SaveOAuthState(record);
  if (!saved) return tl::unexpected(saved.error());
  return webex_.AuthorizeUrl(options_.client_id, options_.redirect_uri, options_.scopes, record.state,
                             crypto::PkceChallengeS256(record.code_verifier));
}

Result<AdminSignIn> AdminAuth::Complete(const std::string& code, const std::string& state) {
  auto pending = storage_.TakeOAuthState(state, clock_());
  if (!pending) {
    audit_.Record("admin:unknown", "admin.sign_in", "", "failure", "unknown or expired state");
    return Fail(ErrorCode::kBadRequest, "invalid_state",
                "This sign-in link has expired or was already used. Please start again.");
  }
  auto tokens = webex_.ExchangeCode(options_.client_id, options_.client_secret, code, options_.redirect_uri,
                                    pending->code_verifier);
  if (!tokens) {
    audit_.Record("admin:unknown", "admin.sign_in", "", "failure", "code exchange failed");
    if (tokens.error().code == ErrorCode::kBadRequest || tokens.error().code == ErrorCode::kUnauthorized) {
      return Fail(ErrorCode::kBadRequest, "invalid_code", "Webex did not accept the sign-in. Please start again.");
    }
    return tl::unexpected(tokens.error());
  }
  auto person = webex_.GetMe(tokens->access_token);
  if (!person) return tl::unexpected(person.error());
  std::string admitted;
  for (const auto& email : person->emails) {
    std::string lowered = ToLower(email);
    if (std::find(options_.admin_emails.begin(), options_.admin_emails.end(), lowered) !=
        options_.admin_emails.end()) {
      admitted = lowered;
      break;
    }
  }
  std::string who = person->emails.empty() ? person->id : ToLower(person->emails.front());
  if (admitted.empty()) {
    audit_.Record("admin:" + who, "admin.sign_in", who, "refused", "not in ADMIN_EMAILS");
    return Fail(ErrorCode::kForbidden, "not_an_administrator",
                "This Webex account is not allowed to administer this portal.");
  }
  auto adopted = app_admin_.Adopt(*tokens, *person);
  if (!adopted) return tl::unexpected(adopted.error());
  auto session = sessions_.CreateForAdmin(admitted);
  if (!session) return tl::unexpected(session.error());
  audit_.Record("admin:" + admitted, "admin.sign_in", admitted, "success");
  return AdminSignIn{*session, admitted};
}

}  // namespace gp::service
