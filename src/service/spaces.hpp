#pragma once
// Portal spaces: created by the AppAdmin with guests as members, only when every pair of guests is
// allowed; closed (guest memberships removed) when the policy no longer allows them.

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/clock.hpp"
#include "service/guest_tokens.hpp"
#include "storage/storage.hpp"
#include "webex/client.hpp"

namespace gp::service {

struct CreateSpaceRequest {
  std::string caller_id;
  std::vector<std::string> member_ids;  // besides the caller
  std::optional<std::string> title;
};

struct CreatedSpace {
  storage::SpaceRecord space;
  bool existing = false;  // true when the same member set already had an open space
};

class Spaces {
 public:
  static constexpr size_t kMaxMembers = 50;

  Spaces(storage::Storage& storage, webex::Client& webex, AppAdmin& app_admin, GuestTokens& guest_tokens,
         Audit& audit, Clock clock);

  Result<CreatedSpace> Create(const CreateSpaceRequest& request);
  Result<std::vector<storage::SpaceRecord>> ListForGuest(const std::string& guest_id);
  // Removes the guests' memberships and marks the space closed. `reason` goes to the audit log.
  Result<void> Close(const storage::SpaceRecord& space, const std::string& actor, const std::string& reason);
  // Closes every open space holding `guest_id` (the guest was deleted or disabled).
  Result<std::vector<std::string>> CloseAllFor(const std::string& guest_id, const std::string& actor);
  // Closes every open space holding both guests (their pair was revoked).
  Result<std::vector<std::string>> CloseAllWithPair(const std::string& guest_a, const std::string& guest_b,
                                                    const std::string& actor);

 private:
  storage::Storage& storage_;
  webex::Client& webex_;
  AppAdmin& app_admin_;
  GuestTokens& guest_tokens_;
  Audit& audit_;
  Clock clock_;
};

}  // namespace gp::service
