#pragma once
// Whole-file copies of a SQLite database through SQLite's online backup API, for `guest-portal
// backup` and `restore`, and the checks that a file is a Guest Portal database.
//
// The copy reads one snapshot: it holds a read transaction on the source from its first page to its
// last, so in WAL mode the server keeps writing meanwhile (its commits go to the WAL; the copy
// never sees them and is never restarted by them) and the copy is the database as of one moment.

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.hpp"

namespace gp::storage::sqlite {

// Called after each step of a copy with the pages copied so far and the pages in all.
using CopyProgress = std::function<void(int64_t done, int64_t total)>;

struct CopyResult {
  int64_t pages = 0;
  int64_t bytes = 0;  // the size of the copy's file
};

// Copies the database `source` (an existing file, in any journal mode; committed data in its WAL is
// included) into `target`, which must not exist: it is created with mode 0600 and left as one
// self-contained file (rollback journal mode, nothing beside it). kNotFound when `source` does not
// exist, kBadRequest when it is not a SQLite database, kConflict when `target` exists. On failure
// `target` is removed.
Result<CopyResult> CopyDatabaseFile(const std::string& source, const std::string& target,
                                    const CopyProgress& progress = {});

// What a Guest Portal database file holds, as far as `backup` and `restore` report and check it.
struct DatabaseSummary {
  int schema_version = 0;
  int64_t guests = 0;
};

// Runs PRAGMA integrity_check and reads the migrations table: kBadRequest with the reason when the
// file is damaged, not a SQLite database, or not a Guest Portal database (no migrations, no guests
// table).
Result<DatabaseSummary> InspectPortalDatabase(const std::string& path);

// Makes `path` durable under its name: fsyncs the file and the directory that holds it.
Result<void> SyncFileAndDirectory(const std::string& path);

}  // namespace gp::storage::sqlite
