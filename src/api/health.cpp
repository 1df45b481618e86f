#include "api/health.hpp"

#include <string>

namespace gp::api {
namespace {

Json Ok() {
  return Json{{"status", "ok"}};
}

Json Failed(const std::string& message) {
  return Json{{"status", "failed"}, {"message", message}};
}

Json AppAdminCheck(const std::optional<service::AppAdminStatus>& status) {
  if (!status) return Failed("the AppAdmin could not be read from the database");
  // AppAdmin::Status: no stored AppAdmin has no expiry; a stored one that is not signed in expired.
  if (!status->signed_in && status->refresh_expires_at == 0) {
    return Failed("no administrator has signed in yet: an administrator must sign in at /admin");
  }
  if (!status->signed_in || status->warning == "expired") {
    return Failed(
        "the AppAdmin's sign-in has expired: an administrator must sign in again at /admin");
  }
  if (status->warning == "warn" || status->warning == "critical") {
    return Json{{"status", "warning"},
                {"message",
                 "the AppAdmin's refresh token ends soon: an administrator should sign in again at "
                 "/admin"}};
  }
  return Ok();
}

}  // namespace

Readiness AssessReadiness(const ReadinessFacts& facts) {
  Json checks = Json::object();
  // The storage's own message may name hosts or users: the body says only what failed.
  checks["database"] = facts.database ? Ok() : Failed("the database does not answer");
  if (!facts.database || !facts.schema_version) {
    checks["migrations"] = Failed("the schema version could not be read");
  } else if (*facts.schema_version < facts.expected_schema_version) {
    checks["migrations"] =
        Failed("the database is at schema version " + std::to_string(*facts.schema_version) +
               ", this build needs " + std::to_string(facts.expected_schema_version) +
               ": run guest-portal migrate");
  } else if (*facts.schema_version > facts.expected_schema_version) {
    checks["migrations"] =
        Failed("the database is at schema version " + std::to_string(*facts.schema_version) +
               ", newer than this build's " + std::to_string(facts.expected_schema_version) +
               ": a newer build migrated it");
  } else {
    checks["migrations"] = Ok();
  }
  checks["migrations"]["version"] =
      facts.schema_version ? Json(*facts.schema_version) : Json(nullptr);
  checks["app_admin"] =
      facts.database ? AppAdminCheck(facts.app_admin) : Failed("the database does not answer");
  bool ready = true;
  for (const auto& check : checks) {
    if (check["status"] == "failed") ready = false;
  }
  return {ready, Json{{"status", ready ? "ready" : "not_ready"}, {"checks", std::move(checks)}}};
}

}  // namespace gp::api
