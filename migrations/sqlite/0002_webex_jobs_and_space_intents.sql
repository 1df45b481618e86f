-- Webex work queued by committed changes, and spaces being created. Both are read by the reconciler.

-- One row per piece of Webex work still to do; a done job is deleted. kind: 'remove_membership' (room_id,
-- person_id, membership_id when known) or 'delete_room' (room_id). A claimed job (claimed_until in the
-- future) is not handed out again until its lease ends. AUTOINCREMENT: ids are never reused, so a worker
-- completing a job whose lease ran out cannot hit a newer job.
CREATE TABLE webex_jobs (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL CHECK (kind IN ('remove_membership', 'delete_room')),
  room_id         TEXT NOT NULL,
  person_id       TEXT NOT NULL DEFAULT '',
  membership_id   TEXT NOT NULL DEFAULT '',
  space_id        TEXT NOT NULL DEFAULT '',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  claimed_until   INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL
);
-- Claims look for due jobs; IsKnownRoom looks a room up.
CREATE INDEX webex_jobs_due ON webex_jobs (next_attempt_at);
CREATE INDEX webex_jobs_room ON webex_jobs (room_id);

-- A space between "decided" and "committed": saved before its Webex room exists, so a room whose space
-- never commits is found and removed. No foreign keys: an intent outlives nothing it names.
CREATE TABLE space_intents (
  id            TEXT PRIMARY KEY,
  member_key    TEXT NOT NULL,
  title         TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  webex_room_id TEXT UNIQUE,
  created_at    INTEGER NOT NULL
);
CREATE INDEX space_intents_created ON space_intents (created_at);
