#pragma once
// The portal's one storage interface. Each database engine implements it in its own folder
// (sqlite/, postgres/); callers see only this header and OpenStorage().
//
// Every call returns Result<>: kNotFound when the addressed row does not exist, kConflict on a duplicate
// key (username, open member set, primary key), kBadRequest when a reference names a missing row, and
// kUnavailable/kInternal when the database itself fails. Implementations are safe to call from several
// threads; a multi-row change is atomic (all or nothing).

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/records.hpp"

namespace gp::storage {

class Storage {
 public:
  virtual ~Storage() = default;

  // Applies the pending migrations in order; returns the schema version afterwards. Safe to repeat.
  // A database migrated by a newer build is refused (kUnavailable) rather than guessed at.
  virtual Result<int> Migrate() = 0;
  // The schema version recorded in the database (0 before the first migration).
  virtual Result<int> SchemaVersion() = 0;
  // Answers when the database does (for /healthz).
  virtual Result<void> Ping() = 0;
  // The version of the stored data as a whole, for read caches: it differs after any committed
  // change, made through this object or by another process (a CLI command) on the same database.
  virtual Result<DataVersion> Version() = 0;

  // Guests. ListGuests is ordered by username.
  virtual Result<void> CreateGuest(const GuestRecord& guest) = 0;
  virtual Result<GuestRecord> GetGuest(const std::string& id) = 0;
  virtual Result<GuestRecord> FindGuestByUsername(const std::string& username) = 0;
  virtual Result<std::vector<GuestRecord>> ListGuests() = 0;
  // Writes display_name, password_hash, disabled, webex_person_id and updated_at; the username stays.
  virtual Result<void> UpdateGuest(const GuestRecord& guest) = 0;
  // Also removes the guest's pairs, sessions and cached guest token. Spaces keep their member lists:
  // closing them is the caller's business.
  virtual Result<void> DeleteGuest(const std::string& id) = 0;

  // Allowed pairs, symmetric, returned normalised (first < second) and sorted.
  virtual Result<std::vector<PairRecord>> ListPairs() = 0;
  // Replaces the whole set at once. A pair naming an unknown guest, or a guest with itself, is
  // kBadRequest and leaves the set unchanged. Duplicates in either order collapse.
  virtual Result<void> ReplacePairs(const std::vector<PairRecord>& pairs) = 0;
  virtual Result<bool> IsPairAllowed(const std::string& guest_a, const std::string& guest_b) = 0;

  // Spaces. Lists are ordered by last_activity, newest first, then created_at, newest first.
  // kConflict when an open space with the same member_key exists (or the id or Webex room is taken).
  virtual Result<void> CreateSpace(const SpaceRecord& space) = 0;
  virtual Result<SpaceRecord> GetSpace(const std::string& id) = 0;
  virtual Result<SpaceRecord> FindOpenSpaceByMemberKey(const std::string& member_key) = 0;
  virtual Result<std::vector<SpaceRecord>> ListSpacesForGuest(const std::string& guest_id,
                                                              bool include_closed = false) = 0;
  virtual Result<std::vector<SpaceRecord>> ListOpenSpacesContaining(const std::string& guest_a,
                                                                    const std::string& guest_b) = 0;
  virtual Result<std::vector<SpaceRecord>> ListOpenSpacesForGuest(const std::string& guest_id) = 0;
  virtual Result<std::vector<SpaceRecord>> ListSpaces() = 0;
  // Marks the space closed, which frees its member set for a new space. Closing a closed space keeps
  // the first closed_at.
  virtual Result<void> CloseSpace(const std::string& id, int64_t at) = 0;
  // Moves last_activity forward to `at`, never back.
  virtual Result<void> TouchSpace(const std::string& webex_room_id, int64_t at) = 0;
  virtual Result<void> SetMembershipId(const std::string& space_id, const std::string& guest_id,
                                       const std::string& membership_id) = 0;
  // Removes one member row; member_key keeps naming the set the space was created for.
  virtual Result<void> RemoveSpaceMember(const std::string& space_id, const std::string& guest_id) = 0;

  // Sessions. GetSession returns expired sessions too: the caller decides with its clock.
  virtual Result<void> CreateSession(const SessionRecord& session) = 0;
  virtual Result<SessionRecord> GetSession(const std::string& id_hash) = 0;
  virtual Result<void> DeleteSession(const std::string& id_hash) = 0;
  virtual Result<void> DeleteSessionsForGuest(const std::string& guest_id) = 0;
  // Deletes the sessions with expires_at <= now; returns how many.
  virtual Result<int64_t> DeleteExpiredSessions(int64_t now) = 0;

  // The AppAdmin: a single row, kNotFound until saved.
  virtual Result<AppAdminRecord> GetAppAdmin() = 0;
  virtual Result<void> SaveAppAdmin(const AppAdminRecord& admin) = 0;
  virtual Result<void> DeleteAppAdmin() = 0;

  // Cached guest access tokens, one per guest.
  virtual Result<GuestTokenRecord> GetGuestToken(const std::string& guest_id) = 0;
  virtual Result<void> SaveGuestToken(const GuestTokenRecord& token) = 0;
  virtual Result<void> DeleteGuestToken(const std::string& guest_id) = 0;

  // OAuth sign-in states. Take returns and deletes in one step, so a state is good once; an unknown or
  // expired (expires_at <= now) state is kNotFound.
  virtual Result<void> SaveOAuthState(const OAuthStateRecord& state) = 0;
  virtual Result<OAuthStateRecord> TakeOAuthState(const std::string& state, int64_t now) = 0;

  // The audit log, append-only. ListAudit returns newest first.
  virtual Result<int64_t> AppendAudit(const AuditRecord& record) = 0;
  virtual Result<std::vector<AuditRecord>> ListAudit(const AuditFilter& filter) = 0;

  // Small settings for features that need a value or two without a table of their own.
  virtual Result<std::string> GetSetting(const std::string& key) = 0;
  virtual Result<void> PutSetting(const std::string& key, const std::string& value) = 0;
};

}  // namespace gp::storage
