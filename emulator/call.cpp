#include "emulator/call.hpp"

#include <charconv>

#include "core/encoding.hpp"
#include "emulator/errors.hpp"

namespace gp::emulator {

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response Call::Ok(const Json& body) const {
  return http::Response::Json(200, Dump(body));
}

http::Response Call::NoContent() const {
  return http::Response::Empty(204);
}

http::Response Call::Fail(const Error& error) const {
  return WebexError(error, tracking_id);
}

http::Response Call::Fail(ErrorCode code, std::string message) const {
  return WebexError(Error{code, std::move(message)}, tracking_id);
}

std::string Call::Origin() const {
  auto host = request.headers.Get("Host");
  std::string value = host ? std::string(*host) : std::string("localhost");
  // A Host header is echoed into URLs: keep only characters a host:port can hold.
  std::string clean;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (ok) clean.push_back(c);
  }
  if (clean.empty()) clean = "localhost";
  return "http://" + clean;
}

Result<Json> JsonBody(const http::Request& request) {
  if (request.body.empty()) return Json::object();
  if (request.MediaType() != "application/json") {
    auto type = request.headers.Get("Content-Type");
    return Fail(ErrorCode::kUnsupportedMediaType,
                "Content type '" + std::string(type ? *type : "") + "' not supported");
  }
  auto json = Json::parse(request.body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Fail(ErrorCode::kBadRequest, "The request body is not a valid JSON object.");
  }
  return json;
}

Result<std::optional<std::string>> OptString(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string())
    return Fail(ErrorCode::kBadRequest, std::string(key) + " must be a string.");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<bool>> OptBool(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<bool>{};
  if (!it->is_boolean())
    return Fail(ErrorCode::kBadRequest, std::string(key) + " must be a boolean.");
  return std::optional<bool>(it->get<bool>());
}

Result<std::string> ReqString(const Json& object, const char* key) {
  auto value = OptString(object, key);
  if (!value) return tl::unexpected(value.error());
  if (!*value || (*value)->empty())
    return Fail(ErrorCode::kBadRequest, std::string(key) + " is required.");
  return **value;
}

namespace {

std::optional<std::size_t> ParseCount(const std::string& text) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<PageRequest> ParsePage(const http::Request& request, std::size_t default_max,
                              std::size_t cap) {
  PageRequest page;
  page.max = default_max;
  if (auto max = request.Query("max")) {
    auto value = ParseCount(*max);
    if (!value || *value == 0) {
      // Webex answers an absurdly large max by clamping; only nonsense is refused.
      bool all_digits = !max->empty() && max->find_first_not_of("0123456789") == std::string::npos;
      if (!all_digits || (value && *value == 0)) {
        return Fail(ErrorCode::kBadRequest, "max must be a positive integer.");
      }
      value = cap;
    }
    page.max = std::min(*value, cap);
  }
  if (auto cursor = request.Query("cursor")) {
    auto value = ParseCount(*cursor);
    if (!value) return Fail(ErrorCode::kBadRequest, "Invalid paging cursor.");
    page.offset = *value;
  }
  return page;
}

std::string NextUrl(const Call& call, std::string_view param, const std::string& value) {
  Params params;
  for (const auto& [key, v] : call.request.QueryParams()) {
    if (key != param) params.emplace_back(key, v);
  }
  params.emplace_back(std::string(param), value);
  return call.Origin() + call.request.path + "?" + EncodeParams(params);
}

void SetNextLink(http::Response& response, const std::string& url) {
  response.headers.Set("Link", "<" + url + ">; rel=\"next\"");
}

http::Response PagedList(Call& call, const std::vector<Json>& items, const PageRequest& page) {
  Json list = Json::array();
  std::size_t end = std::min(items.size(), page.offset + page.max);
  for (std::size_t i = std::min(page.offset, items.size()); i < end; ++i) list.push_back(items[i]);
  auto response = call.Ok(Json{{"items", std::move(list)}});
  if (end < items.size()) SetNextLink(response, NextUrl(call, "cursor", std::to_string(end)));
  return response;
}

}  // namespace gp::emulator
