#pragma once
// GET /metrics (docs/metrics.md): the portal's numbers in Prometheus text format, for the operator.
// Who may read them: with no METRICS_TOKEN, clients on a loopback address (127.0.0.0/8, ::1) only;
// with one, any client that sends `Authorization: Bearer <token>`, compared in constant time.

#include <optional>
#include <string>
#include <string_view>

namespace gp::api {

enum class MetricsAccess { kAllowed, kNotLoopback, kNeedsToken };

// `client` is Request::remote_address (TRUSTED_PROXIES applied); `authorization` the header's
// value.
MetricsAccess CheckMetricsAccess(std::string_view client,
                                 std::optional<std::string_view> authorization,
                                 const std::string& token);

bool IsLoopbackAddress(std::string_view address);

}  // namespace gp::api
