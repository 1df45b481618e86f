#include "service/guest_tokens.hpp"

#include "domain/tokens.hpp"

namespace gp::service {

GuestTokens::GuestTokens(storage::Storage& storage, webex::GuestTokenProvider& provider,
                         const crypto::SecretBox& box, Clock clock)
    : storage_(storage), provider_(provider), box_(box), clock_(std::move(clock)) {}

Result<std::string> GuestTokens::Issue(const storage::GuestRecord& guest) {
  // The portal's guest id is the stable subject: the same guest always maps to the same identity.
  auto issued = provider_.Issue(guest.id, guest.display_name);
  if (!issued) return tl::unexpected(issued.error());
  int64_t now = clock_();
  storage::GuestTokenRecord token;
  token.guest_id = guest.id;
  token.token_enc = box_.Encrypt(issued->access_token);
  token.expires_at = now + issued->expires_in;
  auto saved = storage_.SaveGuestToken(token);
  if (!saved) return tl::unexpected(saved.error());
  if (guest.webex_person_id.value_or("") != issued->person_id) {
    storage::GuestRecord updated = guest;
    updated.webex_person_id = issued->person_id;
    updated.updated_at = now;
    auto stored = storage_.UpdateGuest(updated);
    if (!stored) return tl::unexpected(stored.error());
  }
  return issued->access_token;
}

Result<std::string> GuestTokens::TokenFor(const storage::GuestRecord& guest) {
  std::lock_guard lock(mutex_);
  auto cached = storage_.GetGuestToken(guest.id);
  if (cached && domain::TokenUsable(cached->expires_at, clock_(), domain::kGuestTokenMargin)) {
    auto token = box_.Decrypt(cached->token_enc);
    if (token) return *token;
  }
  return Issue(guest);
}

Result<std::string> GuestTokens::PersonIdFor(const storage::GuestRecord& guest) {
  if (guest.webex_person_id && !guest.webex_person_id->empty()) return *guest.webex_person_id;
  std::lock_guard lock(mutex_);
  auto current = storage_.GetGuest(guest.id);
  if (!current) return tl::unexpected(current.error());
  if (current->webex_person_id && !current->webex_person_id->empty()) return *current->webex_person_id;
  auto issued = Issue(*current);
  if (!issued) return tl::unexpected(issued.error());
  auto updated = storage_.GetGuest(guest.id);
  if (!updated || !updated->webex_person_id) {
    return Fail(ErrorCode::kUpstream, "Webex did not return an identity for the guest.");
  }
  return *updated->webex_person_id;
}

void GuestTokens::Forget(const std::string& guest_id) {
  std::lock_guard lock(mutex_);
  (void)storage_.DeleteGuestToken(guest_id);
}

}  // namespace gp::service
