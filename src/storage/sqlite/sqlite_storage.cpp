#include "storage/sqlite/sqlite_storage.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "storage/migrations.hpp"
#include "storage/sqlite/statements.hpp"

namespace gp::storage::sqlite {

namespace {

using Lock = std::lock_guard<std::mutex>;

constexpr int kBusyTimeoutMs = 5000;

tl::unexpected<Error> NotFound(const std::string& what) { return Fail(ErrorCode::kNotFound, what + " not found"); }

GuestRecord ReadGuest(const Query& q) {
  GuestRecord guest;
  guest.id = q.Text(0);
  guest.username = q.Text(1);
  guest.display_name = q.Text(2);
  guest.password_hash = q.Text(3);
  guest.disabled = q.Bool(4);
  guest.webex_person_id = q.OptionalText(5);
  guest.created_at = q.Int(6);
  guest.updated_at = q.Int(7);
  return guest;
}

SpaceRecord ReadSpace(const Query& q) {
  SpaceRecord space;
  space.id = q.Text(0);
  space.webex_room_id = q.Text(1);
  space.title = q.Text(2);
  space.member_key = q.Text(3);
  space.created_by = q.Text(4);
  space.created_at = q.Int(5);
  space.last_activity = q.Int(6);
  space.closed_at = q.OptionalInt(7);
  return space;
}

SessionRecord ReadSession(const Query& q) {
  SessionRecord session;
  session.id_hash = q.Text(0);
  session.role = q.Text(1);
  session.guest_id = q.OptionalText(2);
  session.admin_email = q.OptionalText(3);
  session.csrf_token = q.Text(4);
  session.created_at = q.Int(5);
  session.expires_at = q.Int(6);
  return session;
}

AuditRecord ReadAudit(const Query& q) {
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

// Runs a statement that must change a row; none changed means the row does not exist.
Result<void> ChangeOne(Connection& connection, const Statement& statement, const std::string& what,
                       const auto&... args) {
  auto q = connection.Prepare(statement);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(args...);
  auto changed = q->Run();
  if (!changed) return tl::unexpected(changed.error());
  if (*changed == 0) return NotFound(what);
  return {};
}

// Runs a statement whose row count does not matter.
Result<int64_t> ChangeAny(Connection& connection, const Statement& statement, const auto&... args) {
  auto q = connection.Prepare(statement);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(args...);
  return q->Run();
}

// Whether a query returns at least one row.
Result<bool> Exists(Connection& connection, const Statement& statement, const auto&... args) {
  auto q = connection.Prepare(statement);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(args...);
  return q->Step();
}

}  // namespace

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(const std::string& path) {
  auto connection = Connection::Open(path);
  if (!connection) return tl::unexpected(connection.error());
  Connection& db = **connection;
  // WAL lets readers (a CLI command, a backup) run beside the server; NORMAL sync is durable in WAL
  // mode except for the last transactions on power loss.
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs) + ";";
  if (path != ":memory:") pragmas += " PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
  auto configured = db.Execute(pragmas, "configure");
  if (!configured) return tl::unexpected(configured.error());
  return std::unique_ptr<SqliteStorage>(new SqliteStorage(std::move(*connection)));
}

// ---- Migrations ----

Result<int> SqliteStorage::SchemaVersionLocked() {
  auto created = ChangeAny(*connection_, sql::kCreateMigrationsTable);
  if (!created) return tl::unexpected(created.error());
  auto q = connection_->Prepare(sql::kSchemaVersion);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Step();
  if (!row) return tl::unexpected(row.error());
  return static_cast<int>(q->Int(0));
}

Result<int> SqliteStorage::SchemaVersion() {
  Lock lock(mutex_);
  return SchemaVersionLocked();
}

Result<int> SqliteStorage::Migrate() {
  Lock lock(mutex_);
  // The write lock is taken before reading the version, so two processes migrating at once apply each
  // migration once.
  auto tx = Transaction::Begin(*connection_);
  if (!tx) return tl::unexpected(tx.error());
  auto current = SchemaVersionLocked();
  if (!current) return tl::unexpected(current.error());
  auto pending = PendingMigrations(EmbeddedMigrations("sqlite"), *current);
  if (!pending) return tl::unexpected(pending.error());
  int version = *current;
  for (const auto& migration : *pending) {
    auto applied = connection_->Execute(migration.sql, "migration " + std::to_string(migration.version));
    if (!applied) return tl::unexpected(applied.error());
    auto recorded = ChangeAny(*connection_, sql::kRecordMigration, migration.version, migration.name);
    if (!recorded) return tl::unexpected(recorded.error());
    version = migration.version;
  }
  auto committed = tx->Commit();
  if (!committed) return tl::unexpected(committed.error());
  return version;
}

Result<void> SqliteStorage::Ping() {
  Lock lock(mutex_);
  auto row = Exists(*connection_, sql::kPing);
  if (!row) return tl::unexpected(row.error());
  return {};
}

Result<DataVersion> SqliteStorage::Version() {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kDataVersion);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Step();
  if (!row) return tl::unexpected(row.error());
  return DataVersion{q->Int(0), connection_->TotalChanges()};
}

// ---- Guests ----

Result<void> SqliteStorage::CreateGuest(const GuestRecord& guest) {
  Lock lock(mutex_);
  auto inserted = ChangeAny(*connection_, sql::kInsertGuest, guest.id, guest.username, guest.display_name,
                            guest.password_hash, guest.disabled, guest.webex_person_id, guest.created_at,
                            guest.updated_at);
  if (!inserted) return tl::unexpected(inserted.error());
  return {};
}

Result<GuestRecord> SqliteStorage::GetGuest(const std::string& id) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kGetGuest);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Bind(id).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return NotFound("guest");
  return ReadGuest(*q);
}

Result<GuestRecord> SqliteStorage::FindGuestByUsername(const std::string& username) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kFindGuestByUsername);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Bind(username).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return NotFound("guest");
  return ReadGuest(*q);
}

Result<std::vector<GuestRecord>> SqliteStorage::ListGuests() {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kListGuests);
  if (!q) return tl::unexpected(q.error());
  std::vector<GuestRecord> guests;
  for (;;) {
    auto row = q->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    guests.push_back(ReadGuest(*q));
  }
  return guests;
}

Result<void> SqliteStorage::UpdateGuest(const GuestRecord& guest) {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kUpdateGuest, "guest", guest.id, guest.display_name, guest.password_hash,
                   guest.disabled, guest.webex_person_id, guest.updated_at);
}

Result<void> SqliteStorage::DeleteGuest(const std::string& id) {
  Lock lock(mutex_);
  // Pairs, sessions and the guest token go with the row (ON DELETE CASCADE).
  return ChangeOne(*connection_, sql::kDeleteGuest, "guest", id);
}

// ---- Allowed pairs ----

Result<std::vector<PairRecord>> SqliteStorage::ListPairs() {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kListPairs);
  if (!q) return tl::unexpected(q.error());
  std::vector<PairRecord> pairs;
  for (;;) {
    auto row = q->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    pairs.emplace_back(q->Text(0), q->Text(1));
  }
  return pairs;
}

Result<void> SqliteStorage::ReplacePairs(const std::vector<PairRecord>& pairs) {
  Lock lock(mutex_);
  auto tx = Transaction::Begin(*connection_);
  if (!tx) return tl::unexpected(tx.error());
  auto cleared = ChangeAny(*connection_, sql::kDeleteAllPairs);
  if (!cleared) return tl::unexpected(cleared.error());
  for (const auto& [first, second] : pairs) {
    if (first == second) return Fail(ErrorCode::kBadRequest, "a guest cannot be paired with itself");
    for (const auto* id : {&first, &second}) {
      auto known = Exists(*connection_, sql::kGuestExists, *id);
      if (!known) return tl::unexpected(known.error());
      if (!*known) return Fail(ErrorCode::kBadRequest, "pair names an unknown guest '" + *id + "'");
    }
    const auto& [a, b] = std::minmax(first, second);
    auto inserted = ChangeAny(*connection_, sql::kInsertPair, a, b);
    if (!inserted) return tl::unexpected(inserted.error());
  }
  return tx->Commit();
}

Result<bool> SqliteStorage::IsPairAllowed(const std::string& guest_a, const std::string& guest_b) {
  Lock lock(mutex_);
  const auto& [a, b] = std::minmax(guest_a, guest_b);
  return Exists(*connection_, sql::kPairExists, a, b);
}

// ---- Spaces ----

Result<void> SqliteStorage::LoadMembersLocked(SpaceRecord& space) {
  auto q = connection_->Prepare(sql::kListSpaceMembers);
  if (!q) return tl::unexpected(q.error());
  q->Bind(space.id);
  for (;;) {
    auto row = q->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    std::string guest_id = q->Text(0);
    if (auto membership = q->OptionalText(1)) space.membership_ids.emplace(guest_id, std::move(*membership));
    if (auto name = q->OptionalText(2)) space.member_names.emplace(guest_id, std::move(*name));
    space.member_ids.push_back(std::move(guest_id));
  }
  return {};
}

Result<std::vector<SpaceRecord>> SqliteStorage::ListSpacesLocked(Query& query) {
  std::vector<SpaceRecord> spaces;
  for (;;) {
    auto row = query.Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    spaces.push_back(ReadSpace(query));
  }
  for (auto& space : spaces) {
    auto loaded = LoadMembersLocked(space);
    if (!loaded) return tl::unexpected(loaded.error());
  }
  return spaces;
}

Result<SpaceRecord> SqliteStorage::OneSpaceLocked(Query& query, const std::string& what) {
  auto spaces = ListSpacesLocked(query);
  if (!spaces) return tl::unexpected(spaces.error());
  if (spaces->empty()) return NotFound(what);
  return std::move(spaces->front());
}

Result<void> SqliteStorage::CreateSpace(const SpaceRecord& space) {
  Lock lock(mutex_);
  auto tx = Transaction::Begin(*connection_);
  if (!tx) return tl::unexpected(tx.error());
  auto inserted = ChangeAny(*connection_, sql::kInsertSpace, space.id, space.webex_room_id, space.title,
                            space.member_key, space.created_by, space.created_at, space.last_activity,
                            space.closed_at);
  if (!inserted) return tl::unexpected(inserted.error());
  for (size_t i = 0; i < space.member_ids.size(); ++i) {
    const std::string& guest_id = space.member_ids[i];
    std::optional<std::string> membership;
    if (auto found = space.membership_ids.find(guest_id); found != space.membership_ids.end()) {
      membership = found->second;
    }
    auto member = ChangeAny(*connection_, sql::kInsertSpaceMember, space.id, guest_id, static_cast<int64_t>(i),
                            membership);
    if (!member) return tl::unexpected(member.error());
  }
  return tx->Commit();
}

Result<SpaceRecord> SqliteStorage::GetSpace(const std::string& id) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kGetSpace);
  if (!q) return tl::unexpected(q.error());
  q->Bind(id);
  return OneSpaceLocked(*q, "space");
}

Result<SpaceRecord> SqliteStorage::FindOpenSpaceByMemberKey(const std::string& member_key) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kFindOpenSpaceByMemberKey);
  if (!q) return tl::unexpected(q.error());
  q->Bind(member_key);
  return OneSpaceLocked(*q, "open space");
}

Result<std::vector<SpaceRecord>> SqliteStorage::ListSpacesForGuest(const std::string& guest_id, bool include_closed) {
  Lock lock(mutex_);
  // One statement for the spaces and all their members: this is every guest page's hot path.
  auto q = connection_->Prepare(sql::kListSpacesWithMembersForGuest);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(guest_id, include_closed);
  struct Member {
    int64_t position;
    std::string id;
  };
  std::vector<SpaceRecord> spaces;
  std::vector<std::vector<Member>> members;
  std::unordered_map<std::string, size_t> index;
  for (;;) {
    auto row = q->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    std::string space_id = q->Text(0);
    auto [slot, added] = index.try_emplace(std::move(space_id), spaces.size());
    if (added) {
      spaces.push_back(ReadSpace(*q));
      members.emplace_back();
    }
    SpaceRecord& space = spaces[slot->second];
    std::string member = q->Text(8);
    if (auto membership = q->OptionalText(9)) space.membership_ids.emplace(member, std::move(*membership));
    if (auto name = q->OptionalText(10)) space.member_names.emplace(member, std::move(*name));
    members[slot->second].push_back({q->Int(11), std::move(member)});
  }
  for (size_t i = 0; i < spaces.size(); ++i) {
    std::sort(members[i].begin(), members[i].end(), [](const Member& a, const Member& b) { return a.position < b.position; });
    for (auto& member : members[i]) spaces[i].member_ids.push_back(std::move(member.id));
  }
  // The order of GP_SPACE_ORDER: most recent activity first.
  std::sort(spaces.begin(), spaces.end(), [](const SpaceRecord& a, const SpaceRecord& b) {
    return std::tie(b.last_activity, b.created_at, a.id) < std::tie(a.last_activity, a.created_at, b.id);
  });
  return spaces;
}

Result<std::vector<SpaceRecord>> SqliteStorage::ListOpenSpacesContaining(const std::string& guest_a,
                                                                         const std::string& guest_b) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kListOpenSpacesContaining);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(guest_a, guest_b);
  return ListSpacesLocked(*q);
}

Result<std::vector<SpaceRecord>> SqliteStorage::ListOpenSpacesForGuest(const std::string& guest_id) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kListSpacesForGuest);
  if (!q) return tl::unexpected(q.error());
  q->BindAll(guest_id, false);
  return ListSpacesLocked(*q);
}

Result<std::vector<SpaceRecord>> SqliteStorage::ListSpaces() {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kListSpaces);
  if (!q) return tl::unexpected(q.error());
  return ListSpacesLocked(*q);
}

Result<void> SqliteStorage::CloseSpace(const std::string& id, int64_t at) {
  Lock lock(mutex_);
  auto closed = ChangeAny(*connection_, sql::kCloseSpace, id, at);
  if (!closed) return tl::unexpected(closed.error());
  if (*closed > 0) return {};
  auto exists = Exists(*connection_, sql::kSpaceExists, id);
  if (!exists) return tl::unexpected(exists.error());
  if (!*exists) return NotFound("space");
  return {};
}

Result<void> SqliteStorage::TouchSpace(const std::string& webex_room_id, int64_t at) {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kTouchSpace, "space", webex_room_id, at);
}

Result<void> SqliteStorage::SetMembershipId(const std::string& space_id, const std::string& guest_id,
                                            const std::string& membership_id) {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kSetMembershipId, "space member", space_id, guest_id, membership_id);
}

Result<void> SqliteStorage::RemoveSpaceMember(const std::string& space_id, const std::string& guest_id) {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kDeleteSpaceMember, "space member", space_id, guest_id);
}

// ---- Sessions ----

Result<void> SqliteStorage::CreateSession(const SessionRecord& session) {
  Lock lock(mutex_);
  auto inserted = ChangeAny(*connection_, sql::kInsertSession, session.id_hash, session.role, session.guest_id,
                            session.admin_email, session.csrf_token, session.created_at, session.expires_at);
  if (!inserted) return tl::unexpected(inserted.error());
  return {};
}

Result<SessionRecord> SqliteStorage::GetSession(const std::string& id_hash) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kGetSession);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Bind(id_hash).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return NotFound("session");
  return ReadSession(*q);
}

Result<void> SqliteStorage::DeleteSession(const std::string& id_hash) {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kDeleteSession, "session", id_hash);
}

Result<void> SqliteStorage::DeleteSessionsForGuest(const std::string& guest_id) {
  Lock lock(mutex_);
  auto deleted = ChangeAny(*connection_, sql::kDeleteSessionsForGuest, guest_id);
  if (!deleted) return tl::unexpected(deleted.error());
  return {};
}

Result<int64_t> SqliteStorage::DeleteExpiredSessions(int64_t now) {
  Lock lock(mutex_);
  return ChangeAny(*connection_, sql::kDeleteExpiredSessions, now);
}

// ---- AppAdmin ----

Result<AppAdminRecord> SqliteStorage::GetAppAdmin() {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kGetAppAdmin);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return NotFound("AppAdmin");
  AppAdminRecord admin;
  admin.person_id = q->Text(0);
  admin.email = q->Text(1);
  admin.display_name = q->Text(2);
  admin.access_token_enc = q->Bytes(3);
  admin.access_expires_at = q->Int(4);
  admin.refresh_token_enc = q->Bytes(5);
  admin.refresh_expires_at = q->Int(6);
  admin.updated_at = q->Int(7);
  return admin;
}

Result<void> SqliteStorage::SaveAppAdmin(const AppAdminRecord& admin) {
  Lock lock(mutex_);
  auto saved = ChangeAny(*connection_, sql::kSaveAppAdmin, admin.person_id, admin.email, admin.display_name,
                         Blob{admin.access_token_enc}, admin.access_expires_at, Blob{admin.refresh_token_enc},
                         admin.refresh_expires_at, admin.updated_at);
  if (!saved) return tl::unexpected(saved.error());
  return {};
}

Result<void> SqliteStorage::DeleteAppAdmin() {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kDeleteAppAdmin, "AppAdmin");
}

// ---- Guest tokens ----

Result<GuestTokenRecord> SqliteStorage::GetGuestToken(const std::string& guest_id) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kGetGuestToken);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Bind(guest_id).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return NotFound("guest token");
  return GuestTokenRecord{q->Text(0), q->Bytes(1), q->Int(2)};
}

Result<void> SqliteStorage::SaveGuestToken(const GuestTokenRecord& token) {
  Lock lock(mutex_);
  auto saved = ChangeAny(*connection_, sql::kSaveGuestToken, token.guest_id, Blob{token.token_enc}, token.expires_at);
  if (!saved) return tl::unexpected(saved.error());
  return {};
}

Result<void> SqliteStorage::DeleteGuestToken(const std::string& guest_id) {
  Lock lock(mutex_);
  return ChangeOne(*connection_, sql::kDeleteGuestToken, "guest token", guest_id);
}

// ---- OAuth states ----

Result<void> SqliteStorage::SaveOAuthState(const OAuthStateRecord& state) {
  Lock lock(mutex_);
  auto saved = ChangeAny(*connection_, sql::kInsertOAuthState, state.state, state.code_verifier, state.created_at,
                         state.expires_at);
  if (!saved) return tl::unexpected(saved.error());
  return {};
}

Result<OAuthStateRecord> SqliteStorage::TakeOAuthState(const std::string& state, int64_t now) {
  Lock lock(mutex_);
  auto tx = Transaction::Begin(*connection_);
  if (!tx) return tl::unexpected(tx.error());
  std::optional<OAuthStateRecord> taken;
  {
    auto q = connection_->Prepare(sql::kDeleteOAuthStateReturning);
    if (!q) return tl::unexpected(q.error());
    q->Bind(state);
    for (;;) {
      auto row = q->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      taken = OAuthStateRecord{q->Text(0), q->Text(1), q->Int(2), q->Int(3)};
    }
  }
  // Abandoned sign-ins would otherwise pile up; sweeping here keeps the table to live states.
  auto swept = ChangeAny(*connection_, sql::kDeleteExpiredOAuthStates, now);
  if (!swept) return tl::unexpected(swept.error());
  auto committed = tx->Commit();
  if (!committed) return tl::unexpected(committed.error());
  if (!taken || taken->expires_at <= now) return NotFound("OAuth state");
  return std::move(*taken);
}

// ---- Audit ----

Result<int64_t> SqliteStorage::AppendAudit(const AuditRecord& record) {
  Lock lock(mutex_);
  auto inserted = ChangeAny(*connection_, sql::kInsertAudit, record.at_ms, record.actor, record.action, record.target,
                            record.outcome, record.detail);
  if (!inserted) return tl::unexpected(inserted.error());
  return connection_->LastInsertRowId();
}

Result<std::vector<AuditRecord>> SqliteStorage::ListAudit(const AuditFilter& filter) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kListAudit);
  if (!q) return tl::unexpected(q.error());
  int64_t limit = std::clamp(filter.limit, 1, AuditFilter::kMaxLimit);
  q->BindAll(filter.action, filter.actor, filter.since_ms, filter.before_seq, limit);
  std::vector<AuditRecord> records;
  for (;;) {
    auto row = q->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    records.push_back(ReadAudit(*q));
  }
  return records;
}

// ---- Settings ----

Result<std::string> SqliteStorage::GetSetting(const std::string& key) {
  Lock lock(mutex_);
  auto q = connection_->Prepare(sql::kGetSetting);
  if (!q) return tl::unexpected(q.error());
  auto row = q->Bind(key).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return NotFound("setting '" + key + "'");
  return q->Text(0);
}

Result<void> SqliteStorage::PutSetting(const std::string& key, const std::string& value) {
  Lock lock(mutex_);
  auto saved = ChangeAny(*connection_, sql::kPutSetting, key, value);
  if (!saved) return tl::unexpected(saved.error());
  return {};
}

}  // namespace gp::storage::sqlite
