#pragma once
// The PostgreSQL backend: a pool of connections (pool.hpp), every statement prepared once per connection.
//
// Concurrency. PostgreSQL runs transactions side by side (READ COMMITTED), while SQLite has one writer.
// To keep SQLite's semantics across threads and processes, every write transaction of several statements
// that reads state and writes from it (the closures, pairs, CommitSpace's re-check, guest state, spaces,
// intents, hosts, leases, the completion of a lease's jobs) first takes one transaction-level advisory
// lock (kWriterLockKey), so those run one at a time on the database, as they would in SQLite. Writes of
// one statement, atomic alone, skip it: a row's own lock and PostgreSQL's re-check of the row's new
// version keep them right (ClaimWebexJobs locks the jobs it picks and skips locked ones; read marks, last
// message and last activity only move forward). Reads take no lock; a read of several statements runs
// in one REPEATABLE READ snapshot.
//
// A lost connection fails the call in progress with kUnavailable ("database unavailable: ...") and is
// replaced on a later call; no call waits without bound (connect_timeout, TCP keepalives,
// tcp_user_timeout, statement_timeout, and a bounded wait for a free connection).

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "storage/directory_journal.hpp"
#include "storage/postgres/pool.hpp"
#include "storage/storage.hpp"

namespace gp::storage::postgres {

class PostgresStorage final : public Storage {
 public:
  // `url` goes to libpq unchanged (postgresql://USER:PASSWORD@HOST:PORT/DB?options...). Opens one
  // connection to check that the database answers: kUnavailable when it does not, kBadRequest for a URL
  // libpq cannot parse. Error messages never hold the password.
  static Result<std::unique_ptr<PostgresStorage>> Open(const std::string& url, const PoolOptions& options);

  Result<int> Migrate() override;
  Result<int> SchemaVersion() override;
  Result<void> Ping() override;
  Result<DataVersion> Version() override;
  Result<DirectoryDelta> DirectoryChangesSince(int64_t since) override;
  // How many queries Version() has sent (callers at the same time share one).
  uint64_t version_queries() const {
    std::lock_guard lock(version_mutex_);
    return version_queries_done_;
  }

  Result<void> CreateGuest(const GuestRecord& guest) override;
  Result<GuestRecord> GetGuest(const std::string& id) override;
  Result<GuestRecord> FindGuestByUsername(const std::string& username) override;
  Result<std::vector<GuestRecord>> ListGuests() override;
  Result<void> SetGuestDisplayName(const std::string& id, const std::string& display_name, int64_t at) override;
  Result<void> SetGuestPassword(const std::string& id, const std::string& password_hash, int64_t at) override;
  Result<bool> RehashGuestPassword(const std::string& id, const std::string& expected,
                                   const std::string& password_hash, int64_t at) override;
  Result<void> SetGuestPersonId(const std::string& id, const std::string& webex_person_id, int64_t at) override;
  Result<void> SetGuestMustChangePassword(const std::string& id, bool must_change, int64_t at) override;
  Result<void> SetGuestExpiry(const std::string& id, std::optional<int64_t> expires_at, int64_t at) override;
  Result<void> ChangeGuestPassword(const std::string& id, const std::string& password_hash,
                                   const std::string& keep_session, int64_t at) override;
  Result<std::vector<GuestRecord>> ListExpiredGuests(int64_t now) override;
  Result<void> EnableGuest(const std::string& id, int64_t at) override;
  Result<Closure> DisableGuest(const std::string& id, int64_t at) override;
  Result<Closure> DeleteGuest(const std::string& id, int64_t at) override;

  Result<std::vector<PairRecord>> ListPairs() override;
  Result<Closure> ReplacePairs(const std::vector<PairRecord>& pairs, int64_t at) override;
  Result<int64_t> AddPairs(const std::vector<PairRecord>& pairs) override;
  Result<PairChange> ChangePairs(const std::vector<PairRecord>& add, const std::vector<PairRecord>& remove,
                                 int64_t at) override;
  Result<bool> IsPairAllowed(const std::string& guest_a, const std::string& guest_b) override;

  Result<void> CreateSpace(const SpaceRecord& space) override;
  Result<SpaceRecord> GetSpace(const std::string& id) override;
  Result<SpaceRecord> FindOpenSpaceByMemberKey(const std::string& member_key) override;
  Result<std::vector<SpaceRecord>> ListSpacesForGuest(const std::string& guest_id, bool include_closed) override;
  Result<std::vector<SpaceRecord>> ListOpenSpacesContaining(const std::string& guest_a,
                                                            const std::string& guest_b) override;
  Result<std::vector<SpaceRecord>> ListOpenSpacesForGuest(const std::string& guest_id) override;
  Result<std::vector<SpaceRecord>> ListSpaces() override;
  Result<Closure> CloseSpace(const std::string& id, int64_t at) override;
  Result<void> TouchSpace(const std::string& webex_room_id, int64_t at) override;

  Result<SpaceRecord> FindSpaceByRoom(const std::string& webex_room_id) override;
  Result<GuestRecord> FindGuestByPersonId(const std::string& webex_person_id) override;
  Result<bool> RecordSpaceMessage(const SpaceMessage& message) override;
  Result<int64_t> GetSpaceMessageTime(const std::string& space_id, const std::string& message_id) override;
  Result<int64_t> DeleteSpaceMessagesSeenBefore(int64_t seen_before) override;
  Result<void> SetReadMark(const std::string& guest_id, const std::string& space_id, const std::string& message_id,
                           int64_t created_ms) override;
  Result<void> SaveSpaceFile(const SpaceFile& file) override;
  Result<SpaceFile> GetSpaceFile(const std::string& space_id, const std::string& content_id) override;
  Result<void> SetSpacePolledActivity(const std::string& space_id, const std::string& activity) override;

  Result<void> SaveSpaceIntent(const SpaceIntent& intent) override;
  Result<void> SetSpaceIntentRoom(const std::string& intent_id, const std::string& webex_room_id) override;
  Result<void> CommitSpace(const SpaceRecord& space, const std::string& intent_id, int64_t at) override;
  Result<void> AbandonSpaceIntent(const std::string& intent_id, int64_t at) override;
  Result<void> DeleteSpaceIntent(const std::string& intent_id) override;
  Result<std::vector<SpaceIntent>> ListSpaceIntents(int64_t created_before) override;
  Result<bool> IsKnownRoom(const std::string& webex_room_id) override;

  Result<int64_t> QueueWebexJob(const WebexJob& job) override;
  Result<std::vector<WebexJob>> ClaimWebexJobs(int64_t now, int64_t lease_seconds, int limit) override;
  Result<void> CompleteWebexJob(int64_t id) override;
  Result<int64_t> ReleaseWebexJobClaims() override;
  Result<void> RetryWebexJob(int64_t id, int64_t next_attempt_at, const std::string& error) override;
  Result<std::vector<WebexJob>> ListWebexJobs() override;

  Result<void> CreateHost(const HostRecord& host) override;
  Result<HostRecord> GetHost(const std::string& id) override;
  Result<std::vector<HostRecord>> ListHosts() override;
  Result<void> SaveHostTokens(const HostRecord& host) override;
  Result<void> DeleteHost(const std::string& id) override;
  Result<PoolStats> GetPoolStats() override;

  Result<LeaseRecord> TakeLease(const LeaseRecord& lease, HostKind kind) override;
  Result<LeaseRecord> GetLease(const std::string& id) override;
  Result<LeaseRecord> GetSpaceLease(const std::string& space_id) override;
  Result<std::vector<LeaseRecord>> ListLeases() override;
  Result<void> SaveLeaseProgress(const LeaseRecord& lease) override;
  Result<bool> SetLeaseLive(const LeaseRecord& lease) override;
  Result<LeaseRecord> RenewLease(const std::string& id, int64_t expires_at) override;
  Result<std::optional<LeaseRecord>> EndLease(const std::string& id, const std::string& reason, int64_t at,
                                              const std::vector<WebexJob>& jobs) override;

  Result<void> CreateSession(const SessionRecord& session) override;
  Result<SessionRecord> GetSession(const std::string& id_hash) override;
  Result<void> DeleteSession(const std::string& id_hash) override;
  Result<void> DeleteSessionsForGuest(const std::string& guest_id) override;
  Result<int64_t> DeleteExpiredSessions(int64_t now) override;

  Result<AppAdminRecord> GetAppAdmin() override;
  Result<void> SaveAppAdmin(const AppAdminRecord& admin) override;
  Result<void> DeleteAppAdmin() override;

  Result<GuestTokenRecord> GetGuestToken(const std::string& guest_id) override;
  Result<void> SaveGuestToken(const GuestTokenRecord& token) override;
  Result<void> DeleteGuestToken(const std::string& guest_id) override;

  Result<void> SaveOAuthState(const OAuthStateRecord& state) override;
  Result<OAuthStateRecord> TakeOAuthState(const std::string& state, int64_t now) override;
  Result<int64_t> DeleteExpiredOAuthStates(int64_t now) override;
  Result<int64_t> CountOAuthStates() override;

  Result<int64_t> AppendAudit(const AuditRecord& record) override;
  Result<std::vector<AuditRecord>> ListAudit(const AuditFilter& filter) override;
  Result<int64_t> DeleteAuditBefore(int64_t before_ms, int64_t max_rows) override;

  Result<bool> TakeRunner(const std::string& task, const std::string& instance, int64_t now,
                          int64_t expires_at) override;
  Result<void> ReleaseRunner(const std::string& task, const std::string& instance) override;
  Result<std::vector<RunnerRecord>> ListRunners() override;

  Result<std::string> GetSetting(const std::string& key) override;
  Result<void> PutSetting(const std::string& key, const std::string& value) override;

 private:
  explicit PostgresStorage(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  // Runs `work` on a pooled connection, each statement committing on its own.
  template <typename Work>
  auto WithConnection(Work&& work);
  // As WithConnection, inside BEGIN ... COMMIT after taking the writers' lock; a failed result rolls
  // everything back.
  template <typename Work>
  auto WriteTransaction(Work&& work);
  // As WriteTransaction, for a change to the guests or the allowed pairs: locks the directory
  // version's row (FOR UPDATE) and reads it before `work`, reads it again after, and once the
  // commit succeeded (before the connection goes back to the pool) records in the journal the
  // DirectoryChange that `describe(change, result)` fills in. A failed or rolled-back write records
  // nothing.
  template <typename Work, typename Describe>
  auto JournaledWrite(Work&& work, Describe&& describe);
  // BEGIN ... COMMIT without the writers' lock, for a few statements that must land together but read
  // nothing another writer could change under them.
  template <typename Work>
  auto AtomicWrite(Work&& work);
  // One REPEATABLE READ snapshot for reads of several statements.
  template <typename Work>
  auto ReadSnapshot(Work&& work);

  // Asks the database for the current snapshot (Version() without the memo and the sharing).
  Result<DataVersion> ReadVersion();

  std::unique_ptr<ConnectionPool> pool_;
  // The changes to the guests and pairs committed through this object.
  DirectoryJournal journal_;

  // Version(): callers at the same time share one query, as long as it started after they called.
  mutable std::mutex version_mutex_;
  std::condition_variable version_read_;
  uint64_t version_queries_started_ = 0;
  uint64_t version_queries_done_ = 0;
  bool version_query_running_ = false;
  Result<DataVersion> last_version_ = DataVersion{};
};

}  // namespace gp::storage::postgres
