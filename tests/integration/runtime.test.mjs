// The runtime under a slow Webex: nothing waits on the I/O thread, and a change made by the admin while
// a guest's Webex call is in flight is not undone when that call comes back (STYLE.md 5 and 13,
// SPEC §4.2, §4.4). The emulator's latency makes every Webex call slow; /_emulator/config.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startWorld, stopAll, show, guestSignInRaw, sessionCookie, Client } from '../lib/harness.mjs';

const SLOW_WEBEX_MS = 1000;
const PROBE_BUDGET_MS = 200;
const PROBE_EVERY_MS = 50;

let world;
before(async () => {
  world = await startWorld();
  // One sign-in before any latency, so the Service App's access token is cached and the sign-ins
  // below wait on the guest token alone.
  const warm = await world.createGuest('warmup', 'Warm Up');
  await world.signIn(warm);
});
after(stopAll);

const fmt = (ms) => `${ms.toFixed(1)} ms`;

test('a slow Webex does not slow other clients: /healthz and a signed-in guest\'s room list stay fast while 12 first sign-ins wait on Webex',
  { timeout: 60000 }, async (t) => {
    const { emulator, portal } = world;
    const watcherGuest = await world.createGuest('watcher', 'Watcher');
    const watcher = await world.signIn(watcherGuest);
    const fresh = [];
    for (let i = 0; i < 12; i++) fresh.push(await world.createGuest(`fresh${String(i).padStart(2, '0')}`, `Fresh ${i}`));

    await emulator.configure({ latencyMs: SLOW_WEBEX_MS });
    try {
      let pending = fresh.length;
      const started = performance.now();
      const signIns = fresh.map((g) => guestSignInRaw(portal, g.username, g.password)
        .then((r) => ({ r, ms: performance.now() - started }), (error) => ({ error, ms: performance.now() - started }))
        .finally(() => { pending -= 1; }));

      // Probe every ~50 ms while any sign-in is in flight (bounded by the test's deadline).
      const probes = [];
      const deadline = Date.now() + 45000;
      while (pending > 0 && Date.now() < deadline) {
        const tick = delay(PROBE_EVERY_MS);
        const inFlight = pending;
        const [health, rooms] = await Promise.all([portal.call('GET', '/healthz'), watcher.get('/api/v1/rooms')]);
        assert.equal(health.status, 200, show(health));
        assert.equal(rooms.status, 200, show(rooms));
        probes.push({ what: 'GET /healthz', ms: health.elapsedMs, inFlight });
        probes.push({ what: 'GET /api/v1/rooms', ms: rooms.elapsedMs, inFlight });
        await tick;
      }
      const results = await Promise.all(signIns);

      for (const [i, { r, error }] of results.entries()) {
        assert.ok(!error, `sign-in of ${fresh[i].username} failed: ${error?.message}`);
        assert.equal(r.status, 200, `sign-in of ${fresh[i].username}: ${show(r)}`);
        assert.ok(sessionCookie(r)?.value, `no session cookie for ${fresh[i].username}`);
        world.secrets.add(`session cookie of ${fresh[i].username}`, sessionCookie(r).value);
      }
      // The sign-ins did wait on Webex, so the probes ran while calls were in flight.
      const slowest = Math.max(...results.map((x) => x.ms));
      assert.ok(slowest >= SLOW_WEBEX_MS, `the sign-ins took ${fmt(slowest)}: Webex was not slow, nothing was measured`);
      const counted = probes.filter((p) => p.inFlight > 0);
      assert.ok(counted.length > 0, 'no probe ran while sign-ins were in flight');

      const worst = counted.reduce((m, p) => (p.ms > m.ms ? p : m));
      const maxOf = (what) => Math.max(...counted.filter((p) => p.what === what).map((p) => p.ms));
      const report = `max GET /healthz ${fmt(maxOf('GET /healthz'))}, max GET /api/v1/rooms ${fmt(maxOf('GET /api/v1/rooms'))} `
        + `over ${counted.length} probes; sign-ins took up to ${fmt(slowest)}`;
      t.diagnostic(report);
      assert.ok(worst.ms <= PROBE_BUDGET_MS,
        `${worst.what} took ${fmt(worst.ms)} (budget ${PROBE_BUDGET_MS} ms) with ${worst.inFlight} sign-ins in flight; ${report}`);
      // Probes every ~50 ms over more than a second of sign-ins: at least 10 rounds of two.
      assert.ok(counted.length >= 20, `only ${counted.length} probes ran while sign-ins were in flight; ${report}`);
    } finally {
      await emulator.resetFaults();
    }
  });

test('disabling a guest during their slow first sign-in: the guest stays disabled and gets no working session',
  { timeout: 30000 }, async () => {
    const { emulator, portal, admin } = world;
    const guest = await world.createGuest('latecomer', 'Late Comer');
    await emulator.configure({ latencyMs: SLOW_WEBEX_MS });
    try {
      let signInDone = false;
      const signIn = guestSignInRaw(portal, guest.username, guest.password).finally(() => { signInDone = true; });
      await delay(300);
      assert.ok(!signInDone, 'the sign-in finished within 300 ms: it did not wait on Webex, the race was not exercised');
      const patch = await admin.patch(`/api/v1/guests/${guest.id}`, { json: { disabled: true } });
      assert.equal(patch.status, 200, show(patch));
      assert.equal(patch.json.disabled, true, show(patch));
      assert.ok(patch.elapsedMs < SLOW_WEBEX_MS - 300,
        `disabling took ${fmt(patch.elapsedMs)}: it waited behind the sign-in's Webex call`);

      const r = await signIn;
      await emulator.resetFaults();
      const stored = await admin.get(`/api/v1/guests/${guest.id}`);
      assert.equal(stored.status, 200, show(stored));
      assert.equal(stored.json.disabled, true, `the sign-in that came back undid the disable: ${show(stored)}`);

      const cookie = sessionCookie(r)?.value;
      if (r.status === 200 || cookie) {
        assert.ok(cookie, `sign-in answered 200 without a session cookie: ${show(r)}`);
        world.secrets.add('session cookie of latecomer', cookie);
        const client = new Client(portal, cookie);
        const me = await client.get('/api/v1/session');
        assert.equal(me.status, 200, show(me));
        assert.equal(me.json.role, null, `the session made by the sign-in outlived the disable: ${show(me)}`);
        const rooms = await client.get('/api/v1/rooms');
        assert.equal(rooms.status, 401, `a disabled guest's session reads rooms: ${show(rooms)}`);
      }
      // Later sign-ins are refused as for any disabled account.
      const again = await guestSignInRaw(portal, guest.username, guest.password);
      assert.equal(again.status, 403, show(again));
    } finally {
      await emulator.resetFaults();
    }
  });

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
