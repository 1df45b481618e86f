// The storage suite against SQLite, plus what is particular to SQLite and to OpenStorage.

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

#include "storage/open.hpp"
#include "storage_suite.hpp"

namespace gp::storage::testing {
namespace {

// A directory of its own under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gp-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Raw access to a database file, beside the backend's own connection.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 5000);
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  ~RawSqlite() { sqlite3_close(db_); }

  void Execute(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      throw std::runtime_error(sql + ": " + text);
    }
  }

  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// A file database in a fresh temp directory: a file, unlike :memory:, can be reopened and inspected.
struct SqliteBackend {
  static constexpr std::string_view kEngine = "sqlite";
  static std::string Unavailable() { return {}; }

  Result<std::unique_ptr<Storage>> Open() { return OpenStorage("sqlite:" + File()); }
  void Execute(const std::string& sql) { RawSqlite(File()).Execute(sql); }
  int64_t QueryInt(const std::string& sql) { return std::stoll(RawSqlite(File()).QueryText(sql)); }
  std::string File() const { return (dir.path() / "portal.db").string(); }

  TempDir dir;
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StorageSuite, SqliteBackend);

namespace {

TEST(OpenStorage, SqliteFileCreatesItsDirectoryAndUsesWal) {
  TempDir dir;
  std::filesystem::path file = dir.path() / "nested" / "deeper" / "portal.db";
  auto opened = OpenStorage("sqlite:" + file.string());
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_TRUE((*opened)->Migrate());
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(RawSqlite(file.string()).QueryText("PRAGMA journal_mode"), "wal");
}

TEST(OpenStorage, SqliteUrlWithSlashesNamesAnAbsolutePath) {
  TempDir dir;
  std::filesystem::path file = dir.path() / "portal.db";
  auto opened = OpenStorage("sqlite://" + file.string());
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_TRUE((*opened)->Migrate());
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST(OpenStorage, InMemoryDatabasesArePrivate) {
  auto first = OpenStorage("sqlite::memory:");
  auto second = OpenStorage("sqlite::memory:");
  ASSERT_TRUE(first && second);
  ASSERT_TRUE((*first)->Migrate());
  ASSERT_TRUE((*second)->Migrate());
  ASSERT_TRUE((*first)->CreateGuest(MakeGuest("g1", "alice")));
  EXPECT_TRUE((*first)->GetGuest("g1"));
  EXPECT_EQ(CodeOf((*second)->GetGuest("g1")), ErrorCode::kNotFound);
}

TEST(OpenStorage, ForeignKeysAreEnforced) {
  auto opened = OpenStorage("sqlite::memory:");
  ASSERT_TRUE(opened);
  ASSERT_TRUE((*opened)->Migrate());
  EXPECT_EQ(CodeOf((*opened)->SaveGuestToken({"ghost", "x", 1})), ErrorCode::kBadRequest);
}

TEST(OpenStorage, PostgresqlIsNotAvailableYet) {
  for (const char* url : {"postgresql://user:pass@localhost/portal", "postgres://localhost/portal"}) {
    auto opened = OpenStorage(url);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(opened.error().message, "PostgreSQL backend is not available in this build");
  }
}

TEST(OpenStorage, UnknownSchemesAndEmptyPathsAreRefused) {
  EXPECT_EQ(CodeOf(OpenStorage("mysql://localhost/db")), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(OpenStorage("portal.db")), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(OpenStorage("sqlite:")), ErrorCode::kBadRequest);
}

TEST(OpenStorage, UnopenableFileIsUnavailable) {
  TempDir dir;
  // A directory where the database file should be.
  std::filesystem::create_directories(dir.path() / "portal.db");
  auto opened = OpenStorage("sqlite:" + (dir.path() / "portal.db").string());
  std::optional<ErrorCode> code = CodeOf(opened);
  if (opened) code = CodeOf((*opened)->Migrate());
  EXPECT_EQ(code, ErrorCode::kUnavailable);
}

TEST(SqliteMigrations, TwoConnectionsMigratingOneFileApplyEachMigrationOnce) {
  TempDir dir;
  std::string url = "sqlite:" + (dir.path() / "portal.db").string();
  auto first = OpenStorage(url);
  auto second = OpenStorage(url);
  ASSERT_TRUE(first && second);
  auto a = (*first)->Migrate();
  auto b = (*second)->Migrate();
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(RawSqlite((dir.path() / "portal.db").string()).QueryText("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(EmbeddedMigrations("sqlite").size()));
}

TEST(EmbeddedMigrations, SqliteVersionsRunFromOneWithoutGaps) {
  auto migrations = EmbeddedMigrations("sqlite");
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1)) << migrations[i].name;
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations.front().name, "initial");
  EXPECT_TRUE(EmbeddedMigrations("no-such-engine").empty());
}

TEST(PendingMigrations, ReturnsTheNewerOnesInOrder) {
  std::vector<Migration> known = {{3, "c", "C"}, {1, "a", "A"}, {2, "b", "B"}};
  auto all = PendingMigrations(known, 0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].version, 1);
  EXPECT_EQ((*all)[2].version, 3);
  auto some = PendingMigrations(known, 2);
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 1u);
  EXPECT_EQ(some->front().name, "c");
  auto none = PendingMigrations(known, 3);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(PendingMigrations, RefusesANewerDatabaseAndBadLists) {
  std::vector<Migration> known = {{1, "a", "A"}, {2, "b", "B"}};
  auto newer = PendingMigrations(known, 3);
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(CodeOf(PendingMigrations({{1, "a", "A"}, {1, "again", "B"}}, 0)), ErrorCode::kInternal);
  EXPECT_EQ(CodeOf(PendingMigrations({{0, "zero", "A"}}, 0)), ErrorCode::kInternal);
}

}  // namespace
}  // namespace gp::storage::testing
