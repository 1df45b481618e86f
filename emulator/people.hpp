#pragma once
// /v1/people (webex-api.md §7).

#include "emulator/call.hpp"

namespace gp::emulator {

http::Response GetMe(Call& call);
http::Response GetPerson(Call& call);
http::Response ListPeople(Call& call);

}  // namespace gp::emulator
