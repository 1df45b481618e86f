#pragma once
// Each guest's Webex identity and access token. The identity is created on first need through the
// configured provider; the token is cached encrypted and reused until shortly before it expires, so
// a warm sign-in costs no Webex call.

#include <mutex>
#include <string>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "service/clock.hpp"
#include "storage/storage.hpp"
#include "webex/guest_token_provider.hpp"

namespace gp::service {

class GuestTokens {
 public:
  GuestTokens(storage::Storage& storage, webex::GuestTokenProvider& provider, const crypto::SecretBox& box,
              Clock clock);

  // A Webex access token for the guest that stays valid for a while yet.
  Result<std::string> TokenFor(const storage::GuestRecord& guest);
  // The guest's Webex person id, creating the identity through the provider when it has none.
  Result<std::string> PersonIdFor(const storage::GuestRecord& guest);
  void Forget(const std::string& guest_id);

 private:
  Result<std::string> Issue(const storage::GuestRecord& guest);

  storage::Storage& storage_;
  webex::GuestTokenProvider& provider_;
  const crypto::SecretBox& box_;
  Clock clock_;
  std::mutex mutex_;
};

}  // namespace gp::service
