#pragma once
// Ad hoc space meetings (webex-api.md §12, §15): POST /v1/meetings {roomId, adhoc:true} by a
// licensed member, one live meeting per room, join links, ending by the host, and meetings
// started/ended webhooks.

#include "emulator/call.hpp"

namespace gp::emulator {

http::Response CreateMeeting(Call& call);
http::Response GetMeeting(Call& call);
http::Response JoinMeeting(Call& call);
// POST /v1/meetings/{meetingId}/end: the host ends a live meeting (204); other members 403, people
// who cannot see it 404, an ended meeting 409.
http::Response EndMeetingByHost(Call& call);

// Ends a live meeting and reports "ended" (requires the lock). False when unknown or already ended.
bool EndMeeting(Call& call, const Uuid& id);

}  // namespace gp::emulator
