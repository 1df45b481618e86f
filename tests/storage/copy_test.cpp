// CopyDatabase: a SQLite database filled through the Storage interface is copied into a fresh PostgreSQL
// schema and read back through PostgreSQL's Storage; copying again changes nothing; ids handed out after
// the copy come after the copied ones; rows already in PostgreSQL are kept; a failure commits nothing.
//
// The PostgreSQL server's URL is read from the file named by GP_TEST_PG_URL_FILE (scripts/pg-scratch
// writes one); without it the cases that need a server skip. Each case works in a schema of its own,
// selected through the URL (options=-csearch_path%3D...), and drops it afterwards.

#include "storage/copy.hpp"

#include "pg_test_support.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <stdexcept>

#include "storage/open.hpp"

namespace gp::storage {
namespace {

using testing::ClusterUrl;

#define GP_ASSERT_OK(expr)                                                     \
  do {                                                                         \
    auto&& gp_result_ = (expr);                                                \
    ASSERT_TRUE(gp_result_) << #expr << ": " << gp_result_.error().message;    \
  } while (0)

// The tables of the portal's data; schema_migrations, runners and directory_version are each
// database's own.
const std::vector<std::string> kDataTables = {
    "allowed_pairs", "app_admin", "audit_log",  "guest_tokens",  "guests",        "hosts",
    "leases",        "oauth_states", "read_marks", "sessions",   "settings",      "space_files",
    "space_intents", "space_members", "space_messages", "spaces", "webex_jobs"};

// Ciphertext is bytes: a NUL, bytes that are not UTF-8, a backslash and a quote.
const std::string kCipher = std::string("c\0i\xff\xfe p\\h'e\"r", 12);

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += digits[c >> 4U];
    hex += digits[c & 15U];
  }
  return hex;
}

std::string Opt(const std::optional<std::string>& text) { return text ? "'" + *text + "'" : "null"; }
std::string Opt(const std::optional<int64_t>& value) { return value ? std::to_string(*value) : "null"; }

std::string Describe(const GuestRecord& g) {
  return "guest " + g.id + " " + g.username + " " + g.display_name + " " + g.password_hash +
         (g.disabled ? " disabled " : " enabled ") + Opt(g.webex_person_id) + " " + std::to_string(g.created_at) +
         " " + std::to_string(g.updated_at) + (g.must_change_password ? " must-change " : " ") + Opt(g.expires_at);
}

std::string Describe(const SpaceRecord& s) {
  std::string text = "space " + s.id + " " + s.webex_room_id + " " + s.title + " key=" + s.member_key + " members=";
  for (const auto& id : s.member_ids) text += id + ",";
  text += " memberships=";
  for (const auto& [guest, membership] : s.membership_ids) text += guest + ":" + membership + ",";
  text += " names=";
  for (const auto& [guest, name] : s.member_names) text += guest + ":" + name + ",";
  return text + " by=" + s.created_by + " " + std::to_string(s.created_at) + " " + std::to_string(s.last_activity) +
         " closed=" + Opt(s.closed_at) + " last=" + s.last_message_id + "@" + std::to_string(s.last_message_ms) +
         " polled=" + s.polled_activity + " read=" + Opt(s.read_mark_ms);
}

std::string Describe(const SessionRecord& s) {
  return "session " + s.id_hash + " " + s.role + " " + Opt(s.guest_id) + " " + Opt(s.admin_email) + " " +
         s.csrf_token + " " + std::to_string(s.created_at) + " " + std::to_string(s.expires_at);
}

std::string Describe(const AuditRecord& a) {
  return "audit " + std::to_string(a.seq) + " " + std::to_string(a.at_ms) + " " + a.actor + " " + a.action + " " +
         a.target + " " + a.outcome + " " + a.detail;
}

std::string Describe(const WebexJob& j) {
  return "job " + std::to_string(j.id) + " kind=" + std::to_string(static_cast<int>(j.kind)) + " " + j.room_id +
         " person=" + j.person_id + " membership=" + j.membership_id + " space=" + j.space_id +
         " lease=" + j.lease_id + " host=" + j.host_id + " meeting=" + j.meeting_id +
         " attempts=" + std::to_string(j.attempts) + " next=" + std::to_string(j.next_attempt_at) +
         " claimed=" + std::to_string(j.claimed_until) + " error=" + j.last_error +
         " created=" + std::to_string(j.created_at);
}

std::string Describe(const LeaseRecord& l) {
  std::string added;
  for (const auto& id : l.added_person_ids) added += id + ",";
  return "lease " + l.id + " host=" + l.host_id + " space=" + l.space_id + " " + l.mode +
         " state=" + std::to_string(static_cast<int>(l.state)) + " meeting=" + l.meeting_json + " " +
         l.webex_meeting_id + " membership=" + l.host_membership_id + " added=" + added + " " +
         std::to_string(l.created_at) + " " + std::to_string(l.expires_at) + " " + std::to_string(l.ended_at) +
         " " + l.end_reason;
}

std::string Describe(const HostRecord& h) {
  return "host " + h.id + " kind=" + std::to_string(static_cast<int>(h.kind)) + " " + h.email + " " +
         h.display_name + " " + h.webex_person_id + " " + h.webex_room_id + " " + h.connect_key + " " +
         Hex(h.access_token_enc) + " " + std::to_string(h.access_expires_at) + " " + Hex(h.refresh_token_enc) + " " +
         std::to_string(h.refresh_expires_at) + " " + std::to_string(h.last_leased_at) + " " +
         std::to_string(h.created_at) + " " + std::to_string(h.updated_at) +
         " lease=" + (h.lease ? Describe(*h.lease) : "none");
}

std::string Describe(const SpaceIntent& i) {
  return "intent " + i.id + " " + i.member_key + " " + i.title + " " + i.created_by + " " + Opt(i.webex_room_id) +
         " " + std::to_string(i.created_at);
}

// Everything the Storage interface can read of the data Populate() writes, one line per fact, so that two
// databases compare field by field and a difference prints as the line that differs.
std::vector<std::string> Everything(Storage& store) {
  std::vector<std::string> lines;
  auto add = [&](const std::string& what, const auto& result, auto&& describe) {
    if (!result) {
      lines.push_back(what + ": error " + result.error().message);
    } else {
      lines.push_back(what + ": " + describe(*result));
    }
  };
  auto same = [](const auto& value) { return Describe(value); };
  auto each = [](const auto& values) {
    std::string text;
    for (const auto& value : values) text += "\n  " + Describe(value);
    return text;
  };

  add("guests", store.ListGuests(), each);
  add("pairs", store.ListPairs(), [](const std::vector<PairRecord>& pairs) {
    std::string text;
    for (const auto& [a, b] : pairs) text += a + "-" + b + " ";
    return text;
  });
  add("spaces", store.ListSpaces(), each);
  for (const char* guest : {"g-alice", "g-bob", "g-carol", "g-dave"}) {
    add(std::string("spaces of ") + guest, store.ListSpacesForGuest(guest, true), each);
  }
  for (const char* space : {"s-ab", "s-bd"}) add(std::string("space ") + space, store.GetSpace(space), same);
  for (const char* session : {"hash-guest", "hash-admin"}) {
    add(std::string("session ") + session, store.GetSession(session), same);
  }
  AuditFilter everything;
  everything.limit = AuditFilter::kMaxLimit;
  add("audit", store.ListAudit(everything), each);
  add("jobs", store.ListWebexJobs(), each);
  add("hosts", store.ListHosts(), each);
  add("leases", store.ListLeases(), each);
  add("intents", store.ListSpaceIntents(std::numeric_limits<int64_t>::max()), each);
  for (const char* key : {"pool.exhausted", "greeting"}) {
    add(std::string("setting ") + key, store.GetSetting(key), [](const std::string& value) { return value; });
  }
  add("app admin", store.GetAppAdmin(), [](const AppAdminRecord& a) {
    return a.person_id + " " + a.email + " " + a.display_name + " " + Hex(a.access_token_enc) + " " +
           std::to_string(a.access_expires_at) + " " + Hex(a.refresh_token_enc) + " " +
           std::to_string(a.refresh_expires_at) + " " + std::to_string(a.updated_at);
  });
  for (const char* guest : {"g-alice"}) {
    add(std::string("guest token ") + guest, store.GetGuestToken(guest), [](const GuestTokenRecord& t) {
      return t.guest_id + " " + Hex(t.token_enc) + " " + std::to_string(t.expires_at);
    });
  }
  add("oauth states", store.CountOAuthStates(), [](int64_t n) { return std::to_string(n); });
  for (const char* message : {"msg-1", "msg-2"}) {
    add(std::string("message ") + message, store.GetSpaceMessageTime("s-ab", message),
        [](int64_t ms) { return std::to_string(ms); });
  }
  add("file", store.GetSpaceFile("s-ab", "content-1"), [](const SpaceFile& f) {
    return f.space_id + " " + f.content_id + " " + f.name + " " + f.content_type + " " + std::to_string(f.size);
  });
  add("pool", store.GetPoolStats(), [](const PoolStats& p) {
    return std::to_string(p.free) + " free " + std::to_string(p.leased) + " leased " + std::to_string(p.exhausted) +
           " exhausted";
  });
  add("known room", store.IsKnownRoom("room-i1"), [](bool known) { return known ? "yes" : "no"; });
  return lines;
}

GuestRecord Guest(const std::string& id, const std::string& username, std::optional<std::string> person) {
  GuestRecord guest;
  guest.id = id;
  guest.username = username;
  guest.display_name = "Zoë " + username + " 🚀";
  guest.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$" + username;
  guest.webex_person_id = std::move(person);
  guest.created_at = 1000;
  guest.updated_at = 1001;
  return guest;
}

SpaceRecord Space(const std::string& id, const std::vector<std::string>& members, int64_t at) {
  SpaceRecord space;
  space.id = id;
  space.webex_room_id = "room-" + id;
  space.title = "Space " + id;
  space.member_ids = members;
  std::vector<std::string> sorted = members;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& member : sorted) space.member_key += (space.member_key.empty() ? "" : ",") + member;
  space.created_by = members.front();
  space.created_at = at;
  space.last_activity = at;
  return space;
}

WebexJob Job(JobKind kind, const std::string& room, int64_t at) {
  WebexJob job;
  job.kind = kind;
  job.room_id = room;
  job.next_attempt_at = at;
  job.created_at = at;
  return job;
}

// A deployment with a row in every table: guests (one disabled), pairs, an open space with members and a
// closed one, messages, a read mark, a file, an intent, sessions, the AppAdmin, a guest token, an OAuth
// state, audit rows, Webex jobs (the newest one done, so that SQLite's AUTOINCREMENT mark is above the
// largest id), a connected person host lent to a live meeting and a pool space, settings and a runner.
void Populate(Storage& store) {
  GP_ASSERT_OK(store.CreateGuest(Guest("g-alice", "alice", "person-alice")));
  GuestRecord bob = Guest("g-bob", "bob", "person-bob");
  bob.must_change_password = true;
  bob.expires_at = 4102444799;
  GP_ASSERT_OK(store.CreateGuest(bob));
  GuestRecord carol = Guest("g-carol", "carol", std::nullopt);
  carol.disabled = true;
  GP_ASSERT_OK(store.CreateGuest(carol));
  GP_ASSERT_OK(store.CreateGuest(Guest("g-dave", "dave", std::nullopt)));
  GP_ASSERT_OK(store.AddPairs({{"g-alice", "g-bob"}, {"g-alice", "g-carol"}, {"g-bob", "g-dave"}}));

  SpaceRecord ab = Space("s-ab", {"g-bob", "g-alice"}, 2000);
  ab.membership_ids = {{"g-alice", "membership-a"}, {"g-bob", "membership-b"}};
  GP_ASSERT_OK(store.CreateSpace(ab));
  SpaceRecord bd = Space("s-bd", {"g-bob", "g-dave"}, 2100);
  bd.membership_ids = {{"g-bob", "membership-bd"}};
  GP_ASSERT_OK(store.CreateSpace(bd));
  GP_ASSERT_OK(store.CloseSpace("s-bd", 2200));  // queues the removal of bob's membership
  GP_ASSERT_OK(store.RecordSpaceMessage({"msg-1", "s-ab", 2300000, 2300}));
  GP_ASSERT_OK(store.RecordSpaceMessage({"msg-2", "s-ab", 2400000, 2400}));
  GP_ASSERT_OK(store.SetReadMark("g-alice", "s-ab", "msg-1", 2300000));
  GP_ASSERT_OK(store.SaveSpaceFile({"s-ab", "content-1", "report.pdf", "application/pdf", 123456789012}));
  GP_ASSERT_OK(store.SetSpacePolledActivity("s-ab", "2026-11-30T06:00:00.000Z"));

  SpaceIntent intent;
  intent.id = "i-1";
  intent.member_key = "g-alice,g-carol";
  intent.title = "Intent one";
  intent.created_by = "g-alice";
  intent.created_at = 2500;
  GP_ASSERT_OK(store.SaveSpaceIntent(intent));
  GP_ASSERT_OK(store.SetSpaceIntentRoom("i-1", "room-i1"));

  GP_ASSERT_OK(store.CreateSession({"hash-guest", "guest", "g-alice", std::nullopt, "csrf-1", 3000, 4000}));
  GP_ASSERT_OK(store.CreateSession({"hash-admin", "admin", std::nullopt, "admin@example.com", "csrf-2", 3001, 4001}));
  GP_ASSERT_OK(store.SaveAppAdmin({"person-admin", "admin@example.com", "The Admin", kCipher, 5000,
                                   kCipher + "refresh", 6000, 3002}));
  GP_ASSERT_OK(store.SaveGuestToken({"g-alice", kCipher + "guest", 7000}));
  GP_ASSERT_OK(store.SaveOAuthState({"state-1", "verifier-1", "host:h-amy", 3003, 9999999999}));
  for (int i = 0; i < 3; ++i) {
    GP_ASSERT_OK(store.AppendAudit({0, 8000 + i, "cli", "guest.create", "g-" + std::to_string(i), "success",
                                    "{\"n\":" + std::to_string(i) + "}"}));
  }

  auto room_job = store.QueueWebexJob(Job(JobKind::kDeleteRoom, "room-gone", 9000));
  GP_ASSERT_OK(room_job);
  GP_ASSERT_OK(store.RetryWebexJob(*room_job, 9100, "Webex said 502"));
  auto done_job = store.QueueWebexJob(Job(JobKind::kDeleteRoom, "room-done", 9001));
  GP_ASSERT_OK(done_job);
  GP_ASSERT_OK(store.CompleteWebexJob(*done_job));

  HostRecord amy;
  amy.id = "h-amy";
  amy.kind = HostKind::kPerson;
  amy.email = "amy@example.com";
  amy.connect_key = "key-amy";
  amy.created_at = 100;
  amy.updated_at = 100;
  GP_ASSERT_OK(store.CreateHost(amy));
  amy.display_name = "Amy Host";
  amy.webex_person_id = "person-amy";
  amy.access_token_enc = kCipher + "access";
  amy.access_expires_at = 10000;
  amy.refresh_token_enc = kCipher + "refresh";
  amy.refresh_expires_at = 20000;
  amy.updated_at = 200;
  GP_ASSERT_OK(store.SaveHostTokens(amy));
  HostRecord pool;
  pool.id = "h-pool";
  pool.kind = HostKind::kSpace;
  pool.webex_room_id = "room-pool";
  pool.display_name = "Pool space";
  pool.created_at = 101;
  pool.updated_at = 101;
  GP_ASSERT_OK(store.CreateHost(pool));

  LeaseRecord lease;
  lease.id = "l-1";
  lease.space_id = "s-ab";
  lease.mode = "adhoc";
  lease.created_at = 9500;
  lease.expires_at = 9560;
  GP_ASSERT_OK(store.TakeLease(lease, HostKind::kPerson));
  lease.host_membership_id = "membership-host";
  lease.added_person_ids = {"person-x", "person-y"};
  GP_ASSERT_OK(store.SaveLeaseProgress(lease));
  lease.meeting_json = R"({"sipAddress":"m@example.com"})";
  lease.webex_meeting_id = "meeting-1";
  lease.expires_at = 9600;
  GP_ASSERT_OK(store.SetLeaseLive(lease));

  GP_ASSERT_OK(store.PutSetting("pool.exhausted", "2"));
  GP_ASSERT_OK(store.PutSetting("greeting", "héllo"));
  GP_ASSERT_OK(store.TakeRunner("poller", "instance-1", 0, 99999));
}

void ExecutePg(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK && PQresultStatus(result) != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(sql + ": " + error);
}

// A SQLite file in a fresh directory, and a fresh PostgreSQL schema; both go at the end.
class CopyDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "gp-copy-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    from_ = "sqlite:" + (dir_ / "portal.db").string();
    cluster_ = ClusterUrl();
    if (cluster_.empty()) GTEST_SKIP() << "GP_TEST_PG_URL_FILE is not set: no PostgreSQL server for these cases";
    std::random_device device;
    std::mt19937_64 random(device());
    schema_ = "t_copy_";
    for (int i = 0; i < 12; ++i) schema_ += "0123456789abcdef"[random() % 16];
    ExecutePg(cluster_, "CREATE SCHEMA " + schema_);
    to_ = cluster_ + (cluster_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  }

  void TearDown() override {
    sqlite_.reset();
    postgres_.reset();
    if (!schema_.empty()) {
      try {
        ExecutePg(cluster_, "DROP SCHEMA " + schema_ + " CASCADE");
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static std::unique_ptr<Storage> OpenMigrated(const std::string& url) {
    auto opened = OpenStorage(url);
    EXPECT_TRUE(opened) << opened.error().message;
    if (!opened) return nullptr;
    auto migrated = (*opened)->Migrate();
    EXPECT_TRUE(migrated) << migrated.error().message;
    return std::move(*opened);
  }

  Storage& Sqlite() {
    if (!sqlite_) sqlite_ = OpenMigrated(from_);
    return *sqlite_;
  }
  Storage& Postgres() {
    if (!postgres_) postgres_ = OpenMigrated(to_);
    return *postgres_;
  }

  CopyReport CopyOk() {
    auto report = CopyDatabase(from_, to_);
    EXPECT_TRUE(report) << report.error().message;
    return report.value_or(CopyReport{});
  }

  static const TableCopy* Find(const CopyReport& report, const std::string& table) {
    for (const auto& copy : report.tables) {
      if (copy.table == table) return &copy;
    }
    return nullptr;
  }

  std::filesystem::path dir_;
  std::string from_;
  std::string cluster_;
  std::string schema_;
  std::string to_;
  std::unique_ptr<Storage> sqlite_;
  std::unique_ptr<Storage> postgres_;
};

TEST_F(CopyDatabaseTest, CopiesEveryTableAndReadsBackTheSame) {
  Populate(Sqlite());
  ASSERT_FALSE(HasFatalFailure());
  const auto expected = Everything(Sqlite());
  for (const auto& line : expected) EXPECT_EQ(line.find(": error"), std::string::npos) << line;

  CopyReport report = CopyOk();

  std::vector<std::string> tables;
  for (const auto& copy : report.tables) {
    tables.push_back(copy.table);
    EXPECT_GT(copy.sqlite_rows, 0) << copy.table << " has no row to copy: Populate misses it";
    EXPECT_EQ(copy.postgres_rows, copy.sqlite_rows) << copy.table;
    EXPECT_EQ(copy.inserted, copy.sqlite_rows) << copy.table;
    EXPECT_TRUE(copy.skipped_columns.empty()) << copy.table << " loses " << copy.skipped_columns.front();
  }
  std::vector<std::string> sorted = tables;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, kDataTables);
  EXPECT_TRUE(report.ShortTables().empty());
  // Written referenced-first.
  auto position = [&](const std::string& table) { return std::find(tables.begin(), tables.end(), table) - tables.begin(); };
  EXPECT_LT(position("guests"), position("allowed_pairs"));
  EXPECT_LT(position("guests"), position("read_marks"));
  EXPECT_LT(position("spaces"), position("space_members"));
  EXPECT_LT(position("spaces"), position("leases"));
  EXPECT_LT(position("hosts"), position("leases"));
  EXPECT_EQ(report.sqlite_version, Sqlite().SchemaVersion().value_or(-1));
  EXPECT_EQ(report.postgres_version, Postgres().SchemaVersion().value_or(-1));

  EXPECT_EQ(Everything(Postgres()), expected);
  // What Everything cannot see without changing it: the OAuth state, taken once.
  auto state = Postgres().TakeOAuthState("state-1", 4000);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ(state->code_verifier, "verifier-1");
  EXPECT_EQ(state->purpose, "host:h-amy");
  EXPECT_EQ(state->created_at, 3003);
  EXPECT_EQ(state->expires_at, 9999999999);
}

TEST_F(CopyDatabaseTest, CopyingAgainChangesNothing) {
  Populate(Sqlite());
  ASSERT_FALSE(HasFatalFailure());
  const auto expected = Everything(Sqlite());
  CopyReport first = CopyOk();
  CopyReport second = CopyOk();

  ASSERT_EQ(second.tables.size(), first.tables.size());
  for (size_t i = 0; i < first.tables.size(); ++i) {
    EXPECT_EQ(second.tables[i].table, first.tables[i].table);
    EXPECT_EQ(second.tables[i].sqlite_rows, first.tables[i].sqlite_rows) << first.tables[i].table;
    EXPECT_EQ(second.tables[i].postgres_rows, first.tables[i].postgres_rows) << first.tables[i].table;
    EXPECT_EQ(second.tables[i].inserted, 0) << first.tables[i].table;
  }
  EXPECT_EQ(second.Inserted(), 0);
  EXPECT_TRUE(second.ShortTables().empty());
  EXPECT_EQ(Everything(Postgres()), expected);
}

TEST_F(CopyDatabaseTest, IdsHandedOutAfterTheCopyComeAfterTheCopiedOnes) {
  Populate(Sqlite());
  ASSERT_FALSE(HasFatalFailure());
  // The job queued last was done and deleted: its id is above every copied id and is not handed out again.
  auto probe = Sqlite().QueueWebexJob(Job(JobKind::kDeleteRoom, "room-probe", 9002));
  GP_ASSERT_OK(probe);
  GP_ASSERT_OK(Sqlite().CompleteWebexJob(*probe));
  auto jobs = Sqlite().ListWebexJobs();
  GP_ASSERT_OK(jobs);
  ASSERT_FALSE(jobs->empty());
  ASSERT_LT(jobs->back().id, *probe);

  CopyReport report = CopyOk();
  const TableCopy* job_table = Find(report, "webex_jobs");
  ASSERT_NE(job_table, nullptr);
  EXPECT_EQ(job_table->sequence_moved_to, *probe);

  auto job = Postgres().QueueWebexJob(Job(JobKind::kDeleteRoom, "room-new", 9900));
  GP_ASSERT_OK(job);
  EXPECT_GT(*job, *probe);
  auto seq = Postgres().AppendAudit({0, 9901, "cli", "after.copy", "x", "success", ""});
  GP_ASSERT_OK(seq);
  AuditFilter filter;
  filter.limit = AuditFilter::kMaxLimit;
  auto audit = Sqlite().ListAudit(filter);
  GP_ASSERT_OK(audit);
  ASSERT_FALSE(audit->empty());
  EXPECT_GT(*seq, audit->front().seq);  // newest first

  // Copying again never moves a sequence back.
  CopyReport again = CopyOk();
  EXPECT_EQ(Find(again, "webex_jobs")->sequence_moved_to, 0);
  auto next = Postgres().QueueWebexJob(Job(JobKind::kDeleteRoom, "room-newer", 9902));
  GP_ASSERT_OK(next);
  EXPECT_GT(*next, *job);
}

// Rows go in batches of several hundred: every row of a table larger than a batch, and of the last
// partial batch, arrives once and in order.
TEST_F(CopyDatabaseTest, ATableLargerThanABatchArrivesWhole) {
  constexpr int kRows = 1203;
  std::vector<std::string> expected;
  for (int i = 0; i < kRows; ++i) {
    AuditRecord record{0, 10000 + i, "cli", "bulk", "t-" + std::to_string(i), "success", std::string(i % 7, 'x')};
    auto seq = Sqlite().AppendAudit(record);
    GP_ASSERT_OK(seq);
    record.seq = *seq;
    expected.push_back(Describe(record));
  }
  CopyReport report = CopyOk();
  const TableCopy* audit = Find(report, "audit_log");
  ASSERT_NE(audit, nullptr);
  EXPECT_EQ(audit->sqlite_rows, kRows);
  EXPECT_EQ(audit->postgres_rows, kRows);
  EXPECT_EQ(audit->inserted, kRows);

  std::vector<std::string> copied;
  AuditFilter page;
  page.limit = AuditFilter::kMaxLimit;
  for (;;) {
    auto rows = Postgres().ListAudit(page);
    GP_ASSERT_OK(rows);
    if (rows->empty()) break;
    for (const auto& row : *rows) copied.push_back(Describe(row));
    page.before_seq = rows->back().seq;
  }
  std::reverse(copied.begin(), copied.end());
  EXPECT_EQ(copied, expected);
}

// Decision: a row already in PostgreSQL under the same key is kept as it is there (the copy never
// overwrites), and the report counts it: the table passes the count check. The check finds rows that
// did not arrive, not rows that differ.
TEST_F(CopyDatabaseTest, ARowAlreadyInPostgresIsKeptAndCounted) {
  Populate(Sqlite());
  ASSERT_FALSE(HasFatalFailure());
  GuestRecord theirs = Guest("g-alice", "alice", "person-alice");
  theirs.display_name = "Alice as PostgreSQL has her";
  GP_ASSERT_OK(Postgres().CreateGuest(theirs));
  GP_ASSERT_OK(Postgres().PutSetting("greeting", "kept"));

  CopyReport report = CopyOk();
  EXPECT_TRUE(report.ShortTables().empty());
  const TableCopy* guests = Find(report, "guests");
  ASSERT_NE(guests, nullptr);
  EXPECT_EQ(guests->sqlite_rows, 4);
  EXPECT_EQ(guests->postgres_rows, 4);
  EXPECT_EQ(guests->inserted, 3);
  EXPECT_EQ(Find(report, "settings")->inserted, 1);

  auto alice = Postgres().GetGuest("g-alice");
  GP_ASSERT_OK(alice);
  EXPECT_EQ(alice->display_name, "Alice as PostgreSQL has her");
  EXPECT_EQ(Postgres().GetSetting("greeting").value_or(""), "kept");
  auto bob = Postgres().GetGuest("g-bob");
  GP_ASSERT_OK(bob);
  EXPECT_EQ(Describe(*bob), Describe(*Sqlite().GetGuest("g-bob")));
}

// A row in PostgreSQL that clashes with two SQLite rows (one by id, one by username) keeps both out:
// PostgreSQL ends with fewer guests than SQLite, and the report says so.
TEST_F(CopyDatabaseTest, FewerRowsInPostgresFailTheCheck) {
  GP_ASSERT_OK(Sqlite().CreateGuest(Guest("g-1", "one", std::nullopt)));
  GP_ASSERT_OK(Sqlite().CreateGuest(Guest("g-2", "two", std::nullopt)));
  GP_ASSERT_OK(Sqlite().CreateGuest(Guest("g-3", "three", std::nullopt)));
  GP_ASSERT_OK(Postgres().CreateGuest(Guest("g-3", "two", std::nullopt)));

  CopyReport report = CopyOk();
  const TableCopy* guests = Find(report, "guests");
  ASSERT_NE(guests, nullptr);
  EXPECT_EQ(guests->sqlite_rows, 3);
  EXPECT_EQ(guests->postgres_rows, 2);
  EXPECT_EQ(guests->inserted, 1);
  EXPECT_EQ(report.ShortTables(), std::vector<std::string>{"guests"});
  // Committed all the same: a second run finds the same, and changes nothing.
  CopyReport again = CopyOk();
  EXPECT_EQ(again.Inserted(), 0);
  EXPECT_EQ(again.ShortTables(), std::vector<std::string>{"guests"});
}

// All or nothing: when a row cannot be written (here a pair names a guest whose username PostgreSQL has
// under another id, so the guest was kept out), nothing of the copy is committed.
TEST_F(CopyDatabaseTest, AFailedCopyCommitsNothing) {
  Populate(Sqlite());
  ASSERT_FALSE(HasFatalFailure());
  GP_ASSERT_OK(Postgres().CreateGuest(Guest("g-other", "carol", std::nullopt)));

  auto report = CopyDatabase(from_, to_);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("allowed_pairs"), std::string::npos) << report.error().message;
  auto guests = Postgres().ListGuests();
  GP_ASSERT_OK(guests);
  ASSERT_EQ(guests->size(), 1U);
  EXPECT_EQ(guests->front().id, "g-other");
  EXPECT_EQ(Postgres().ListSpaces().value_or(std::vector<SpaceRecord>{{}}).size(), 0U);
}

// The URLs are checked before anything is opened; a password never shows in a message.
TEST(CopyDatabaseUrls, RefusesUrlsOfTheWrongKind) {
  auto from_postgres = CopyDatabase("postgresql://portal@127.0.0.1:1/portal", "postgresql://portal@127.0.0.1:1/x");
  ASSERT_FALSE(from_postgres);
  EXPECT_EQ(from_postgres.error().code, ErrorCode::kBadRequest);
  auto to_sqlite = CopyDatabase("sqlite:/tmp/a.db", "sqlite:/tmp/b.db");
  ASSERT_FALSE(to_sqlite);
  EXPECT_EQ(to_sqlite.error().code, ErrorCode::kBadRequest);
  auto memory = CopyDatabase("sqlite::memory:", "postgresql://portal@127.0.0.1:1/portal");
  ASSERT_FALSE(memory);
  EXPECT_EQ(memory.error().code, ErrorCode::kBadRequest);
  auto missing = CopyDatabase("sqlite:/nonexistent/gp-copy/portal.db", "postgres://portal@127.0.0.1:1/portal");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists("/nonexistent/gp-copy"));

  EXPECT_TRUE(IsSqliteFileUrl("sqlite:data/portal.db"));
  EXPECT_TRUE(IsSqliteFileUrl("sqlite:///var/lib/portal.db"));
  EXPECT_FALSE(IsSqliteFileUrl("sqlite:"));
  EXPECT_FALSE(IsSqliteFileUrl("sqlite::memory:"));
  EXPECT_FALSE(IsSqliteFileUrl("postgresql://x/y"));
  EXPECT_TRUE(IsPostgresUrl("postgres://x/y"));
  EXPECT_TRUE(IsPostgresUrl("postgresql://x/y"));
  EXPECT_FALSE(IsPostgresUrl("sqlite:x"));
}

TEST(CopyDatabaseUrls, RedactsPasswords) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://portal:s3cret@db.example.com:5432/portal?sslmode=require"),
            "postgresql://portal:***@db.example.com:5432/portal?sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://portal:p%40ss@db/portal"), "postgresql://portal:***@db/portal");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db/portal?user=portal&password=s3cret&sslmode=require"),
            "postgresql://db/portal?user=portal&password=***&sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://portal:a/b@c@db/portal"), "postgresql://portal:***@db/portal");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://portal@db/portal"), "postgresql://portal@db/portal");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db:5432/portal"), "postgresql://db:5432/portal");
  EXPECT_EQ(RedactDatabaseUrl("postgres://db"), "postgres://db");
  EXPECT_EQ(RedactDatabaseUrl("sqlite:/var/lib/portal.db"), "sqlite:/var/lib/portal.db");
}

TEST(CopyDatabaseUrls, AnUnreachableServerIsReportedWithoutItsPassword) {
  std::string pattern = (std::filesystem::temp_directory_path() / "gp-copy-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = pattern;
  {
    auto store = OpenStorage("sqlite:" + (dir / "portal.db").string());
    GP_ASSERT_OK(store);
    GP_ASSERT_OK((*store)->Migrate());
  }
  // Port 1 on loopback: refused at once.
  for (const std::string url : {"postgresql://portal:Sup3r-secret@127.0.0.1:1/portal?connect_timeout=2",
                                "postgresql://portal@127.0.0.1:1/portal?password=Sup3r-secret&connect_timeout=2"}) {
    auto report = CopyDatabase("sqlite:" + (dir / "portal.db").string(), url);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().message.find("Sup3r-secret"), std::string::npos) << report.error().message;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace gp::storage
