#pragma once
// Chooses the storage backend from DATABASE_URL.

#include <memory>
#include <string>

#include "core/error.hpp"
#include "storage/storage.hpp"

namespace gp::storage {

// What a backend with a connection pool is given besides its URL (SQLite ignores it).
struct StorageOptions {
  // PostgreSQL: connections opened at most, and how long a call waits for a free one before it fails
  // with kUnavailable.
  int pool_size = 8;
  int pool_wait_ms = 3000;
  // PostgreSQL: the limit on connecting, and on any one statement (lock waits included).
  int connect_timeout_seconds = 5;
  int statement_timeout_ms = 30000;
};

// "sqlite:PATH" (the parent directory is created), "sqlite::memory:" (a private in-memory database, for
// tests) or "postgresql://..." / "postgres://..." (given to libpq unchanged; one connection is opened to
// check it, kUnavailable when the database does not answer). Does not migrate. Error messages never hold
// a password.
Result<std::unique_ptr<Storage>> OpenStorage(const std::string& database_url);
Result<std::unique_ptr<Storage>> OpenStorage(const std::string& database_url, const StorageOptions& options);

}  // namespace gp::storage

namespace gp::storage {

// The file a "sqlite:PATH" / "sqlite://PATH" URL names; "" for "sqlite::memory:" and other
// backends.
std::string SqliteFilePath(const std::string& database_url);

}  // namespace gp::storage
