#pragma once
// The HTTP edge of the Webex client: one request out, one response back, asynchronously. The real
// implementation is CurlTransport; tests use it against an in-process fake server or substitute
// their own.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"

namespace gp::webex {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpCall {
  std::string method;  // "GET", "POST", "PUT", "DELETE"
  std::string url;     // absolute
  HeaderList headers;
  std::string body;
};

struct HttpResult {
  int status = 0;
  HeaderList headers;
  std::string body;

  // The first header of that name, matched case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
  // Every header of that name, in order.
  std::vector<std::string> Headers(std::string_view name) const;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Any HTTP status is a successful Send; only a failure to get a response (connect, timeout,
  // TLS, `deadline` reached) is an error, reported as kUnavailable. Waiting holds no thread. Called
  // from coroutines on the event loop the transport was built for; resumes there.
  virtual boost::asio::awaitable<Result<HttpResult>> Send(HttpCall call,
                                                         std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace gp::webex
