#pragma once
// JSON shapes of the portal's records, as documented in docs/api.md.

#include "api/json_io.hpp"
#include "http/router.hpp"
#include "service/messages.hpp"
#include "storage/records.hpp"

namespace gp::api {

Json GuestJson(const storage::GuestRecord& guest);
Json SpaceJson(const storage::SpaceRecord& space);
Json MessageJson(const service::MessageView& message);

}  // namespace gp::api
