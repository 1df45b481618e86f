-- Live events shared between portal instances (storage::EventLog, src/storage/postgres/pg_event_log.cpp).
-- Ids are wall-clock milliseconds × 1000, given by the appending transaction while it holds an advisory
-- lock, so that they commit in increasing order. Independent of the other tables.
CREATE TABLE live_events (
  id bigint PRIMARY KEY,
  type text NOT NULL,
  data text NOT NULL,
  recipients text[] NOT NULL
);

-- One row: ids at or below floor_id may have been given and are no longer in live_events.
CREATE TABLE live_events_floor (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  floor_id bigint NOT NULL
);
INSERT INTO live_events_floor (floor_id) VALUES (0);
