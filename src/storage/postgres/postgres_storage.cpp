#include "storage/postgres/postgres_storage.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "storage/migrations.hpp"
#include "storage/postgres/statements.hpp"
#include "storage/version_memo.hpp"

namespace gp::storage::postgres {

namespace {

constexpr const char* kRemoveMembershipKind = "remove_membership";
constexpr const char* kDeleteRoomKind = "delete_room";
constexpr const char* kEndMeetingKind = "end_meeting";

tl::unexpected<Error> NotFound(const std::string& what) { return Fail(ErrorCode::kNotFound, what + " not found"); }

GuestRecord ReadGuest(const Row& q) {
  GuestRecord guest;
  guest.id = q.Text(0);
  guest.username = q.Text(1);
  guest.display_name = q.Text(2);
  guest.password_hash = q.Text(3);
  guest.disabled = q.Bool(4);
  guest.webex_person_id = q.OptionalText(5);
  guest.created_at = q.Int(6);
  guest.updated_at = q.Int(7);
  guest.must_change_password = q.Bool(8);
  guest.expires_at = q.OptionalInt(9);
  return guest;
}

SpaceRecord ReadSpace(const Row& q) {
  SpaceRecord space;
  space.id = q.Text(0);
  space.webex_room_id = q.Text(1);
  space.title = q.Text(2);
  space.member_key = q.Text(3);
  space.created_by = q.Text(4);
  space.created_at = q.Int(5);
  space.last_activity = q.Int(6);
  space.closed_at = q.OptionalInt(7);
  space.last_message_id = q.OptionalText(8).value_or("");
  space.last_message_ms = q.Int(9);
  space.polled_activity = q.Text(10);
  return space;
}

SpaceIntent ReadIntent(const Row& q) {
  SpaceIntent intent;
  intent.id = q.Text(0);
  intent.member_key = q.Text(1);
  intent.title = q.Text(2);
  intent.created_by = q.Text(3);
  intent.webex_room_id = q.OptionalText(4);
  intent.created_at = q.Int(5);
  return intent;
}

const char* KindName(JobKind kind) {
  switch (kind) {
    case JobKind::kDeleteRoom:
      return kDeleteRoomKind;
    case JobKind::kEndMeeting:
      return kEndMeetingKind;
    case JobKind::kRemoveMembership:
      break;
  }
  return kRemoveMembershipKind;
}

JobKind KindOf(const std::string& name) {
  if (name == kDeleteRoomKind) return JobKind::kDeleteRoom;
  if (name == kEndMeetingKind) return JobKind::kEndMeeting;
  return JobKind::kRemoveMembership;
}

WebexJob ReadJob(const Row& q) {
  WebexJob job;
  job.id = q.Int(0);
  job.kind = KindOf(q.Text(1));
  job.room_id = q.Text(2);
  job.person_id = q.Text(3);
  job.membership_id = q.Text(4);
  job.space_id = q.Text(5);
  job.attempts = static_cast<int>(q.Int(6));
  job.next_attempt_at = q.Int(7);
  job.claimed_until = q.Int(8);
  job.last_error = q.Text(9);
  job.created_at = q.Int(10);
  job.lease_id = q.Text(11);
  job.host_id = q.Text(12);
  job.meeting_id = q.Text(13);
  return job;
}

const char* HostKindName(HostKind kind) { return kind == HostKind::kSpace ? "space" : "person"; }

LeaseState LeaseStateOf(const std::string& name) {
  if (name == "live") return LeaseState::kLive;
  if (name == "ending") return LeaseState::kEnding;
  return LeaseState::kStarting;
}

std::string PersonIdsJson(const std::vector<std::string>& ids) { return nlohmann::json(ids).dump(); }

// A column the backend wrote itself; anything but an array of strings reads as none.
std::vector<std::string> PersonIdsOf(const std::string& text) {
  std::vector<std::string> ids;
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return ids;
  for (const auto& id : parsed) {
    if (id.is_string()) ids.push_back(id.get<std::string>());
  }
  return ids;
}

// The GP_LEASE_COLUMNS of a row, from column `first` on.
LeaseRecord ReadLeaseAt(const Row& q, int first) {
  LeaseRecord lease;
  lease.id = q.Text(first + 0);
  lease.host_id = q.Text(first + 1);
  lease.space_id = q.Text(first + 2);
  lease.mode = q.Text(first + 3);
  lease.state = LeaseStateOf(q.Text(first + 4));
  lease.meeting_json = q.Text(first + 5);
  lease.webex_meeting_id = q.Text(first + 6);
  lease.host_membership_id = q.Text(first + 7);
  lease.added_person_ids = PersonIdsOf(q.Text(first + 8));
  lease.created_at = q.Int(first + 9);
  lease.expires_at = q.Int(first + 10);
  lease.ended_at = q.Int(first + 11);
  lease.end_reason = q.Text(first + 12);
  return lease;
}

LeaseRecord ReadLease(const Row& q) { return ReadLeaseAt(q, 0); }

// GP_HOST_COLUMNS, then the GP_LEASE_COLUMNS of the lease holding the host (NULL when none does).
HostRecord ReadHost(const Row& q) {
  constexpr int kLeaseColumns = 14;
  HostRecord host;
  host.id = q.Text(0);
  host.kind = q.Text(1) == "space" ? HostKind::kSpace : HostKind::kPerson;
  host.email = q.Text(2);
  host.display_name = q.Text(3);
  host.webex_person_id = q.Text(4);
  host.webex_room_id = q.Text(5);
  host.connect_key = q.Text(6);
  host.access_token_enc = q.Bytes(7);
  host.access_expires_at = q.Int(8);
  host.refresh_token_enc = q.Bytes(9);
  host.refresh_expires_at = q.Int(10);
  host.last_leased_at = q.Int(11);
  host.created_at = q.Int(12);
  host.updated_at = q.Int(13);
  if (!q.IsNull(kLeaseColumns)) host.lease = ReadLeaseAt(q, kLeaseColumns);
  return host;
}

SessionRecord ReadSession(const Row& q) {
  SessionRecord session;
  session.id_hash = q.Text(0);
  session.role = q.Text(1);
  session.guest_id = q.OptionalText(2);
  session.admin_email = q.OptionalText(3);
  session.csrf_token = q.Text(4);
  session.created_at = q.Int(5);
  session.expires_at = q.Int(6);
  session.must_change_password = q.Bool(7);
  return session;
}

AuditRecord ReadAudit(const Row& q) {
  AuditRecord record;
  record.seq = q.Int(0);
  record.at_ms = q.Int(1);
  record.actor = q.Text(2);
  record.action = q.Text(3);
  record.target = q.Text(4);
  record.outcome = q.Text(5);
  record.detail = q.Text(6);
  return record;
}

// Runs a statement with its parameters.
Result<Rows> RunWith(Connection& connection, const Statement& statement, const auto&... args) {
  Params params;
  params.AddAll(args...);
  return connection.Run(statement, params);
}

// Runs a statement that must change a row; none changed means the row does not exist.
Result<void> ChangeOne(Connection& connection, const Statement& statement, const std::string& what,
                       const auto&... args) {
  auto rows = RunWith(connection, statement, args...);
  if (!rows) return tl::unexpected(rows.error());
  if (rows->Changed() == 0) return NotFound(what);
  return {};
}

// Runs a statement whose row count does not matter; returns how many rows it changed.
Result<int64_t> ChangeAny(Connection& connection, const Statement& statement, const auto&... args) {
  auto rows = RunWith(connection, statement, args...);
  if (!rows) return tl::unexpected(rows.error());
  return rows->Changed();
}

// Whether a query returns at least one row.
Result<bool> Exists(Connection& connection, const Statement& statement, const auto&... args) {
  auto rows = RunWith(connection, statement, args...);
  if (!rows) return tl::unexpected(rows.error());
  return rows->Count() > 0;
}

// Every row of a query, read by `read`.
template <typename Read>
auto AllRows(Connection& connection, const Statement& statement, Read read, const auto&... args)
    -> Result<std::vector<decltype(read(std::declval<const Row&>()))>> {
  auto rows = RunWith(connection, statement, args...);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<decltype(read(std::declval<const Row&>()))> read_rows;
  read_rows.reserve(rows->Count());
  for (int i = 0; i < rows->Count(); ++i) read_rows.push_back(read(rows->At(i)));
  return read_rows;
}

// The first row of a query read by `read`, or kNotFound naming `what`.
template <typename Read>
auto OneRow(Connection& connection, const Statement& statement, const std::string& what, Read read,
            const auto&... args) -> Result<decltype(read(std::declval<const Row&>()))> {
  auto rows = RunWith(connection, statement, args...);
  if (!rows) return tl::unexpected(rows.error());
  if (rows->Count() == 0) return NotFound(what);
  return read(rows->At(0));
}

std::string FirstText(const Row& q) { return q.Text(0); }
int64_t FirstInt(const Row& q) { return q.Int(0); }

Result<void> Done(const Result<int64_t>& changed) {
  if (!changed) return tl::unexpected(changed.error());
  return {};
}

// ---- Work shared by several calls, run inside the caller's transaction ----

Result<void> InsertSpace(Connection& db, const SpaceRecord& space) {
  auto inserted = ChangeAny(db, sql::kInsertSpace, space.id, space.webex_room_id, space.title, space.member_key,
                            space.created_by, space.created_at, space.last_activity, space.closed_at);
  if (!inserted) return tl::unexpected(inserted.error());
  for (size_t i = 0; i < space.member_ids.size(); ++i) {
    const std::string& guest_id = space.member_ids[i];
    std::optional<std::string> membership;
    if (auto found = space.membership_ids.find(guest_id); found != space.membership_ids.end()) {
      membership = found->second;
    }
    auto member = ChangeAny(db, sql::kInsertSpaceMember, space.id, guest_id, static_cast<int64_t>(i), membership);
    if (!member) return tl::unexpected(member.error());
  }
  return {};
}

// Closes the space if it is open and queues the removal of its guest members' Webex memberships. A
// closed space is left as it is and queues nothing.
Result<void> CloseOpenSpace(Connection& db, const std::string& space_id, int64_t at, Closure& closure) {
  auto closed = ChangeAny(db, sql::kCloseSpace, space_id, at);
  if (!closed) return tl::unexpected(closed.error());
  if (*closed == 0) return {};
  closure.closed_space_ids.push_back(space_id);
  auto queued = ChangeAny(db, sql::kQueueMembershipRemovals, space_id, at);
  if (!queued) return tl::unexpected(queued.error());
  closure.jobs_queued += *queued;
  return {};
}

Result<void> CloseOpenSpacesOf(Connection& db, const std::string& guest_id, int64_t at, Closure& closure) {
  auto ids = AllRows(db, sql::kListOpenSpaceIdsForGuest, FirstText, guest_id);
  if (!ids) return tl::unexpected(ids.error());
  for (const auto& id : *ids) {
    auto closed = CloseOpenSpace(db, id, at, closure);
    if (!closed) return closed;
  }
  return {};
}

// Disables the guest, ends their sessions and closes their open spaces.
Result<Closure> DisableOn(Connection& db, const std::string& id, int64_t at) {
  auto disabled = ChangeOne(db, sql::kSetGuestDisabled, "guest", id, true, at);
  if (!disabled) return tl::unexpected(disabled.error());
  auto ended = ChangeAny(db, sql::kDeleteSessionsForGuest, id);
  if (!ended) return tl::unexpected(ended.error());
  Closure closure;
  auto closed = CloseOpenSpacesOf(db, id, at, closure);
  if (!closed) return tl::unexpected(closed.error());
  return closure;
}

// Queues `job` (its id is ignored); returns the new id.
Result<int64_t> InsertJob(Connection& db, const WebexJob& job) {
  return OneRow(db, sql::kInsertWebexJob, "Webex job", FirstInt, KindName(job.kind), job.room_id, job.person_id,
                job.membership_id, job.space_id, job.attempts, job.next_attempt_at, job.claimed_until, job.last_error,
                job.created_at, job.lease_id, job.host_id, job.meeting_id);
}

// A kDeleteRoom job for a room whose space did not come to be, unless one is queued already.
Result<void> QueueDeleteRoom(Connection& db, const std::string& room_id, int64_t at) {
  if (room_id.empty()) return {};
  auto queued = Exists(db, sql::kDeleteRoomJobQueued, room_id);
  if (!queued) return tl::unexpected(queued.error());
  if (*queued) return {};
  WebexJob job;
  job.kind = JobKind::kDeleteRoom;
  job.room_id = room_id;
  job.next_attempt_at = at;
  job.created_at = at;
  return Done(InsertJob(db, job));
}

// The pairs normalised (first < second) without duplicates; kBadRequest for a guest paired with itself
// or a guest that does not exist.
Result<std::set<PairRecord>> CheckedPairs(Connection& db, const std::vector<PairRecord>& pairs) {
  std::set<PairRecord> checked;
  for (const auto& [first, second] : pairs) {
    if (first == second) return Fail(ErrorCode::kBadRequest, "a guest cannot be paired with itself");
    for (const auto* id : {&first, &second}) {
      auto known = Exists(db, sql::kGuestExists, *id);
      if (!known) return tl::unexpected(known.error());
      if (!*known) return Fail(ErrorCode::kBadRequest, "pair names an unknown guest '" + *id + "'");
    }
    const auto& [a, b] = std::minmax(first, second);
    checked.emplace(a, b);
  }
  return checked;
}

DirectoryChange ReadDirectoryChange(const Row& q) {
  // A row whose JSON cannot be read becomes a change that cannot chain (before == after).
  auto change = DirectoryJournal::Decode(q.Int(0), q.Int(1), q.Text(2));
  if (!change) return DirectoryChange{q.Int(1), q.Int(1), {}, {}, {}};
  return std::move(*change);
}

PairRecord ReadPair(const Row& q) { return {q.Text(0), q.Text(1)}; }

// Why a space may no longer be committed, or nullopt when it may: the intent was abandoned meanwhile, a
// member is missing or disabled, a pair of members is no longer allowed, or the member set is taken.
Result<std::optional<Error>> CommitRefusal(Connection& db, const SpaceRecord& space, const std::string& intent_id) {
  auto refuse = [](ErrorCode code, std::string reason, std::string message) -> Result<std::optional<Error>> {
    Error error{code, std::move(message)};
    error.reason = std::move(reason);
    return std::optional<Error>(std::move(error));
  };
  auto intent = Exists(db, sql::kSpaceIntentExists, intent_id);
  if (!intent) return tl::unexpected(intent.error());
  if (!*intent) {
    return refuse(ErrorCode::kConflict, "intent_gone", "the space was given up before it could be committed");
  }
  for (const auto& member : space.member_ids) {
    auto disabled = OneRow(db, sql::kGuestDisabled, "guest", FirstInt, member);
    if (!disabled && disabled.error().code != ErrorCode::kNotFound) return tl::unexpected(disabled.error());
    if (!disabled || *disabled != 0) {
      return refuse(ErrorCode::kForbidden, "member_disabled", "a member of the space is disabled or gone");
    }
  }
  for (size_t i = 0; i < space.member_ids.size(); ++i) {
    for (size_t j = i + 1; j < space.member_ids.size(); ++j) {
      const auto& [a, b] = std::minmax(space.member_ids[i], space.member_ids[j]);
      auto allowed = Exists(db, sql::kPairExists, a, b);
      if (!allowed) return tl::unexpected(allowed.error());
      if (!*allowed) {
        return refuse(ErrorCode::kForbidden, "pair_not_allowed", "a pair of members is no longer allowed");
      }
    }
  }
  auto taken = Exists(db, sql::kOpenSpaceWithKeyExists, space.member_key);
  if (!taken) return tl::unexpected(taken.error());
  if (*taken) return refuse(ErrorCode::kConflict, "member_set_taken", "an open space has these members already");
  return std::optional<Error>();
}

// The journal entry of a write to one guest: whatever it changed, the guest is named.
auto OneGuest(const std::string& id) {
  return [&id](DirectoryChange& change, const auto& /*result*/) { change.guests = {id}; };
}

}  // namespace

// ---- Connections ----

Result<std::unique_ptr<PostgresStorage>> PostgresStorage::Open(const std::string& url, const PoolOptions& options) {
  // A URL libpq cannot parse is a configuration mistake, not an outage. libpq may quote the piece it
  // could not parse, which can be the password.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string message = parse_error != nullptr ? parse_error : "out of memory";
    PQfreemem(parse_error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Fail(ErrorCode::kBadRequest, "invalid PostgreSQL URL: " + WithoutPassword(message, url));
  }
  PQconninfoFree(parsed);
  if (options.size < 1) return Fail(ErrorCode::kBadRequest, "the PostgreSQL pool needs at least one connection");
  auto pool = std::make_unique<ConnectionPool>(url, options);
  // One connection now, so that a wrong URL or a database that is down stops start-up.
  {
    auto first = pool->Acquire();
    if (!first) return tl::unexpected(first.error());
  }
  return std::unique_ptr<PostgresStorage>(new PostgresStorage(std::move(pool)));
}

template <typename Work>
auto PostgresStorage::WithConnection(Work&& work) {
  using Answer = decltype(work(std::declval<Connection&>()));
  if (NoWaiting::Refuse()) return Answer(tl::unexpected(Error{ErrorCode::kUnavailable, "storage: would wait"}));
  auto connection = pool_->Acquire();
  if (!connection) return Answer(tl::unexpected(connection.error()));
  return work(**connection);
}

template <typename Work>
auto PostgresStorage::WriteTransaction(Work&& work) {
  return WithConnection([&](Connection& db) -> decltype(work(db)) {
    auto tx = Transaction::Begin(db, /*serialise_writers=*/true);
    if (!tx) return tl::unexpected(tx.error());
    auto result = work(db);
    if (!result) return result;  // the transaction rolls back as it goes
    auto committed = tx->Commit();
    if (!committed) return tl::unexpected(committed.error());
    return result;
  });
}

template <typename Work, typename Describe>
auto PostgresStorage::JournaledWrite(Work&& work, Describe&& describe) {
  return WithConnection([&](Connection& db) -> decltype(work(db)) {
    auto tx = Transaction::Begin(db, /*serialise_writers=*/true);
    if (!tx) return tl::unexpected(tx.error());
    // FOR UPDATE: a statement of another writer (one that skips the writers' lock, or another
    // build) waits in its trigger until this transaction ends, so nothing else moves the version
    // between the two reads.
    auto before = OneRow(db, sql::kLockDirectoryVersion, "directory version", FirstInt);
    if (!before) return tl::unexpected(before.error());
    auto result = work(db);
    if (!result) return result;  // the transaction rolls back as it goes
    auto after = OneRow(db, sql::kDirectoryVersion, "directory version", FirstInt);
    if (!after) return tl::unexpected(after.error());
    DirectoryChange change;
    change.before = *before;
    change.after = *after;
    describe(change, result);
    if (change.after > change.before) {
      // For the other processes and instances, in the same transaction as the change itself.
      auto kept = ChangeAny(db, sql::kInsertDirectoryChange, change.after, change.before,
                            DirectoryJournal::Encode(change));
      if (!kept) return tl::unexpected(kept.error());
      auto pruned = ChangeAny(db, sql::kPruneDirectoryChanges,
                              change.after - static_cast<int64_t>(DirectoryJournal::kCapacity));
      if (!pruned) return tl::unexpected(pruned.error());
    }
    auto committed = tx->Commit();
    if (!committed) return tl::unexpected(committed.error());
    journal_.Record(std::move(change));
    return result;
  });
}

template <typename Work>
auto PostgresStorage::AtomicWrite(Work&& work) {
  return WithConnection([&](Connection& db) -> decltype(work(db)) {
    auto tx = Transaction::Begin(db, /*serialise_writers=*/false);
    if (!tx) return tl::unexpected(tx.error());
    auto result = work(db);
    if (!result) return result;
    auto committed = tx->Commit();
    if (!committed) return tl::unexpected(committed.error());
    return result;
  });
}

template <typename Work>
auto PostgresStorage::ReadSnapshot(Work&& work) {
  return WithConnection([&](Connection& db) -> decltype(work(db)) {
    auto tx = Transaction::BeginRead(db);
    if (!tx) return tl::unexpected(tx.error());
    auto result = work(db);
    if (!result) return result;
    auto ended = tx->Commit();
    if (!ended) return tl::unexpected(ended.error());
    return result;
  });
}

// ---- Migrations ----

namespace {

// 0 while schema_migrations does not exist (before the first migration).
Result<int> SchemaVersionOn(Connection& db) {
  auto exists = OneRow(db, sql::kMigrationsTableExists, "schema_migrations", [](const Row& q) { return q.Bool(0); });
  if (!exists) return tl::unexpected(exists.error());
  if (!*exists) return 0;
  auto version = OneRow(db, sql::kSchemaVersion, "schema version", FirstInt);
  if (!version) return tl::unexpected(version.error());
  return static_cast<int>(*version);
}

}  // namespace

Result<int> PostgresStorage::SchemaVersion() { return WithConnection(SchemaVersionOn); }

Result<int> PostgresStorage::Migrate() {
  // The migration lock is taken before the version is read, so two instances starting together apply
  // each migration once: the second waits, then reads the version the first committed.
  return WithConnection([](Connection& db) -> Result<int> {
    auto tx = Transaction::Begin(db, /*serialise_writers=*/false);
    if (!tx) return tl::unexpected(tx.error());
    auto locked = db.Execute("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")", "migration lock");
    if (!locked) return tl::unexpected(locked.error());
    auto created = db.Execute(sql::kCreateMigrationsTable.sql, sql::kCreateMigrationsTable.name);
    if (!created) return tl::unexpected(created.error());
    auto current = SchemaVersionOn(db);
    if (!current) return tl::unexpected(current.error());
    auto pending = PendingMigrations(EmbeddedMigrations("postgres"), *current);
    if (!pending) return tl::unexpected(pending.error());
    int version = *current;
    for (const auto& migration : *pending) {
      auto applied = db.Execute(migration.sql, "migration " + std::to_string(migration.version));
      if (!applied) return tl::unexpected(applied.error());
      auto recorded = ChangeAny(db, sql::kRecordMigration, migration.version, migration.name);
      if (!recorded) return tl::unexpected(recorded.error());
      version = migration.version;
    }
    auto committed = tx->Commit();
    if (!committed) return tl::unexpected(committed.error());
    return version;
  });
}

Result<void> PostgresStorage::Ping() {
  return WithConnection([](Connection& db) -> Result<void> {
    auto row = Exists(db, sql::kPing);
    if (!row) return tl::unexpected(row.error());
    return {};
  });
}

Result<DirectoryDelta> PostgresStorage::DirectoryChangesSince(int64_t since) {
  auto now = WithConnection([](Connection& db) {
    return OneRow(db, sql::kDirectoryVersion, "directory version", FirstInt);
  });
  if (!now) return tl::unexpected(now.error());
  DirectoryDelta delta{*now, journal_.Since(since, *now)};
  if (delta.changes || since < 0 || since > *now) return delta;
  // Not all this process's own: the changes other instances journaled, when none is missing. Every
  // change up to `now` has committed: the version row's lock orders the writers' commits.
  auto rows = WithConnection([&](Connection& db) {
    return AllRows(db, sql::kListDirectoryChanges, ReadDirectoryChange, since, *now);
  });
  if (!rows) return tl::unexpected(rows.error());
  delta.changes = DirectoryJournal::Chain(std::move(*rows), since, *now);
  return delta;
}

Result<DataVersion> PostgresStorage::Version() {
  // The current snapshot, "xmin:xmax:xip,...": xmax is one past the newest transaction id that has
  // ended, and xip lists the ones still running. A transaction that writes gets an id, so its commit
  // either moves xmax past it or takes it out of xip: any commit by anyone, after this snapshot was
  // taken, makes every later snapshot differ from it. Reads get no id and change nothing, and a later
  // snapshot never sees less than an earlier one. So a cache that reads Version() first and then the
  // data (on any connection) may keep that data under this version: the data is at least as new, and a
  // commit after it changes the version. The snapshot covers the whole cluster, so a commit in another
  // database moves it too: a needless cache miss, never a stale hit.
  //
  // Every read of a cached page asks this, so callers at the same time share a query: a caller takes
  // the answer of a query that started after it called (one already running when it came may have
  // taken its snapshot before a commit the caller has seen, so it waits for the next). That keeps the
  // guarantee above and makes the database answer once per round trip, however many readers wait.
  std::optional<DataVersion>* memo = VersionMemo::Current();
  if (memo != nullptr && *memo) return **memo;
  if (NoWaiting::Refuse()) return Fail(ErrorCode::kUnavailable, "storage: would wait");
  std::unique_lock lock(version_mutex_);
  const uint64_t needed = version_queries_started_ + 1;
  while (version_queries_done_ < needed) {
    if (version_query_running_) {
      version_read_.wait(lock);
      continue;
    }
    version_query_running_ = true;
    const uint64_t query = ++version_queries_started_;
    lock.unlock();
    auto read = ReadVersion();
    lock.lock();
    last_version_ = std::move(read);
    version_queries_done_ = query;
    version_query_running_ = false;
    version_read_.notify_all();
  }
  Result<DataVersion> answer = last_version_;
  lock.unlock();
  if (answer && memo != nullptr) *memo = *answer;
  return answer;
}

Result<DataVersion> PostgresStorage::ReadVersion() {
  return WithConnection([](Connection& db) -> Result<DataVersion> {
    auto snapshot = OneRow(db, sql::kDataVersion, "data version", FirstText);
    if (!snapshot) return tl::unexpected(snapshot.error());
    DataVersion version;
    version.snapshot = std::move(*snapshot);
    return version;
  });
}

// ---- Guests ----

Result<void> PostgresStorage::CreateGuest(const GuestRecord& guest) {
  return JournaledWrite(
      [&](Connection& db) {
        return Done(ChangeAny(db, sql::kInsertGuest, guest.id, guest.username, guest.display_name,
                              guest.password_hash, guest.disabled, guest.webex_person_id,
                              guest.created_at, guest.updated_at, guest.must_change_password,
                              guest.expires_at));
      },
      OneGuest(guest.id));
}

Result<GuestRecord> PostgresStorage::GetGuest(const std::string& id) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kGetGuest, "guest", ReadGuest, id); });
}

Result<GuestRecord> PostgresStorage::FindGuestByUsername(const std::string& username) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kFindGuestByUsername, "guest", ReadGuest, username); });
}

Result<std::vector<GuestRecord>> PostgresStorage::ListGuests() {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListGuests, ReadGuest); });
}

Result<void> PostgresStorage::SetGuestDisplayName(const std::string& id, const std::string& display_name, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) {
        return ChangeOne(db, sql::kSetGuestDisplayName, "guest", id, display_name, at);
      },
      OneGuest(id));
}

Result<void> PostgresStorage::SetGuestPassword(const std::string& id, const std::string& password_hash, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) -> Result<void> {
        auto set = ChangeOne(db, sql::kSetGuestPassword, "guest", id, password_hash, at);
        if (!set) return set;
        return Done(ChangeAny(db, sql::kDeleteSessionsForGuest, id));
      },
      OneGuest(id));
}

Result<bool> PostgresStorage::RehashGuestPassword(const std::string& id, const std::string& expected,
                                                const std::string& password_hash, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) -> Result<bool> {
        auto written = ChangeAny(db, sql::kRehashGuestPassword, id, expected, password_hash, at);
        if (!written) return tl::unexpected(written.error());
        if (*written > 0) return true;
        auto known = Exists(db, sql::kGuestExists, id);
        if (!known) return tl::unexpected(known.error());
        if (!*known) return NotFound("guest");
        return false;
      },
      OneGuest(id));
}

Result<void> PostgresStorage::SetGuestPersonId(const std::string& id, const std::string& webex_person_id, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) {
        return ChangeOne(db, sql::kSetGuestPersonId, "guest", id, webex_person_id, at);
      },
      OneGuest(id));
}

Result<void> PostgresStorage::SetGuestMustChangePassword(const std::string& id, bool must_change, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) {
        return ChangeOne(db, sql::kSetGuestMustChangePassword, "guest", id, must_change, at);
      },
      OneGuest(id));
}

Result<void> PostgresStorage::SetGuestExpiry(const std::string& id, std::optional<int64_t> expires_at, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) {
        return ChangeOne(db, sql::kSetGuestExpiry, "guest", id, expires_at, at);
      },
      OneGuest(id));
}

Result<void> PostgresStorage::ChangeGuestPassword(const std::string& id, const std::string& password_hash,
                                        const std::string& keep_session, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) -> Result<void> {
        auto set = ChangeOne(db, sql::kChangeGuestPassword, "guest", id, password_hash, at);
        if (!set) return set;
        return Done(ChangeAny(db, sql::kDeleteOtherSessionsForGuest, id, keep_session));
      },
      OneGuest(id));
}

Result<std::vector<GuestRecord>> PostgresStorage::ListExpiredGuests(int64_t now) {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListExpiredGuests, ReadGuest, now); });
}

Result<void> PostgresStorage::EnableGuest(const std::string& id, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) { return ChangeOne(db, sql::kSetGuestDisabled, "guest", id, false, at); },
      OneGuest(id));
}

Result<Closure> PostgresStorage::DisableGuest(const std::string& id, int64_t at) {
  return JournaledWrite([&](Connection& db) { return DisableOn(db, id, at); }, OneGuest(id));
}

Result<Closure> PostgresStorage::DeleteGuest(const std::string& id, int64_t at) {
  return JournaledWrite(
      [&](Connection& db) -> Result<Closure> {
        // The spaces are closed while the guest's person id can still be read for the membership
        // jobs.
        auto closure = DisableOn(db, id, at);
        if (!closure) return closure;
        // Pairs, sessions and the guest token go with the row (ON DELETE CASCADE); space members
        // stay.
        auto deleted = ChangeOne(db, sql::kDeleteGuest, "guest", id);
        if (!deleted) return tl::unexpected(deleted.error());
        return closure;
      },
      OneGuest(id));
}

// ---- Allowed pairs ----

Result<std::vector<PairRecord>> PostgresStorage::ListPairs() {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListPairs, ReadPair); });
}

Result<Closure> PostgresStorage::ReplacePairs(const std::vector<PairRecord>& pairs, int64_t at) {
  std::vector<PairRecord> added;
  std::vector<PairRecord> removed;
  auto work = [&](Connection& db) -> Result<Closure> {
    auto after = CheckedPairs(db, pairs);
    if (!after) return tl::unexpected(after.error());
    auto before = AllRows(db, sql::kListPairs, ReadPair);
    if (!before) return tl::unexpected(before.error());
    const std::set<PairRecord> kept(before->begin(), before->end());
    std::set_difference(after->begin(), after->end(), kept.begin(), kept.end(),
                        std::back_inserter(added));
    Closure closure;
    for (const auto& pair : *before) {
      if (after->contains(pair)) continue;
      removed.push_back(pair);
      // A revoked pair: every open space that holds both guests closes.
      auto ids = AllRows(db, sql::kListOpenSpaceIdsContaining, FirstText, pair.first, pair.second);
      if (!ids) return tl::unexpected(ids.error());
      for (const auto& id : *ids) {
        auto closed = CloseOpenSpace(db, id, at, closure);
        if (!closed) return tl::unexpected(closed.error());
      }
    }
    std::sort(closure.closed_space_ids.begin(), closure.closed_space_ids.end());
    auto cleared = ChangeAny(db, sql::kDeleteAllPairs);
    if (!cleared) return tl::unexpected(cleared.error());
    for (const auto& [a, b] : *after) {
      auto inserted = ChangeAny(db, sql::kInsertPair, a, b);
      if (!inserted) return tl::unexpected(inserted.error());
    }
    return closure;
  };
  auto describe = [&](DirectoryChange& change, const auto& /*result*/) {
    change.added = std::move(added);
    change.removed = std::move(removed);
  };
  return JournaledWrite(work, describe);
}

Result<int64_t> PostgresStorage::AddPairs(const std::vector<PairRecord>& pairs) {
  std::vector<PairRecord> new_pairs;
  auto work = [&](Connection& db) -> Result<int64_t> {
    auto checked = CheckedPairs(db, pairs);
    if (!checked) return tl::unexpected(checked.error());
    int64_t added = 0;
    for (const auto& [a, b] : *checked) {
      auto inserted = ChangeAny(db, sql::kInsertPair, a, b);
      if (!inserted) return tl::unexpected(inserted.error());
      if (*inserted > 0) new_pairs.emplace_back(a, b);
      added += *inserted;
    }
    return added;
  };
  auto describe = [&](DirectoryChange& change, const auto& /*result*/) {
    change.added = std::move(new_pairs);
  };
  return JournaledWrite(work, describe);
}

Result<PairChange> PostgresStorage::ChangePairs(const std::vector<PairRecord>& add, const std::vector<PairRecord>& remove,
                                         int64_t at) {
  auto work = [&](Connection& db) -> Result<PairChange> {
    auto added = CheckedPairs(db, add);
    if (!added) return tl::unexpected(added.error());
    std::set<PairRecord> removed;
    for (const auto& [first, second] : remove) {
      if (first != second) removed.insert(std::minmax(first, second));
    }
    PairChange change;
    for (const auto& pair : removed) {
      auto deleted = ChangeAny(db, sql::kDeletePair, pair.first, pair.second);
      if (!deleted) return tl::unexpected(deleted.error());
      if (*deleted == 0) continue;
      change.removed.push_back(pair);
      // A revoked pair: every open space that holds both guests closes.
      auto ids = AllRows(db, sql::kListOpenSpaceIdsContaining, FirstText, pair.first, pair.second);
      if (!ids) return tl::unexpected(ids.error());
      for (const auto& id : *ids) {
        auto closed = CloseOpenSpace(db, id, at, change.closure);
        if (!closed) return tl::unexpected(closed.error());
      }
    }
    std::sort(change.closure.closed_space_ids.begin(), change.closure.closed_space_ids.end());
    for (const auto& pair : *added) {
      auto inserted = ChangeAny(db, sql::kInsertPair, pair.first, pair.second);
      if (!inserted) return tl::unexpected(inserted.error());
      if (*inserted > 0) change.added.push_back(pair);
    }
    return change;
  };
  auto describe = [](DirectoryChange& change, const Result<PairChange>& result) {
    change.added = result->added;
    change.removed = result->removed;
  };
  return JournaledWrite(work, describe);
}

Result<bool> PostgresStorage::IsPairAllowed(const std::string& guest_a, const std::string& guest_b) {
  auto pair = std::minmax(guest_a, guest_b);
  return WithConnection([&](Connection& db) { return Exists(db, sql::kPairExists, pair.first, pair.second); });
}

// ---- Spaces ----

namespace {

Result<void> LoadMembers(Connection& db, SpaceRecord& space) {
  auto rows = RunWith(db, sql::kListSpaceMembers, space.id);
  if (!rows) return tl::unexpected(rows.error());
  for (int i = 0; i < rows->Count(); ++i) {
    Row q = rows->At(i);
    std::string guest_id = q.Text(0);
    if (auto membership = q.OptionalText(1)) space.membership_ids.emplace(guest_id, std::move(*membership));
    if (auto name = q.OptionalText(2)) space.member_names.emplace(guest_id, std::move(*name));
    space.member_ids.push_back(std::move(guest_id));
  }
  return {};
}

// The spaces a statement selects, each with its members. Several statements: run it in a snapshot.
Result<std::vector<SpaceRecord>> SpacesWithMembers(Connection& db, const Statement& statement, const auto&... args) {
  auto spaces = AllRows(db, statement, ReadSpace, args...);
  if (!spaces) return tl::unexpected(spaces.error());
  for (auto& space : *spaces) {
    auto loaded = LoadMembers(db, space);
    if (!loaded) return tl::unexpected(loaded.error());
  }
  return spaces;
}

Result<SpaceRecord> OneSpaceWithMembers(Connection& db, const Statement& statement, const std::string& what,
                                        const std::string& key) {
  auto spaces = SpacesWithMembers(db, statement, key);
  if (!spaces) return tl::unexpected(spaces.error());
  if (spaces->empty()) return NotFound(what);
  return std::move(spaces->front());
}

}  // namespace

Result<void> PostgresStorage::CreateSpace(const SpaceRecord& space) {
  return WriteTransaction([&](Connection& db) { return InsertSpace(db, space); });
}

Result<SpaceRecord> PostgresStorage::GetSpace(const std::string& id) {
  return ReadSnapshot([&](Connection& db) { return OneSpaceWithMembers(db, sql::kGetSpace, "space", id); });
}

Result<SpaceRecord> PostgresStorage::FindOpenSpaceByMemberKey(const std::string& member_key) {
  return ReadSnapshot([&](Connection& db) {
    return OneSpaceWithMembers(db, sql::kFindOpenSpaceByMemberKey, "open space", member_key);
  });
}

Result<std::vector<SpaceRecord>> PostgresStorage::ListSpacesForGuest(const std::string& guest_id, bool include_closed) {
  // One statement for the spaces and all their members: this is every guest page's hot path.
  return WithConnection([&](Connection& db) -> Result<std::vector<SpaceRecord>> {
    auto rows = RunWith(db, sql::kListSpacesWithMembersForGuest, guest_id, include_closed);
    if (!rows) return tl::unexpected(rows.error());
    struct Member {
      int64_t position;
      std::string id;
    };
    std::vector<SpaceRecord> spaces;
    std::vector<std::vector<Member>> members;
    std::unordered_map<std::string, size_t> index;
    for (int i = 0; i < rows->Count(); ++i) {
      Row q = rows->At(i);
      std::string space_id = q.Text(0);
      auto [slot, added] = index.try_emplace(std::move(space_id), spaces.size());
      if (added) {
        spaces.push_back(ReadSpace(q));
        members.emplace_back();
      }
      SpaceRecord& space = spaces[slot->second];
      if (added) space.read_mark_ms = q.OptionalInt(11);
      std::string member = q.Text(12);
      if (auto membership = q.OptionalText(13)) space.membership_ids.emplace(member, std::move(*membership));
      if (auto name = q.OptionalText(14)) space.member_names.emplace(member, std::move(*name));
      members[slot->second].push_back({q.Int(15), std::move(member)});
    }
    for (size_t i = 0; i < spaces.size(); ++i) {
      std::sort(members[i].begin(), members[i].end(),
                [](const Member& a, const Member& b) { return a.position < b.position; });
      for (auto& member : members[i]) spaces[i].member_ids.push_back(std::move(member.id));
    }
    // The order of GP_SPACE_ORDER: most recent activity first.
    std::sort(spaces.begin(), spaces.end(), [](const SpaceRecord& a, const SpaceRecord& b) {
      return std::tie(b.last_activity, b.created_at, a.id) < std::tie(a.last_activity, a.created_at, b.id);
    });
    return spaces;
  });
}

Result<std::vector<SpaceRecord>> PostgresStorage::ListOpenSpacesContaining(const std::string& guest_a,
                                                                         const std::string& guest_b) {
  return ReadSnapshot(
      [&](Connection& db) { return SpacesWithMembers(db, sql::kListOpenSpacesContaining, guest_a, guest_b); });
}

Result<std::vector<SpaceRecord>> PostgresStorage::ListOpenSpacesForGuest(const std::string& guest_id) {
  return ReadSnapshot([&](Connection& db) { return SpacesWithMembers(db, sql::kListSpacesForGuest, guest_id, false); });
}

Result<std::vector<SpaceRecord>> PostgresStorage::ListSpaces() {
  return ReadSnapshot([&](Connection& db) { return SpacesWithMembers(db, sql::kListSpaces); });
}

Result<Closure> PostgresStorage::CloseSpace(const std::string& id, int64_t at) {
  return WriteTransaction([&](Connection& db) -> Result<Closure> {
    Closure closure;
    auto closed = CloseOpenSpace(db, id, at, closure);
    if (!closed) return tl::unexpected(closed.error());
    if (!closure.closed_space_ids.empty()) return closure;
    auto exists = Exists(db, sql::kSpaceExists, id);
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) return NotFound("space");
    return closure;
  });
}

Result<void> PostgresStorage::TouchSpace(const std::string& webex_room_id, int64_t at) {
  return WithConnection([&](Connection& db) { return ChangeOne(db, sql::kTouchSpace, "space", webex_room_id, at); });
}

// ---- Messaging ----

Result<SpaceRecord> PostgresStorage::FindSpaceByRoom(const std::string& webex_room_id) {
  return ReadSnapshot([&](Connection& db) -> Result<SpaceRecord> {
    auto spaces = SpacesWithMembers(db, sql::kFindSpaceByRoom, webex_room_id);
    if (!spaces) return tl::unexpected(spaces.error());
    if (spaces->empty()) return NotFound("space");
    return std::move(spaces->front());
  });
}

Result<GuestRecord> PostgresStorage::FindGuestByPersonId(const std::string& webex_person_id) {
  return WithConnection([&](Connection& db) -> Result<GuestRecord> {
    auto guests = AllRows(db, sql::kFindGuestByPersonId, ReadGuest, webex_person_id);
    if (!guests) return tl::unexpected(guests.error());
    if (guests->empty()) return NotFound("guest");
    return std::move(guests->front());
  });
}

Result<bool> PostgresStorage::RecordSpaceMessage(const SpaceMessage& message) {
  // Spaces are never deleted, and the last message only moves forward (a concurrent record waits for
  // the space's row and re-checks the condition on its new version): no writers' lock needed.
  return AtomicWrite([&](Connection& db) -> Result<bool> {
    auto exists = Exists(db, sql::kSpaceExists, message.space_id);
    if (!exists) return tl::unexpected(exists.error());
    if (!*exists) return NotFound("space");
    auto inserted = ChangeAny(db, sql::kInsertSpaceMessage, message.message_id, message.space_id, message.created_ms,
                              message.seen_at);
    if (!inserted) return tl::unexpected(inserted.error());
    if (*inserted == 0) return false;
    auto advanced = ChangeAny(db, sql::kAdvanceSpaceLastMessage, message.space_id, message.message_id,
                              message.created_ms, message.created_ms / 1000);
    if (!advanced) return tl::unexpected(advanced.error());
    return true;
  });
}

Result<int64_t> PostgresStorage::GetSpaceMessageTime(const std::string& space_id, const std::string& message_id) {
  return WithConnection([&](Connection& db) -> Result<int64_t> {
    auto times = AllRows(db, sql::kGetSpaceMessageTime, [](const Row& q) { return q.Int(0); }, space_id, message_id);
    if (!times) return tl::unexpected(times.error());
    if (times->empty()) return NotFound("message");
    return times->front();
  });
}

Result<int64_t> PostgresStorage::DeleteSpaceMessagesSeenBefore(int64_t seen_before) {
  return WithConnection([&](Connection& db) { return ChangeAny(db, sql::kDeleteSpaceMessagesSeenBefore, seen_before); });
}

Result<void> PostgresStorage::SetReadMark(const std::string& guest_id, const std::string& space_id,
                                        const std::string& message_id, int64_t created_ms) {
  return WithConnection([&](Connection& db) -> Result<void> {
    auto guest = Exists(db, sql::kGuestExists, guest_id);
    if (!guest) return tl::unexpected(guest.error());
    auto space = Exists(db, sql::kSpaceExists, space_id);
    if (!space) return tl::unexpected(space.error());
    if (!*guest || !*space) return Fail(ErrorCode::kBadRequest, "read mark names a missing guest or space");
    return Done(ChangeAny(db, sql::kSetReadMark, guest_id, space_id, message_id, created_ms));
  });
}

Result<void> PostgresStorage::SaveSpaceFile(const SpaceFile& file) {
  return WithConnection([&](Connection& db) -> Result<void> {
    auto space = Exists(db, sql::kSpaceExists, file.space_id);
    if (!space) return tl::unexpected(space.error());
    if (!*space) return Fail(ErrorCode::kBadRequest, "file names a missing space");
    return Done(
        ChangeAny(db, sql::kSaveSpaceFile, file.space_id, file.content_id, file.name, file.content_type, file.size));
  });
}

Result<SpaceFile> PostgresStorage::GetSpaceFile(const std::string& space_id, const std::string& content_id) {
  return WithConnection([&](Connection& db) -> Result<SpaceFile> {
    auto files = AllRows(
        db, sql::kGetSpaceFile,
        [](const Row& q) { return SpaceFile{q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Int(4)}; }, space_id,
        content_id);
    if (!files) return tl::unexpected(files.error());
    if (files->empty()) return NotFound("file");
    return std::move(files->front());
  });
}

Result<void> PostgresStorage::SetSpacePolledActivity(const std::string& space_id, const std::string& activity) {
  return WithConnection([&](Connection& db) { return ChangeOne(db, sql::kSetSpacePolledActivity, "space", space_id, activity); });
}

// ---- Space intents ----

Result<void> PostgresStorage::SaveSpaceIntent(const SpaceIntent& intent) {
  return WithConnection([&](Connection& db) {
    return Done(ChangeAny(db, sql::kInsertSpaceIntent, intent.id, intent.member_key, intent.title, intent.created_by,
                          intent.webex_room_id, intent.created_at));
  });
}

Result<void> PostgresStorage::SetSpaceIntentRoom(const std::string& intent_id, const std::string& webex_room_id) {
  return WithConnection(
      [&](Connection& db) { return ChangeOne(db, sql::kSetSpaceIntentRoom, "space intent", intent_id, webex_room_id); });
}

Result<void> PostgresStorage::CommitSpace(const SpaceRecord& space, const std::string& intent_id, int64_t at) {
  return WithConnection([&](Connection& db) -> Result<void> {
    auto tx = Transaction::Begin(db, /*serialise_writers=*/true);
    if (!tx) return tl::unexpected(tx.error());
    auto refusal = CommitRefusal(db, space, intent_id);
    if (!refusal) return tl::unexpected(refusal.error());
    auto dropped = ChangeAny(db, sql::kDeleteSpaceIntent, intent_id);
    if (!dropped) return tl::unexpected(dropped.error());
    if (*refusal) {
      // The room exists in Webex but its space may not: the refusal is committed with the work of
      // removing the room, and only then reported.
      auto queued = QueueDeleteRoom(db, space.webex_room_id, at);
      if (!queued) return queued;
      auto committed = tx->Commit();
      if (!committed) return committed;
      return tl::unexpected(std::move(**refusal));
    }
    auto inserted = InsertSpace(db, space);
    if (!inserted) return inserted;
    return tx->Commit();
  });
}

Result<void> PostgresStorage::AbandonSpaceIntent(const std::string& intent_id, int64_t at) {
  return WriteTransaction([&](Connection& db) -> Result<void> {
    auto rooms = AllRows(db, sql::kDeleteSpaceIntentReturningRoom, [](const Row& q) { return q.OptionalText(0); },
                      intent_id);
    if (!rooms) return tl::unexpected(rooms.error());
    for (const auto& room : *rooms) {
      if (!room) continue;
      auto queued = QueueDeleteRoom(db, *room, at);
      if (!queued) return queued;
    }
    return {};
  });
}

Result<void> PostgresStorage::DeleteSpaceIntent(const std::string& intent_id) {
  return WithConnection([&](Connection& db) -> Result<void> {
    auto rooms = AllRows(db, sql::kDeleteSpaceIntentReturningRoom, [](const Row& q) { return q.OptionalText(0); },
                      intent_id);
    if (!rooms) return tl::unexpected(rooms.error());
    return {};
  });
}

Result<std::vector<SpaceIntent>> PostgresStorage::ListSpaceIntents(int64_t created_before) {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListSpaceIntents, ReadIntent, created_before); });
}

Result<bool> PostgresStorage::IsKnownRoom(const std::string& webex_room_id) {
  return WithConnection([&](Connection& db) -> Result<bool> {
    auto known = OneRow(db, sql::kIsKnownRoom, "room", FirstInt, webex_room_id);
    if (!known) return tl::unexpected(known.error());
    return *known != 0;
  });
}

// ---- Webex jobs ----

Result<int64_t> PostgresStorage::QueueWebexJob(const WebexJob& job) {
  return WithConnection([&](Connection& db) { return InsertJob(db, job); });
}

Result<std::vector<WebexJob>> PostgresStorage::ClaimWebexJobs(int64_t now, int64_t lease_seconds, int limit) {
  if (limit <= 0) return std::vector<WebexJob>();
  // One statement that locks the jobs it picks and skips those another claimer holds (see
  // sql::kClaimWebexJobs): two workers, or two processes, never claim one job.
  return WithConnection([&](Connection& db) -> Result<std::vector<WebexJob>> {
    auto jobs = AllRows(db, sql::kClaimWebexJobs, ReadJob, now, now + lease_seconds, limit);
    if (!jobs) return jobs;
    std::sort(jobs->begin(), jobs->end(), [](const WebexJob& a, const WebexJob& b) { return a.id < b.id; });
    return jobs;
  });
}

Result<void> PostgresStorage::CompleteWebexJob(int64_t id) {
  return WriteTransaction([&](Connection& db) -> Result<void> {
    auto leases = AllRows(db, sql::kDeleteWebexJobReturningLease, FirstText, id);
    if (!leases) return tl::unexpected(leases.error());
    if (leases->empty()) return NotFound("Webex job");
    const std::string& lease_id = leases->front();
    if (lease_id.empty()) return {};
    // The last job of an ending lease frees its host.
    return Done(ChangeAny(db, sql::kDeleteEndedLease, lease_id));
  });
}

Result<int64_t> PostgresStorage::ReleaseWebexJobClaims() {
  return WithConnection([&](Connection& db) { return ChangeAny(db, sql::kReleaseWebexJobClaims); });
}

Result<void> PostgresStorage::RetryWebexJob(int64_t id, int64_t next_attempt_at, const std::string& error) {
  return WithConnection([&](Connection& db) { return ChangeOne(db, sql::kRetryWebexJob, "Webex job", id, next_attempt_at, error); });
}

Result<std::vector<WebexJob>> PostgresStorage::ListWebexJobs() {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListWebexJobs, ReadJob); });
}

// ---- Meeting hosts ----

Result<void> PostgresStorage::CreateHost(const HostRecord& host) {
  return WithConnection([&](Connection& db) {
    return Done(ChangeAny(db, sql::kInsertHost, host.id, HostKindName(host.kind), host.email, host.display_name,
                          host.webex_person_id, host.webex_room_id, host.connect_key, Blob{host.access_token_enc},
                          host.access_expires_at, Blob{host.refresh_token_enc}, host.refresh_expires_at,
                          host.last_leased_at, host.created_at, host.updated_at));
  });
}

Result<HostRecord> PostgresStorage::GetHost(const std::string& id) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kGetHost, "host", ReadHost, id); });
}

Result<std::vector<HostRecord>> PostgresStorage::ListHosts() {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListHosts, ReadHost); });
}

Result<void> PostgresStorage::SaveHostTokens(const HostRecord& host) {
  // Under the writers' lock: whether a host is connected is what TakeLease chooses by.
  return WriteTransaction([&](Connection& db) {
    return ChangeOne(db, sql::kSaveHostTokens, "host", host.id, Blob{host.access_token_enc}, host.access_expires_at,
                     Blob{host.refresh_token_enc}, host.refresh_expires_at, host.webex_person_id, host.display_name,
                     host.updated_at);
  });
}

Result<void> PostgresStorage::DeleteHost(const std::string& id) {
  return WriteTransaction([&](Connection& db) -> Result<void> {
    auto leased = Exists(db, sql::kHostLeased, id);
    if (!leased) return tl::unexpected(leased.error());
    if (*leased) return Fail(ErrorCode::kConflict, "host_leased", "the host is lent to a meeting; end it first");
    return ChangeOne(db, sql::kDeleteHost, "host", id);
  });
}

Result<PoolStats> PostgresStorage::GetPoolStats() {
  return WithConnection([&](Connection& db) {
    return OneRow(db, sql::kPoolStats, "pool stats", [](const Row& q) {
      PoolStats stats;
      stats.free = q.Int(0);
      stats.leased = q.Int(1);
      stats.exhausted = q.Int(2);
      return stats;
    });
  });
}

// ---- Meeting leases ----

Result<LeaseRecord> PostgresStorage::TakeLease(const LeaseRecord& lease, HostKind kind) {
  // One transaction under the writers' lock, from the choice of the host to its lease row, so two takers
  // (threads or processes) never choose the same host. The host row is locked as it is chosen (a
  // locked one is skipped), and the unique indexes on leases (host; a space's starting or live lease)
  // back both up.
  return WithConnection([&](Connection& db) -> Result<LeaseRecord> {
    auto tx = Transaction::Begin(db, /*serialise_writers=*/true);
    if (!tx) return tl::unexpected(tx.error());
    auto existing = AllRows(db, sql::kGetSpaceLease, ReadLease, lease.space_id);
    if (!existing) return tl::unexpected(existing.error());
    if (!existing->empty()) return std::move(existing->front());
    auto host = AllRows(db, sql::kPickFreeHost, FirstText, HostKindName(kind));
    if (!host) return tl::unexpected(host.error());
    if (host->empty()) {
      // The exhaustion is counted, committed, and only then reported.
      auto counted = ChangeAny(db, sql::kCountPoolExhausted);
      if (!counted) return tl::unexpected(counted.error());
      auto committed = tx->Commit();
      if (!committed) return tl::unexpected(committed.error());
      return Fail(ErrorCode::kUnavailable, "pool_exhausted",
                  "Every meeting host is busy right now. Please try again in a minute.");
    }
    const std::string& host_id = host->front();
    auto inserted = ChangeAny(db, sql::kInsertLease, lease.id, host_id, lease.space_id, lease.mode, lease.meeting_json,
                              lease.webex_meeting_id, lease.host_membership_id, PersonIdsJson(lease.added_person_ids),
                              lease.created_at, lease.expires_at);
    if (!inserted) return tl::unexpected(inserted.error());
    auto stamped = ChangeAny(db, sql::kSetHostLeasedAt, host_id, lease.created_at);
    if (!stamped) return tl::unexpected(stamped.error());
    auto stored = OneRow(db, sql::kGetLease, "lease", ReadLease, lease.id);
    if (!stored) return stored;
    auto committed = tx->Commit();
    if (!committed) return tl::unexpected(committed.error());
    return stored;
  });
}

Result<LeaseRecord> PostgresStorage::GetLease(const std::string& id) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kGetLease, "lease", ReadLease, id); });
}

Result<LeaseRecord> PostgresStorage::GetSpaceLease(const std::string& space_id) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kGetSpaceLease, "lease", ReadLease, space_id); });
}

Result<std::vector<LeaseRecord>> PostgresStorage::ListLeases() {
  return WithConnection([&](Connection& db) { return AllRows(db, sql::kListLeases, ReadLease); });
}

Result<void> PostgresStorage::SaveLeaseProgress(const LeaseRecord& lease) {
  return WithConnection([&](Connection& db) {
    return ChangeOne(db, sql::kSaveLeaseProgress, "starting lease", lease.id, lease.host_membership_id,
                     PersonIdsJson(lease.added_person_ids));
  });
}

Result<bool> PostgresStorage::SetLeaseLive(const LeaseRecord& lease) {
  // An unknown lease is false too: a lease ended without jobs is gone at once.
  return WithConnection([&](Connection& db) -> Result<bool> {
    auto changed = ChangeAny(db, sql::kSetLeaseLive, lease.id, lease.meeting_json, lease.webex_meeting_id,
                             lease.expires_at);
    if (!changed) return tl::unexpected(changed.error());
    return *changed > 0;
  });
}

Result<LeaseRecord> PostgresStorage::RenewLease(const std::string& id, int64_t expires_at) {
  return WriteTransaction([&](Connection& db) -> Result<LeaseRecord> {
    auto renewed = ChangeOne(db, sql::kRenewLease, "live lease", id, expires_at);
    if (!renewed) return tl::unexpected(renewed.error());
    return OneRow(db, sql::kGetLease, "lease", ReadLease, id);
  });
}

Result<std::optional<LeaseRecord>> PostgresStorage::EndLease(const std::string& id, const std::string& reason,
                                                           int64_t at, const std::vector<WebexJob>& jobs) {
  return WriteTransaction([&](Connection& db) -> Result<std::optional<LeaseRecord>> {
    auto before = AllRows(db, sql::kGetLeaseForUpdate, ReadLease, id);
    if (!before) return tl::unexpected(before.error());
    if (before->empty() || before->front().state == LeaseState::kEnding) return std::optional<LeaseRecord>();
    auto ended = ChangeAny(db, sql::kEndLease, id, at, reason);
    if (!ended) return tl::unexpected(ended.error());
    for (const auto& job : jobs) {
      WebexJob owned = job;
      owned.lease_id = id;
      auto queued = InsertJob(db, owned);
      if (!queued) return tl::unexpected(queued.error());
    }
    if (jobs.empty()) {
      // Nothing to undo in Webex: the host is free at once.
      auto deleted = ChangeAny(db, sql::kDeleteLease, id);
      if (!deleted) return tl::unexpected(deleted.error());
    }
    return std::optional<LeaseRecord>(std::move(before->front()));
  });
}

// ---- Sessions ----

Result<void> PostgresStorage::CreateSession(const SessionRecord& session) {
  return WithConnection([&](Connection& db) {
    return Done(ChangeAny(db, sql::kInsertSession, session.id_hash, session.role, session.guest_id,
                          session.admin_email, session.csrf_token, session.created_at, session.expires_at));
  });
}

Result<SessionRecord> PostgresStorage::GetSession(const std::string& id_hash) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kGetSession, "session", ReadSession, id_hash); });
}

Result<void> PostgresStorage::DeleteSession(const std::string& id_hash) {
  return WithConnection([&](Connection& db) { return ChangeOne(db, sql::kDeleteSession, "session", id_hash); });
}

Result<void> PostgresStorage::DeleteSessionsForGuest(const std::string& guest_id) {
  return WithConnection([&](Connection& db) { return Done(ChangeAny(db, sql::kDeleteSessionsForGuest, guest_id)); });
}

Result<int64_t> PostgresStorage::DeleteExpiredSessions(int64_t now) {
  return WithConnection([&](Connection& db) { return ChangeAny(db, sql::kDeleteExpiredSessions, now); });
}

// ---- AppAdmin ----

Result<AppAdminRecord> PostgresStorage::GetAppAdmin() {
  return WithConnection([&](Connection& db) {
    return OneRow(db, sql::kGetAppAdmin, "AppAdmin", [](const Row& q) {
      AppAdminRecord admin;
      admin.person_id = q.Text(0);
      admin.email = q.Text(1);
      admin.display_name = q.Text(2);
      admin.access_token_enc = q.Bytes(3);
      admin.access_expires_at = q.Int(4);
      admin.refresh_token_enc = q.Bytes(5);
      admin.refresh_expires_at = q.Int(6);
      admin.updated_at = q.Int(7);
      return admin;
    });
  });
}

Result<void> PostgresStorage::SaveAppAdmin(const AppAdminRecord& admin) {
  return WithConnection([&](Connection& db) {
    return Done(ChangeAny(db, sql::kSaveAppAdmin, admin.person_id, admin.email, admin.display_name,
                          Blob{admin.access_token_enc}, admin.access_expires_at, Blob{admin.refresh_token_enc},
                          admin.refresh_expires_at, admin.updated_at));
  });
}

Result<void> PostgresStorage::DeleteAppAdmin() {
  return WithConnection([&](Connection& db) { return ChangeOne(db, sql::kDeleteAppAdmin, "AppAdmin"); });
}

// ---- Guest tokens ----

Result<GuestTokenRecord> PostgresStorage::GetGuestToken(const std::string& guest_id) {
  return WithConnection([&](Connection& db) {
    return OneRow(db, sql::kGetGuestToken, "guest token",
                  [](const Row& q) { return GuestTokenRecord{q.Text(0), q.Bytes(1), q.Int(2)}; }, guest_id);
  });
}

Result<void> PostgresStorage::SaveGuestToken(const GuestTokenRecord& token) {
  return WithConnection([&](Connection& db) {
    return Done(ChangeAny(db, sql::kSaveGuestToken, token.guest_id, Blob{token.token_enc}, token.expires_at));
  });
}

Result<void> PostgresStorage::DeleteGuestToken(const std::string& guest_id) {
  return WithConnection([&](Connection& db) { return ChangeOne(db, sql::kDeleteGuestToken, "guest token", guest_id); });
}

// ---- OAuth states ----

Result<void> PostgresStorage::SaveOAuthState(const OAuthStateRecord& state) {
  return WithConnection([&](Connection& db) {
    return Done(ChangeAny(db, sql::kInsertOAuthState, state.state, state.code_verifier, state.purpose,
                          state.created_at, state.expires_at));
  });
}

Result<OAuthStateRecord> PostgresStorage::TakeOAuthState(const std::string& state, int64_t now) {
  // A state is deleted by one taker only (a second waits for the row, then finds it gone).
  auto taken = AtomicWrite([&](Connection& db) -> Result<std::vector<OAuthStateRecord>> {
    auto rows = AllRows(
        db, sql::kDeleteOAuthStateReturning,
        [](const Row& q) {
          OAuthStateRecord record;
          record.state = q.Text(0);
          record.code_verifier = q.Text(1);
          record.purpose = q.Text(2);
          record.created_at = q.Int(3);
          record.expires_at = q.Int(4);
          return record;
        },
        state);
    if (!rows) return rows;
    // Abandoned sign-ins would otherwise pile up; sweeping here keeps the table to live states.
    auto swept = ChangeAny(db, sql::kDeleteExpiredOAuthStates, now);
    if (!swept) return tl::unexpected(swept.error());
    return rows;
  });
  if (!taken) return tl::unexpected(taken.error());
  if (taken->empty() || taken->front().expires_at <= now) return NotFound("OAuth state");
  return std::move(taken->front());
}

Result<int64_t> PostgresStorage::DeleteExpiredOAuthStates(int64_t now) {
  return WithConnection([&](Connection& db) { return ChangeAny(db, sql::kDeleteExpiredOAuthStates, now); });
}

Result<int64_t> PostgresStorage::CountOAuthStates() {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kCountOAuthStates, "OAuth state count", FirstInt); });
}

// ---- Audit ----

Result<int64_t> PostgresStorage::AppendAudit(const AuditRecord& record) {
  return WithConnection([&](Connection& db) -> Result<int64_t> {
    return OneRow(db, sql::kInsertAudit, "audit record", FirstInt, record.at_ms, record.actor, record.action,
                  record.target, record.outcome, record.detail);
  });
}

Result<std::vector<AuditRecord>> PostgresStorage::ListAudit(const AuditFilter& filter) {
  int64_t limit = std::clamp(filter.limit, 1, AuditFilter::kMaxLimit);
  return WithConnection([&](Connection& db) {
    return AllRows(db, sql::kListAudit, ReadAudit, filter.action, filter.actor, filter.since_ms, filter.until_ms,
                   filter.before_seq, limit, filter.target);
  });
}

Result<int64_t> PostgresStorage::DeleteAuditBefore(int64_t before_ms, int64_t max_rows) {
  if (max_rows <= 0) return 0;
  return WithConnection([&](Connection& db) { return ChangeAny(db, sql::kDeleteAuditBefore, before_ms, max_rows); });
}

// ---- Runners ----

Result<bool> PostgresStorage::TakeRunner(const std::string& task, const std::string& instance, int64_t now,
                                         int64_t expires_at) {
  return WithConnection([&](Connection& db) -> Result<bool> {
    auto changed = ChangeAny(db, sql::kTakeRunner, task, instance, now, expires_at);
    if (!changed) return tl::unexpected(changed.error());
    return *changed == 1;
  });
}

Result<void> PostgresStorage::ReleaseRunner(const std::string& task, const std::string& instance) {
  return WithConnection([&](Connection& db) { return Done(ChangeAny(db, sql::kReleaseRunner, task, instance)); });
}

Result<std::vector<RunnerRecord>> PostgresStorage::ListRunners() {
  return WithConnection([&](Connection& db) {
    return AllRows(db, sql::kListRunners, [](const Row& row) { return RunnerRecord{row.Text(0), row.Text(1), row.Int(2)}; });
  });
}

// ---- Settings ----

Result<std::string> PostgresStorage::GetSetting(const std::string& key) {
  return WithConnection([&](Connection& db) { return OneRow(db, sql::kGetSetting, "setting '" + key + "'", FirstText, key); });
}

Result<void> PostgresStorage::PutSetting(const std::string& key, const std::string& value) {
  return WithConnection([&](Connection& db) { return Done(ChangeAny(db, sql::kPutSetting, key, value)); });
}

}  // namespace gp::storage::postgres
