-- Guest access hand-off: a guest may be made to choose a new password at their next sign-in, and an
-- account may end at a given time (Unix seconds), after which the leader disables it.
ALTER TABLE guests ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
ALTER TABLE guests ADD COLUMN expires_at INTEGER;
-- The expiry task looks only at enabled guests with an end date.
CREATE INDEX guests_expiring ON guests (expires_at) WHERE expires_at IS NOT NULL AND disabled = 0;
