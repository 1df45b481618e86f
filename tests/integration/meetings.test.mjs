// Meetings in adhoc mode against the emulator (docs/meetings.md, SPEC §4.6): hosts connect through
// their link, a lease gives every member the same meeting, and it ends once — by DELETE, by Webex's
// meetings/ended webhook, by a missing heartbeat — giving the host back; it survives kill -9; the pool
// runs out politely; a host whose meeting Webex refuses is not left leased.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorld, stopAll, show, assertError, openEvents, waitFor, connectHost, killPortal, restartPortal, Client,
  assertPortalLogsClean, OUTSIDER,
} from '../lib/harness.mjs';

const LEASE_TIMEOUT = 4;
const HOST = { displayName: 'Hana Host', email: 'hana.host@example.com' };

let world;
let A, B, C;
let a, b, c;
let ab, ac;
let host;
let hostPerson;
const streams = [];
const portals = [];

const meetingPath = (space, suffix = '') => `/api/v1/rooms/${space.id}/meeting${suffix}`;
const hosts = async () => {
  const r = await world.admin.get('/api/v1/hosts');
  assert.equal(r.status, 200, show(r));
  return r.json;
};
const liveMeetings = async () => (await world.emulator.state()).meetings.filter((m) => m.state !== 'ended');
const roomMembers = async (roomId) => (await world.emulator.state()).rooms.find((r) => r.id === roomId).memberIds;
// The pool is whole again: the host is free and out of the guests' space.
const poolWhole = async (space) => {
  await waitFor(async () => {
    const pool = await hosts();
    return pool.stats.free === pool.items.length && pool.stats.leased === 0;
  }, 10000, 'the host to be free again');
  assert.ok(!(await roomMembers(space.webexRoomId)).includes(hostPerson.id), 'the host is still in the guests\' space');
};
const events = async (client) => {
  const stream = await openEvents(world.portal, client.cookie);
  streams.push(stream);
  assert.equal(stream.status, 200, stream.body);
  return stream;
};

before(async () => {
  world = await startWorld({
    portalExtra: { NOTIFY_MODE: 'webhook', POLL_INTERVAL: '1', MEETING_LEASE_TIMEOUT: String(LEASE_TIMEOUT) },
  });
  portals.push(world.portal);
  hostPerson = await world.emulator.person(HOST.displayName, HOST.email, true);
  world.secrets.add('host access token (control API)', hostPerson.accessToken);
  A = await world.createGuest('ada', 'Ada A');
  B = await world.createGuest('bodil', 'Bo B');
  C = await world.createGuest('cyril', 'Cy C');
  await world.setPairs([[A.id, B.id], [A.id, C.id]]);
  a = await world.signIn(A);
  b = await world.signIn(B);
  c = await world.signIn(C);
  ab = (await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } })).json;
  ac = (await a.post('/api/v1/rooms', { json: { memberIds: [C.id] } })).json;
  assert.ok(ab.webexRoomId && ac.webexRoomId);
  const target = world.portal.url('/webhooks/webex');
  await waitFor(async () => (await world.emulator.state()).webhooks.some((h) => h.targetUrl === target
    && h.resource === 'meetings'), 10000, 'the portal\'s meetings webhook');
});
after(async () => {
  for (const s of streams) s.close();
  await stopAll();
});

test('a host is added by email and connects through its link; only that person can complete it', async () => {
  const bad = await world.admin.post('/api/v1/hosts', { json: { email: 'not an address' } });
  assertError(bad, 400, 'invalid_field');
  const both = await world.admin.post('/api/v1/hosts', { json: { email: HOST.email, spaceId: 'abc' } });
  assertError(both, 400);
  const added = await world.admin.post('/api/v1/hosts', { json: { email: HOST.email.toUpperCase() } });
  assert.equal(added.status, 201, show(added));
  host = added.json;
  assert.equal(host.kind, 'person');
  assert.equal(host.email, HOST.email);
  assert.equal(host.connected, false);
  assert.match(host.connectUrl, /^http:\/\/127\.0\.0\.1:\d+\/auth\/webex\/host\//);
  assertError(await world.admin.post('/api/v1/hosts', { json: { email: HOST.email } }), 409, 'host_exists');
  // A guest cannot manage the pool.
  assert.equal((await a.get('/api/v1/hosts')).status, 403);

  // A link with the wrong key goes nowhere.
  const forged = new URL(host.connectUrl);
  forged.searchParams.set('key', 'x'.repeat(32));
  assert.equal((await world.portal.call('GET', `${forged.pathname}${forged.search}`)).status, 404);

  // Someone else (a licensed outsider) completes the link: refused, nothing stored.
  const wrong = await connectHost(world.portal, world.emulator, host.connectUrl, OUTSIDER.email);
  assert.equal(wrong.callback.status, 403, show(wrong.callback));
  assert.match(wrong.callback.text, /Wrong Webex account/);
  assert.match(wrong.callback.text, new RegExp(HOST.email.replace('.', '\\.')));
  let listed = (await hosts()).items.find((h) => h.id === host.id);
  assert.equal(listed.connected, false, 'a wrong person connected the host');

  const right = await connectHost(world.portal, world.emulator, host.connectUrl, HOST.email);
  assert.equal(right.callback.status, 200, show(right.callback));
  assert.match(right.callback.text, /connected/i);
  const pool = await hosts();
  listed = pool.items.find((h) => h.id === host.id);
  assert.equal(listed.connected, true);
  assert.equal(listed.displayName, HOST.displayName);
  assert.equal(listed.connectUrl, undefined, 'a connected host still shows its link');
  assert.equal(listed.tokenWarning, 'none');
  assert.deepEqual(pool.stats, { free: 1, leased: 0, exhausted: 0 });
  assert.equal(pool.mode, 'adhoc');
});

test('a member leases a meeting; the other member gets the same one; a non-member sees nothing', async () => {
  const streamB = await events(b);
  const started = await a.post(meetingPath(ab));
  assert.equal(started.status, 200, show(started));
  const lease = started.json;
  assert.equal(lease.mode, 'adhoc');
  assert.equal(lease.roomId, ab.id);
  assert.equal(lease.mediaAvailable, false, 'the emulator carries no media');
  assert.ok(lease.meeting && lease.meeting.id && lease.meeting.meetingNumber && lease.meeting.webLink, show(started));
  assert.ok(Date.parse(lease.expiresAt) > Date.now());

  const live = await liveMeetings();
  assert.equal(live.length, 1);
  assert.equal(live[0].id, lease.meeting.id);
  assert.equal(live[0].roomId, ab.webexRoomId);
  assert.equal(live[0].hostUserId, hostPerson.id, 'the pool host does not host the meeting');
  assert.ok((await roomMembers(ab.webexRoomId)).includes(hostPerson.id), 'the host was not added to the space');

  const same = await b.post(meetingPath(ab));
  assert.equal(same.status, 200, show(same));
  assert.equal(same.json.leaseId, lease.leaseId);
  assert.equal(same.json.meeting.id, lease.meeting.id);
  const got = await b.get(meetingPath(ab));
  assert.equal(got.status, 200, show(got));
  assert.equal(got.json.leaseId, lease.leaseId);
  assert.equal((await liveMeetings()).length, 1, 'a second meeting was made');

  for (const [method, suffix] of [['POST', ''], ['GET', ''], ['DELETE', ''], ['POST', '/heartbeat']]) {
    const r = await c.call(method, meetingPath(ab, suffix));
    assert.equal(r.status, 404, `${method} ${suffix} by a non-member: ${show(r)}`);
  }
  const told = await streamB.waitFor((e) => e.event === 'meeting.started' && e.data.leaseId === lease.leaseId, 5000,
    'meeting.started for B');
  assert.equal(told.data.roomId, ab.id);
  assert.equal(told.data.startedBy, A.id);
  assert.equal(told.data.startedByName, 'Ada A');
  const pool = await hosts();
  const leased = pool.items.find((h) => h.id === host.id);
  assert.equal(leased.lease.roomId, ab.id);
  assert.equal(leased.lease.state, 'live');
  assert.equal(pool.stats.leased, 1);

  // The host cannot be removed while it is lent.
  assertError(await world.admin.del(`/api/v1/hosts/${host.id}`), 409, 'host_leased');

  const beat = await a.post(meetingPath(ab, '/heartbeat'));
  assert.equal(beat.status, 200, show(beat));
  assert.ok(Date.parse(beat.json.expiresAt) >= Date.parse(lease.expiresAt));

  // DELETE ends it: everyone is told, Webex's meeting ends, the host leaves the space and is free.
  assert.equal((await a.del(meetingPath(ab))).status, 204);
  assert.equal((await b.get(meetingPath(ab))).status, 404);
  const ended = await streamB.waitFor((e) => e.event === 'meeting.ended' && e.data.leaseId === lease.leaseId, 5000,
    'meeting.ended for B');
  assert.equal(ended.data.reason, 'deleted');
  await waitFor(async () => (await liveMeetings()).length === 0, 10000, 'the Webex meeting to end');
  await poolWhole(ab);
  assert.equal((await a.del(meetingPath(ab))).status, 204, 'a second DELETE is not an error');
  assert.equal(streamB.of('meeting.ended').length, 1, 'the end was announced twice');
});

test('Webex\'s meetings/ended webhook ends the lease and gives the host back', async () => {
  const streamA = await events(a);
  const started = await b.post(meetingPath(ab));
  assert.equal(started.status, 200, show(started));
  await world.emulator.control('POST', `/_emulator/meetings/${started.json.meeting.id}/end`, undefined, 204);
  const ended = await streamA.waitFor((e) => e.event === 'meeting.ended' && e.data.leaseId === started.json.leaseId,
    5000, 'meeting.ended after the webhook');
  assert.equal(ended.data.reason, 'ended');
  assert.equal((await a.get(meetingPath(ab))).status, 404);
  await poolWhole(ab);
});

test('without heartbeats the lease ends by itself after MEETING_LEASE_TIMEOUT', async () => {
  const streamA = await events(a);
  const started = await a.post(meetingPath(ab));
  assert.equal(started.status, 200, show(started));
  // Kept alive past the timeout by heartbeats...
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, (LEASE_TIMEOUT * 1000) / 2));
    assert.equal((await b.post(meetingPath(ab, '/heartbeat'))).status, 200);
  }
  assert.equal((await a.get(meetingPath(ab))).status, 200, 'a lease with heartbeats ended');
  // ...then left alone.
  const ended = await streamA.waitFor((e) => e.event === 'meeting.ended' && e.data.leaseId === started.json.leaseId,
    (LEASE_TIMEOUT + 6) * 1000, 'meeting.ended by timeout');
  assert.equal(ended.data.reason, 'timeout');
  assert.equal((await b.post(meetingPath(ab, '/heartbeat'))).status, 404);
  await waitFor(async () => (await liveMeetings()).length === 0, 10000, 'the Webex meeting to end');
  await poolWhole(ab);
});

test('an exhausted pool is a 503 pool_exhausted with Retry-After, counted for the console', async () => {
  const first = await a.post(meetingPath(ab));
  assert.equal(first.status, 200, show(first));
  const second = await a.post(meetingPath(ac));
  const error = assertError(second, 503, 'pool_exhausted');
  assert.ok(Number(second.headers.get('retry-after')) > 0, 'no Retry-After');
  assert.match(error.message, /try again/i);
  assert.ok((await hosts()).stats.exhausted >= 1);
  assert.equal((await liveMeetings()).length, 1);
  assert.equal((await a.del(meetingPath(ab))).status, 204);
  await poolWhole(ab);
  const now = await c.post(meetingPath(ac));
  assert.equal(now.status, 200, `once the host is back: ${show(now)}`);
  assert.equal((await c.del(meetingPath(ac))).status, 204);
  await poolWhole(ac);
});

test('a host whose meeting Webex refuses is given back, not left leased', async () => {
  await world.emulator.configure({ faults: { rate5xx: 1, endpoint: 'POST /v1/meetings' } });
  try {
    const r = await a.post(meetingPath(ab));
    assert.ok([502, 503].includes(r.status), show(r));
    assert.match(assertError(r, r.status).message, /webex/i);
  } finally {
    await world.emulator.resetFaults();
  }
  assert.equal((await a.get(meetingPath(ab))).status, 404);
  await poolWhole(ab);
  assert.equal((await liveMeetings()).length, 0);
});

test('a space that closes (its pair revoked) ends its meeting and gives the host back', async () => {
  const streamC = await events(c);
  const started = await c.post(meetingPath(ac));
  assert.equal(started.status, 200, show(started));
  await world.setPairs([[A.id, B.id]]);
  const ended = await streamC.waitFor((e) => e.event === 'meeting.ended' && e.data.leaseId === started.json.leaseId,
    10000, 'meeting.ended after the revoke');
  assert.equal(ended.data.reason, 'closed');
  await waitFor(async () => (await liveMeetings()).length === 0, 10000, 'the Webex meeting to end');
  await poolWhole(ac);
});

test('a lease killed while it was being set up is given back at the restart, host out of the space', async () => {
  // Each Webex call takes 800 ms: the kill lands while the host is being added.
  await world.emulator.configure({ latencyMs: 800 });
  const pending = a.post(meetingPath(ab)).catch(() => 'no answer');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await killPortal(world.portal);
  assert.equal(await pending, 'no answer');
  await new Promise((resolve) => setTimeout(resolve, 1000));  // the add completes in Webex meanwhile
  await world.emulator.resetFaults();
  const next = await restartPortal(world.portal);
  portals.push(next);
  world.portal = next;
  for (const client of [world.admin, a, b, c]) client.portal = next;
  await poolWhole(ab);
  assert.equal((await a.get(meetingPath(ab))).status, 404);
  assert.equal((await liveMeetings()).length, 0);
});

test('a live lease survives kill -9 and still ends correctly after the restart', async () => {
  const started = await a.post(meetingPath(ab));
  assert.equal(started.status, 200, show(started));
  await killPortal(world.portal);
  const next = await restartPortal(world.portal);
  portals.push(next);
  world.portal = next;
  for (const client of [world.admin, a, b, c]) client.portal = next;
  const got = await b.get(meetingPath(ab));
  assert.equal(got.status, 200, show(got));
  assert.equal(got.json.leaseId, started.json.leaseId);
  assert.equal(got.json.meeting.id, started.json.meeting.id);
  assertError(await world.admin.del(`/api/v1/hosts/${host.id}`), 409, 'host_leased');
  assert.equal((await b.del(meetingPath(ab))).status, 204);
  await waitFor(async () => (await liveMeetings()).length === 0, 10000, 'the Webex meeting to end');
  await poolWhole(ab);
  assert.equal((await world.admin.del(`/api/v1/hosts/${host.id}`)).status, 204, 'a free host can be removed');
});

test('GET /api/v1/webex/token gives the guest their own token, never cached', async () => {
  const r = await a.get('/api/v1/webex/token');
  assert.equal(r.status, 200, show(r));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.ok(Date.parse(r.json.expiresAt) > Date.now());
  world.secrets.add('guest Webex token', r.json.accessToken);
  const me = await world.emulator.call('GET', '/v1/people/me',
    { headers: { authorization: `Bearer ${r.json.accessToken}` } });
  assert.equal(me.status, 200, show(me));
  const guest = await world.admin.get(`/api/v1/guests/${A.id}`);
  assert.equal(guest.status, 200, show(guest));
  assert.equal(me.json.id, guest.json.webexPersonId, 'the token is not the guest\'s own');
  assert.equal((await new Client(world.portal, '').get('/api/v1/webex/token')).status, 401);
});

test('the portal logs hold no secret', async () => {
  await assertPortalLogsClean(portals, world.secrets);
});
