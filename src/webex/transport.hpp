#pragma once
// The HTTP edge of the Webex client: one request out, one response back, asynchronously. The real
// implementation is CurlTransport; tests use it against an in-process fake server or substitute
// their own.

#include <utility>  // Asio 1.74 needs it before its own headers.

#include <chrono>
#include <cstddef>
#include <cstdint>
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
  std::string method;  // "GET", "HEAD", "POST", "PUT", "DELETE"
  std::string url;     // absolute
  HeaderList headers;
  std::string body;
  // When set, the most bytes the body of a 2xx answer may have, in place of the transport's own
  // cap: a larger one (by its Content-Length, or counted as it arrives) fails the Send with
  // kTooLarge, and the rest is not read. Other answers keep the transport's cap.
  std::optional<std::size_t> max_body_bytes;
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

// A Content-Length value: digits only, at most 18 of them; nullopt otherwise.
std::optional<int64_t> ParseContentLength(std::string_view value);

class Transport {
 public:
  virtual ~Transport() = default;
  // Any HTTP status is a successful Send; only a failure to get a response (connect, timeout,
  // TLS, `deadline` reached) is an error, reported as kUnavailable, and a body over the size cap
  // (kUpstream for the transport's own, kTooLarge for HttpCall::max_body_bytes). A HEAD answer has
  // headers only. Waiting holds no thread. Called
  // from coroutines on the event loop the transport was built for; resumes there.
  virtual boost::asio::awaitable<Result<HttpResult>> Send(HttpCall call,
                                                         std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace gp::webex
