#pragma once
// Plain rows exchanged with the storage layer. Ids are opaque strings chosen by callers; times are Unix
// seconds except the audit log's milliseconds.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gp::storage {

struct GuestRecord {
  std::string id;
  std::string username;
  std::string display_name;
  std::string password_hash;
  bool disabled = false;
  std::optional<std::string> webex_person_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // The guest must choose a new password before using the portal (set by an administrator).
  bool must_change_password = false;
  // When the account ends (Unix seconds); the leader disables it then.
  std::optional<int64_t> expires_at;
};

// An allowed pair of guest ids. Stored and returned normalised (first < second).
using PairRecord = std::pair<std::string, std::string>;

// The state of the stored data as a whole: two equal values mean nothing was committed in between.
// SQLite fills `others` and `own`; PostgreSQL fills `snapshot` (the text of pg_current_snapshot(), see
// PostgresStorage::Version) and leaves the counters 0.
struct DataVersion {
  int64_t others = 0;  // moves when another connection or process commits
  int64_t own = 0;     // moves when this one changes a row
  std::string snapshot;
  bool operator==(const DataVersion&) const = default;
};

struct SpaceRecord {
  std::string id;
  std::string webex_room_id;
  std::string title;
  // The sorted guest ids joined by ','; at most one open space exists per key.
  std::string member_key;
  // In the order the space was created with.
  std::vector<std::string> member_ids;
  // Guest id -> Webex membership id, for the members whose membership id is known.
  std::map<std::string, std::string> membership_ids;
  // Guest id -> display name, read with the members (guests deleted since are absent). Not stored.
  std::map<std::string, std::string> member_names;
  std::string created_by;
  int64_t created_at = 0;
  int64_t last_activity = 0;
  std::optional<int64_t> closed_at;
  // The newest message seen in the space (empty and 0 until one is).
  std::string last_message_id;
  int64_t last_message_ms = 0;
  // Webex's lastActivity of the room as the poller last read it (empty until it has).
  std::string polled_activity;
  // ListSpacesForGuest only: the created_ms of the last message that guest has read, if any.
  std::optional<int64_t> read_mark_ms;
};

// A Webex message seen in a portal space.
struct SpaceMessage {
  std::string message_id;
  std::string space_id;
  int64_t created_ms = 0;
  int64_t seen_at = 0;
};

// A file seen in a message of a space, as Webex described it.
struct SpaceFile {
  std::string space_id;
  std::string content_id;
  std::string name;
  std::string content_type;
  int64_t size = 0;
};

// Webex work that a committed change implies, kept until the reconciler has done it. Closing a space
// queues kRemoveMembership for each guest member; a room whose space did not come to be gets
// kDeleteRoom.
// Ending a meeting lease queues kRemoveMembership for the people the lease added (the host in a guests'
// space, the guests in a pool space) and kEndMeeting for its ad hoc meeting, each with the lease's id.
enum class JobKind { kRemoveMembership, kDeleteRoom, kEndMeeting };

struct WebexJob {
  int64_t id = 0;  // assigned when queued
  JobKind kind = JobKind::kRemoveMembership;
  std::string room_id;        // the Webex room
  std::string person_id;      // kRemoveMembership: the Webex person to remove
  std::string membership_id;  // kRemoveMembership: when known (else found by listing the room)
  std::string space_id;       // the portal space it came from, if any (for the audit log)
  std::string lease_id;       // the meeting lease whose end queued it, if any
  std::string host_id;        // kEndMeeting: the pool host whose token ends the meeting
  std::string meeting_id;     // kEndMeeting: the Webex meeting
  int attempts = 0;           // failed attempts so far
  int64_t next_attempt_at = 0;
  int64_t claimed_until = 0;  // a claimed job is not handed out again before this
  std::string last_error;
  int64_t created_at = 0;
};

// A space being created. Recorded before its Webex room exists, so that a room whose space never
// commits (the process died, a revoke won the race) is found and removed by the reconciler.
struct SpaceIntent {
  std::string id;
  std::string member_key;
  std::string title;
  std::string created_by;
  std::optional<std::string> webex_room_id;  // set once Webex has answered
  int64_t created_at = 0;
};

// What a change that closes spaces did, in the one transaction that made it.
struct Closure {
  std::vector<std::string> closed_space_ids;
  int64_t jobs_queued = 0;
};

// What ChangePairs did: the pairs it really added and removed, and the spaces it closed.
struct PairChange {
  std::vector<PairRecord> added;
  std::vector<PairRecord> removed;
  Closure closure;
};

// One committed change to the guests or the allowed pairs, made by this process: it moved the
// directory version from `before` to `after` and nothing else moved it in between.
struct DirectoryChange {
  int64_t before = 0;
  int64_t after = 0;
  std::vector<std::string> guests;  // ids of the guests created, changed or deleted
  std::vector<PairRecord> added;    // pairs added, each (smaller id, larger id)
  std::vector<PairRecord>
      removed;  // pairs removed, each (smaller id, larger id); not those a guest's deletion took
  bool operator==(const DirectoryChange&) const = default;
};
struct DirectoryDelta {
  int64_t version = 0;  // the directory version now
  // The changes from `since` to `version`, oldest first, when this process made every one of them
  // and still remembers them (empty when version == since); std::nullopt otherwise.
  std::optional<std::vector<DirectoryChange>> changes;
};

struct SessionRecord {
  std::string id_hash;  // a hash of the cookie value; the cookie itself is never stored
  std::string role;     // "guest" or "admin"
  std::optional<std::string> guest_id;
  std::optional<std::string> admin_email;
  std::string csrf_token;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  // Read with the session from its guest (not stored with the session): the guest must change
  // their password before anything else.
  bool must_change_password = false;
};

// The one licensed account the portal acts as. The *_enc fields are opaque ciphertext bytes.
struct AppAdminRecord {
  std::string person_id;
  std::string email;
  std::string display_name;
  std::string access_token_enc;
  int64_t access_expires_at = 0;
  std::string refresh_token_enc;
  int64_t refresh_expires_at = 0;
  int64_t updated_at = 0;
};

struct GuestTokenRecord {
  std::string guest_id;
  std::string token_enc;  // opaque ciphertext bytes
  int64_t expires_at = 0;
};

struct OAuthStateRecord {
  std::string state;
  std::string code_verifier;
  // What the sign-in is for: empty for an administrator, "host:<hostId>" for a pool host connecting.
  std::string purpose;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

// A meeting host of the pool (SPEC §4.6): a licensed person whose tokens create ad hoc meetings
// (kPerson), or a space owned by a licensed user, lent whole in space-pool mode (kSpace).
enum class HostKind { kPerson, kSpace };

// A lease of a host by a space. kStarting while the Webex calls that set the meeting up run, kLive
// once it is set up, kEnding from the moment it ended until the Webex work its end queued is done;
// the host is free again when the row is gone.
enum class LeaseState { kStarting, kLive, kEnding };

struct LeaseRecord {
  std::string id;
  std::string host_id;
  std::string space_id;
  std::string mode;  // "adhoc" | "space-pool"
  LeaseState state = LeaseState::kStarting;
  // What the API returns to join (the meeting object of SPEC §5), once live; adhoc only.
  std::string meeting_json;
  std::string webex_meeting_id;
  // adhoc: the Webex membership of the host that this lease added to the space (empty: none added).
  std::string host_membership_id;
  // space-pool: the Webex person ids this lease added to the pool space.
  std::vector<std::string> added_person_ids;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // the lease ends by itself when no heartbeat came before this
  int64_t ended_at = 0;    // kEnding: when it ended
  std::string end_reason;  // kEnding: "ended" (Webex), "deleted", "timeout", "failed", "host_removed", ...
};

struct HostRecord {
  std::string id;
  HostKind kind = HostKind::kPerson;
  std::string email;            // kPerson: lowercased
  std::string display_name;     // kPerson: from Webex once connected; kSpace: the space's title if known
  std::string webex_person_id;  // kPerson: once connected
  std::string webex_room_id;    // kSpace: the pool space
  // kPerson: random, part of the connect link; a connect link without it is refused.
  std::string connect_key;
  std::string access_token_enc;  // kPerson: opaque ciphertext bytes, empty until connected
  int64_t access_expires_at = 0;
  std::string refresh_token_enc;
  int64_t refresh_expires_at = 0;
  int64_t last_leased_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // ListHosts and GetHost only: the lease holding the host, in any state. Not stored with the host.
  std::optional<LeaseRecord> lease;

  // A kSpace host is always ready; a kPerson host once its tokens are stored.
  bool connected() const { return kind == HostKind::kSpace || !access_token_enc.empty(); }
};

struct PoolStats {
  int64_t free = 0;       // connected hosts that no lease holds
  int64_t leased = 0;     // hosts held by a lease in any state
  int64_t exhausted = 0;  // how many times TakeLease found no free host, ever
};

struct AuditRecord {
  int64_t seq = 0;  // assigned by AppendAudit; increases with every record
  int64_t at_ms = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string outcome;  // "success", "failure", ...
  std::string detail;
};

struct AuditFilter {
  static constexpr int kMaxLimit = 500;

  std::optional<std::string> action;
  std::optional<std::string> actor;
  std::optional<std::string> target;
  std::optional<int64_t> since_ms;    // at_ms >= since_ms
  std::optional<int64_t> until_ms;    // at_ms < until_ms
  std::optional<int64_t> before_seq;  // seq < before_seq: the next page after the last seq seen
  int limit = 100;                    // clamped to 1..kMaxLimit
};

// Which instance does a background task, until when (Unix seconds).
struct RunnerRecord {
  std::string task;
  std::string instance;
  int64_t expires_at = 0;
};

}  // namespace gp::storage
