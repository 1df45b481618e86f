#pragma once
// The /_emulator control API: reset, people with fixed tokens, configuration (latency, faults,
// credentials, g2g, token lifetimes), the clock, ending meetings, call statistics and a state
// dump. Also the seed file, which is a configuration plus people.

#include "emulator/call.hpp"

namespace gp::emulator {

Json ConfigJson(const Config& config);
// Validates `changes` completely before touching `config`; unknown keys and wrong types are 400.
Result<void> ApplyConfig(const Json& changes, Config& config);
// Adds a person as POST /_emulator/people does; returns the person JSON plus "accessToken".
Result<Json> AddPersonFromJson(State& state, const Json& body);
// Applies a seed document {"config": {...}, "people": [...]} (requires the lock).
Result<void> ApplySeed(State& state, const Json& seed);

http::Response ControlAddPerson(Call& call);
http::Response ControlGetConfig(Call& call);
http::Response ControlPutConfig(Call& call);
http::Response ControlClock(Call& call);
http::Response ControlEndMeeting(Call& call);
http::Response ControlState(Call& call);

}  // namespace gp::emulator
