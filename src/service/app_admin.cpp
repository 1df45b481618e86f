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

AppAdmin::AppAdmin(storage::Storage& storage, webex::Client& webex, const crypto::SecretBox& box,
                   Clock clock, std::string client_id, std::string client_secret)
    : storage_(storage),
      webex_(webex),
      box_(box),
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
  std::lock_guard lock(refresh_mutex_);
  return storage_.SaveAppAdmin(record);
}

Result<std::string> AppAdmin::RefreshLocked(const storage::AppAdminRecord& record) {
  int64_t now = clock_();
  if (record.refresh_expires_at <= now) return AppAdminRequired();
  auto refresh_token = box_.Decrypt(record.refresh_token_enc);
  if (!refresh_token) return AppAdminRequired();
  auto tokens = webex_.RefreshToken(client_id_, client_secret_, *refresh_token);
  if (!tokens) {
    log::warn("AppAdmin token refresh failed: {}", tokens.error().message);
    if (tokens.error().code == ErrorCode::kUnauthorized || tokens.error().code == ErrorCode::kBadRequest) {
      return AppAdminRequired();
    }
    return tl::unexpected(tokens.error());
  }
  storage::AppAdminRecord updated = record;
  updated.access_token_enc = box_.Encrypt(tokens->access_token);
  updated.access_expires_at = now + tokens->expires_in;
  if (!tokens->refresh_token.empty()) {
    updated.refresh_token_enc = box_.Encrypt(tokens->refresh_token);
    updated.refresh_expires_at = now + tokens->refresh_token_expires_in;
  }
  updated.updated_at = now;
  auto saved = storage_.SaveAppAdmin(updated);
  if (!saved) return tl::unexpected(saved.error());
  log::info("AppAdmin access token refreshed");
  return tokens->access_token;
}

Result<std::string> AppAdmin::AccessToken() {
  auto record = storage_.GetAppAdmin();
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) return AppAdminRequired();
    return tl::unexpected(record.error());
  }
  int64_t now = clock_();
  int64_t lifetime = record->access_expires_at - record->updated_at;
  if (!domain::RefreshDue(record->access_expires_at, lifetime, now)) {
    auto token = box_.Decrypt(record->access_token_enc);
    if (token) return *token;
  }
  std::lock_guard lock(refresh_mutex_);
  // Another caller may have refreshed while this one waited.
  auto current = storage_.GetAppAdmin();
  if (!current) return AppAdminRequired();
  lifetime = current->access_expires_at - current->updated_at;
  if (!domain::RefreshDue(current->access_expires_at, lifetime, clock_())) {
    auto token = box_.Decrypt(current->access_token_enc);
    if (token) return *token;
  }
  auto refreshed = RefreshLocked(*current);
  if (refreshed) return refreshed;
  // A failed early refresh still leaves a token that has not expired yet.
  if (current->access_expires_at > clock_() && refreshed.error().reason != "app_admin_required") {
    auto token = box_.Decrypt(current->access_token_enc);
    if (token) return *token;
  }
  return refreshed;
}

Result<void> AppAdmin::RefreshIfDue() {
  auto token = AccessToken();
  if (!token) return tl::unexpected(token.error());
  return {};
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

}  // namespace gp::service
