#pragma once
// Moves a SQLite deployment to PostgreSQL: every row of every table of the SQLite database is copied into
// a PostgreSQL database of the same schema, in one PostgreSQL transaction, from one SQLite read snapshot.
// Copying is idempotent: a row whose primary key or unique value is in PostgreSQL already is kept as it
// is there, so running the copy twice changes nothing. The report compares the row counts of each table.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/progress_callback.hpp"

namespace gp::storage {

struct TableCopy {
  std::string table;
  int64_t sqlite_rows = 0;    // in the SQLite snapshot that was copied
  int64_t postgres_rows = 0;  // in PostgreSQL once the copy's rows are in, before it commits
  int64_t inserted = 0;       // rows this copy added; the others were there already (same key) and kept
  // Columns of the SQLite table that PostgreSQL does not have, so not copied (none when the schemas match).
  std::vector<std::string> skipped_columns;
  // The value the table's id sequence was moved to (0: it has none, or it was far enough already).
  int64_t sequence_moved_to = 0;
};

struct CopyReport {
  int sqlite_version = 0;    // the schema versions of both databases, after migrating them
  int postgres_version = 0;
  std::vector<TableCopy> tables;  // in the order they were written: a referenced table before its referrers

  // The tables that have fewer rows in PostgreSQL than in SQLite: a row there already took the place of a
  // SQLite row by a unique value other than its key (or someone deleted rows meanwhile). Empty: complete.
  std::vector<std::string> ShortTables() const;
  int64_t Inserted() const;
};

// "sqlite:PATH", "sqlite://PATH" (not ":memory:", which holds nothing to copy).
bool IsSqliteFileUrl(std::string_view url);
// "postgresql://..." or "postgres://...".
bool IsPostgresUrl(std::string_view url);
// The URL with its password (in the user info or a password= parameter) replaced by "***", for messages.
std::string RedactDatabaseUrl(std::string_view url);

// Migrates both databases to this build's newest schema (OpenStorage + Migrate), then copies. Tables are
// written referenced-first (foreign keys), with the columns the two tables share; `schema_migrations`
// and `runners` (which describe a database, not the portal's data) are left out. Ids taken from a
// sequence in PostgreSQL (the audit log's seq, the Webex jobs' id) are copied as they are, and each such
// sequence is moved past both the largest id and SQLite's AUTOINCREMENT high-water mark, so that no id is
// handed out twice. Any failure rolls the whole copy back. kBadRequest for URLs of the wrong kinds,
// kNotFound when the SQLite file does not exist. Messages never contain the PostgreSQL password.
// `progress` hears of the rows copied so far of all the rows to copy.
Result<CopyReport> CopyDatabase(const std::string& from_url, const std::string& to_url,
                                const ProgressCallback& progress = {});

}  // namespace gp::storage
