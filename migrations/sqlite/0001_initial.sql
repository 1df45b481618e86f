-- The initial schema. Times are Unix seconds (audit_log.at_ms: milliseconds); ids are caller-chosen text.

CREATE TABLE guests (
  id              TEXT PRIMARY KEY,
  username        TEXT NOT NULL UNIQUE,
  display_name    TEXT NOT NULL,
  password_hash   TEXT NOT NULL,
  disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  webex_person_id TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

-- Symmetric pairs stored once, smaller id first; a deleted guest takes its pairs along.
CREATE TABLE allowed_pairs (
  guest_a TEXT NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
  guest_b TEXT NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
  PRIMARY KEY (guest_a, guest_b),
  CHECK (guest_a < guest_b)
);
CREATE INDEX allowed_pairs_guest_b ON allowed_pairs (guest_b);

-- A closed space keeps its row (closed_at set) so the admin console can show it.
CREATE TABLE spaces (
  id            TEXT PRIMARY KEY,
  webex_room_id TEXT NOT NULL UNIQUE,
  title         TEXT NOT NULL,
  member_key    TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  closed_at     INTEGER
);
-- One open space per member set; closing a space frees the set.
CREATE UNIQUE INDEX spaces_open_member_key ON spaces (member_key) WHERE closed_at IS NULL;
CREATE INDEX spaces_by_activity ON spaces (last_activity DESC, created_at DESC);

-- guest_id has no foreign key: a space's history outlives a deleted guest.
CREATE TABLE space_members (
  space_id            TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  guest_id            TEXT NOT NULL,
  position            INTEGER NOT NULL,
  webex_membership_id TEXT,
  PRIMARY KEY (space_id, guest_id)
);
CREATE INDEX space_members_guest ON space_members (guest_id);

-- id_hash is a hash of the cookie value; the cookie itself is never stored.
CREATE TABLE sessions (
  id_hash     TEXT PRIMARY KEY,
  role        TEXT NOT NULL CHECK (role IN ('guest', 'admin')),
  guest_id    TEXT REFERENCES guests (id) ON DELETE CASCADE,
  admin_email TEXT,
  csrf_token  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_guest ON sessions (guest_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A single row; the tokens are ciphertext.
CREATE TABLE app_admin (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  person_id          TEXT NOT NULL,
  email              TEXT NOT NULL,
  display_name       TEXT NOT NULL,
  access_token_enc   BLOB NOT NULL,
  access_expires_at  INTEGER NOT NULL,
  refresh_token_enc  BLOB NOT NULL,
  refresh_expires_at INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);

CREATE TABLE guest_tokens (
  guest_id   TEXT PRIMARY KEY REFERENCES guests (id) ON DELETE CASCADE,
  token_enc  BLOB NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE oauth_states (
  state         TEXT PRIMARY KEY,
  code_verifier TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);

-- AUTOINCREMENT so that a sequence number is never reused, even after the newest rows are deleted.
CREATE TABLE audit_log (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms   INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail  TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_at ON audit_log (at_ms);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
