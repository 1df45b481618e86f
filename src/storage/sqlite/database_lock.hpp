#pragma once
// Who is using a SQLite database file, as an advisory lock on a file beside it (`<database>.lock`).
// Every process that opens the database through the portal (the server for its whole life, each CLI
// command while it runs) holds a shared lock; `restore`, which replaces the file, needs the
// exclusive lock. The kernel releases a lock when its process ends, however it ends (`kill -9`
// included), so a lock is never left behind.

#include <string>

#include "core/error.hpp"

namespace gp::storage::sqlite {

class DatabaseLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Takes the lock on `<database_path>.lock` (created with mode 0600, with its directory) without
  // waiting: kConflict when another process holds it in a conflicting mode.
  static Result<DatabaseLock> Take(const std::string& database_path, Mode mode);

  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&& other) noexcept;
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  ~DatabaseLock();

  static std::string LockPathFor(const std::string& database_path) {
    return database_path + ".lock";
  }

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace gp::storage::sqlite
