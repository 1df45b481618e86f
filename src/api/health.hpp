#pragma once
// Readiness (GET /readyz): whether this instance can do its work, for load balancers and
// orchestrators. /healthz only says that the process answers. The verdict is a pure function of
// what was observed, so that every case is tested without a database in that state.

#include <optional>

#include "api/json_io.hpp"
#include "core/error.hpp"
#include "service/app_admin.hpp"

namespace gp::api {

struct ReadinessFacts {
  Result<void> database;                             // a read answered
  Result<int> schema_version;                        // recorded in the database
  int expected_schema_version = 0;                   // this build's newest migration
  std::optional<service::AppAdminStatus> app_admin;  // unset when it could not be read
};

struct Readiness {
  bool ready = false;
  // {"status": "ready" | "not_ready", "checks": {"database", "migrations", "app_admin"}}; each
  // check
  // {"status": "ok" | "warning" | "failed", "message"?}. Never a secret, an address or an email.
  Json body;
};

Readiness AssessReadiness(const ReadinessFacts& facts);

}  // namespace gp::api
