#include "service/guest_tokens.hpp"

#include "domain/tokens.hpp"

namespace gp::service {

GuestTokens::GuestTokens(storage::Storage& storage, webex::GuestTokenProvider& provider, WorkPool& pool,
                         const crypto::SecretBox& box, Audit& audit, Clock clock)
    : storage_(storage), provider_(provider), pool_(pool), box_(box), audit_(audit), clock_(std::move(clock)) {}

webex::Task<GuestTokens::Issued> GuestTokens::Issue(storage::GuestRecord guest, webex::Deadline deadline) {
  // The portal's guest id is the stable subject: the same guest always maps to the same identity.
  auto issued = co_await provider_.Issue(guest.id, guest.display_name, deadline);
  issue_counts_.Count(issued.has_value());
  if (!issued) {
    co_await audit_.Note("portal", "token.refresh", "guest:" + guest.id, "failure", RefreshFailure(issued.error()));
    co_return tl::unexpected(issued.error());
  }
  int64_t now = clock_();
  storage::GuestTokenRecord token;
  token.guest_id = guest.id;
  token.token_enc = box_.Encrypt(issued->access_token);
  token.expires_at = now + issued->expires_in;
  bool new_identity = guest.webex_person_id.value_or("") != issued->person_id;
  auto saved = co_await pool_.Run([&]() -> Result<void> {
    if (new_identity) {
      // Only this one field: a disable or rename committed meanwhile stays as it is.
      auto stored = storage_.SetGuestPersonId(guest.id, issued->person_id, now);
      if (!stored) return stored;
    }
    return storage_.SaveGuestToken(token);
  });
  if (!saved) co_return tl::unexpected(saved.error());
  co_return Issued{issued->access_token, issued->person_id};
}

webex::Task<GuestTokens::Issued> GuestTokens::IssueShared(const storage::GuestRecord& guest,
                                                          webex::Deadline deadline) {
  auto& slot = in_flight_[guest.id];
  if (!slot) slot = std::make_shared<SingleFlight<Result<Issued>>>();
  auto flight = slot;
  // Named, not a temporary in the co_await expression: GCC 12 destroys the captures of a lambda
  // temporary there twice.
  std::function<webex::Task<Issued>()> issue = [this, guest, deadline] { return Issue(guest, deadline); };
  auto result = co_await flight->Run(std::move(issue));
  if (auto it = in_flight_.find(guest.id); it != in_flight_.end() && !it->second->in_flight()) in_flight_.erase(it);
  co_return result;
}

webex::Task<std::string> GuestTokens::TokenFor(storage::GuestRecord guest, webex::Deadline deadline) {
  auto cached = co_await pool_.Read([&] { return storage_.GetGuestToken(guest.id); });
  if (cached && domain::TokenUsable(cached->expires_at, clock_(), domain::kGuestTokenMargin)) {
    if (auto token = box_.Decrypt(cached->token_enc)) co_return *token;
  }
  auto issued = co_await IssueShared(guest, deadline);
  if (!issued) co_return tl::unexpected(issued.error());
  co_return issued->token;
}

webex::Task<std::string> GuestTokens::PersonIdFor(storage::GuestRecord guest, webex::Deadline deadline) {
  if (guest.webex_person_id && !guest.webex_person_id->empty()) co_return *guest.webex_person_id;
  auto current = co_await pool_.Read([&] { return storage_.GetGuest(guest.id); });
  if (!current) co_return tl::unexpected(current.error());
  if (current->webex_person_id && !current->webex_person_id->empty()) co_return *current->webex_person_id;
  auto issued = co_await IssueShared(*current, deadline);
  if (!issued) co_return tl::unexpected(issued.error());
  if (issued->person_id.empty()) co_return Fail(ErrorCode::kUpstream, "Webex did not return an identity for the guest.");
  co_return issued->person_id;
}

}  // namespace gp::service
