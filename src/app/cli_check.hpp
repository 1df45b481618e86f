#pragma once
// `guest-portal check`: one line per item (configuration, key file, database files, database,
// migrations, Webex, AppAdmin token, guest-token provider, webhook, hosts), each "ok", "warn" or
// "FAIL" with what to do about a failure; exits non-zero when any item fails (docs/operations.md).

namespace gp::app {

// Reads the configuration from the process (environment and .env) itself, so that a bad one is a
// FAIL line too. Returns the process exit code: 0 when no item failed, 1 otherwise.
int RunCheck();

}  // namespace gp::app
