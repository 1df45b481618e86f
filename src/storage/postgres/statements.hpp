#pragma once
// Every SQL statement the PostgreSQL backend runs, by name (the name of its prepared statement on each
// connection). Schema changes go in migrations/postgres/.

#include "storage/postgres/connection.hpp"

namespace gp::storage::postgres::sql {

// Migrations.
inline constexpr Statement kCreateMigrationsTable{
    "create_migrations_table",
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"};
// Whether schema_migrations exists in the search path (it does not before the first migration).
inline constexpr Statement kMigrationsTableExists{"migrations_table_exists",
                                                  "SELECT to_regclass('schema_migrations') IS NOT NULL"};
inline constexpr Statement kSchemaVersion{"schema_version",
                                          "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"};
inline constexpr Statement kRecordMigration{
    "record_migration",
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, EXTRACT(EPOCH FROM now())::bigint)"};
inline constexpr Statement kPing{"ping", "SELECT 1"};
// The current snapshot (xmin:xmax:in-progress xids); see PostgresStorage::Version.
inline constexpr Statement kDataVersion{"data_version", "SELECT pg_current_snapshot()::text"};

// The directory version (migration 0004): moved by triggers on guests and allowed_pairs. A
// journaled write reads it FOR UPDATE, so that no other writer's trigger moves it until that write
// commits.
inline constexpr Statement kDirectoryVersion{"directory_version",
                                             "SELECT n FROM directory_version WHERE id = 1"};
inline constexpr Statement kLockDirectoryVersion{
    "lock_directory_version", "SELECT n FROM directory_version WHERE id = 1 FOR UPDATE"};


// The journaled changes (directory_changes): the rows after a version, up to another, and pruning.
inline constexpr Statement kInsertDirectoryChange{
    "insert_directory_change",
    "INSERT INTO directory_changes (version_after, version_before, change) VALUES ($1, $2, $3)"};
inline constexpr Statement kPruneDirectoryChanges{"prune_directory_changes",
                                                  "DELETE FROM directory_changes WHERE version_after <= $1"};
inline constexpr Statement kListDirectoryChanges{
    "list_directory_changes",
    "SELECT version_before, version_after, change FROM directory_changes"
    " WHERE version_after > $1 AND version_after <= $2 ORDER BY version_after"};
// Guests.
#define GP_GUEST_COLUMNS \
  "id, username, display_name, password_hash, disabled, webex_person_id, created_at, updated_at," \
  " must_change_password, expires_at"
inline constexpr Statement kInsertGuest{
    "insert_guest", "INSERT INTO guests (" GP_GUEST_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"};
inline constexpr Statement kGetGuest{"get_guest", "SELECT " GP_GUEST_COLUMNS " FROM guests WHERE id = $1"};
inline constexpr Statement kFindGuestByUsername{"find_guest_by_username",
                                                "SELECT " GP_GUEST_COLUMNS " FROM guests WHERE username = $1"};
inline constexpr Statement kListGuests{"list_guests", "SELECT " GP_GUEST_COLUMNS " FROM guests ORDER BY username"};
// Narrow updates: one field and updated_at each.
inline constexpr Statement kSetGuestDisplayName{
    "set_guest_display_name", "UPDATE guests SET display_name = $2, updated_at = $3 WHERE id = $1"};
inline constexpr Statement kSetGuestPassword{"set_guest_password",
                                             "UPDATE guests SET password_hash = $2, updated_at = $3 WHERE id = $1"};
// Compare-and-set: writes only while the stored hash is still the one the caller verified.
inline constexpr Statement kRehashGuestPassword{
    "rehash_guest_password",
    "UPDATE guests SET password_hash = $3, updated_at = $4 WHERE id = $1 AND password_hash = $2"};
inline constexpr Statement kSetGuestPersonId{"set_guest_person_id",
                                             "UPDATE guests SET webex_person_id = $2, updated_at = $3 WHERE id = $1"};
inline constexpr Statement kSetGuestDisabled{"set_guest_disabled",
                                             "UPDATE guests SET disabled = $2, updated_at = $3 WHERE id = $1"};
inline constexpr Statement kSetGuestMustChangePassword{
    "set_guest_must_change_password", "UPDATE guests SET must_change_password = $2, updated_at = $3 WHERE id = $1"};
inline constexpr Statement kSetGuestExpiry{"set_guest_expiry",
                                           "UPDATE guests SET expires_at = $2, updated_at = $3 WHERE id = $1"};
// The guest's own change: the new hash, and the flag that asked for it cleared.
inline constexpr Statement kChangeGuestPassword{
    "change_guest_password",
    "UPDATE guests SET password_hash = $2, must_change_password = FALSE, updated_at = $3 WHERE id = $1"};
// Enabled guests whose end has come ($1 now), soonest first.
inline constexpr Statement kListExpiredGuests{
    "list_expired_guests",
    "SELECT " GP_GUEST_COLUMNS " FROM guests WHERE expires_at IS NOT NULL AND expires_at <= $1 AND NOT disabled"
    " ORDER BY expires_at, id"};
// No row: the guest does not exist.
inline constexpr Statement kGuestDisabled{"guest_disabled", "SELECT disabled::int FROM guests WHERE id = $1"};
inline constexpr Statement kDeleteGuest{"delete_guest", "DELETE FROM guests WHERE id = $1"};
#undef GP_GUEST_COLUMNS

// Allowed pairs.
inline constexpr Statement kListPairs{"list_pairs",
                                      "SELECT guest_a, guest_b FROM allowed_pairs ORDER BY guest_a, guest_b"};
inline constexpr Statement kDeleteAllPairs{"delete_all_pairs", "DELETE FROM allowed_pairs"};
inline constexpr Statement kGuestExists{"guest_exists", "SELECT 1 FROM guests WHERE id = $1"};
inline constexpr Statement kInsertPair{
    "insert_pair", "INSERT INTO allowed_pairs (guest_a, guest_b) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
inline constexpr Statement kDeletePair{"delete_pair",
                                       "DELETE FROM allowed_pairs WHERE guest_a = $1 AND guest_b = $2"};
inline constexpr Statement kPairExists{"pair_exists",
                                       "SELECT 1 FROM allowed_pairs WHERE guest_a = $1 AND guest_b = $2"};

// Spaces. Lists share one column list and one order.
#define GP_SPACE_COLUMNS \
  "s.id, s.webex_room_id, s.title, s.member_key, s.created_by, s.created_at, s.last_activity, s.closed_at," \
  " s.last_message_id, s.last_message_ms, s.polled_activity"
#define GP_SPACE_ORDER " ORDER BY s.last_activity DESC, s.created_at DESC, s.id"
inline constexpr Statement kInsertSpace{
    "insert_space",
    "INSERT INTO spaces (id, webex_room_id, title, member_key, created_by, created_at, last_activity, closed_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"};
inline constexpr Statement kInsertSpaceMember{
    "insert_space_member",
    "INSERT INTO space_members (space_id, guest_id, position, webex_membership_id) VALUES ($1, $2, $3, $4)"};
inline constexpr Statement kGetSpace{"get_space", "SELECT " GP_SPACE_COLUMNS " FROM spaces s WHERE s.id = $1"};
inline constexpr Statement kFindOpenSpaceByMemberKey{
    "find_open_space_by_member_key",
    "SELECT " GP_SPACE_COLUMNS " FROM spaces s WHERE s.member_key = $1 AND s.closed_at IS NULL"};
inline constexpr Statement kListSpacesForGuest{
    "list_spaces_for_guest",
    "SELECT " GP_SPACE_COLUMNS " FROM spaces s JOIN space_members m ON m.space_id = s.id"
    " WHERE m.guest_id = $1 AND ($2::boolean OR s.closed_at IS NULL)" GP_SPACE_ORDER};
inline constexpr Statement kListOpenSpacesContaining{
    "list_open_spaces_containing",
    "SELECT " GP_SPACE_COLUMNS " FROM spaces s"
    " JOIN space_members a ON a.space_id = s.id AND a.guest_id = $1"
    " JOIN space_members b ON b.space_id = s.id AND b.guest_id = $2"
    " WHERE s.closed_at IS NULL" GP_SPACE_ORDER};
inline constexpr Statement kListSpaces{"list_spaces", "SELECT " GP_SPACE_COLUMNS " FROM spaces s" GP_SPACE_ORDER};
inline constexpr Statement kListSpaceMembers{
    "list_space_members",
    "SELECT m.guest_id, m.webex_membership_id, g.display_name FROM space_members m"
    " LEFT JOIN guests g ON g.id = m.guest_id WHERE m.space_id = $1 ORDER BY m.position"};
// One row per member of each of a guest's spaces, in no particular order: the caller sorts (as the
// SQLite backend does, where an ORDER BY across this join costs more than the rest of the query).
inline constexpr Statement kListSpacesWithMembersForGuest{
    "list_spaces_with_members_for_guest",
    "SELECT " GP_SPACE_COLUMNS ", rm.created_ms, all_m.guest_id, all_m.webex_membership_id, g.display_name,"
    " all_m.position"
    " FROM spaces s JOIN space_members m ON m.space_id = s.id AND m.guest_id = $1"
    " LEFT JOIN read_marks rm ON rm.space_id = s.id AND rm.guest_id = $1"
    " JOIN space_members all_m ON all_m.space_id = s.id LEFT JOIN guests g ON g.id = all_m.guest_id"
    " WHERE ($2::boolean OR s.closed_at IS NULL)"};
inline constexpr Statement kFindSpaceByRoom{"find_space_by_room",
                                            "SELECT " GP_SPACE_COLUMNS " FROM spaces s WHERE s.webex_room_id = $1"};
inline constexpr Statement kCloseSpace{"close_space",
                                       "UPDATE spaces SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL"};
inline constexpr Statement kSpaceExists{"space_exists", "SELECT 1 FROM spaces WHERE id = $1"};
inline constexpr Statement kOpenSpaceWithKeyExists{
    "open_space_with_key_exists", "SELECT 1 FROM spaces WHERE member_key = $1 AND closed_at IS NULL"};
inline constexpr Statement kTouchSpace{
    "touch_space", "UPDATE spaces SET last_activity = GREATEST(last_activity, $2) WHERE webex_room_id = $1"};
// The open spaces a change must close, by id.
inline constexpr Statement kListOpenSpaceIdsForGuest{
    "list_open_space_ids_for_guest",
    "SELECT s.id FROM spaces s JOIN space_members m ON m.space_id = s.id"
    " WHERE m.guest_id = $1 AND s.closed_at IS NULL ORDER BY s.id"};
inline constexpr Statement kListOpenSpaceIdsContaining{
    "list_open_space_ids_containing",
    "SELECT s.id FROM spaces s"
    " JOIN space_members a ON a.space_id = s.id AND a.guest_id = $1"
    " JOIN space_members b ON b.space_id = s.id AND b.guest_id = $2"
    " WHERE s.closed_at IS NULL ORDER BY s.id"};
// Closing a space: one kRemoveMembership job per member who has a Webex person id, in member order.
inline constexpr Statement kQueueMembershipRemovals{
    "queue_membership_removals",
    "INSERT INTO webex_jobs (kind, room_id, person_id, membership_id, space_id, next_attempt_at, created_at)"
    " SELECT 'remove_membership', s.webex_room_id, g.webex_person_id, COALESCE(m.webex_membership_id, ''),"
    " s.id, $2::bigint, $2::bigint"
    " FROM spaces s JOIN space_members m ON m.space_id = s.id JOIN guests g ON g.id = m.guest_id"
    " WHERE s.id = $1 AND g.webex_person_id IS NOT NULL AND g.webex_person_id <> ''"
    " ORDER BY m.position"};
#undef GP_SPACE_COLUMNS
#undef GP_SPACE_ORDER

// Messaging.
inline constexpr Statement kFindGuestByPersonId{
    "find_guest_by_person_id",
    "SELECT id, username, display_name, password_hash, disabled, webex_person_id, created_at, updated_at,"
    " must_change_password, expires_at FROM guests WHERE webex_person_id = $1"};
inline constexpr Statement kInsertSpaceMessage{
    "insert_space_message",
    "INSERT INTO space_messages (message_id, space_id, created_ms, seen_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT DO NOTHING"};
// Forward only: an older message learned late leaves the newest in place.
inline constexpr Statement kAdvanceSpaceLastMessage{
    "advance_space_last_message",
    "UPDATE spaces SET last_message_id = $2, last_message_ms = $3, last_activity = GREATEST(last_activity, $4)"
    " WHERE id = $1 AND last_message_ms <= $3"};
inline constexpr Statement kGetSpaceMessageTime{
    "get_space_message_time", "SELECT created_ms FROM space_messages WHERE space_id = $1 AND message_id = $2"};
inline constexpr Statement kDeleteSpaceMessagesSeenBefore{"delete_space_messages_seen_before",
                                                          "DELETE FROM space_messages WHERE seen_at < $1"};
inline constexpr Statement kSetReadMark{
    "set_read_mark",
    "INSERT INTO read_marks (guest_id, space_id, message_id, created_ms) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (guest_id, space_id) DO UPDATE SET message_id = excluded.message_id,"
    " created_ms = excluded.created_ms WHERE excluded.created_ms >= read_marks.created_ms"};
inline constexpr Statement kSaveSpaceFile{
    "save_space_file",
    "INSERT INTO space_files (space_id, content_id, name, content_type, size) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (space_id, content_id) DO UPDATE SET name = excluded.name,"
    " content_type = excluded.content_type, size = excluded.size"};
inline constexpr Statement kGetSpaceFile{
    "get_space_file",
    "SELECT space_id, content_id, name, content_type, size FROM space_files WHERE space_id = $1 AND content_id = $2"};
inline constexpr Statement kSetSpacePolledActivity{"set_space_polled_activity",
                                                   "UPDATE spaces SET polled_activity = $2 WHERE id = $1"};

// Space intents.
#define GP_INTENT_COLUMNS "id, member_key, title, created_by, webex_room_id, created_at"
inline constexpr Statement kInsertSpaceIntent{
    "insert_space_intent", "INSERT INTO space_intents (" GP_INTENT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)"};
inline constexpr Statement kSetSpaceIntentRoom{"set_space_intent_room",
                                               "UPDATE space_intents SET webex_room_id = $2 WHERE id = $1"};
inline constexpr Statement kSpaceIntentExists{"space_intent_exists", "SELECT 1 FROM space_intents WHERE id = $1"};
inline constexpr Statement kDeleteSpaceIntent{"delete_space_intent", "DELETE FROM space_intents WHERE id = $1"};
inline constexpr Statement kDeleteSpaceIntentReturningRoom{
    "delete_space_intent_returning_room", "DELETE FROM space_intents WHERE id = $1 RETURNING webex_room_id"};
inline constexpr Statement kListSpaceIntents{
    "list_space_intents",
    "SELECT " GP_INTENT_COLUMNS " FROM space_intents WHERE created_at <= $1 ORDER BY created_at, id"};
#undef GP_INTENT_COLUMNS
inline constexpr Statement kIsKnownRoom{
    "is_known_room",
    "SELECT (EXISTS (SELECT 1 FROM spaces WHERE webex_room_id = $1)"
    " OR EXISTS (SELECT 1 FROM space_intents WHERE webex_room_id = $1)"
    " OR EXISTS (SELECT 1 FROM webex_jobs WHERE room_id = $1))::int"};

// Webex jobs. kind is 'remove_membership', 'delete_room' or 'end_meeting'.
#define GP_JOB_COLUMNS \
  "id, kind, room_id, person_id, membership_id, space_id, attempts, next_attempt_at, claimed_until, last_error," \
  " created_at, lease_id, host_id, meeting_id"
inline constexpr Statement kInsertWebexJob{
    "insert_webex_job",
    "INSERT INTO webex_jobs (kind, room_id, person_id, membership_id, space_id, attempts, next_attempt_at,"
    " claimed_until, last_error, created_at, lease_id, host_id, meeting_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id"};
inline constexpr Statement kDeleteRoomJobQueued{
    "delete_room_job_queued", "SELECT 1 FROM webex_jobs WHERE kind = 'delete_room' AND room_id = $1"};
inline constexpr Statement kReleaseWebexJobClaims{
    "release_webex_job_claims", "UPDATE webex_jobs SET claimed_until = 0 WHERE claimed_until <> 0"};
// $1 now, $2 claimed_until, $3 limit. One statement: the rows it chooses are locked as it chooses them,
// and rows another claimer has locked are skipped rather than waited for. A row claimed by a transaction
// that committed after this statement's snapshot is re-checked on its new version (READ COMMITTED), so
// its new claimed_until leaves it out. RETURNING has no order of its own: the caller sorts by id.
inline constexpr Statement kClaimWebexJobs{
    "claim_webex_jobs",
    "UPDATE webex_jobs SET claimed_until = $2 WHERE id IN (SELECT id FROM webex_jobs"
    " WHERE next_attempt_at <= $1 AND claimed_until <= $1 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)"
    " AND next_attempt_at <= $1 AND claimed_until <= $1"
    " RETURNING " GP_JOB_COLUMNS};
// Returns the lease the job belonged to ('' for none).
inline constexpr Statement kDeleteWebexJobReturningLease{"delete_webex_job_returning_lease",
                                                         "DELETE FROM webex_jobs WHERE id = $1 RETURNING lease_id"};
inline constexpr Statement kRetryWebexJob{
    "retry_webex_job",
    "UPDATE webex_jobs SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, claimed_until = 0"
    " WHERE id = $1"};
inline constexpr Statement kListWebexJobs{"list_webex_jobs", "SELECT " GP_JOB_COLUMNS " FROM webex_jobs ORDER BY id"};
#undef GP_JOB_COLUMNS

// Meeting hosts and leases. A host row is read with the lease holding it, if any (the l.* columns are
// NULL when none does): GP_HOST_COLUMNS, then GP_LEASE_COLUMNS.
#define GP_HOST_COLUMNS \
  "h.id, h.kind, h.email, h.display_name, h.webex_person_id, h.webex_room_id, h.connect_key, h.access_token_enc," \
  " h.access_expires_at, h.refresh_token_enc, h.refresh_expires_at, h.last_leased_at, h.created_at, h.updated_at"
#define GP_LEASE_COLUMNS \
  "l.id, l.host_id, l.space_id, l.mode, l.state, l.meeting_json, l.webex_meeting_id, l.host_membership_id," \
  " l.added_person_ids, l.created_at, l.expires_at, l.ended_at, l.end_reason"
// A person is connected once it has an access token; a space always is.
#define GP_HOST_CONNECTED "(h.kind = 'space' OR length(h.access_token_enc) > 0)"
#define GP_HOST_FREE "NOT EXISTS (SELECT 1 FROM leases l WHERE l.host_id = h.id)"
// The column that does not apply to the kind is stored as NULL, so that the unique indexes skip it.
inline constexpr Statement kInsertHost{
    "insert_host",
    "INSERT INTO hosts (id, kind, email, display_name, webex_person_id, webex_room_id, connect_key,"
    " access_token_enc, access_expires_at, refresh_token_enc, refresh_expires_at, last_leased_at, created_at,"
    " updated_at) VALUES ($1, $2, NULLIF($3, ''), $4, $5, NULLIF($6, ''), $7, $8, $9, $10, $11, $12, $13, $14)"};
inline constexpr Statement kGetHost{
    "get_host",
    "SELECT " GP_HOST_COLUMNS ", " GP_LEASE_COLUMNS " FROM hosts h LEFT JOIN leases l ON l.host_id = h.id"
    " WHERE h.id = $1"};
// Persons first ('person' < 'space'), then by email or space.
inline constexpr Statement kListHosts{
    "list_hosts",
    "SELECT " GP_HOST_COLUMNS ", " GP_LEASE_COLUMNS " FROM hosts h LEFT JOIN leases l ON l.host_id = h.id"
    " ORDER BY h.kind, COALESCE(h.email, h.webex_room_id, ''), h.id"};
inline constexpr Statement kSaveHostTokens{
    "save_host_tokens",
    "UPDATE hosts SET access_token_enc = $2, access_expires_at = $3, refresh_token_enc = $4,"
    " refresh_expires_at = $5, webex_person_id = $6, display_name = $7, updated_at = $8 WHERE id = $1"};
inline constexpr Statement kHostLeased{"host_leased", "SELECT 1 FROM leases WHERE host_id = $1"};
inline constexpr Statement kDeleteHost{"delete_host", "DELETE FROM hosts WHERE id = $1"};
// $1 the kind. Least recently leased first; never leased (0) before all.
inline constexpr Statement kPickFreeHost{
    "pick_free_host",
    "SELECT h.id FROM hosts h WHERE h.kind = $1 AND " GP_HOST_CONNECTED " AND " GP_HOST_FREE
    " ORDER BY h.last_leased_at, h.created_at, h.id LIMIT 1 FOR UPDATE OF h SKIP LOCKED"};
inline constexpr Statement kSetHostLeasedAt{"set_host_leased_at", "UPDATE hosts SET last_leased_at = $2 WHERE id = $1"};
inline constexpr Statement kCountPoolExhausted{
    "count_pool_exhausted",
    "INSERT INTO settings (key, value) VALUES ('pool.exhausted', '1') ON CONFLICT (key) DO UPDATE"
    " SET value = (settings.value::bigint + 1)::text"};
inline constexpr Statement kPoolStats{
    "pool_stats",
    "SELECT (SELECT COUNT(*) FROM hosts h WHERE " GP_HOST_CONNECTED " AND " GP_HOST_FREE "),"
    " (SELECT COUNT(*) FROM leases),"
    " COALESCE((SELECT value::bigint FROM settings WHERE key = 'pool.exhausted'), 0)"};
// A new lease is always 'starting' and not ended.
inline constexpr Statement kInsertLease{
    "insert_lease",
    "INSERT INTO leases (id, host_id, space_id, mode, state, meeting_json, webex_meeting_id, host_membership_id,"
    " added_person_ids, created_at, expires_at) VALUES ($1, $2, $3, $4, 'starting', $5, $6, $7, $8, $9, $10)"};
inline constexpr Statement kGetLease{"get_lease", "SELECT " GP_LEASE_COLUMNS " FROM leases l WHERE l.id = $1"};
// EndLease reads the row it is about to end under its row lock, so that what it returns is the row it
// ended (a concurrent SetLeaseLive waits, then finds it no longer starting).
inline constexpr Statement kGetLeaseForUpdate{"get_lease_for_update",
                                              "SELECT " GP_LEASE_COLUMNS " FROM leases l WHERE l.id = $1 FOR UPDATE"};
inline constexpr Statement kGetSpaceLease{
    "get_space_lease",
    "SELECT " GP_LEASE_COLUMNS " FROM leases l WHERE l.space_id = $1 AND l.state IN ('starting', 'live')"};
inline constexpr Statement kListLeases{"list_leases",
                                       "SELECT " GP_LEASE_COLUMNS " FROM leases l ORDER BY l.created_at, l.id"};
inline constexpr Statement kSaveLeaseProgress{
    "save_lease_progress",
    "UPDATE leases SET host_membership_id = $2, added_person_ids = $3 WHERE id = $1 AND state = 'starting'"};
inline constexpr Statement kSetLeaseLive{
    "set_lease_live",
    "UPDATE leases SET state = 'live', meeting_json = $2, webex_meeting_id = $3, expires_at = $4"
    " WHERE id = $1 AND state = 'starting'"};
inline constexpr Statement kRenewLease{
    "renew_lease", "UPDATE leases SET expires_at = GREATEST(expires_at, $2) WHERE id = $1 AND state = 'live'"};
inline constexpr Statement kEndLease{
    "end_lease",
    "UPDATE leases SET state = 'ending', ended_at = $2, end_reason = $3"
    " WHERE id = $1 AND state IN ('starting', 'live')"};
inline constexpr Statement kDeleteLease{"delete_lease", "DELETE FROM leases WHERE id = $1"};
// The lease of a completed job goes once it is ending and has no job left.
inline constexpr Statement kDeleteEndedLease{
    "delete_ended_lease",
    "DELETE FROM leases WHERE id = $1 AND state = 'ending'"
    " AND NOT EXISTS (SELECT 1 FROM webex_jobs WHERE lease_id = $1)"};
#undef GP_HOST_COLUMNS
#undef GP_LEASE_COLUMNS
#undef GP_HOST_CONNECTED
#undef GP_HOST_FREE

// Sessions.
inline constexpr Statement kInsertSession{
    "insert_session",
    "INSERT INTO sessions (id_hash, role, guest_id, admin_email, csrf_token, created_at, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"};
inline constexpr Statement kGetSession{
    "get_session",
    "SELECT s.id_hash, s.role, s.guest_id, s.admin_email, s.csrf_token, s.created_at, s.expires_at,"
    " COALESCE(g.must_change_password, FALSE)"
    " FROM sessions s LEFT JOIN guests g ON g.id = s.guest_id WHERE s.id_hash = $1"};
inline constexpr Statement kDeleteOtherSessionsForGuest{"delete_other_sessions_for_guest",
                                                        "DELETE FROM sessions WHERE guest_id = $1 AND id_hash <> $2"};
inline constexpr Statement kDeleteSession{"delete_session", "DELETE FROM sessions WHERE id_hash = $1"};
inline constexpr Statement kDeleteSessionsForGuest{"delete_sessions_for_guest",
                                                   "DELETE FROM sessions WHERE guest_id = $1"};
inline constexpr Statement kDeleteExpiredSessions{"delete_expired_sessions",
                                                  "DELETE FROM sessions WHERE expires_at <= $1"};

// The AppAdmin (a single row, id 1).
inline constexpr Statement kGetAppAdmin{
    "get_app_admin",
    "SELECT person_id, email, display_name, access_token_enc, access_expires_at, refresh_token_enc,"
    " refresh_expires_at, updated_at FROM app_admin WHERE id = 1"};
inline constexpr Statement kSaveAppAdmin{
    "save_app_admin",
    "INSERT INTO app_admin (id, person_id, email, display_name, access_token_enc, access_expires_at,"
    " refresh_token_enc, refresh_expires_at, updated_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)"
    " ON CONFLICT (id) DO UPDATE SET person_id = excluded.person_id, email = excluded.email,"
    " display_name = excluded.display_name, access_token_enc = excluded.access_token_enc,"
    " access_expires_at = excluded.access_expires_at, refresh_token_enc = excluded.refresh_token_enc,"
    " refresh_expires_at = excluded.refresh_expires_at, updated_at = excluded.updated_at"};
inline constexpr Statement kDeleteAppAdmin{"delete_app_admin", "DELETE FROM app_admin"};

// Guest tokens.
inline constexpr Statement kGetGuestToken{"get_guest_token",
                                          "SELECT guest_id, token_enc, expires_at FROM guest_tokens WHERE guest_id = $1"};
inline constexpr Statement kSaveGuestToken{
    "save_guest_token",
    "INSERT INTO guest_tokens (guest_id, token_enc, expires_at) VALUES ($1, $2, $3)"
    " ON CONFLICT (guest_id) DO UPDATE SET token_enc = excluded.token_enc, expires_at = excluded.expires_at"};
inline constexpr Statement kDeleteGuestToken{"delete_guest_token", "DELETE FROM guest_tokens WHERE guest_id = $1"};

// OAuth states.
inline constexpr Statement kInsertOAuthState{
    "insert_oauth_state",
    "INSERT INTO oauth_states (state, code_verifier, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"};
inline constexpr Statement kDeleteOAuthStateReturning{
    "delete_oauth_state_returning",
    "DELETE FROM oauth_states WHERE state = $1 RETURNING state, code_verifier, purpose, created_at, expires_at"};
inline constexpr Statement kDeleteExpiredOAuthStates{"delete_expired_oauth_states",
                                                     "DELETE FROM oauth_states WHERE expires_at <= $1"};
inline constexpr Statement kCountOAuthStates{"count_oauth_states", "SELECT COUNT(*) FROM oauth_states"};

// Audit.
inline constexpr Statement kInsertAudit{
    "insert_audit",
    "INSERT INTO audit_log (at_ms, actor, action, target, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)"
    " RETURNING seq"};
// A NULL parameter switches its condition off, so one statement serves every filter.
inline constexpr Statement kListAudit{
    "list_audit",
    "SELECT seq, at_ms, actor, action, target, outcome, detail FROM audit_log"
    " WHERE ($1::text IS NULL OR action = $1::text) AND ($2::text IS NULL OR actor = $2::text)"
    " AND ($3::bigint IS NULL OR at_ms >= $3::bigint) AND ($4::bigint IS NULL OR at_ms < $4::bigint)"
    " AND ($5::bigint IS NULL OR seq < $5::bigint) AND ($7::text IS NULL OR target = $7::text)"
    " ORDER BY seq DESC LIMIT $6"};
inline constexpr Statement kDeleteAuditBefore{
    "delete_audit_before",
    "DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE at_ms < $1 ORDER BY seq LIMIT $2)"};

// Settings.
// A runner is taken when the task has none, its term ran out, or the instance holds it already. One
// statement: a concurrent upsert of the same task waits for the row lock and re-checks the condition.
inline constexpr Statement kTakeRunner{
    "take_runner",
    "INSERT INTO runners (task, instance, expires_at) VALUES ($1, $2, $4) ON CONFLICT (task) DO UPDATE"
    " SET instance = excluded.instance, expires_at = excluded.expires_at"
    " WHERE runners.instance = excluded.instance OR runners.expires_at <= $3"};
inline constexpr Statement kReleaseRunner{"release_runner", "DELETE FROM runners WHERE task = $1 AND instance = $2"};
inline constexpr Statement kListRunners{"list_runners", "SELECT task, instance, expires_at FROM runners ORDER BY task"};

inline constexpr Statement kGetSetting{"get_setting", "SELECT value FROM settings WHERE key = $1"};
inline constexpr Statement kPutSetting{
    "put_setting",
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"};

}  // namespace gp::storage::postgres::sql
