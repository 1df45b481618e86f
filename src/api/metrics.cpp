#include <utility>  // Asio 1.74 needs it before its own headers.

#include "api/metrics.hpp"

#include <boost/asio/ip/address.hpp>

#include "api/api.hpp"
#include "api/json_io.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace gp::api {

namespace asio = boost::asio;

bool IsLoopbackAddress(std::string_view address) {
  boost::system::error_code ec;
  auto parsed = asio::ip::make_address(std::string(address), ec);
  if (ec) return false;
  if (parsed.is_v6() && parsed.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, parsed.to_v6()).is_loopback();
  }
  return parsed.is_loopback();
}

MetricsAccess CheckMetricsAccess(std::string_view client,
                                 std::optional<std::string_view> authorization,
                                 const std::string& token) {
  if (token.empty())
    return IsLoopbackAddress(client) ? MetricsAccess::kAllowed : MetricsAccess::kNotLoopback;
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization || authorization->size() <= kBearer.size()) return MetricsAccess::kNeedsToken;
  // The scheme is case-insensitive (RFC 7235).
  for (std::size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>((*authorization)[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i]))) {
      return MetricsAccess::kNeedsToken;
    }
  }
  std::string given(authorization->substr(kBearer.size()));
  return crypto::ConstantTimeEquals(given, token) ? MetricsAccess::kAllowed
                                                  : MetricsAccess::kNeedsToken;
}

void AddMetricsRoutes(Routes& routes, Deps& deps) {
  if (deps.options.metrics == nullptr) return;
  routes.AddAsync(
      "GET", "/metrics", Access::kPublic,
      [&deps](http::Request& request, const Caller&) -> asio::awaitable<Result<http::Response>> {
        switch (CheckMetricsAccess(request.remote_address, request.headers.Get("Authorization"),
                                   deps.options.metrics_token)) {
          case MetricsAccess::kAllowed:
            break;
          case MetricsAccess::kNotLoopback:
            co_return JsonResponse(403, {{"error",
                                          {{"code", "metrics_loopback_only"},
                                           {"message",
                                            "Metrics are served to this machine only; set "
                                            "METRICS_TOKEN to scrape them from elsewhere."}}}});
          case MetricsAccess::kNeedsToken: {
            auto refused = JsonResponse(401, {{"error",
                                               {{"code", "metrics_token_required"},
                                                {"message", "Metrics need the bearer token."}}}});
            refused.headers.Set("WWW-Authenticate", "Bearer realm=\"metrics\"");
            co_return refused;
          }
        }
        if (deps.options.collect_metrics) {
          // Database reads (pool, backlog): off the loop when reads block.
          auto collect = [&deps]() -> Result<void> {
            deps.options.collect_metrics();
            return {};
          };
          auto collected = co_await deps.pool.Read(collect);
          if (!collected) log::warn("metrics: {}", collected.error().message);
        }
        co_return http::Response::Text(200, deps.options.metrics->Expose(),
                                       std::string(metrics::Registry::kContentType));
      });
}

}  // namespace gp::api
