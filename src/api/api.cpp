#include "api/api.hpp"

namespace gp::api {

std::unique_ptr<Routes> BuildRoutes(Deps& deps, const http::StaticFiles& files) {
  auto routes = std::make_unique<Routes>(deps.sessions, deps.pool, deps.options.webex_origin,
                                         deps.options.secure_cookies, deps.meetings.options().media_available);
  routes->SetReadsBlock(deps.options.reads_block, deps.options.version_now);
  AddPageRoutes(*routes, deps, files);
  AddOAuthRoutes(*routes, deps);
  AddSessionRoutes(*routes, deps);
  AddGuestRoutes(*routes, deps);
  AddPolicyRoutes(*routes, deps);
  AddRoomRoutes(*routes, deps);
  AddMessageRoutes(*routes, deps);
  AddAdminRoutes(*routes, deps);
  AddMeetingRoutes(*routes, deps);
  AddMetricsRoutes(*routes, deps);
  AddAuditRoutes(*routes, deps);
  return routes;
}

}  // namespace gp::api
