-- The directory version: a counter that moves with every committed change to the guests or the allowed
-- pairs, whoever makes it (this process, another instance, a CLI command, a hand-written statement).
-- The admin console keeps the guests and pairs in memory; it applies the changes its own process made
-- (each journaled in memory with this counter's value before and after it) and reads everything again
-- only when the counter moved by a change it did not make. Writes to sessions, audit, spaces or
-- settings leave it alone, unlike the data version of the database as a whole.
-- The triggers run once per statement (TRUNCATE included); a journaled write locks the row first
-- (SELECT ... FOR UPDATE), so no other writer's statement can move it between its two reads.
CREATE TABLE directory_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n BIGINT NOT NULL
);
INSERT INTO directory_version (id, n) VALUES (1, 0);

CREATE FUNCTION bump_directory_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE directory_version SET n = n + 1 WHERE id = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER guests_directory_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON guests
  FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();
CREATE TRIGGER allowed_pairs_directory_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON allowed_pairs
  FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_version();

-- The journaled changes, for the other processes and instances: one row per change, its guests and
-- pairs as JSON ({"guests": [ids], "added": [[a, b]], "removed": [[a, b]]}). Each write prunes the
-- rows 1024 or more versions behind it.
CREATE TABLE directory_changes (
  version_after BIGINT PRIMARY KEY,
  version_before BIGINT NOT NULL,
  change TEXT NOT NULL
);
