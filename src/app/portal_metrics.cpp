#include <utility>  // Asio 1.74 needs it before its own headers.

#include "app/portal_metrics.hpp"

#include <array>

#include "core/log.hpp"
#include "core/work_pool.hpp"
#include "service/app_admin.hpp"
#include "service/events.hpp"
#include "service/guest_tokens.hpp"
#include "service/hosts.hpp"
#include "service/policy.hpp"
#include "service/reconciler.hpp"
#include "storage/storage.hpp"

#ifndef GP_VERSION
#define GP_VERSION "unknown"
#endif
#ifndef GP_BUILD_TYPE
#define GP_BUILD_TYPE "unknown"
#endif

namespace gp::app {
namespace {

constexpr std::string_view kUnmatched = "unmatched";

std::string_view OutcomeLabel(std::string_view outcome) {
  static constexpr std::array<std::string_view, 4> kOutcomes = {"success", "failure", "throttled",
                                                                "refused"};
  for (auto known : kOutcomes) {
    if (outcome == known) return known;
  }
  return "other";
}

std::string StatusLabel(int status) {
  if (status <= 0) return "error";
  if (status > 999) return "other";
  return std::to_string(status);
}

}  // namespace

PortalMetrics::PortalMetrics()
    : requests_(registry_.AddCounter(
          "guest_portal_http_requests_total",
          "HTTP answers by method, route template and status (a stream counts when it "
          "opens; route \"unmatched\": no route, \"refused\": refused by the server).",
          {"method", "route", "status"})),
      request_seconds_(registry_.AddHistogram(
          "guest_portal_http_request_duration_seconds",
          "Time from a request having been read to its answer written (a stream: "
          "to its opening).",
          {"method", "route"}, metrics::LatencyBuckets())),
      webex_requests_(registry_.AddCounter(
          "guest_portal_webex_requests_total",
          "HTTP exchanges with Webex (each attempt) by method, endpoint template "
          "and status (\"error\": no answer).",
          {"method", "endpoint", "status"})),
      webex_seconds_(registry_.AddHistogram("guest_portal_webex_request_duration_seconds",
                                            "Time of one HTTP exchange with Webex (one attempt).",
                                            {"method", "endpoint"}, metrics::LatencyBuckets())),
      webex_rate_limited_(registry_.AddCounter(
          "guest_portal_webex_rate_limited_total",
          "Webex answers 429 (Too Many Requests) by endpoint template.", {"endpoint"})),
      webex_retries_(registry_.AddCounter(
          "guest_portal_webex_retries_total",
          "Webex calls repeated after a wait, by endpoint template and the status "
          "that made them wait (\"error\": no answer).",
          {"endpoint", "status"})),
      sign_ins_(registry_.AddCounter(
          "guest_portal_sign_ins_total",
          "Sign-in attempts by kind (guest, admin) and outcome (success, failure, "
          "throttled, refused).",
          {"kind", "outcome"})),
      pool_hosts_(registry_.AddGauge(
          "guest_portal_pool_hosts",
          "Meeting pool hosts by state (free: connected and not leased; leased), read "
          "from the database at scrape time.",
          {"state"})),
      backlog_(
          registry_
              .AddGauge(
                  "guest_portal_reconciler_backlog",
                  "Webex jobs queued for the reconciler, read from the database at scrape time.")
              .With({})) {
  registry_.AddGaugeFunc("guest_portal_build_info", "The running build: version and build type.",
                         [] { return 1.0; },
                         {{"version", GP_VERSION}, {"build_type", GP_BUILD_TYPE}});
  // Present from the start, so that rates and dashboards have a zero to start from.
  for (auto kind : {"guest", "admin"}) {
    for (auto outcome : {"success", "failure", "throttled", "refused"})
      sign_ins_.With({kind, outcome});
  }
  pool_hosts_.With({"free"});
  pool_hosts_.With({"leased"});
}

std::string_view PortalMetrics::MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                               "PATCH", "DELETE", "OPTIONS"};
  for (auto known : kMethods) {
    if (method == known) return known;
  }
  return "other";
}

void PortalMetrics::Answered(std::string_view method, std::string_view route, int status,
                             std::chrono::duration<double> took) {
  std::string_view method_label = MethodLabel(method);
  std::string_view route_label = route.empty() ? kUnmatched : route;
  requests_.With({method_label, route_label, StatusLabel(status)}).Inc();
  request_seconds_.With({method_label, route_label}).Observe(took.count());
}

webex::CallHooks PortalMetrics::WebexHooks() {
  webex::CallHooks hooks;
  hooks.answered = [this](std::string_view method, std::string_view endpoint, int status,
                          std::chrono::duration<double> took) {
    std::string_view method_label = MethodLabel(method);
    webex_requests_.With({method_label, endpoint, StatusLabel(status)}).Inc();
    webex_seconds_.With({method_label, endpoint}).Observe(took.count());
    if (status == 429) webex_rate_limited_.With({endpoint}).Inc();
  };
  hooks.retrying = [this](std::string_view, std::string_view endpoint, int status) {
    webex_retries_.With({endpoint, StatusLabel(status)}).Inc();
  };
  return hooks;
}

void PortalMetrics::Audited(const std::string& action, const std::string& outcome) {
  if (action == "session.sign_in") {
    sign_ins_.With({"guest", OutcomeLabel(outcome)}).Inc();
  } else if (action == "admin.sign_in") {
    sign_ins_.With({"admin", OutcomeLabel(outcome)}).Inc();
  }
}

void PortalMetrics::Watch(const Sources& sources) {
  reconciler_ = &sources.reconciler;
  storage_ = &sources.storage;
  auto& events = sources.events;
  registry_.AddGaugeFunc("guest_portal_sse_streams",
                         "Event streams (GET /api/v1/events) open on this instance.",
                         [&events] { return static_cast<double>(events.open_streams()); });
  registry_.AddCounterFunc("guest_portal_events_delivered_total",
                           "Live events queued to an open stream.",
                           [&events] { return static_cast<double>(events.delivered()); });
  registry_.AddCounterFunc(
      "guest_portal_events_dropped_total",
      "Live events that reached no stream they were for: its queue was full (the slow client "
      "is dropped and reconnects) or it had closed, or the shared log could not take them.",
      [&events] { return static_cast<double>(events.dropped()); });
  const std::string refreshes = "guest_portal_token_refreshes_total";
  const std::string refreshes_help =
      "Webex access tokens obtained, by kind (app_admin and host: refreshed with a refresh token; "
      "guest: issued "
      "by the guest provider) and outcome.";
  const auto add_refreshes = [&](const char* kind, const service::RefreshCounts& counts) {
    registry_.AddCounterFunc(
        refreshes, refreshes_help,
        [&counts] { return static_cast<double>(counts.succeeded.load(std::memory_order_relaxed)); },
        {{"kind", kind}, {"outcome", "success"}});
    registry_.AddCounterFunc(
        refreshes, refreshes_help,
        [&counts] { return static_cast<double>(counts.failed.load(std::memory_order_relaxed)); },
        {{"kind", kind}, {"outcome", "failure"}});
  };
  add_refreshes("app_admin", sources.app_admin.refresh_counts());
  add_refreshes("host", sources.hosts.refresh_counts());
  add_refreshes("guest", sources.guest_tokens.issue_counts());
  registry_.AddCounterFunc(
      "guest_portal_pool_exhaustions_total",
      "Times a meeting found no free pool host (all instances, from the database; read at "
      "scrape time).",
      [this] { return pool_exhaustions_.load(std::memory_order_relaxed); });
  auto& policy = sources.policy;
  const std::string refreshes_of_directory = "guest_portal_directory_refreshes_total";
  const std::string directory_help =
      "Times the admin lists' guest directory caught up with a change: rebuilt from the database "
      "(how=build: first use, or a change by another process) or updated in place (how=update: "
      "a change this instance made).";
  registry_.AddCounterFunc(refreshes_of_directory, directory_help,
                           [&policy] { return static_cast<double>(policy.directory_builds()); },
                           {{"how", "build"}});
  registry_.AddCounterFunc(refreshes_of_directory, directory_help,
                           [&policy] { return static_cast<double>(policy.directory_updates()); },
                           {{"how", "update"}});
  auto& pool = sources.pool;
  registry_.AddGaugeFunc("guest_portal_work_pool_pending",
                         "Work waiting for or running on the worker pool.",
                         [&pool] { return static_cast<double>(pool.pending()); });
  registry_.AddCounterFunc("guest_portal_work_pool_refused_total",
                           "Work the worker pool refused because it was full (answered 503).",
                           [&pool] { return static_cast<double>(pool.refused()); });
}

void PortalMetrics::Collect() {
  if (storage_ != nullptr) {
    if (auto stats = storage_->GetPoolStats()) {
      pool_hosts_.With({"free"}).Set(static_cast<double>(stats->free));
      pool_hosts_.With({"leased"}).Set(static_cast<double>(stats->leased));
      pool_exhaustions_.store(static_cast<double>(stats->exhausted), std::memory_order_relaxed);
    } else {
      log::warn("metrics: pool hosts could not be read: {}", stats.error().message);
    }
  }
  if (reconciler_ != nullptr) backlog_.Set(static_cast<double>(reconciler_->Backlog()));
}

}  // namespace gp::app
