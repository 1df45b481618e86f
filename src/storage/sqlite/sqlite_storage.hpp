#pragma once
// The SQLite backend. A file database has two connections: a writer, which runs every change and every
// transaction, and a reader, which runs the reads. Each has its own mutex, so that in WAL mode a read
// (from the event loop, say) never waits behind a write transaction or a write waiting for the lock.
// ":memory:" is private to its connection, so it keeps one connection serving both roles.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "storage/directory_journal.hpp"
#include "storage/sqlite/connection.hpp"
#include "storage/storage.hpp"

namespace gp::storage::sqlite {

class SqliteStorage final : public Storage {
 public:
  // `path` is a file (its directory must exist) or ":memory:". A new file, and the -wal and -shm files
  // SQLite makes beside it, are readable and writable by their owner only.
  static Result<std::unique_ptr<SqliteStorage>> Open(const std::string& path);

  Result<int> Migrate() override;
  Result<int> SchemaVersion() override;
  Result<void> Ping() override;
  Result<DataVersion> Version() override;
  Result<DirectoryDelta> DirectoryChangesSince(int64_t since) override;

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
  // A connection and the mutex that serialises its use.
  struct Guarded {
    explicit Guarded(std::unique_ptr<Connection> c) : connection(std::move(c)) {}
    std::mutex mutex;
    std::unique_ptr<Connection> connection;
  };

  // `reader` is null for ":memory:": the writer serves both roles.
  SqliteStorage(std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader);

  // Runs `work` on the writer under its mutex, then publishes the writer's change count for Version().
  template <typename Work>
  auto Write(Work&& work);
  // As Write, inside BEGIN IMMEDIATE ... COMMIT; a failed result rolls everything back.
  template <typename Work>
  auto WriteTransaction(Work&& work);
  // As WriteTransaction, for a change to the guests or the allowed pairs: reads the directory
  // version before and after `work`, and once the commit succeeded (still holding the writer's
  // mutex, so that entries arrive in order) records in the journal the DirectoryChange that
  // `describe(change, result)` fills in. A failed or rolled-back write records nothing.
  template <typename Work, typename Describe>
  auto JournaledWrite(Work&& work, Describe&& describe);
  // Runs `work` on the reader under the reader's mutex. Never waits for the writer.
  template <typename Work>
  auto Read(Work&& work);
  // As Read, inside one read transaction, for reads of several statements that must agree.
  template <typename Work>
  auto ReadSnapshot(Work&& work);

  std::unique_ptr<Guarded> writer_;
  std::unique_ptr<Guarded> reader_;
  // The writer's total of changed rows after the last write call: Version().own.
  std::atomic<int64_t> own_changes_{0};
  // The changes to the guests and pairs committed through this object.
  DirectoryJournal journal_;
};

}  // namespace gp::storage::sqlite
