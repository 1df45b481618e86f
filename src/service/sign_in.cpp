#include "service/sign_in.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/encoding.hpp"
#include "core/log.hpp"
#include "domain/guests.hpp"

namespace gp::service {
namespace {

namespace asio = boost::asio;

tl::unexpected<Error> InvalidCredentials() {
  return Fail(ErrorCode::kUnauthorized, "invalid_credentials", "Wrong username or password.");
}

// No stored username or password is longer (domain::ValidateUsername, ValidatePassword). A longer
// one is an ordinary failure, and only this much of it is kept (throttle key, audit, Argon2id).
constexpr std::size_t kMaxUsernameBytes = domain::kUsernameMaxLength;
constexpr std::size_t kMaxPasswordBytes = domain::kPasswordMaxBytes;

// Cuts `value` to `max_bytes` and frees the rest (the coroutine frame keeps it across every wait).
// Returns whether it was longer.
bool CutTo(std::string& value, std::size_t max_bytes) {
  if (value.size() <= max_bytes) return false;
  value = value.substr(0, max_bytes);
  return true;
}

}  // namespace

GuestAuth::GuestAuth(storage::Storage& storage, Sessions& sessions, AppAdmin& app_admin, GuestTokens& guest_tokens,
                     domain::LoginThrottle& throttle, WorkPool& pool, Audit& audit, Clock clock,
                     crypto::PasswordParams password)
    : storage_(storage),
      sessions_(sessions),
      app_admin_(app_admin),
      guest_tokens_(guest_tokens),
      throttle_(throttle),
      pool_(pool),
      audit_(audit),
      clock_(std::move(clock)),
      password_(password),
      // Verifying against a real hash for unknown usernames keeps their answer as slow as a wrong
      // password.
      dummy_hash_(crypto::HashPassword("not a password of anyone", password).value_or("")) {}

webex::Task<GuestSignIn> GuestAuth::SignIn(std::string username, std::string password, std::string remote_address) {
  const auto deadline = webex::DeadlineIn(kBudget);
  // Bounded before anything is stored, logged or hashed.
  const bool overlong_username = CutTo(username, kMaxUsernameBytes);
  const bool overlong_password = CutTo(password, kMaxPasswordBytes);
  const std::string name = ToLower(username);
  const std::string actor = "guest:" + name;
  int64_t now = clock_();
  auto decision = throttle_.Check(name, remote_address, now);
  if (!decision.allowed) {
    co_await audit_.Note(actor, "session.sign_in", name, "throttled");
    Error error{ErrorCode::kTooManyRequests, "Too many failed attempts. Please wait before trying again."};
    error.reason = "too_many_attempts";
    error.retry_after_seconds = static_cast<int>(std::max<int64_t>(1, decision.retry_after_seconds));
    co_return tl::unexpected(error);
  }
  Result<storage::GuestRecord> guest = Fail(ErrorCode::kNotFound, "guest not found");
  if (!overlong_username) guest = co_await pool_.Read([&] { return storage_.FindGuestByUsername(name); });
  if (!guest && guest.error().code != ErrorCode::kNotFound) co_return tl::unexpected(guest.error());
  // An overlong password is verified too (its first kMaxPasswordBytes), so that it answers as slowly
  // as a wrong one; it never matches.
  const std::string hash = guest ? guest->password_hash : dummy_hash_;
  auto verified = co_await pool_.Run([&]() -> Result<bool> { return crypto::VerifyPassword(hash, password); });
  if (!verified) co_return tl::unexpected(verified.error());
  if (!*verified || !guest || overlong_password) {
    throttle_.RecordFailure(name, remote_address, now);
    co_await audit_.Note(actor, "session.sign_in", name, "failure", "wrong username or password");
    co_return InvalidCredentials();
  }
  throttle_.RecordSuccess(name, remote_address, now);
  // Refused from the moment it ends, whether or not the expiry task has disabled it yet.
  if (guest->expires_at && *guest->expires_at <= now) {
    co_await audit_.Note(actor, "session.sign_in", guest->id, "failure", "account expired");
    co_return Fail(ErrorCode::kForbidden, "account_expired",
                   "This account has expired. Please contact your administrator.");
  }
  if (guest->disabled) {
    co_await audit_.Note(actor, "session.sign_in", guest->id, "failure", "account disabled");
    co_return Fail(ErrorCode::kForbidden, "account_disabled",
                   "This account is disabled. Please contact your administrator.");
  }
  auto ready = co_await pool_.Read([&]() -> Result<bool> { return app_admin_.Ready(); });
  if (!ready) co_return tl::unexpected(ready.error());
  if (!*ready) {
    co_await audit_.Note(actor, "session.sign_in", guest->id, "failure", "no AppAdmin");
    co_return Fail(ErrorCode::kUnavailable, "app_admin_required",
                   "The portal needs an administrator to sign in to Webex. Please contact your administrator.");
  }
  if (crypto::NeedsRehash(guest->password_hash, password_)) {
    auto rehashed = co_await pool_.Run([&]() -> Result<bool> {
      auto fresh = crypto::HashPassword(password, password_);
      if (!fresh) return tl::unexpected(fresh.error());
      return storage_.RehashGuestPassword(guest->id, guest->password_hash, *fresh, clock_());
    });
    if (!rehashed) log::warn("password of guest {} could not be rehashed: {}", guest->id,
                             log::Safe(rehashed.error().message));
  }
  // The guest's Webex token is what their pages use; a cached one costs no Webex call.
  auto token = co_await guest_tokens_.TokenFor(*guest, deadline);
  if (!token) {
    co_await audit_.Note(actor, "session.sign_in", guest->id, "failure", token.error().message);
    co_return tl::unexpected(token.error());
  }
  // The session is written, then the guest read again: a disable that committed before the read
  // is seen here, and one that commits after it deletes this session with the others.
  auto session = co_await pool_.Run([&]() -> Result<GuestSignIn> {
    auto created = sessions_.CreateForGuest(guest->id);
    if (!created) return tl::unexpected(created.error());
    auto current = storage_.GetGuest(guest->id);
    if (!current || current->disabled) {
      (void)sessions_.End(created->cookie_value);
      audit_.Record(actor, "session.sign_in", guest->id, "failure", "account disabled");
      return Fail(ErrorCode::kForbidden, "account_disabled",
                  "This account is disabled. Please contact your administrator.");
    }
    audit_.Record(actor, "session.sign_in", guest->id, "success");
    return GuestSignIn{*created, *current};
  });
  co_return session;
}

AdminAuth::AdminAuth(storage::Storage& storage, webex::Api& webex, Sessions& sessions, AppAdmin& app_admin,
                     WorkPool& pool, Audit& audit, Clock clock, AdminAuthOptions options)
    : storage_(storage),
      webex_(webex),
      sessions_(sessions),
      app_admin_(app_admin),
      pool_(pool),
      audit_(audit),
      clock_(std::move(clock)),
      options_(std::move(options)) {}

Result<AdminSignInStart> AdminAuth::Begin(const std::string& purpose) {
  std::lock_guard lock(begin_mutex_);
  int64_t now = clock_();
  auto pending = storage_.CountOAuthStates();
  if (!pending) return tl::unexpected(pending.error());
  if (*pending >= options_.max_pending_states) {
    // The periodic purge may not have run yet: expired states do not count.
    auto purged = storage_.DeleteExpiredOAuthStates(now);
    if (!purged) return tl::unexpected(purged.error());
    pending = storage_.CountOAuthStates();
    if (!pending) return tl::unexpected(pending.error());
  }
  if (*pending >= options_.max_pending_states) {
    Error error{ErrorCode::kUnavailable,
                "Too many sign-ins are in progress right now. Please try again in a minute."};
    error.reason = "too_many_sign_ins";
    error.retry_after_seconds = kRetryAfterSeconds;
    return tl::unexpected(error);
  }
  storage::OAuthStateRecord record;
  record.state = crypto::RandomToken(24);
  record.code_verifier = crypto::RandomToken(48);
  record.purpose = purpose;
  record.created_at = now;
  record.expires_at = now + kStateLifetime;
  auto saved = storage_.SaveOAuthState(record);
  if (!saved) return tl::unexpected(saved.error());
  // The state is random, single-use and unknown to another browser: it is its own binding.
  return AdminSignInStart{webex_.AuthorizeUrl(options_.client_id, options_.redirect_uri, options_.scopes,
                                              record.state, crypto::PkceChallengeS256(record.code_verifier)),
                          record.state};
}

webex::Task<AdminSignIn> AdminAuth::Complete(std::string code, std::string state, std::string binding) {
  const auto deadline = webex::DeadlineIn(std::chrono::seconds(20));
  if (state.size() > kMaxStateBytes || code.size() > kMaxCodeBytes) {
    co_await audit_.Note("admin:unknown", "admin.sign_in", "", "failure", "overlong state or code");
    co_return Fail(ErrorCode::kBadRequest, "invalid_state",
                   "This sign-in link has expired or was already used. Please start again.");
  }
  if (binding.empty() || !crypto::ConstantTimeEquals(binding, state)) {
    co_await audit_.Note("admin:unknown", "admin.sign_in", "", "failure", "state not started in this browser");
    co_return Fail(ErrorCode::kBadRequest, "state_not_bound",
                   "This sign-in was not started in this browser, or has expired. Please start again.");
  }
  auto pending = co_await pool_.Run([&] { return storage_.TakeOAuthState(state, clock_()); });
  if (!pending) {
    co_await audit_.Note("admin:unknown", "admin.sign_in", "", "failure", "unknown or expired state");
    co_return Fail(ErrorCode::kBadRequest, "invalid_state",
                   "This sign-in link has expired or was already used. Please start again.");
  }
  auto tokens = co_await webex_.ExchangeCode(options_.client_id, options_.client_secret, code, options_.redirect_uri,
                                             pending->code_verifier, deadline);
  if (!tokens) {
    co_await audit_.Note("admin:unknown", "admin.sign_in", "", "failure", "code exchange failed");
    if (tokens.error().code == ErrorCode::kBadRequest || tokens.error().code == ErrorCode::kUnauthorized) {
      co_return Fail(ErrorCode::kBadRequest, "invalid_code", "Webex did not accept the sign-in. Please start again.");
    }
    co_return tl::unexpected(tokens.error());
  }
  auto person = co_await webex_.GetMe(tokens->access_token, deadline);
  if (!person) co_return tl::unexpected(person.error());
  if (pending->purpose.starts_with(Hosts::kPurposePrefix)) {
    if (!hosts_) co_return Fail(ErrorCode::kUnavailable, "Meeting hosts cannot be connected right now.");
    std::string host_id = pending->purpose.substr(std::string_view(Hosts::kPurposePrefix).size());
    auto connected = co_await pool_.Run([&] { return hosts_->Connect(host_id, *tokens, *person); });
    if (!connected) co_return tl::unexpected(connected.error());
    co_return AdminSignIn{{}, connected->email, std::move(*connected)};
  }
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
    co_await audit_.Note("admin:" + who, "admin.sign_in", who, "refused", "not in ADMIN_EMAILS");
    co_return Fail(ErrorCode::kForbidden, "not_an_administrator",
                   "You signed in to Webex as " + who + ", and that account is not allowed to administer this portal.");
  }
  co_return co_await pool_.Run([&]() -> Result<AdminSignIn> {
    auto adopted = app_admin_.Adopt(*tokens, *person);
    if (!adopted) return tl::unexpected(adopted.error());
    auto session = sessions_.CreateForAdmin(admitted);
    if (!session) return tl::unexpected(session.error());
    audit_.Record("admin:" + admitted, "admin.sign_in", admitted, "success");
    return AdminSignIn{*session, admitted, std::nullopt};
  });
}

}  // namespace gp::service
