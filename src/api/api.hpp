#pragma once
// The portal's HTTP surface (docs/api.md): pages, OAuth, and the JSON API under /api/v1. Each
// resource lives in its own file and registers its routes here.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "api/routes.hpp"
#include "core/metrics.hpp"
#include "http/static_files.hpp"
#include "service/app_admin.hpp"
#include "service/audit.hpp"
#include "service/guest_tokens.hpp"
#include "service/guests.hpp"
#include "service/hosts.hpp"
#include "service/meetings.hpp"
#include "service/messages.hpp"
#include "service/notices.hpp"
#include "service/notifier.hpp"
#include "service/policy.hpp"
#include "service/sessions.hpp"
#include "service/sign_in.hpp"
#include "service/spaces.hpp"
#include "storage/storage.hpp"

namespace gp::api {

struct ApiOptions {
  bool secure_cookies = false;
  bool demo = false;
  std::string guest_provider;
  std::filesystem::path web_root;
  std::string webex_origin;  // allowed as a form-action target (the OAuth authorize page)
  bool reads_block = false;  // the database is across the network (Routes::SetReadsBlock)
  Routes::VersionNow version_now;  // the data's version, read without blocking (Routes::SetReadsBlock)
  // GET /metrics (api/metrics.hpp); no route without a registry. `collect_metrics` refreshes the
  // series read from the database; it may block and runs where reads may (WorkPool::Read).
  metrics::Registry* metrics = nullptr;
  std::string metrics_token;
  std::function<void()> collect_metrics;
  int schema_version = 0;  // this build's newest migration, which /readyz expects the database at
};

struct Deps {
  storage::Storage& storage;
  WorkPool& pool;
  service::Sessions& sessions;
  service::AppAdmin& app_admin;
  service::Guests& guests;
  service::Policy& policy;
  service::Spaces& spaces;
  service::GuestAuth& guest_auth;
  service::AdminAuth& admin_auth;
  service::Messages& messages;
  service::Notices& notices;
  service::Notifier& notifier;
  service::GuestTokens& guest_tokens;
  service::Hosts& hosts;
  service::Meetings& meetings;
  service::Audit& audit;
  ApiOptions options;
};

// Builds the route table with every route. `files` serves the web UI and must outlive the table.
std::unique_ptr<Routes> BuildRoutes(Deps& deps, const http::StaticFiles& files);

// Per-resource registration (one file each).
void AddPageRoutes(Routes& routes, Deps& deps, const http::StaticFiles& files);
void AddOAuthRoutes(Routes& routes, Deps& deps);
void AddSessionRoutes(Routes& routes, Deps& deps);
void AddGuestRoutes(Routes& routes, Deps& deps);
void AddPolicyRoutes(Routes& routes, Deps& deps);
void AddRoomRoutes(Routes& routes, Deps& deps);
void AddMessageRoutes(Routes& routes, Deps& deps);
void AddAdminRoutes(Routes& routes, Deps& deps);
void AddMeetingRoutes(Routes& routes, Deps& deps);
void AddMetricsRoutes(Routes& routes, Deps& deps);
void AddAuditRoutes(Routes& routes, Deps& deps);

}  // namespace gp::api
