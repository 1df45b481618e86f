#pragma once
// JSON in and out for API handlers: one place that turns bodies into typed values and errors into
// the uniform {"error": {"code", "message", "field"?}} body.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "http/message.hpp"

namespace gp::api {

using Json = nlohmann::json;

http::Response JsonResponse(int status, const Json& body);
// The same for a body that is serialised JSON already.
http::Response JsonTextResponse(int status, std::string body);
http::Response ErrorResponse(const Error& error);

// The body as a JSON object: 415 unless Content-Type is application/json, 400 when malformed or
// not an object.
Result<Json> ParseJsonObject(const http::Request& request);

// Field readers that name the field in their 400.
Result<std::string> RequireString(const Json& body, const std::string& field);
Result<std::optional<std::string>> OptionalString(const Json& body, const std::string& field);
Result<std::optional<bool>> OptionalBool(const Json& body, const std::string& field);
Result<std::vector<std::string>> RequireStringArray(const Json& body, const std::string& field);

// ISO-8601 UTC with milliseconds, e.g. 2026-11-29T10:00:00.000Z, from Unix seconds.
std::string IsoTime(int64_t unix_seconds);

}  // namespace gp::api
