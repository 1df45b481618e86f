-- Which instance does a background task (a token refresh, the poller, meeting timers) and until when.
CREATE TABLE runners (
  task TEXT PRIMARY KEY,
  instance TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
