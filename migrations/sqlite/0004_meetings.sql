-- Meetings: the pool of meeting hosts, the leases that hold them, Webex jobs that belong to a lease, and
-- what an OAuth sign-in is for.

-- webex_jobs learns 'end_meeting' and which lease, host and meeting a job belongs to. SQLite cannot
-- change a CHECK, so the table is rebuilt: the rows keep their ids, and the AUTOINCREMENT high-water
-- mark moves to the new table, so that an id handed out before is never handed out again.
CREATE TABLE webex_jobs_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL CHECK (kind IN ('remove_membership', 'delete_room', 'end_meeting')),
  room_id         TEXT NOT NULL,
  person_id       TEXT NOT NULL DEFAULT '',
  membership_id   TEXT NOT NULL DEFAULT '',
  space_id        TEXT NOT NULL DEFAULT '',
  lease_id        TEXT NOT NULL DEFAULT '',
  host_id         TEXT NOT NULL DEFAULT '',
  meeting_id      TEXT NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  claimed_until   INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL
);
INSERT INTO webex_jobs_new (id, kind, room_id, person_id, membership_id, space_id, attempts, next_attempt_at,
                            claimed_until, last_error, created_at)
  SELECT id, kind, room_id, person_id, membership_id, space_id, attempts, next_attempt_at, claimed_until,
         last_error, created_at
  FROM webex_jobs ORDER BY id;
-- The old table's sequence is at least its largest id, and higher when its newest jobs were done.
DELETE FROM sqlite_sequence WHERE name = 'webex_jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'webex_jobs_new', seq FROM sqlite_sequence WHERE name = 'webex_jobs';
DROP TABLE webex_jobs;
-- Renaming carries the sqlite_sequence row along.
ALTER TABLE webex_jobs_new RENAME TO webex_jobs;
CREATE INDEX webex_jobs_due ON webex_jobs (next_attempt_at);
CREATE INDEX webex_jobs_room ON webex_jobs (room_id);
-- Completing a job asks whether its lease has others left.
CREATE INDEX webex_jobs_lease ON webex_jobs (lease_id);

-- '' for an administrator's sign-in, 'host:<hostId>' for a pool host connecting.
ALTER TABLE oauth_states ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

-- Meeting hosts: a licensed person whose tokens create ad hoc meetings ('person', by email, lowercased by
-- the caller), or a space lent whole ('space', by its Webex room). An empty email or room is stored as
-- NULL, so that the unique indexes leave out the kind it does not apply to. The tokens are ciphertext, as
-- in app_admin; a person is connected once access_token_enc is not empty.
CREATE TABLE hosts (
  id                 TEXT PRIMARY KEY,
  kind               TEXT NOT NULL CHECK (kind IN ('person', 'space')),
  email              TEXT,
  display_name       TEXT NOT NULL DEFAULT '',
  webex_person_id    TEXT NOT NULL DEFAULT '',
  webex_room_id      TEXT,
  connect_key        TEXT NOT NULL DEFAULT '',
  access_token_enc   BLOB NOT NULL DEFAULT X'',
  access_expires_at  INTEGER NOT NULL DEFAULT 0,
  refresh_token_enc  BLOB NOT NULL DEFAULT X'',
  refresh_expires_at INTEGER NOT NULL DEFAULT 0,
  last_leased_at     INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX hosts_email ON hosts (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX hosts_room ON hosts (webex_room_id) WHERE webex_room_id IS NOT NULL;
-- TakeLease picks the free host of a kind leased least recently.
CREATE INDEX hosts_pick ON hosts (kind, last_leased_at, created_at, id);

-- A host lent to a portal space. 'starting' while the Webex calls that set the meeting up run, 'live'
-- once set up, 'ending' until the Webex work its end queued (webex_jobs.lease_id) is done; then the row
-- goes and the host is free. A host is held by one row at most, whatever its state; a space has one
-- lease that is not ending at most. added_person_ids is a JSON array of Webex person ids.
CREATE TABLE leases (
  id                 TEXT PRIMARY KEY,
  host_id            TEXT NOT NULL REFERENCES hosts (id),
  space_id           TEXT NOT NULL REFERENCES spaces (id),
  mode               TEXT NOT NULL CHECK (mode IN ('adhoc', 'space-pool')),
  state              TEXT NOT NULL CHECK (state IN ('starting', 'live', 'ending')),
  meeting_json       TEXT NOT NULL DEFAULT '',
  webex_meeting_id   TEXT NOT NULL DEFAULT '',
  host_membership_id TEXT NOT NULL DEFAULT '',
  added_person_ids   TEXT NOT NULL DEFAULT '[]',
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  ended_at           INTEGER NOT NULL DEFAULT 0,
  end_reason         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX leases_host ON leases (host_id);
CREATE UNIQUE INDEX leases_open_space ON leases (space_id) WHERE state IN ('starting', 'live');
