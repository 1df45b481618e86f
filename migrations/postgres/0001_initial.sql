-- The whole schema as the SQLite migrations 0001..0004 left it, in one PostgreSQL migration. Times are Unix
-- seconds in BIGINT (audit_log.at_ms, space_messages.created_ms: milliseconds); ids are caller-chosen text.
-- Text uses the "C" collation, so that comparisons and orders are byte-wise as in SQLite (the suite's
-- orders, and allowed_pairs' guest_a < guest_b, which callers normalise with std::minmax).

CREATE TABLE guests (
  id              TEXT COLLATE "C" PRIMARY KEY,
  username        TEXT COLLATE "C" NOT NULL UNIQUE,
  display_name    TEXT COLLATE "C" NOT NULL,
  password_hash   TEXT COLLATE "C" NOT NULL,
  disabled        BOOLEAN NOT NULL DEFAULT FALSE,
  webex_person_id TEXT COLLATE "C",
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX guests_person ON guests (webex_person_id);

-- Symmetric pairs stored once, smaller id first; a deleted guest takes its pairs along.
CREATE TABLE allowed_pairs (
  guest_a TEXT COLLATE "C" NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
  guest_b TEXT COLLATE "C" NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
  PRIMARY KEY (guest_a, guest_b),
  CHECK (guest_a < guest_b)
);
CREATE INDEX allowed_pairs_guest_b ON allowed_pairs (guest_b);

-- A closed space keeps its row (closed_at set) so the admin console can show it.
CREATE TABLE spaces (
  id              TEXT COLLATE "C" PRIMARY KEY,
  webex_room_id   TEXT COLLATE "C" NOT NULL UNIQUE,
  title           TEXT COLLATE "C" NOT NULL,
  member_key      TEXT COLLATE "C" NOT NULL,
  created_by      TEXT COLLATE "C" NOT NULL,
  created_at      BIGINT NOT NULL,
  last_activity   BIGINT NOT NULL,
  closed_at       BIGINT,
  -- The newest message seen (for unread markers) and Webex's lastActivity as the poller last read it.
  last_message_id TEXT COLLATE "C",
  last_message_ms BIGINT NOT NULL DEFAULT 0,
  polled_activity TEXT COLLATE "C" NOT NULL DEFAULT ''
);
-- One open space per member set; closing a space frees the set.
CREATE UNIQUE INDEX spaces_open_member_key ON spaces (member_key) WHERE closed_at IS NULL;
CREATE INDEX spaces_by_activity ON spaces (last_activity DESC, created_at DESC);

-- guest_id has no foreign key: a space's history outlives a deleted guest.
CREATE TABLE space_members (
  space_id            TEXT COLLATE "C" NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  guest_id            TEXT COLLATE "C" NOT NULL,
  position            INTEGER NOT NULL,
  webex_membership_id TEXT COLLATE "C",
  PRIMARY KEY (space_id, guest_id)
);
CREATE INDEX space_members_guest ON space_members (guest_id);

-- id_hash is a hash of the cookie value; the cookie itself is never stored.
CREATE TABLE sessions (
  id_hash     TEXT COLLATE "C" PRIMARY KEY,
  role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('guest', 'admin')),
  guest_id    TEXT COLLATE "C" REFERENCES guests (id) ON DELETE CASCADE,
  admin_email TEXT COLLATE "C",
  csrf_token  TEXT COLLATE "C" NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_guest ON sessions (guest_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A single row; the tokens are ciphertext.
CREATE TABLE app_admin (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  person_id          TEXT COLLATE "C" NOT NULL,
  email              TEXT COLLATE "C" NOT NULL,
  display_name       TEXT COLLATE "C" NOT NULL,
  access_token_enc   BYTEA NOT NULL,
  access_expires_at  BIGINT NOT NULL,
  refresh_token_enc  BYTEA NOT NULL,
  refresh_expires_at BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);

CREATE TABLE guest_tokens (
  guest_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES guests (id) ON DELETE CASCADE,
  token_enc  BYTEA NOT NULL,
  expires_at BIGINT NOT NULL
);

-- purpose: '' for an administrator's sign-in, 'host:<hostId>' for a pool host connecting.
CREATE TABLE oauth_states (
  state         TEXT COLLATE "C" PRIMARY KEY,
  code_verifier TEXT COLLATE "C" NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  purpose       TEXT COLLATE "C" NOT NULL DEFAULT ''
);

-- A sequence never hands out a number twice, even after the newest rows are deleted.
CREATE TABLE audit_log (
  seq     BIGSERIAL PRIMARY KEY,
  at_ms   BIGINT NOT NULL,
  actor   TEXT COLLATE "C" NOT NULL,
  action  TEXT COLLATE "C" NOT NULL,
  target  TEXT COLLATE "C" NOT NULL,
  outcome TEXT COLLATE "C" NOT NULL,
  detail  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_at ON audit_log (at_ms);

CREATE TABLE settings (
  key   TEXT COLLATE "C" PRIMARY KEY,
  value TEXT COLLATE "C" NOT NULL
);

-- One row per piece of Webex work still to do; a done job is deleted. A claimed job (claimed_until in the
-- future) is not handed out again until its claim ends. BIGSERIAL: ids are never reused, so a worker
-- completing a job whose claim ran out cannot hit a newer job.
CREATE TABLE webex_jobs (
  id              BIGSERIAL PRIMARY KEY,
  kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('remove_membership', 'delete_room', 'end_meeting')),
  room_id         TEXT COLLATE "C" NOT NULL,
  person_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
  membership_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
  space_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
  lease_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
  host_id         TEXT COLLATE "C" NOT NULL DEFAULT '',
  meeting_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  claimed_until   BIGINT NOT NULL DEFAULT 0,
  last_error      TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at      BIGINT NOT NULL
);
-- Claims look for due jobs; IsKnownRoom looks a room up; completing a job asks whether its lease has
-- others left.
CREATE INDEX webex_jobs_due ON webex_jobs (next_attempt_at);
CREATE INDEX webex_jobs_room ON webex_jobs (room_id);
CREATE INDEX webex_jobs_lease ON webex_jobs (lease_id);

-- A space between "decided" and "committed": saved before its Webex room exists, so a room whose space
-- never commits is found and removed. No foreign keys: an intent outlives nothing it names.
CREATE TABLE space_intents (
  id            TEXT COLLATE "C" PRIMARY KEY,
  member_key    TEXT COLLATE "C" NOT NULL,
  title         TEXT COLLATE "C" NOT NULL,
  created_by    TEXT COLLATE "C" NOT NULL,
  webex_room_id TEXT COLLATE "C" UNIQUE,
  created_at    BIGINT NOT NULL
);
CREATE INDEX space_intents_created ON space_intents (created_at);

-- One row per Webex message seen in a portal space: inserting it is what announces the message.
CREATE TABLE space_messages (
  message_id TEXT COLLATE "C" PRIMARY KEY,
  space_id   TEXT COLLATE "C" NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_ms BIGINT NOT NULL,
  seen_at    BIGINT NOT NULL
);
CREATE INDEX space_messages_space ON space_messages (space_id, created_ms);
CREATE INDEX space_messages_seen ON space_messages (seen_at);

-- A guest has read a space up to the message created at created_ms. Marks only move forward.
CREATE TABLE read_marks (
  guest_id   TEXT COLLATE "C" NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
  space_id   TEXT COLLATE "C" NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  message_id TEXT COLLATE "C" NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (guest_id, space_id)
);

-- Files seen in messages of a space, as Webex described them.
CREATE TABLE space_files (
  space_id     TEXT COLLATE "C" NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  content_id   TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  content_type TEXT COLLATE "C" NOT NULL,
  size         BIGINT NOT NULL,
  PRIMARY KEY (space_id, content_id)
);

-- Meeting hosts: a licensed person ('person', by email, lowercased by the caller), or a space lent whole
-- ('space', by its Webex room). An empty email or room is stored as NULL, so that the unique indexes
-- leave out the kind it does not apply to. A person is connected once access_token_enc is not empty.
CREATE TABLE hosts (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  kind               TEXT COLLATE "C" NOT NULL CHECK (kind IN ('person', 'space')),
  email              TEXT COLLATE "C",
  display_name       TEXT COLLATE "C" NOT NULL DEFAULT '',
  webex_person_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
  webex_room_id      TEXT COLLATE "C",
  connect_key        TEXT COLLATE "C" NOT NULL DEFAULT '',
  access_token_enc   BYTEA NOT NULL DEFAULT '\x',
  access_expires_at  BIGINT NOT NULL DEFAULT 0,
  refresh_token_enc  BYTEA NOT NULL DEFAULT '\x',
  refresh_expires_at BIGINT NOT NULL DEFAULT 0,
  last_leased_at     BIGINT NOT NULL DEFAULT 0,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX hosts_email ON hosts (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX hosts_room ON hosts (webex_room_id) WHERE webex_room_id IS NOT NULL;
-- TakeLease picks the free host of a kind leased least recently.
CREATE INDEX hosts_pick ON hosts (kind, last_leased_at, created_at, id);

-- A host lent to a portal space: 'starting', 'live', then 'ending' until the Webex work its end queued
-- (webex_jobs.lease_id) is done; then the row goes and the host is free. A host is held by one row at
-- most, whatever its state; a space has one lease that is not ending at most (both indexes are the
-- backstop of TakeLease's locking). added_person_ids is a JSON array of Webex person ids.
CREATE TABLE leases (
  id                 TEXT COLLATE "C" PRIMARY KEY,
  host_id            TEXT COLLATE "C" NOT NULL REFERENCES hosts (id),
  space_id           TEXT COLLATE "C" NOT NULL REFERENCES spaces (id),
  mode               TEXT COLLATE "C" NOT NULL CHECK (mode IN ('adhoc', 'space-pool')),
  state              TEXT COLLATE "C" NOT NULL CHECK (state IN ('starting', 'live', 'ending')),
  meeting_json       TEXT COLLATE "C" NOT NULL DEFAULT '',
  webex_meeting_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
  host_membership_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  added_person_ids   TEXT COLLATE "C" NOT NULL DEFAULT '[]',
  created_at         BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL,
  ended_at           BIGINT NOT NULL DEFAULT 0,
  end_reason         TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX leases_host ON leases (host_id);
CREATE UNIQUE INDEX leases_open_space ON leases (space_id) WHERE state IN ('starting', 'live');

-- Which instance does a background task (a token refresh, the poller, meeting timers) and until when.
CREATE TABLE runners (
  task       TEXT COLLATE "C" PRIMARY KEY,
  instance   TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL
);
