#pragma once
// The AppAdmin: the licensed Webex account whose OAuth tokens perform every privileged Webex action.
// Its tokens are kept encrypted at rest and refreshed ahead of expiry, by one caller at a time.

#include <mutex>
#include <optional>
#include <string>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "service/clock.hpp"
#include "storage/storage.hpp"
#include "webex/client.hpp"

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
  AppAdmin(storage::Storage& storage, webex::Client& webex, const crypto::SecretBox& box, Clock clock,
           std::string client_id, std::string client_secret);

  // Stores the tokens of an administrator who has just signed in; they become the AppAdmin's.
  Result<void> Adopt(const webex::OAuthTokens& tokens, const webex::Person& person);
  // An access token that is valid now, refreshed first when due. When there is no usable AppAdmin:
  // kUnavailable with reason "app_admin_required".
  Result<std::string> AccessToken();
  // Refreshes when due; for the background refresher.
  Result<void> RefreshIfDue();
  AppAdminStatus Status();
  bool Ready();

 private:
  Result<std::string> RefreshLocked(const storage::AppAdminRecord& record);

  storage::Storage& storage_;
  webex::Client& webex_;
  const crypto::SecretBox& box_;
  Clock clock_;
  std::string client_id_;
  std::string client_secret_;
  std::mutex refresh_mutex_;
};

}  // namespace gp::service
