#pragma once
// JSON shapes of the portal's records, as documented in docs/api.md.

#include "api/json_io.hpp"
#include "http/router.hpp"
#include "storage/records.hpp"

namespace gp::api {

Json GuestJson(const storage::GuestRecord& guest);
Json SpaceJson(const storage::SpaceRecord& space);

// Turns a handler that may fail into one that answers failures with the uniform error body.
template <typename F>
http::Handler Wrap(F f) {
  return [f = std::move(f)](http::Request& request) -> http::Response {
    Result<http::Response> result = f(request);
    if (!result) return ErrorResponse(result.error());
    return std::move(*result);
  };
}

}  // namespace gp::api
