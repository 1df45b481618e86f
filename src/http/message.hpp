#pragma once
// Plain HTTP request and response values. Handlers are pure functions Request -> Response; only
// src/http/server.cpp knows about sockets and Boost.Beast.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/encoding.hpp"

namespace gp::http {

class Stream;

// An ordered list of header fields with case-insensitive lookup.
class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field of that name with one.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& All() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // percent-decoded path, without the query
  std::string query;   // raw query string, without '?'
  Headers headers;
  std::string body;
  std::string remote_address;
  std::string request_id;
  // The pattern of the route that matched ("/api/v1/rooms/{id}/messages"), set by Router::Find; empty
  // when none did. Bounded in number, unlike paths: for logs and metrics.
  std::string route;
  std::map<std::string, std::string> path_params;  // filled by Router from "{name}" segments

  const Params& QueryParams() const;
  std::optional<std::string> Query(std::string_view name) const;
  std::optional<std::string> PathParam(const std::string& name) const;
  // The media type of Content-Type, lowercased, without parameters ("application/json").
  std::string MediaType() const;
  // The value of one cookie from the Cookie header.
  std::optional<std::string> Cookie(std::string_view name) const;

 private:
  mutable std::optional<Params> query_params_;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // The server waits this long before sending (used to emulate network latency).
  std::chrono::milliseconds delay{0};
  // When set, the body is sent as this stream's chunks instead of `body` (http/stream.hpp).
  std::shared_ptr<Stream> stream;

  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response Empty(int status);
  static Response Redirect(const std::string& location, int status = 302);
};

}  // namespace gp::http
