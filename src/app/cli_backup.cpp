#include "app/cli_backup.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "app/progress.hpp"
#include "storage/migrations.hpp"
#include "storage/open.hpp"
#include "storage/sqlite/backup.hpp"
#include "storage/sqlite/database_lock.hpp"
#include "storage/sqlite/sqlite_storage.hpp"

namespace gp::app {

namespace {

namespace fs = std::filesystem;
using storage::sqlite::DatabaseLock;

constexpr const char* kPostgresAdvice =
    "works on the SQLite database only; with PostgreSQL use pg_dump and pg_restore as "
    "docs/operations.md shows";

int Failed(const std::string& message) {
  std::cerr << "guest-portal: " << message << "\n";
  return 1;
}

int Refused(const std::string& message) {
  std::cerr << "guest-portal: " << message << "\n";
  return 2;
}

// The SQLite file of the configuration, or an exit code when there is none to work on.
int DatabaseFileOrRefuse(const Config& config, const char* command, std::string& path) {
  path = storage::SqliteFilePath(config.database_url);
  if (!path.empty()) return 0;
  if (config.database_url.starts_with("sqlite:"))
    return Refused(std::string(command) + ": an in-memory database holds nothing to copy");
  return Refused(std::string(command) + " " + kPostgresAdvice);
}

int NewestSchemaVersion() {
  int newest = 0;
  for (const auto& migration : storage::EmbeddedMigrations("sqlite"))
    newest = std::max(newest, migration.version);
  return newest;
}

// "20261130T123456Z": sorts by time and is safe in a file name.
std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return text.data();
}

void RemoveQuietly(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix, ec);
}

std::string Kib(int64_t bytes) {
  return std::to_string((bytes + 1023) / 1024) + " KiB";
}

}  // namespace

int RunBackup(const Config& config, const std::string& file, bool force) {
  std::string database;
  if (int refused = DatabaseFileOrRefuse(config, "backup", database); refused != 0) return refused;
  std::error_code ec;
  if (!fs::exists(database, ec)) return Failed("backup: there is no database at " + database);
  if (fs::exists(file, ec)) {
    if (!force)
      return Refused("backup: " + file +
                     " exists; choose another name or add --force to replace it");
    if (!fs::is_regular_file(file, ec))
      return Refused("backup: " + file + " is not a regular file");
  }
  if (fs::weakly_canonical(file, ec) == fs::weakly_canonical(database, ec)) {
    return Refused("backup: " + file + " is the database itself");
  }
  // Shared, as the server's: a backup runs beside it, but not while a restore replaces the file.
  auto lock = DatabaseLock::Take(database, DatabaseLock::Mode::kShared);
  if (!lock) return Failed("backup: " + lock.error().message);

  // Written under a temporary name beside FILE and renamed once complete and checked: FILE is never
  // half a backup.
  const std::string temp = file + ".tmp-" + std::to_string(::getpid());
  RemoveQuietly(temp);
  Progress progress("backup", "pages");
  auto copied = storage::sqlite::CopyDatabaseFile(
      database, temp, [&progress](int64_t done, int64_t total) { progress.Update(done, total); });
  progress.Finish();
  if (!copied) return Failed("backup: " + copied.error().message);
  auto summary = storage::sqlite::InspectPortalDatabase(temp);
  if (!summary) {
    RemoveQuietly(temp);
    return Failed("backup: the copy failed its check: " + summary.error().message);
  }
  auto synced = storage::sqlite::SyncFileAndDirectory(temp);
  if (synced) fs::rename(temp, file, ec);
  if (!synced || ec) {
    RemoveQuietly(temp);
    return Failed("backup: cannot write " + file + ": " +
                  (synced ? ec.message() : synced.error().message));
  }
  (void)storage::sqlite::SyncFileAndDirectory(file);
  std::cout << "backup: wrote " << file << " (" << Kib(copied->bytes) << ", schema version "
            << summary->schema_version << ", " << summary->guests << " guests, integrity ok) from "
            << database << "; the tokens in it can be read only with SECRET_KEY_FILE ("
            << config.secret_key_file << "), which is not in the backup: keep a copy of it apart\n";
  return 0;
}

int RunRestore(const Config& config, const std::string& file) {
  std::string database;
  if (int refused = DatabaseFileOrRefuse(config, "restore", database); refused != 0) return refused;
  std::error_code ec;
  if (!fs::exists(file, ec)) return Failed("restore: " + file + " does not exist");
  if (!fs::is_regular_file(file, ec)) return Failed("restore: " + file + " is not a regular file");
  if (fs::weakly_canonical(file, ec) == fs::weakly_canonical(database, ec)) {
    return Refused("restore: " + file + " is the database itself");
  }
  // Exclusive: no server and no other command may have the database open while it is replaced.
  auto lock = DatabaseLock::Take(database, DatabaseLock::Mode::kExclusive);
  if (!lock) return Failed("restore: " + lock.error().message);

  // The backup is copied beside the database first, checked and brought to this build's schema
  // there; the database is replaced only by a complete, checked file (one rename).
  const std::string temp = database + ".restore-" + std::to_string(::getpid());
  RemoveQuietly(temp);
  Progress progress("restore", "pages");
  auto copied = storage::sqlite::CopyDatabaseFile(
      file, temp, [&progress](int64_t done, int64_t total) { progress.Update(done, total); });
  progress.Finish();
  if (!copied) return Failed("restore: " + copied.error().message + "; nothing was changed");
  auto summary = storage::sqlite::InspectPortalDatabase(temp);
  if (!summary) {
    RemoveQuietly(temp);
    std::string message = summary.error().message;
    // Name the file the operator gave, not the working copy.
    for (auto at = message.find(temp); at != std::string::npos; at = message.find(temp))
      message.replace(at, temp.size(), file);
    return Failed("restore: " + message + "; nothing was changed");
  }
  const int newest = NewestSchemaVersion();
  if (summary->schema_version > newest) {
    RemoveQuietly(temp);
    return Failed("restore: " + file + " has schema version " +
                  std::to_string(summary->schema_version) +
                  ", newer than this guest-portal knows (" + std::to_string(newest) +
                  "); restore it with the newer guest-portal that wrote it; nothing was changed");
  }
  if (summary->schema_version < newest) {
    // The working copy is closed (its WAL checkpointed into it) when the lambda returns.
    auto migrated = [&temp]() -> Result<int> {
      auto opened = storage::sqlite::SqliteStorage::Open(temp);
      if (!opened) return tl::unexpected(opened.error());
      return (*opened)->Migrate();
    }();
    if (!migrated) {
      RemoveQuietly(temp);
      return Failed("restore: migrating the backup failed: " + migrated.error().message +
                    "; nothing was changed");
    }
  }

  std::string kept;
  if (fs::exists(database, ec)) {
    // A copy through SQLite, so that what was committed in the old database's WAL is kept too.
    kept = database + ".before-restore-" + UtcStamp();
    RemoveQuietly(kept);
    auto saved = storage::sqlite::CopyDatabaseFile(database, kept);
    if (!saved) {
      RemoveQuietly(temp);
      return Failed("restore: cannot keep the current database as " + kept + ": " +
                    saved.error().message + "; nothing was changed");
    }
  }
  // A WAL left beside the database belongs to the old file and must never be applied to the new
  // one.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(database + suffix, ec);
  auto synced = storage::sqlite::SyncFileAndDirectory(temp);
  if (synced) fs::rename(temp, database, ec);
  if (!synced || ec) {
    RemoveQuietly(temp);
    return Failed("restore: cannot replace " + database + ": " +
                  (synced ? ec.message() : synced.error().message) +
                  (kept.empty() ? "" : "; the previous database is kept as " + kept));
  }
  (void)storage::sqlite::SyncFileAndDirectory(database);
  std::cout << "restore: " << database << " now holds " << file << " (schema version "
            << summary->schema_version;
  if (summary->schema_version < newest) std::cout << ", migrated to " << newest;
  std::cout << ", " << summary->guests << " guests)";
  if (!kept.empty()) std::cout << "; the database it replaced is kept as " << kept;
  std::cout << "\n";
  return 0;
}

}  // namespace gp::app
