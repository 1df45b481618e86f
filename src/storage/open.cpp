#include "storage/open.hpp"

#include <chrono>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "storage/postgres/postgres_storage.hpp"
#include "storage/sqlite/sqlite_storage.hpp"

namespace gp::storage {

namespace {

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

Result<std::unique_ptr<Storage>> OpenSqlite(const std::string& path) {
  if (path.empty()) return Fail(ErrorCode::kBadRequest, "sqlite: URL names no file (use sqlite:PATH)");
  if (path != ":memory:") {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Fail(ErrorCode::kUnavailable, "cannot create the directory '" + parent.string() + "': " + ec.message());
    }
  }
  auto opened = sqlite::SqliteStorage::Open(path);
  if (!opened) return tl::unexpected(opened.error());
  return std::unique_ptr<Storage>(std::move(*opened));
}

Result<std::unique_ptr<Storage>> OpenPostgres(const std::string& url, const StorageOptions& options) {
  postgres::PoolOptions pool;
  pool.size = options.pool_size;
  pool.acquire_timeout = std::chrono::milliseconds(options.pool_wait_ms);
  pool.connect.connect_timeout_seconds = options.connect_timeout_seconds;
  pool.connect.statement_timeout_ms = options.statement_timeout_ms;
  auto opened = postgres::PostgresStorage::Open(url, pool);
  if (!opened) return tl::unexpected(opened.error());
  return std::unique_ptr<Storage>(std::move(*opened));
}

}  // namespace

Result<std::unique_ptr<Storage>> OpenStorage(const std::string& database_url) {
  return OpenStorage(database_url, StorageOptions{});
}

Result<std::unique_ptr<Storage>> OpenStorage(const std::string& database_url, const StorageOptions& options) {
  std::string_view url = database_url;
  if (url == "sqlite::memory:") return OpenSqlite(":memory:");
  // "sqlite:///abs/path" and "sqlite://rel/path" are accepted as well as the plain "sqlite:path".
  if (StartsWith(url, "sqlite://")) return OpenSqlite(std::string(url.substr(9)));
  if (StartsWith(url, "sqlite:")) return OpenSqlite(std::string(url.substr(7)));
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
    return OpenPostgres(database_url, options);
  }
  return Fail(ErrorCode::kBadRequest,
              "unsupported database URL (expected sqlite:PATH, sqlite::memory: or postgresql://...)");
}

std::string SqliteFilePath(const std::string& database_url) {
  std::string_view url = database_url;
  if (url == "sqlite::memory:") return "";
  if (StartsWith(url, "sqlite://")) return std::string(url.substr(9));
  if (StartsWith(url, "sqlite:")) return std::string(url.substr(7));
  return "";
}

}  // namespace gp::storage
