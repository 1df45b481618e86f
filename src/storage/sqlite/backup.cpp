#include "storage/sqlite/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "storage/sqlite/connection.hpp"

namespace gp::storage::sqlite {

namespace {

// Pages per backup step: small enough for a lively progress line, large enough not to cost time.
constexpr int kPagesPerStep = 256;
// How long one step may wait for a lock (the destination is ours; the source may be checkpointing).
constexpr int kBusyTimeoutMs = 5000;
constexpr int kBusyRetries = 100;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Result<Db> OpenFile(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Fail(ErrorCode::kUnavailable,
                "cannot open '" + path +
                    "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  return db;
}

// A file that is not a database, or a damaged one, is what the operator gave: bad input here.
ErrorCode CodeFor(int rc) {
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) return ErrorCode::kBadRequest;
  return ErrorCodeFor(rc);
}

Error ErrorOf(sqlite3* db, int rc, const std::string& what) {
  Error error;
  error.code = CodeFor(rc);
  error.message = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return error;
}

Result<void> Exec(sqlite3* db, const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(ErrorOf(db, rc, what));
  return {};
}

// The first column of each row of `sql`, as text.
Result<std::vector<std::string>> Column(sqlite3* db, const char* sql, const std::string& what) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(ErrorOf(db, rc, what));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  std::vector<std::string> values;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(raw, 0);
    values.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(ErrorOf(db, rc, what));
  return values;
}

// Steps a backup to its end, reporting progress; waits out a busy source or destination a while.
Result<int64_t> RunBackup(sqlite3* source, sqlite3* target, const CopyProgress& progress) {
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", source, "main");
  if (backup == nullptr) return tl::unexpected(ErrorOf(target, sqlite3_errcode(target), "backup"));
  int rc = SQLITE_OK;
  int busy = 0;
  for (;;) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (++busy > kBusyRetries) break;
      sqlite3_sleep(50);
      continue;
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) break;
    const int64_t total = sqlite3_backup_pagecount(backup);
    if (progress) progress(total - sqlite3_backup_remaining(backup), total);
    if (rc == SQLITE_DONE) break;
  }
  const int64_t pages = sqlite3_backup_pagecount(backup);
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    // A source that is not a database reports it on the source handle.
    const bool source_fault = (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT;
    return tl::unexpected(ErrorOf(source_fault ? source : target, rc, "copying"));
  }
  if (finished != SQLITE_OK) return tl::unexpected(ErrorOf(target, finished, "finishing the copy"));
  return pages;
}

Result<void> CreateNew(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return Fail(ErrorCode::kConflict, "'" + path + "' exists already");
  return Fail(ErrorCode::kUnavailable, "cannot create '" + path + "': " + std::strerror(errno));
}

Result<int64_t> Copy(const std::string& source, const std::string& target,
                     const CopyProgress& progress) {
  // Read-write without create: a WAL database is read through its -shm, which a reader may need to
  // set up; nothing is written to the source.
  auto from = OpenFile(source, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (!from) return tl::unexpected(from.error());
  // One snapshot for the whole copy: a read transaction that has read (BEGIN alone takes none).
  auto begun =
      Exec(from->get(), "BEGIN; SELECT count(*) FROM sqlite_master;", "reading '" + source + "'");
  if (!begun) return tl::unexpected(begun.error());
  auto to = OpenFile(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
  if (!to) return tl::unexpected(to.error());
  auto pages = RunBackup(from->get(), to->get(), progress);
  (void)Exec(from->get(), "COMMIT", "ending the read");
  if (!pages) return tl::unexpected(pages.error());
  // The copy took the source's WAL mode from its header: make it one self-contained file.
  auto mode = Exec(to->get(), "PRAGMA journal_mode = DELETE;", "setting the copy's journal mode");
  if (!mode) return tl::unexpected(mode.error());
  return *pages;
}

}  // namespace

Result<CopyResult> CopyDatabaseFile(const std::string& source, const std::string& target,
                                    const CopyProgress& progress) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(source, ec)) {
    return Fail(ErrorCode::kNotFound, "'" + source + "' does not exist or is not a file");
  }
  auto created = CreateNew(target);
  if (!created) return tl::unexpected(created.error());
  auto pages = Copy(source, target, progress);
  if (!pages) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
      std::filesystem::remove(target + suffix, ec);
    Error error = pages.error();
    if (error.code == ErrorCode::kBadRequest)
      error.message = "'" + source + "' is not a usable SQLite database (" + error.message + ")";
    return tl::unexpected(error);
  }
  CopyResult result;
  result.pages = *pages;
  result.bytes = static_cast<int64_t>(std::filesystem::file_size(target, ec));
  return result;
}

Result<DatabaseSummary> InspectPortalDatabase(const std::string& path) {
  auto db = OpenFile(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  if (!db) return tl::unexpected(db.error());
  auto integrity = Column(db->get(), "PRAGMA integrity_check", "integrity check");
  if (!integrity) {
    Error error = integrity.error();
    error.code = ErrorCode::kBadRequest;
    error.message = "'" + path + "' is not a usable SQLite database (" + error.message + ")";
    return tl::unexpected(error);
  }
  if (integrity->size() != 1 || integrity->front() != "ok") {
    return Fail(ErrorCode::kBadRequest,
                "'" + path + "' fails the integrity check: " +
                    (integrity->empty() ? std::string("no answer") : integrity->front()));
  }
  auto tables = Column(db->get(),
                       "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                       "('schema_migrations', 'guests') "
                       "ORDER BY name",
                       "reading the schema");
  if (!tables) return tl::unexpected(tables.error());
  if (tables->size() != 2) {
    return Fail(ErrorCode::kBadRequest, "'" + path +
                                            "' is a SQLite database but not a Guest Portal one (it "
                                            "has no migrations or guests table)");
  }
  DatabaseSummary summary;
  auto version = Column(db->get(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                        "schema version");
  if (!version) return tl::unexpected(version.error());
  summary.schema_version = std::stoi(version->front());
  if (summary.schema_version <= 0) {
    return Fail(ErrorCode::kBadRequest,
                "'" + path + "' records no migration: not a Guest Portal database");
  }
  auto guests = Column(db->get(), "SELECT count(*) FROM guests", "counting guests");
  if (!guests) return tl::unexpected(guests.error());
  summary.guests = std::stoll(guests->front());
  return summary;
}

Result<void> SyncFileAndDirectory(const std::string& path) {
  auto sync = [](const std::string& name, int flags) -> Result<void> {
    const int fd = ::open(name.c_str(), flags | O_CLOEXEC);
    if (fd < 0)
      return Fail(ErrorCode::kUnavailable, "cannot open '" + name + "': " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0)
      return Fail(ErrorCode::kUnavailable, "cannot sync '" + name + "': " + std::strerror(error));
    return {};
  };
  auto file = sync(path, O_RDONLY);
  if (!file) return file;
  std::string dir = std::filesystem::path(path).parent_path().string();
  return sync(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace gp::storage::sqlite
