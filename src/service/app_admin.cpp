#include "service/app_admin.hpp"

#include "core/log.hpp"
#include "domain/tokens.hpp"

namespace gp::service {
namespace {

tl::unexpected<Error> AppAdminRequired() {
  return Fail(ErrorCode::kUnavailable, "app_admin_required",
              "The portal needs an administrator to sign in to Webex. Please contact your administrator.");
}

}  // namespace

AppAdmin::AppAdmin(storage::Storage& storage, webex::Api& webex, WorkPool& pool, const crypto::SecretBox& box,
                   Audit& audit, Clock clock, std::string client_id, std::string client_secret)
    : storage_(storage),
      webex_(webex),
      pool_(pool),
      box_(box),
      audit_(audit),
      clock_(std::move(clock)),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)) {}

Result<void> AppAdmin::Adopt(const webex::OAuthTokens& tokens, const webex::Person& person) {
  int64_t now = clock_();
  storage::AppAdminRecord record;
  record.person_id = person.id;
  record.email = person.emails.empty() ? std::string() : person.emails.front();
  record.display_name = person.display_name;
  record.access_token_enc = box_.Encrypt(tokens.access_token);
  record.access_expires_at = now + tokens.expires_in;
  record.refresh_token_enc = box_.Encrypt(tokens.refresh_token);
  record.refresh_expires_at = now + tokens.refresh_token_expires_in;
  record.updated_at = now;
  auto saved = storage_.SaveAppAdmin(record);
  if (saved && on_adopted_) on_adopted_();
  return saved;
}

webex::Task<std::string> AppAdmin::Refresh(webex::Deadline deadline) {
  // Another caller may have refreshed while this one waited for its turn.
  auto record = co_await pool_.Read([&] { return storage_.GetAppAdmin(); });
  if (!record) co_return AppAdminRequired();
  int64_t now = clock_();
  if (!domain::RefreshDue(record->access_expires_at, record->access_expires_at - record->updated_at, now)) {
    if (auto token = box_.Decrypt(record->access_token_enc)) co_return *token;
  }
  if (record->refresh_expires_at <= now) co_return AppAdminRequired();
  auto refresh_token = box_.Decrypt(record->refresh_token_enc);
  if (!refresh_token) co_return AppAdminRequired();
  auto tokens = co_await webex_.RefreshToken(client_id_, client_secret_, *refresh_token, deadline);
  refresh_counts_.Count(tokens.has_value());
  if (!tokens) {
    log::warn("AppAdmin token refresh failed ({})", ErrorCodeName(tokens.error().code));
    co_await audit_.Note("portal", "token.refresh", "app_admin", "failure", RefreshFailure(tokens.error()));
    if (tokens.error().code == ErrorCode::kUnauthorized || tokens.error().code == ErrorCode::kBadRequest) {
      co_return AppAdminRequired();
    }
    // A failed early refresh still leaves a token that has not expired yet.
    if (record->access_expires_at > clock_()) {
      if (auto token = box_.Decrypt(record->access_token_enc)) co_return *token;
    }
    co_return tl::unexpected(tokens.error());
  }
  storage::AppAdminRecord updated = *record;
  now = clock_();
  updated.access_token_enc = box_.Encrypt(tokens->access_token);
  updated.access_expires_at = now + tokens->expires_in;
  if (!tokens->refresh_token.empty()) {
    updated.refresh_token_enc = box_.Encrypt(tokens->refresh_token);
    updated.refresh_expires_at = now + tokens->refresh_token_expires_in;
  }
  updated.updated_at = now;
  auto saved = co_await pool_.Run([&] { return storage_.SaveAppAdmin(updated); });
  if (!saved) co_return tl::unexpected(saved.error());
  log::info("AppAdmin access token refreshed");
  co_return tokens->access_token;
}

webex::Task<std::string> AppAdmin::AccessToken(webex::Deadline deadline) {
  auto record = co_await pool_.Read([&] { return storage_.GetAppAdmin(); });
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) co_return AppAdminRequired();
    co_return tl::unexpected(record.error());
  }
  if (!domain::RefreshDue(record->access_expires_at, record->access_expires_at - record->updated_at, clock_())) {
    if (auto token = box_.Decrypt(record->access_token_enc)) co_return *token;
  }
  co_return co_await refresh_.Run([this, deadline] { return Refresh(deadline); });
}

webex::Task<void> AppAdmin::RefreshIfDue(webex::Deadline deadline) {
  auto token = co_await AccessToken(deadline);
  if (!token) co_return tl::unexpected(token.error());
  co_return Result<void>{};
}

AppAdminStatus AppAdmin::Status() {
  AppAdminStatus status;
  auto record = storage_.GetAppAdmin();
  if (!record) {
    status.warning = "expired";
    return status;
  }
  int64_t now = clock_();
  status.signed_in = record->refresh_expires_at > now;
  status.email = record->email;
  status.display_name = record->display_name;
  status.access_expires_at = record->access_expires_at;
  status.refresh_expires_at = record->refresh_expires_at;
  status.warning = domain::RefreshTokenWarningName(domain::RefreshTokenWarning(record->refresh_expires_at, now));
  return status;
}

bool AppAdmin::Ready() {
  auto record = storage_.GetAppAdmin();
  return record && record->refresh_expires_at > clock_();
}

std::optional<std::string> AppAdmin::PersonId() {
  auto record = storage_.GetAppAdmin();
  if (!record) return std::nullopt;
  return record->person_id;
}

}  // namespace gp::service
