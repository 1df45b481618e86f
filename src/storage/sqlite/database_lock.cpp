#include "storage/sqlite/database_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

namespace gp::storage::sqlite {

Result<DatabaseLock> DatabaseLock::Take(const std::string& database_path, Mode mode) {
  const std::string path = LockPathFor(database_path);
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec)
    return Fail(ErrorCode::kUnavailable,
                "cannot create the directory '" + parent.string() + "': " + ec.message());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Fail(ErrorCode::kUnavailable, "cannot open '" + path + "': " + std::strerror(errno));
  const int operation = (mode == Mode::kExclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  int rc = 0;
  do {
    rc = ::flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Fail(ErrorCode::kConflict,
                  mode == Mode::kExclusive
                      ? "the database is in use by a running guest-portal (the server or a "
                        "command); stop it first"
                      : "the database is being restored; try again when the restore is done");
    }
    return Fail(ErrorCode::kUnavailable, "cannot lock '" + path + "': " + std::strerror(error));
  }
  return DatabaseLock(fd);
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DatabaseLock& DatabaseLock::operator=(DatabaseLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

// Closing the descriptor releases the lock.
DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace gp::storage::sqlite
