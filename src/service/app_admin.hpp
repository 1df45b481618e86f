#pragma once
// The AppAdmin: the licensed Webex account whose OAuth tokens perform every privileged Webex action.
// Its tokens are kept encrypted at rest and refreshed ahead of expiry (domain::RefreshDue), by one
// refresh at a time: concurrent callers share it. Runs on the event loop; writes go to the pool.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <optional>
#include <functional>
#include <string>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/single_flight.hpp"
#include "core/work_pool.hpp"
#include "service/audit.hpp"
#include "service/refresh_counts.hpp"
#include "storage/storage.hpp"
#include "webex/api.hpp"

namespace gp::service {

struct AppAdminStatus {
  bool signed_in = false;
  std::string email;
  std::string display_name;
  int64_t access_expires_at = 0;
  int64_t refresh_expires_at = 0;
  std::string warning = "none";  // none | warn | critical | expired
};

class AppAdmin {
 public:
  AppAdmin(storage::Storage& storage, webex::Api& webex, WorkPool& pool, const crypto::SecretBox& box, Audit& audit,
           Clock clock, std::string client_id, std::string client_secret);

  // Stores the tokens of an administrator who has just signed in; they become the AppAdmin's.
  // Blocking: call on the pool.
  Result<void> Adopt(const webex::OAuthTokens& tokens, const webex::Person& person);
  // Called (on the caller's thread) after Adopt saved new tokens.
  void SetOnAdopted(std::function<void()> on_adopted) { on_adopted_ = std::move(on_adopted); }
  // An access token that is valid now, refreshed first when due. When there is no usable AppAdmin:
  // kUnavailable with reason "app_admin_required".
  webex::Task<std::string> AccessToken(webex::Deadline deadline);
  // Refreshes when due; for the periodic refresher.
  webex::Task<void> RefreshIfDue(webex::Deadline deadline);
  AppAdminStatus Status();
  bool Ready();
  // The AppAdmin's Webex person id, when one is signed in.
  std::optional<std::string> PersonId();
  // Refreshes of the AppAdmin's access token that worked and that failed.
  const RefreshCounts& refresh_counts() const { return refresh_counts_; }

 private:
  webex::Task<std::string> Refresh(webex::Deadline deadline);

  storage::Storage& storage_;
  webex::Api& webex_;
  WorkPool& pool_;
  const crypto::SecretBox& box_;
  Audit& audit_;
  Clock clock_;
  std::string client_id_;
  std::string client_secret_;
  SingleFlight<Result<std::string>> refresh_;
  std::function<void()> on_adopted_;
  RefreshCounts refresh_counts_;
};

}  // namespace gp::service
