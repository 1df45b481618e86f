// The storage suite against SQLite, plus what is particular to SQLite and to OpenStorage.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

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

TEST(OpenStorage, UnreachablePostgresIsUnavailableAndTheMessageHasNoPassword) {
  // A loopback port that is bound but not listening: connections to it are refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  for (const std::string scheme : {"postgresql", "postgres"}) {
    std::string url = scheme + "://portal:Hunter2-secret@127.0.0.1:" + port + "/portal?connect_timeout=2";
    auto opened = OpenStorage(url);
    ASSERT_FALSE(opened) << url;
    EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable) << opened.error().message;
    EXPECT_EQ(opened.error().message.rfind("database unavailable: ", 0), 0u) << opened.error().message;
    EXPECT_EQ(opened.error().message.find("Hunter2"), std::string::npos) << opened.error().message;
    EXPECT_EQ(opened.error().message.find(url), std::string::npos) << opened.error().message;
  }
  ::close(fd);
}

TEST(OpenStorage, MalformedPostgresUrlIsRefusedWithoutItsPassword) {
  // libpq quotes the piece it cannot decode, here the password.
  for (const char* url : {"postgresql://portal:Hunter2%zz@127.0.0.1/portal",
                          "postgresql://portal@127.0.0.1/portal?password=Hunter2%zz&port=x"}) {
    auto opened = OpenStorage(url);
    ASSERT_FALSE(opened) << url;
    EXPECT_EQ(opened.error().code, ErrorCode::kBadRequest) << opened.error().message;
    EXPECT_EQ(opened.error().message.find("Hunter2"), std::string::npos) << opened.error().message;
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

TEST(SqliteMigrations, AVersionOneDatabaseMigratesAndKeepsItsData) {
  TempDir dir;
  std::string file = (dir.path() / "portal.db").string();
  auto migrations = EmbeddedMigrations("sqlite");
  ASSERT_GE(migrations.size(), 2u);
  {
    // The database as a build that knew only 0001 left it.
    RawSqlite old(file);
    old.Execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at INTEGER NOT NULL)");
    old.Execute(std::string(migrations.front().sql));
    old.Execute("INSERT INTO schema_migrations VALUES (1, 'initial', 0)");
    old.Execute("INSERT INTO guests (id, username, display_name, password_hash, disabled, webex_person_id,"
                " created_at, updated_at) VALUES ('g1', 'alice', 'Alice', 'hash', 0, 'person-1', 1, 1)");
    old.Execute("INSERT INTO spaces VALUES ('s1', 'room-s1', 'Old', 'g1,g2', 'g1', 1, 1, NULL)");
    old.Execute("INSERT INTO space_members VALUES ('s1', 'g1', 0, 'mem-1')");
  }
  auto store = OpenStorage("sqlite:" + file);
  ASSERT_TRUE(store) << store.error().message;
  auto migrated = (*store)->Migrate();
  ASSERT_TRUE(migrated) << migrated.error().message;
  EXPECT_EQ(*migrated, migrations.back().version);
  EXPECT_EQ((*store)->GetGuest("g1")->username, "alice");
  // The new tables work with the old rows.
  auto closure = (*store)->CloseSpace("s1", 50);
  ASSERT_TRUE(closure) << closure.error().message;
  EXPECT_EQ(closure->jobs_queued, 1);
  auto jobs = (*store)->ListWebexJobs();
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ(jobs->front().membership_id, "mem-1");
  ASSERT_TRUE((*store)->SaveSpaceIntent({"i1", "g1,g2", "Title", "g1", std::nullopt, 10}));
  EXPECT_EQ((*store)->ListSpaceIntents(10)->size(), 1u);
}

TEST(SqliteMigrations, AVersionThreeDatabaseKeepsItsWebexJobsAndTheirIds) {
  TempDir dir;
  std::string file = (dir.path() / "portal.db").string();
  auto migrations = EmbeddedMigrations("sqlite");
  ASSERT_GE(migrations.size(), 4u);
  {
    // The database as a build that knew up to 0003 left it: three jobs queued, the newest done.
    RawSqlite old(file);
    old.Execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at INTEGER NOT NULL)");
    for (const auto& migration : migrations) {
      if (migration.version > 3) break;
      old.Execute(std::string(migration.sql));
      old.Execute("INSERT INTO schema_migrations VALUES (" + std::to_string(migration.version) + ", '" +
                  migration.name + "', 0)");
    }
    old.Execute("INSERT INTO webex_jobs (kind, room_id, person_id, membership_id, space_id, attempts,"
                " next_attempt_at, claimed_until, last_error, created_at)"
                " VALUES ('remove_membership', 'room-1', 'person-1', 'mem-1', 's1', 2, 500, 550, 'boom', 90)");
    old.Execute("INSERT INTO webex_jobs (kind, room_id, next_attempt_at, created_at)"
                " VALUES ('delete_room', 'room-2', 10, 10)");
    old.Execute("INSERT INTO webex_jobs (kind, room_id, next_attempt_at, created_at)"
                " VALUES ('delete_room', 'room-3', 10, 10)");
    old.Execute("DELETE FROM webex_jobs WHERE room_id = 'room-3'");
    old.Execute("INSERT INTO oauth_states VALUES ('state-1', 'verifier-1', 100, 400)");
  }
  auto store = OpenStorage("sqlite:" + file);
  ASSERT_TRUE(store) << store.error().message;
  auto migrated = (*store)->Migrate();
  ASSERT_TRUE(migrated) << migrated.error().message;
  EXPECT_EQ(*migrated, migrations.back().version);

  auto jobs = (*store)->ListWebexJobs();
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(JobIdsOf(*jobs), (std::vector<int64_t>{1, 2}));
  const WebexJob& kept = jobs->front();
  EXPECT_EQ(kept.kind, JobKind::kRemoveMembership);
  EXPECT_EQ(kept.room_id, "room-1");
  EXPECT_EQ(kept.person_id, "person-1");
  EXPECT_EQ(kept.membership_id, "mem-1");
  EXPECT_EQ(kept.space_id, "s1");
  EXPECT_EQ(kept.attempts, 2);
  EXPECT_EQ(kept.next_attempt_at, 500);
  EXPECT_EQ(kept.claimed_until, 550);
  EXPECT_EQ(kept.last_error, "boom");
  EXPECT_EQ(kept.created_at, 90);
  EXPECT_EQ(kept.lease_id, "");
  EXPECT_EQ(kept.host_id, "");
  EXPECT_EQ(kept.meeting_id, "");
  EXPECT_EQ(jobs->back().kind, JobKind::kDeleteRoom);

  // The id of the job done before the migration is not handed out again.
  WebexJob end;
  end.kind = JobKind::kEndMeeting;
  end.room_id = "room-4";
  end.meeting_id = "meeting-4";
  auto id = (*store)->QueueWebexJob(end);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 4);
  auto claimed = (*store)->ClaimWebexJobs(600, 60, 10);
  ASSERT_TRUE(claimed) << claimed.error().message;
  EXPECT_EQ(JobIdsOf(*claimed), (std::vector<int64_t>{1, 2, 4}));
  EXPECT_TRUE(*(*store)->IsKnownRoom("room-2"));

  auto state = (*store)->TakeOAuthState("state-1", 200);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->code_verifier, "verifier-1");
  EXPECT_EQ(state->purpose, "");

  RawSqlite raw(file);
  EXPECT_EQ(raw.QueryText("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM sqlite_master WHERE name = 'webex_jobs_new'"), "0");
  EXPECT_EQ(raw.QueryText("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master"
                          " WHERE type = 'index' AND tbl_name = 'webex_jobs' ORDER BY name)"),
            "webex_jobs_due,webex_jobs_lease,webex_jobs_room");
  EXPECT_EQ(raw.QueryText("SELECT group_concat(name || '=' || seq, ',') FROM sqlite_sequence"
                          " WHERE name LIKE 'webex_jobs%'"),
            "webex_jobs=4");
}

TEST(SqliteSchema, AHostIsHeldByOneLeaseRowWhateverItsState) {
  TempDir dir;
  std::string file = (dir.path() / "portal.db").string();
  auto store = OpenStorage("sqlite:" + file);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->Migrate());
  ASSERT_TRUE((*store)->CreateSpace(MakeSpace("s1", {"g1"})));
  ASSERT_TRUE((*store)->CreateSpace(MakeSpace("s2", {"g2"})));
  ASSERT_TRUE((*store)->CreateHost(MakeSpaceHost("h1", "pool-room")));
  auto taken = (*store)->TakeLease(MakeLease("l1", "s1", 1000, "space-pool"), HostKind::kSpace);
  ASSERT_TRUE(taken) << taken.error().message;
  RawSqlite raw(file);
  EXPECT_ANY_THROW(raw.Execute("INSERT INTO leases (id, host_id, space_id, mode, state, created_at, expires_at)"
                               " VALUES ('l2', 'h1', 's2', 'space-pool', 'ending', 1, 1)"));
  // And a space has one lease that is not ending.
  EXPECT_ANY_THROW(raw.Execute("INSERT INTO hosts (id, kind, webex_room_id, created_at, updated_at)"
                               " VALUES ('h2', 'space', 'pool-room-2', 1, 1);"
                               " INSERT INTO leases (id, host_id, space_id, mode, state, created_at, expires_at)"
                               " VALUES ('l3', 'h2', 's1', 'space-pool', 'live', 1, 1)"));
  EXPECT_EQ(raw.QueryText("SELECT COUNT(*) FROM leases"), "1");
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

// ---- Two connections ----

std::string FreshFile(const TempDir& dir) { return (dir.path() / "portal.db").string(); }

std::unique_ptr<Storage> OpenMigrated(const std::string& url) {
  auto opened = OpenStorage(url);
  if (!opened) throw std::runtime_error(opened.error().message);
  auto migrated = (*opened)->Migrate();
  if (!migrated) throw std::runtime_error(migrated.error().message);
  return std::move(*opened);
}

TEST(SqliteConnections, TheReadersDataVersionMovesWhenTheWriterCommits) {
  TempDir dir;
  auto store = OpenMigrated("sqlite:" + FreshFile(dir));
  auto before = store->Version();
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_TRUE(store->PutSetting("k", "v"));
  auto after = store->Version();
  ASSERT_TRUE(after) << after.error().message;
  // `others` is PRAGMA data_version read on the reader: it sees the writer's commit as another
  // connection's, which is what tells read caches that anything changed.
  EXPECT_NE(after->others, before->others);
  auto again = store->Version();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *after);
}

// ":memory:" has one connection for reads and writes: the directory version is read on it too.
TEST(SqliteConnections, InMemoryDirectoryJournalFollowsItsOwnWrites) {
  auto store = OpenMigrated("sqlite::memory:");
  auto start = store->DirectoryChangesSince(0);
  ASSERT_TRUE(start) << start.error().message;
  EXPECT_EQ(start->version, 0);
  ASSERT_TRUE(store->CreateGuest(MakeGuest("a", "alice")));
  ASSERT_TRUE(store->CreateGuest(MakeGuest("b", "bob")));
  ASSERT_TRUE(store->AddPairs({{"b", "a"}}));
  ASSERT_TRUE(store->PutSetting("k", "v"));
  auto delta = store->DirectoryChangesSince(0);
  ASSERT_TRUE(delta) << delta.error().message;
  EXPECT_EQ(delta->version, 3);  // one per row
  ASSERT_TRUE(delta->changes);
  ASSERT_EQ(delta->changes->size(), 3U);
  EXPECT_EQ(delta->changes->at(0).guests, std::vector<std::string>{"a"});
  EXPECT_EQ(delta->changes->at(1).guests, std::vector<std::string>{"b"});
  EXPECT_EQ(delta->changes->at(2).added, (std::vector<PairRecord>{{"a", "b"}}));
}

TEST(SqliteConnections, InMemoryVersionMovesWithItsOwnWrites) {
  auto store = OpenMigrated("sqlite::memory:");
  auto before = store->Version();
  ASSERT_TRUE(before);
  ASSERT_TRUE(store->PutSetting("k", "v"));
  auto after = store->Version();
  ASSERT_TRUE(after);
  EXPECT_NE(*after, *before);
  EXPECT_EQ(*store->GetSetting("k"), "v");
}

TEST(SqliteConnections, AReadSeesEveryWriteCommittedBeforeIt) {
  TempDir dir;
  auto store = OpenMigrated("sqlite:" + FreshFile(dir));
  ASSERT_TRUE(store->CreateGuest(MakeGuest("g1", "alice")));
  for (int i = 0; i < 50; ++i) {
    std::string name = "Name " + std::to_string(i);
    ASSERT_TRUE(store->SetGuestDisplayName("g1", name, i));
    ASSERT_EQ(store->GetGuest("g1")->display_name, name);
    ASSERT_TRUE(store->PutSetting("k", name));
    ASSERT_EQ(*store->GetSetting("k"), name);
    // A read of several statements (a space and its members) too.
    std::string space_id = "s" + std::to_string(i);
    ASSERT_TRUE(store->CreateSpace(MakeSpace(space_id, {"g1", "x" + std::to_string(i)})));
    auto space = store->GetSpace(space_id);
    ASSERT_TRUE(space) << space.error().message;
    ASSERT_EQ(space->member_ids.size(), 2u);
  }
}

TEST(SqliteConnections, AReadDoesNotWaitBehindAWriteInProgress) {
  using std::chrono::steady_clock;
  TempDir dir;
  std::string file = FreshFile(dir);
  auto store = OpenMigrated("sqlite:" + file);
  ASSERT_TRUE(store->CreateGuest(MakeGuest("g1", "alice")));

  // Another process holds the write lock, so the store's write below waits for it (up to the busy
  // timeout, 5 s) while holding the store's writer.
  RawSqlite other(file);
  other.Execute("BEGIN IMMEDIATE");
  other.Execute("INSERT INTO settings (key, value) VALUES ('other', '1')");
  std::atomic<bool> writing{false};
  std::atomic<bool> written{false};
  Result<void> write_result;
  std::thread writer([&] {
    writing = true;
    write_result = store->PutSetting("k", "v");
    written = true;
  });
  while (!writing) std::this_thread::yield();

  // Reads all through a window in which the write is in progress: none may wait for it.
  auto window_end = steady_clock::now() + std::chrono::milliseconds(300);
  steady_clock::duration slowest{};
  int reads = 0;
  while (steady_clock::now() < window_end) {
    auto started = steady_clock::now();
    auto guest = store->GetGuest("g1");
    auto missing = store->GetSetting("k");
    auto version = store->Version();
    slowest = std::max(slowest, steady_clock::now() - started);
    ASSERT_TRUE(guest) << guest.error().message;
    ASSERT_EQ(CodeOf(missing), ErrorCode::kNotFound);
    ASSERT_TRUE(version) << version.error().message;
    ++reads;
  }
  EXPECT_FALSE(written.load()) << "the write should still be waiting for the other process";
  EXPECT_LT(slowest, std::chrono::milliseconds(250)) << "after " << reads << " reads";

  other.Execute("COMMIT");
  writer.join();
  ASSERT_TRUE(write_result) << write_result.error().message;
  EXPECT_EQ(*store->GetSetting("k"), "v");
  EXPECT_EQ(*store->GetSetting("other"), "1");
}

// ---- Files ----

TEST(SqliteFiles, TheDatabaseAndItsWalAndShmAreReadableByTheOwnerOnly) {
  TempDir dir;
  std::string file = FreshFile(dir);
  // The usual umask would leave new files readable by everyone. SQLite creates the files as it first
  // needs them, so the umask stays for the opening and the first writes.
  mode_t previous = ::umask(022);
  auto store = OpenStorage("sqlite:" + file);
  bool written = store && (*store)->Migrate() && (*store)->CreateGuest(MakeGuest("g1", "alice"));
  ::umask(previous);
  ASSERT_TRUE(written);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    struct stat status {};
    ASSERT_EQ(::stat((file + suffix).c_str(), &status), 0) << file << suffix << " is missing";
    EXPECT_EQ(status.st_mode & 0777, 0600u) << file << suffix;
  }
}

TEST(SqliteFiles, AnExistingDatabaseKeepsItsMode) {
  TempDir dir;
  std::string file = FreshFile(dir);
  { RawSqlite(file).Execute("CREATE TABLE t (x)"); }
  std::filesystem::permissions(file, std::filesystem::perms(0640));
  ASSERT_TRUE(OpenStorage("sqlite:" + file));
  struct stat status {};
  ASSERT_EQ(::stat(file.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0640u);
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
