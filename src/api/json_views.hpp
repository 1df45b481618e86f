#pragma once
// JSON shapes of the portal's records, as documented in docs/api.md.

#include "api/json_io.hpp"
#include "http/router.hpp"
#include "service/messages.hpp"
#include "storage/records.hpp"

namespace gp::api {

Json GuestJson(const storage::GuestRecord& guest);
// A guest as GET /api/v1/guests lists it: GuestJson with "pairCount", serialised.
std::string GuestListItem(const storage::GuestRecord& guest, int64_t pair_count);
Json SpaceJson(const storage::SpaceRecord& space);
Json MessageJson(const service::MessageView& message);
// {"id", "title", "members": [{"id", "displayName"}]}: a space as a confirmation lists it.
Json SpaceBriefJson(const storage::SpaceRecord& space);
// {"id", "username", "displayName", "disabled"}: a guest as lists of pairs and contacts name them.
Json GuestSummaryJson(const storage::GuestRecord& guest);

// The ?dryRun= parameter: true for "true" or "1", false when absent or "false" or "0", else a 400.
Result<bool> DryRunParam(const http::Request& request);

}  // namespace gp::api
