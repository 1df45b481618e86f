-- The directory version: a counter that moves with every committed change to the guests or the allowed
-- pairs, whoever makes it (this process, another instance, a CLI command, a hand-written statement).
-- The admin console keeps the guests and pairs in memory; it applies the changes journaled with this
-- counter's value before and after each (in memory and in directory_changes, by whichever process or
-- instance made them) and reads everything again only when a step is missing: a write that did not
-- go through the portal's storage, or one older than the newest 1024 kept. Writes to sessions, audit, spaces or
-- settings leave it alone, unlike the data version of the database as a whole.
CREATE TABLE directory_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n INTEGER NOT NULL
);
INSERT INTO directory_version (id, n) VALUES (1, 0);

CREATE TRIGGER guests_directory_insert AFTER INSERT ON guests FOR EACH ROW
BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER guests_directory_update AFTER UPDATE ON guests FOR EACH ROW
BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER guests_directory_delete AFTER DELETE ON guests FOR EACH ROW
BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER allowed_pairs_directory_insert AFTER INSERT ON allowed_pairs FOR EACH ROW
BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER allowed_pairs_directory_update AFTER UPDATE ON allowed_pairs FOR EACH ROW
BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER allowed_pairs_directory_delete AFTER DELETE ON allowed_pairs FOR EACH ROW
BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END;

-- The journaled changes, for the other processes and instances: one row per change, its guests and
-- pairs as JSON ({"guests": [ids], "added": [[a, b]], "removed": [[a, b]]}). Each write prunes the
-- rows 1024 or more versions behind it.
CREATE TABLE directory_changes (
  version_after INTEGER PRIMARY KEY,
  version_before INTEGER NOT NULL,
  change TEXT NOT NULL
);
