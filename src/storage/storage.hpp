#pragma once
// The portal's one storage interface. Each database engine implements it in its own folder
// (sqlite/, postgres/); callers see only this header and OpenStorage().
//
// Every call returns Result<>: kNotFound when the addressed row does not exist, kConflict on a duplicate
// key (username, open member set, primary key), kBadRequest when a reference names a missing row, and
// kUnavailable/kInternal when the database itself fails. Implementations are safe to call from several
// threads; a multi-row change is atomic (all or nothing).

#include <cstdint>
#include <optional>
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
  // The directory version: a counter that every committed change to the guests or the allowed pairs
  // moves, whoever makes it (database triggers), and the changes this process made since `since`
  // when they account for every step (see DirectoryDelta).
  virtual Result<DirectoryDelta> DirectoryChangesSince(int64_t since) = 0;

  // Guests. ListGuests is ordered by username.
  virtual Result<void> CreateGuest(const GuestRecord& guest) = 0;
  virtual Result<GuestRecord> GetGuest(const std::string& id) = 0;
  virtual Result<GuestRecord> FindGuestByUsername(const std::string& username) = 0;
  virtual Result<std::vector<GuestRecord>> ListGuests() = 0;
  // Narrow updates: each writes one field (and updated_at), so that changes made at the same time
  // by different requests never undo each other. kNotFound when the guest does not exist.
  virtual Result<void> SetGuestDisplayName(const std::string& id, const std::string& display_name, int64_t at) = 0;
  // Also ends the guest's sessions, in the same transaction.
  virtual Result<void> SetGuestPassword(const std::string& id, const std::string& password_hash, int64_t at) = 0;
  // Writes the new hash only while the stored one is still `expected` (a rehash at sign-in never
  // overwrites a password changed meanwhile); returns whether it wrote.
  virtual Result<bool> RehashGuestPassword(const std::string& id, const std::string& expected,
                                           const std::string& password_hash, int64_t at) = 0;
  virtual Result<void> SetGuestPersonId(const std::string& id, const std::string& webex_person_id, int64_t at) = 0;
  virtual Result<void> SetGuestMustChangePassword(const std::string& id, bool must_change, int64_t at) = 0;
  // std::nullopt: the account does not end.
  virtual Result<void> SetGuestExpiry(const std::string& id, std::optional<int64_t> expires_at, int64_t at) = 0;
  // The guest's own password change, in one transaction: writes the hash, clears
  // must_change_password and ends every session of the guest except `keep_session` (an id hash).
  virtual Result<void> ChangeGuestPassword(const std::string& id, const std::string& password_hash,
                                           const std::string& keep_session, int64_t at) = 0;
  // Enabled guests whose expires_at is at or before `now`, soonest first.
  virtual Result<std::vector<GuestRecord>> ListExpiredGuests(int64_t now) = 0;
  virtual Result<void> EnableGuest(const std::string& id, int64_t at) = 0;
  // In one transaction: marks the guest disabled, ends their sessions, closes every open space that
  // holds them and queues the removal of each guest member's Webex membership of those spaces.
  virtual Result<Closure> DisableGuest(const std::string& id, int64_t at) = 0;
  // As DisableGuest, then removes the guest (pairs, sessions and cached token go with the row).
  // Spaces keep their member lists.
  virtual Result<Closure> DeleteGuest(const std::string& id, int64_t at) = 0;

  // Allowed pairs, symmetric, returned normalised (first < second) and sorted.
  virtual Result<std::vector<PairRecord>> ListPairs() = 0;
  // Replaces the whole set at once and, in the same transaction, closes every open space that holds
  // a pair no longer allowed, queuing the removal of its guest members' Webex memberships. A pair
  // naming an unknown guest, or a guest with itself, is kBadRequest and changes nothing. Duplicates
  // in either order collapse.
  virtual Result<Closure> ReplacePairs(const std::vector<PairRecord>& pairs, int64_t at) = 0;
  // Adds pairs to the set (existing ones are kept); returns how many were new. Same checks.
  virtual Result<int64_t> AddPairs(const std::vector<PairRecord>& pairs) = 0;
  // Adds `add` and removes `remove` in one transaction, closing every open space that holds a removed
  // pair as ReplacePairs does. `add` is checked as in ReplacePairs; removing a pair that is not
  // there is not an error. Returns the pairs that were really added and removed (normalised, sorted).
  virtual Result<PairChange> ChangePairs(const std::vector<PairRecord>& add, const std::vector<PairRecord>& remove,
                                         int64_t at) = 0;
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
  // Marks the space closed (which frees its member set for a new space) and queues the removal of
  // its guest members' Webex memberships, in one transaction. Closing a closed space changes
  // nothing and keeps the first closed_at.
  virtual Result<Closure> CloseSpace(const std::string& id, int64_t at) = 0;
  // Moves last_activity forward to `at`, never back.
  virtual Result<void> TouchSpace(const std::string& webex_room_id, int64_t at) = 0;

  // Messaging. FindSpaceByRoom finds the space (open or closed) of a Webex room.
  virtual Result<SpaceRecord> FindSpaceByRoom(const std::string& webex_room_id) = 0;
  virtual Result<GuestRecord> FindGuestByPersonId(const std::string& webex_person_id) = 0;
  // Records a message seen in a space; true when it is new, false when it was recorded before (so that
  // each message is announced once however the portal learns of it). A new message moves the space's
  // last message and last_activity forward, never back. kNotFound when the space does not exist.
  virtual Result<bool> RecordSpaceMessage(const SpaceMessage& message) = 0;
  // The created_ms of a recorded message of the space; kNotFound when the space has no such record.
  virtual Result<int64_t> GetSpaceMessageTime(const std::string& space_id, const std::string& message_id) = 0;
  // Forgets the records seen before `seen_before` (spaces keep their last message); returns how many.
  virtual Result<int64_t> DeleteSpaceMessagesSeenBefore(int64_t seen_before) = 0;
  // Moves the guest's read mark in the space to the message created at `created_ms`, unless the mark
  // is at a newer message already.
  virtual Result<void> SetReadMark(const std::string& guest_id, const std::string& space_id,
                                   const std::string& message_id, int64_t created_ms) = 0;
  // Saves (or replaces) what is known of a file of a space.
  virtual Result<void> SaveSpaceFile(const SpaceFile& file) = 0;
  virtual Result<SpaceFile> GetSpaceFile(const std::string& space_id, const std::string& content_id) = 0;
  virtual Result<void> SetSpacePolledActivity(const std::string& space_id, const std::string& activity) = 0;

  // Space creation. An intent is saved before the Webex room is created; CommitSpace turns it into
  // the space in one transaction that re-checks the policy: every member exists and is enabled,
  // every pair of members is allowed, and no open space has the member set. On success the intent
  // is gone. When the re-check fails, the intent becomes a kDeleteRoom job for space.webex_room_id
  // in the same transaction, and the answer is kForbidden (policy) or kConflict (member set taken).
  virtual Result<void> SaveSpaceIntent(const SpaceIntent& intent) = 0;
  virtual Result<void> SetSpaceIntentRoom(const std::string& intent_id, const std::string& webex_room_id) = 0;
  virtual Result<void> CommitSpace(const SpaceRecord& space, const std::string& intent_id, int64_t at) = 0;
  // Gives up on an intent: removes it and, when its room is known, queues a kDeleteRoom job for it,
  // in one transaction. An unknown intent is not an error.
  virtual Result<void> AbandonSpaceIntent(const std::string& intent_id, int64_t at) = 0;
  // Forgets an intent whose room the caller has deleted already. An unknown intent is not an error.
  virtual Result<void> DeleteSpaceIntent(const std::string& intent_id) = 0;
  // Intents created at or before `created_before`, oldest first.
  virtual Result<std::vector<SpaceIntent>> ListSpaceIntents(int64_t created_before) = 0;
  // Whether a space, an intent or a queued job names this Webex room.
  virtual Result<bool> IsKnownRoom(const std::string& webex_room_id) = 0;

  // Pending Webex work (see WebexJob). ClaimWebexJobs hands out up to `limit` jobs that are due
  // (next_attempt_at <= now) and not claimed (claimed_until <= now), oldest first, and marks them
  // claimed until now + lease_seconds, so that two workers (or two processes) never get the same job.
  virtual Result<int64_t> QueueWebexJob(const WebexJob& job) = 0;
  virtual Result<std::vector<WebexJob>> ClaimWebexJobs(int64_t now, int64_t lease_seconds, int limit) = 0;
  // Removes the job; when it was the last job of a kEnding lease, the lease row goes too, in the same
  // transaction (its host is free again).
  virtual Result<void> CompleteWebexJob(int64_t id) = 0;
  // Drops every claim, so that jobs claimed by a process that died are handed out at once. Jobs are
  // safe to do twice (a removal or deletion already done counts as done), so this is safe even
  // when another runner still works on one. Returns how many claims were dropped.
  virtual Result<int64_t> ReleaseWebexJobClaims() = 0;
  // Counts a failed attempt, records the error and makes the job due again at `next_attempt_at`.
  virtual Result<void> RetryWebexJob(int64_t id, int64_t next_attempt_at, const std::string& error) = 0;
  // Every queued job, claimed or not, oldest first (for tests, `check` and the reconciler's backlog).
  virtual Result<std::vector<WebexJob>> ListWebexJobs() = 0;

  // Meeting hosts (the pool). kConflict for a second host with the same email or space.
  virtual Result<void> CreateHost(const HostRecord& host) = 0;
  virtual Result<HostRecord> GetHost(const std::string& id) = 0;
  // Ordered by kind (persons first), then email or space id.
  virtual Result<std::vector<HostRecord>> ListHosts() = 0;
  // Stores a connected person's identity and tokens (the *_enc, *_expires_at, webex_person_id and
  // display_name fields of `host`, matched by id). kNotFound when the host is gone.
  virtual Result<void> SaveHostTokens(const HostRecord& host) = 0;
  // kConflict (and nothing changes) while any lease row holds the host; kNotFound for an unknown host.
  virtual Result<void> DeleteHost(const std::string& id) = 0;
  virtual Result<PoolStats> GetPoolStats() = 0;

  // Meeting leases. TakeLease, in one transaction: when the space of `lease` already has a lease that is
  // kStarting or kLive, returns that one unchanged; otherwise picks the connected host of `kind` that no
  // lease holds and was leased least recently, stores `lease` with that host_id (state kStarting), sets
  // the host's last_leased_at to lease.created_at and returns the stored row. No free host: counts one
  // exhaustion and fails with kUnavailable, reason "pool_exhausted" and a message a guest can read. A host is
  // never held by two rows.
  virtual Result<LeaseRecord> TakeLease(const LeaseRecord& lease, HostKind kind) = 0;
  virtual Result<LeaseRecord> GetLease(const std::string& id) = 0;
  // The kStarting or kLive lease of the space; kNotFound when there is none.
  virtual Result<LeaseRecord> GetSpaceLease(const std::string& space_id) = 0;
  // Every lease row, oldest first.
  virtual Result<std::vector<LeaseRecord>> ListLeases() = 0;
  // Records the progress of a kStarting lease (host_membership_id, added_person_ids), so that an end
  // after a crash knows what to undo. kNotFound unless the lease is kStarting.
  virtual Result<void> SaveLeaseProgress(const LeaseRecord& lease) = 0;
  // kStarting -> kLive with meeting_json, webex_meeting_id and expires_at from `lease`; false (and
  // nothing changes) when the lease is no longer kStarting (it ended meanwhile, or is gone already).
  virtual Result<bool> SetLeaseLive(const LeaseRecord& lease) = 0;
  // Moves expires_at of a kLive lease forward (never back); kNotFound unless it is kLive.
  virtual Result<LeaseRecord> RenewLease(const std::string& id, int64_t expires_at) = 0;
  // Ends a kStarting or kLive lease, once: in one transaction it becomes kEnding (ended_at, end_reason)
  // and `jobs` are queued with its id as lease_id; with no jobs the row goes at once and the host is
  // free. Returns the lease as it was when this call ended it, or nullopt when it had ended already
  // (or never existed).
  virtual Result<std::optional<LeaseRecord>> EndLease(const std::string& id, const std::string& reason, int64_t at,
                                                      const std::vector<WebexJob>& jobs) = 0;

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
  // Deletes the states with expires_at <= now; returns how many.
  virtual Result<int64_t> DeleteExpiredOAuthStates(int64_t now) = 0;
  virtual Result<int64_t> CountOAuthStates() = 0;

  // The audit log, append-only. ListAudit returns newest first.
  virtual Result<int64_t> AppendAudit(const AuditRecord& record) = 0;
  virtual Result<std::vector<AuditRecord>> ListAudit(const AuditFilter& filter) = 0;
  // Deletes the oldest records dated before `before_ms`, at most `max_rows` of them (so that one call
  // holds the database for a bounded time); returns how many it deleted.
  virtual Result<int64_t> DeleteAuditBefore(int64_t before_ms, int64_t max_rows) = 0;

  // Background work that one instance at a time does when several share the database (token refreshes,
  // the poller, meeting timers). TakeRunner makes `instance` the runner of `task` until `expires_at` when
  // the task has no runner, its runner's term ran out (expires_at <= now: that instance stopped renewing,
  // it died) or `instance` runs it already (then the term is renewed); it returns whether `instance` is
  // the runner now. Two instances asking at once never both get true. ReleaseRunner gives a task up at a
  // clean stop, so another instance takes it at once; it does nothing when `instance` is not the runner.
  virtual Result<bool> TakeRunner(const std::string& task, const std::string& instance, int64_t now,
                                  int64_t expires_at) = 0;
  virtual Result<void> ReleaseRunner(const std::string& task, const std::string& instance) = 0;
  // Every task's runner, ordered by task.
  virtual Result<std::vector<RunnerRecord>> ListRunners() = 0;

  // Small settings for features that need a value or two without a table of their own.
  virtual Result<std::string> GetSetting(const std::string& key) = 0;
  virtual Result<void> PutSetting(const std::string& key, const std::string& value) = 0;
};

}  // namespace gp::storage
