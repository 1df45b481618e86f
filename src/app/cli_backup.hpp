#pragma once
// `guest-portal backup FILE` and `guest-portal restore FILE` (SQLite; docs/operations.md).

#include <string>

#include "app/config.hpp"

namespace gp::app {

// Copies the configured SQLite database into FILE while the server may be running (one consistent
// snapshot), checks the copy and prints one summary line. Refuses an existing FILE unless `force`.
// Returns the process exit code: 0 done, 1 failed, 2 refused as given (PostgreSQL, FILE exists).
int RunBackup(const Config& config, const std::string& file, bool force);

// Replaces the configured SQLite database with the backup FILE: refused while any guest-portal
// process has the database open; the replaced database is kept beside it as
// `<db>.before-restore-<UTC time>`; an older backup is migrated. Returns the process exit code as
// RunBackup.
int RunRestore(const Config& config, const std::string& file);

}  // namespace gp::app
