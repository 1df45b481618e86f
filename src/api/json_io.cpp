#include "api/json_io.hpp"

#include <ctime>

#include "domain/text.hpp"

namespace gp::api {

http::Response JsonResponse(int status, const Json& body) {
  return JsonTextResponse(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

http::Response JsonTextResponse(int status, std::string body) {
  auto response = http::Response::Json(status, std::move(body));
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

http::Response ErrorResponse(const Error& error) {
  Json inner = {{"code", error.reason.empty() ? ErrorCodeName(error.code) : error.reason},
                {"message", error.message}};
  if (!error.field.empty()) inner["field"] = error.field;
  auto response = JsonResponse(HttpStatus(error.code), Json{{"error", inner}});
  if ((error.code == ErrorCode::kTooManyRequests || error.code == ErrorCode::kUnavailable) &&
      error.retry_after_seconds > 0) {
    response.headers.Set("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return response;
}

Result<Json> ParseJsonObject(const http::Request& request) {
  if (request.MediaType() != "application/json") {
    return Fail(ErrorCode::kUnsupportedMediaType,
                "The request body must be JSON (Content-Type: application/json).");
  }
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return Fail(ErrorCode::kBadRequest, "invalid_json", "The request body is not valid JSON.");
  if (!body.is_object()) return Fail(ErrorCode::kBadRequest, "invalid_json", "The request body must be a JSON object.");
  return body;
}

namespace {

// "<Label> <what>", e.g. "Display name is required."; the API name stays in `field`.
tl::unexpected<Error> FieldError(const char* reason, const std::string& field, const std::string& what) {
  return Fail(ErrorCode::kBadRequest, reason, domain::FieldLabel(field) + " " + what, field);
}

}  // namespace

Result<std::string> RequireString(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    return FieldError("missing_field", field, "is required.");
  }
  if (!it->is_string()) return FieldError("invalid_field", field, "must be text.");
  return it->get<std::string>();
}

Result<std::optional<std::string>> OptionalString(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return FieldError("invalid_field", field, "must be text.");
  return std::optional<std::string>{it->get<std::string>()};
}

Result<std::optional<bool>> OptionalBool(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<bool>{};
  if (!it->is_boolean()) return FieldError("invalid_field", field, "must be true or false.");
  return std::optional<bool>{it->get<bool>()};
}

Result<std::vector<std::string>> RequireStringArray(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    return FieldError("missing_field", field, "is required.");
  }
  if (!it->is_array()) return FieldError("invalid_field", field, "must be a list of texts.");
  std::vector<std::string> values;
  for (const auto& item : *it) {
    if (!item.is_string()) return FieldError("invalid_field", field, "must be a list of texts.");
    values.push_back(item.get<std::string>());
  }
  return values;
}

std::string IsoTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buffer) + ".000Z";
}

}  // namespace gp::api
