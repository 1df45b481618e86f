#pragma once
// What a /v1 handler works with: the request, the state, who is calling, the response's tracking
// id, and the webhook deliveries its changes caused (sent once the state lock is released).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "emulator/state.hpp"
#include "http/message.hpp"

namespace gp::emulator {

using Json = nlohmann::json;

struct Delivery {
  Uuid webhook;
  std::string target_url;
  std::string secret;
  std::string body;
  std::string resource;
  std::string event;
};

struct Caller {
  TokenKind kind = TokenKind::kPerson;
  Uuid person;
};

struct Call {
  http::Request& request;
  State& state;
  std::string tracking_id;
  Caller caller;
  std::vector<Delivery> deliveries;

  http::Response Ok(const Json& body) const;
  http::Response NoContent() const;
  http::Response Fail(const Error& error) const;
  http::Response Fail(ErrorCode code, std::string message) const;
  // "http://<Host>" of this request, for absolute URLs (Link headers, content URLs).
  std::string Origin() const;
};

// Compact JSON text; invalid UTF-8 from clients is replaced rather than thrown on.
std::string Dump(const Json& json);

// The JSON object in the body. Empty body: an empty object. A non-JSON content type with a body
// is 415; malformed JSON or a non-object is 400.
Result<Json> JsonBody(const http::Request& request);

// Typed optional fields of a JSON object; a present field of the wrong type is a 400.
Result<std::optional<std::string>> OptString(const Json& object, const char* key);
Result<std::optional<bool>> OptBool(const Json& object, const char* key);
// A required non-empty string.
Result<std::string> ReqString(const Json& object, const char* key);

struct PageRequest {
  std::size_t max = 100;
  std::size_t offset = 0;  // from the opaque "cursor" parameter
};
// Reads max (clamped to `cap`; not a positive integer: 400) and cursor.
Result<PageRequest> ParsePage(const http::Request& request, std::size_t default_max,
                              std::size_t cap);
// The request's own URL with `param` set to `value`, absolute, for a Link rel="next" header.
std::string NextUrl(const Call& call, std::string_view param, const std::string& value);
void SetNextLink(http::Response& response, const std::string& url);
// Serves items[offset, offset+max) of an already ordered list as {"items": [...]} with a Link.
http::Response PagedList(Call& call, const std::vector<Json>& items, const PageRequest& page);

}  // namespace gp::emulator
