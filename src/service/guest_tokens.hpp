#pragma once
// Each guest's Webex identity and access token. The identity is created on first need through the
// configured provider; the token is cached encrypted and reused until shortly before it expires, so
// a warm sign-in costs no Webex call. Concurrent requests for the same guest share one Webex call.
// Runs on the event loop; writes go to the pool.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <map>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/single_flight.hpp"
#include "core/work_pool.hpp"
#include "service/audit.hpp"
#include "service/refresh_counts.hpp"
#include "storage/storage.hpp"
#include "webex/guest_token_provider.hpp"

namespace gp::service {

class GuestTokens {
 public:
  GuestTokens(storage::Storage& storage, webex::GuestTokenProvider& provider, WorkPool& pool,
              const crypto::SecretBox& box, Audit& audit, Clock clock);

  // A Webex access token for the guest that stays valid for a while yet.
  webex::Task<std::string> TokenFor(storage::GuestRecord guest, webex::Deadline deadline);
  // The guest's Webex person id, creating the identity through the provider when it has none.
  webex::Task<std::string> PersonIdFor(storage::GuestRecord guest, webex::Deadline deadline);
  // Guest tokens the provider issued, and its failures.
  const RefreshCounts& issue_counts() const { return issue_counts_; }

 private:
  struct Issued {
    std::string token;
    std::string person_id;
  };
  webex::Task<Issued> Issue(storage::GuestRecord guest, webex::Deadline deadline);
  webex::Task<Issued> IssueShared(const storage::GuestRecord& guest, webex::Deadline deadline);

  storage::Storage& storage_;
  webex::GuestTokenProvider& provider_;
  WorkPool& pool_;
  const crypto::SecretBox& box_;
  Audit& audit_;
  Clock clock_;
  std::map<std::string, std::shared_ptr<SingleFlight<Result<Issued>>>> in_flight_;
  RefreshCounts issue_counts_;
};

}  // namespace gp::service
