#pragma once
// The portal's metrics (docs/metrics.md): the series it exposes on GET /metrics, and the hooks that
// feed them — the server's answers, the Webex client's calls and retries, the audit trail's
// sign-ins — and the services' own counts, read at scrape time. Every label comes from a bounded
// set: route and endpoint templates, status codes, fixed words; never an id, a name or a token.

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "core/metrics.hpp"
#include "webex/client.hpp"

namespace gp {
class WorkPool;
}
namespace gp::storage {
class Storage;
}
namespace gp::service {
class AppAdmin;
class Events;
class GuestTokens;
class Hosts;
class Policy;
class Reconciler;
}  // namespace gp::service

namespace gp::app {

class PortalMetrics {
 public:
  PortalMetrics();
  PortalMetrics(const PortalMetrics&) = delete;
  PortalMetrics& operator=(const PortalMetrics&) = delete;

  metrics::Registry& registry() { return registry_; }

  // http::ServerOptions::on_answer.
  void Answered(std::string_view method, std::string_view route, int status,
                std::chrono::duration<double> took);
  // For webex::Client::SetHooks; the hooks refer to this object.
  webex::CallHooks WebexHooks();
  // service::Audit::SetObserver: counts sign-ins by outcome.
  void Audited(const std::string& action, const std::string& outcome);

  // The services whose counts are read at scrape time; they must outlive this object's scrapes.
  struct Sources {
    service::Events& events;
    service::AppAdmin& app_admin;
    service::Hosts& hosts;
    service::GuestTokens& guest_tokens;
    service::Reconciler& reconciler;
    service::Policy& policy;
    storage::Storage& storage;
    WorkPool& pool;
  };
  void Watch(const Sources& sources);
  // Reads the series that live in the database (pool hosts, the reconciler's backlog). Blocking: it
  // runs where database reads may (WorkPool::Read). Needs Watch first.
  void Collect();

  // The label for a method: the usual ones as they are, anything else "other".
  static std::string_view MethodLabel(std::string_view method);

 private:
  metrics::Registry registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& request_seconds_;
  metrics::Family<metrics::Counter>& webex_requests_;
  metrics::Family<metrics::Histogram>& webex_seconds_;
  metrics::Family<metrics::Counter>& webex_rate_limited_;
  metrics::Family<metrics::Counter>& webex_retries_;
  metrics::Family<metrics::Counter>& sign_ins_;
  metrics::Family<metrics::Gauge>& pool_hosts_;
  metrics::Gauge& backlog_;
  std::atomic<double> pool_exhaustions_{0};
  service::Reconciler* reconciler_ = nullptr;
  storage::Storage* storage_ = nullptr;
};

}  // namespace gp::app
