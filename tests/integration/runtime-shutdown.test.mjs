// SIGTERM drains: a request waiting on a slow Webex gets its real answer, an open event stream gets a
// reconnect hint and a clean end, a new connection is refused, the process exits 0 and says in one
// line what it drained; the next start takes up from the database what was left (STYLE.md 6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorld, stopAll, show, guestSignInRaw, sessionCookie, openEvents, waitFor, restartPortal,
} from '../lib/harness.mjs';

const SLOW_WEBEX_MS = 1500;

let world;
before(async () => {
  world = await startWorld();
  // One sign-in before any latency, so the Service App's token is cached and the sign-in below waits
  // on one Webex call (the guest's token).
  const warm = await world.createGuest('warmup', 'Warm Up');
  await world.signIn(warm);
});
after(stopAll);

// Resolves with whether a new TCP connection to `port` is refused.
async function refused(portal) {
  try {
    await portal.call('GET', '/healthz');
    return false;
  } catch {
    return true;
  }
}

test('SIGTERM: the slow sign-in gets its 200, the stream a retry hint and an end, new connections are refused, exit 0',
  { timeout: 60000 }, async () => {
    const { emulator, portal } = world;
    const listener = await world.createGuest('listener', 'Listener');
    const listenerClient = await world.signIn(listener);
    const stream = await openEvents(portal, listenerClient.cookie);
    assert.equal(stream.status, 200);
    assert.match(stream.headers['x-request-id'] ?? '', /^[A-Za-z0-9._-]{1,128}$/, 'the stream\'s head has no X-Request-Id');
    await waitFor(() => stream.body.includes('retry: 2000'), 5000, 'the stream\'s first retry line');
    const fresh = await world.createGuest('latecomer', 'Late Comer');

    const tokensBefore = (await emulator.stats())['POST /v1/guests/token'] ?? 0;
    await emulator.configure({ latencyMs: SLOW_WEBEX_MS });
    const started = performance.now();
    let answeredAt = 0;
    const signIn = guestSignInRaw(portal, fresh.username, fresh.password).then((r) => {
      answeredAt = performance.now();
      return r;
    });
    // The sign-in is waiting on Webex once the emulator has seen its call (the emulator counts a call
    // when it arrives and delays only the answer).
    await waitFor(async () => ((await emulator.stats())['POST /v1/guests/token'] ?? 0) > tokensBefore, 5000,
      'the sign-in\'s Webex call');
    const exited = new Promise((resolve) => portal.child.once('exit', (code, signal) => resolve({ code, signal })));
    portal.child.kill('SIGTERM');

    // While the sign-in still waits, a new connection is refused.
    await waitFor(() => refused(portal), 3000, 'a refused connection after SIGTERM');
    assert.equal(answeredAt, 0, 'the sign-in was answered before a new connection was refused: nothing was in flight');
    assert.equal(portal.child.exitCode, null, 'the portal exited before the sign-in was answered');

    const r = await signIn;
    assert.equal(r.status, 200, show(r));
    assert.ok(sessionCookie(r)?.value, 'the drained sign-in has no session cookie');
    world.secrets.add('session cookie of latecomer', sessionCookie(r).value);
    assert.ok(answeredAt - started >= SLOW_WEBEX_MS, 'the sign-in did not wait on Webex');

    await waitFor(() => stream.ended, 5000, 'the event stream\'s end');
    assert.match(stream.body, /\nretry: 3000\n\n$/, `the stream did not end with a retry hint: ${JSON.stringify(stream.body.slice(-200))}`);

    const { code, signal } = await exited;
    assert.equal(signal, null);
    assert.equal(code, 0, portal.log.stderr.slice(-2000));
    await portal.child.closed;
    const summary = portal.log.stderr.split('\n').filter((l) => / info stopped: /.test(l));
    assert.equal(summary.length, 1, portal.log.stderr.slice(-2000));
    // The sign-in at least (a probe may have been in flight too), nothing cut off, the one stream.
    const counts = summary[0].match(/stopped: (\d+) request\(s\) in flight finished, (\d+) cut off; (\d+) event stream\(s\) ended/);
    assert.ok(counts, summary[0]);
    assert.ok(Number(counts[1]) >= 1, summary[0]);
    assert.equal(Number(counts[2]), 0, summary[0]);
    assert.equal(Number(counts[3]), 1, summary[0]);
    await emulator.resetFaults();

    // The same database serves again, and the session made during the drain is valid.
    const again = await restartPortal(portal);
    const me = await again.call('GET', '/api/v1/session', { cookie: sessionCookie(r).value });
    assert.equal(me.status, 200, show(me));
    await again.stop();
    world.secrets.assertAbsentFrom(portal.log.stderr + again.log.stderr);
  });
