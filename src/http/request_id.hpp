#pragma once
// Request ids: each request gets one, which its access log line, its error lines and its answer's
// X-Request-Id header carry. A trusted proxy (TRUSTED_PROXIES) may have named the request already
// (nginx's $request_id): its X-Request-Id is kept when it is short and plain, so that one id
// follows the request through the proxy's log and ours. From any other peer the header is ignored:
// a client cannot choose the id under which its request is logged.

#include <optional>
#include <string>
#include <string_view>

namespace gp::http {

inline constexpr std::size_t kMaxRequestIdBytes = 128;

// 1 to 128 characters of [A-Za-z0-9._-].
bool IsAcceptableRequestId(std::string_view id);

// The id of a request: `incoming` (its X-Request-Id) when the peer is a trusted proxy and the id is
// acceptable, else `generated`.
std::string ChooseRequestId(bool from_trusted_proxy, std::optional<std::string_view> incoming,
                            std::string generated);

}  // namespace gp::http
