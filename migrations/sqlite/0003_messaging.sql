-- Messaging: which messages the portal has seen in its spaces, each guest's read mark, the files members
-- may download, and how far polling has read each space.

-- One row per Webex message seen in a portal space (sent through the portal, delivered by the webhook
-- or found by polling): inserting it is what announces the message, so each is announced once.
CREATE TABLE space_messages (
  message_id TEXT PRIMARY KEY,
  space_id   TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_ms INTEGER NOT NULL,
  seen_at    INTEGER NOT NULL
);
CREATE INDEX space_messages_space ON space_messages (space_id, created_ms);
CREATE INDEX space_messages_seen ON space_messages (seen_at);

-- The newest message seen (for unread markers) and Webex's lastActivity as the poller last read it.
ALTER TABLE spaces ADD COLUMN last_message_id TEXT;
ALTER TABLE spaces ADD COLUMN last_message_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE spaces ADD COLUMN polled_activity TEXT NOT NULL DEFAULT '';

-- A guest has read a space up to the message created at created_ms. Marks only move forward.
CREATE TABLE read_marks (
  guest_id   TEXT NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
  space_id   TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (guest_id, space_id)
);

-- Files seen in messages of a space: only these can be downloaded through the portal, by the space's
-- members. What Webex said of each is kept so that listing messages asks Webex once per file.
CREATE TABLE space_files (
  space_id     TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  content_id   TEXT NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  PRIMARY KEY (space_id, content_id)
);

CREATE INDEX guests_person ON guests (webex_person_id);
