#pragma once
// The /_emulator control API: reset, people with fixed tokens, configuration (latency, faults,
// credentials, g2g, token lifetimes), the clock, ending meetings, call statistics and a state
// dump. Also the seed file, which is a configuration plus people.

#include <string>
#include <vector>

#include "emulator/call.hpp"

namespace gp::emulator {

// The "METHOD /v1/pattern" keys of the /v1 routes, as the stats report them; faults.endpoint
// must be one of them.
using Endpoints = std::vector<std::string>;

Json ConfigJson(const Config& config);
// Validates `changes` completely before touching `config`; unknown keys, wrong types and a
// faults.endpoint that is not in `endpoints` are 400.
Result<void> ApplyConfig(const Json& changes, const Endpoints& endpoints, Config& config);
// Adds a person as POST /_emulator/people does; returns the person JSON plus "accessToken".
Result<Json> AddPersonFromJson(State& state, const Json& body);
// Applies a seed document {"config": {...}, "people": [...]} (requires the lock).
Result<void> ApplySeed(State& state, const Json& seed, const Endpoints& endpoints);

http::Response ControlAddPerson(Call& call);
http::Response ControlGetConfig(Call& call);
http::Response ControlPutConfig(Call& call, const Endpoints& endpoints);
http::Response ControlClock(Call& call);
http::Response ControlEndMeeting(Call& call);
http::Response ControlState(Call& call);

}  // namespace gp::emulator
