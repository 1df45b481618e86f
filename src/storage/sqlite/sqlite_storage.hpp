#pragma once
// The SQLite backend: one connection (WAL, foreign keys on, busy timeout) serialised by a mutex.

#include <memory>
#include <mutex>
#include <string>

#include "storage/sqlite/connection.hpp"
#include "storage/storage.hpp"

namespace gp::storage::sqlite {

class SqliteStorage final : public Storage {
 public:
  // `path` is a file (its directory must exist) or ":memory:".
  static Result<std::unique_ptr<SqliteStorage>> Open(const std::string& path);

  Result<int> Migrate() override;
  Result<int> SchemaVersion() override;
  Result<void> Ping() override;
  Result<DataVersion> Version() override;

  Result<void> CreateGuest(const GuestRecord& guest) override;
  Result<GuestRecord> GetGuest(const std::string& id) override;
  Result<GuestRecord> FindGuestByUsername(const std::string& username) override;
  Result<std::vector<GuestRecord>> ListGuests() override;
  Result<void> UpdateGuest(const GuestRecord& guest) override;
  Result<void> DeleteGuest(const std::string& id) override;

  Result<std::vector<PairRecord>> ListPairs() override;
  Result<void> ReplacePairs(const std::vector<PairRecord>& pairs) override;
  Result<bool> IsPairAllowed(const std::string& guest_a, const std::string& guest_b) override;

  Result<void> CreateSpace(const SpaceRecord& space) override;
  Result<SpaceRecord> GetSpace(const std::string& id) override;
  Result<SpaceRecord> FindOpenSpaceByMemberKey(const std::string& member_key) override;
  Result<std::vector<SpaceRecord>> ListSpacesForGuest(const std::string& guest_id, bool include_closed) override;
  Result<std::vector<SpaceRecord>> ListOpenSpacesContaining(const std::string& guest_a,
                                                            const std::string& guest_b) override;
  Result<std::vector<SpaceRecord>> ListOpenSpacesForGuest(const std::string& guest_id) override;
  Result<std::vector<SpaceRecord>> ListSpaces() override;
  Result<void> CloseSpace(const std::string& id, int64_t at) override;
  Result<void> TouchSpace(const std::string& webex_room_id, int64_t at) override;
  Result<void> SetMembershipId(const std::string& space_id, const std::string& guest_id,
                               const std::string& membership_id) override;
  Result<void> RemoveSpaceMember(const std::string& space_id, const std::string& guest_id) override;

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

  Result<int64_t> AppendAudit(const AuditRecord& record) override;
  Result<std::vector<AuditRecord>> ListAudit(const AuditFilter& filter) override;

  Result<std::string> GetSetting(const std::string& key) override;
  Result<void> PutSetting(const std::string& key, const std::string& value) override;

 private:
  explicit SqliteStorage(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}

  Result<int> SchemaVersionLocked();
  Result<std::vector<SpaceRecord>> ListSpacesLocked(Query& query);
  Result<SpaceRecord> OneSpaceLocked(Query& query, const std::string& what);
  Result<void> LoadMembersLocked(SpaceRecord& space);

  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace gp::storage::sqlite
