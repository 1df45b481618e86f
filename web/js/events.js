// The guest's live event stream (GET /api/v1/events, Server-Sent Events). The browser reconnects by
// itself after a dropped connection and sends Last-Event-ID, so the portal replays what was missed
// (or sends `resync` when it cannot). Only when the browser gives up (the portal answered with an
// error instead of a stream) does this module ask whether the session is still there, and then opens
// a new stream, which has no Last-Event-ID: the page reloads what it shows (`onReopen`).
import { loadSession } from './api.js';

const kRetryMs = [2000, 5000, 15000, 30000, 60000];

// `handlers` maps an event name to a function of its parsed JSON data. `onSessionGone` runs when the
// session turns out to have ended.
export function connectEvents(handlers, { onReopen, onSessionGone }) {
  let source = null;
  let stopped = false;
  let attempt = 0;
  let retryTimer = null;

  function open(reopened) {
    source = new EventSource('/api/v1/events');
    for (const [type, handle] of Object.entries(handlers)) {
      source.addEventListener(type, (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        if (data !== null && typeof data === 'object') handle(data);
      });
    }
    source.addEventListener('open', () => {
      attempt = 0;
      if (reopened && onReopen) onReopen();
      reopened = false;
    });
    source.addEventListener('error', () => {
      if (!stopped && source.readyState === EventSource.CLOSED) givenUp();
    });
  }

  async function givenUp() {
    source.close();
    let session = null;
    try {
      session = await loadSession();
    } catch {
      // The portal cannot be reached: try again later, as for any other failure.
    }
    if (stopped) return;
    if (session && session.role !== 'guest') {
      onSessionGone();
      return;
    }
    const delay = kRetryMs[Math.min(attempt, kRetryMs.length - 1)];
    attempt += 1;
    retryTimer = setTimeout(() => open(true), delay);
  }

  open(false);
  return {
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      if (source) source.close();
    },
  };
}
