-- Guest access hand-off: a guest may be made to choose a new password at their next sign-in, and an
-- account may end at a given time (Unix seconds), after which the leader disables it.
ALTER TABLE guests
  ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
  ADD COLUMN expires_at BIGINT;
-- The expiry task looks only at enabled guests with an end date.
CREATE INDEX guests_expiring ON guests (expires_at) WHERE expires_at IS NOT NULL AND NOT disabled;
