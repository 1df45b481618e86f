// What the portal reads from an HTTP request before any handler logic: the percent-decoded path,
// routing, query parameters, cookies, the media type, and a JSON body with its field readers.
// Input: "METHOD\nTARGET\nCOOKIE\nCONTENT-TYPE\nBODY".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/json_io.hpp"
#include "core/encoding.hpp"
#include "http/router.hpp"

namespace {

std::string_view NextLine(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

const gp::http::Router& TheRouter() {
  static const gp::http::Router router = [] {
    gp::http::Router r;
    auto echo = [](gp::http::Request& request) {
      std::string body;
      for (const auto& [name, value] : request.path_params) body += name + "=" + value + ";";
      return gp::http::Response::Text(200, body);
    };
    r.Add("GET", "/api/v1/guests/{id}", echo);
    r.Add("PATCH", "/api/v1/guests/{id}", echo);
    r.Add("GET", "/static/{path...}", echo);
    r.Add("POST", "/api/v1/rooms", echo);
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  gp::http::Request request;
  request.method = std::string(NextLine(rest));
  request.target = std::string(NextLine(rest));
  std::string_view target = request.target;
  size_t question = target.find('?');
  auto path = gp::PercentDecode(target.substr(0, question));
  request.path = path ? *path : std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  request.headers.Add("Cookie", std::string(NextLine(rest)));
  request.headers.Add("Content-Type", std::string(NextLine(rest)));
  request.body = std::string(rest);

  (void)request.QueryParams();
  (void)request.Query("code");
  (void)request.Cookie("gp_session");
  (void)request.MediaType();
  gp::http::Response routed = TheRouter().Dispatch(request);
  if (routed.status < 100 || routed.status > 599) __builtin_trap();

  auto body = gp::api::ParseJsonObject(request);
  if (body) {
    if (!body->is_object()) __builtin_trap();
    (void)gp::api::RequireString(*body, "username");
    (void)gp::api::OptionalString(*body, "title");
    (void)gp::api::OptionalBool(*body, "disabled");
    (void)gp::api::RequireStringArray(*body, "memberIds");
    // Whatever was accepted can be answered.
    (void)gp::api::JsonResponse(200, *body);
  } else {
    (void)gp::api::ErrorResponse(body.error());
  }
  return 0;
}
