#pragma once
// /v1/messages (JSON or multipart with one file) and /v1/contents (webex-api.md §10, §14.8–§14.11,
// §14.15).

#include "emulator/call.hpp"

namespace gp::emulator {

http::Response CreateMessage(Call& call);
http::Response ListMessages(Call& call);
http::Response ListDirectMessages(Call& call);
http::Response GetMessage(Call& call);
http::Response UpdateMessage(Call& call);
http::Response DeleteMessage(Call& call);
http::Response GetContent(Call& call);

}  // namespace gp::emulator
