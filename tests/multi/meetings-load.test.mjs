// Meeting leases across two instances on one PostgreSQL (SPEC §8: pool leases are taken with row
// locks so no host is ever leased twice; background work is done by one instance at a time and taken
// over when an instance dies). 200 members of 200 spaces ask for a meeting at the same moment, half
// of them at each instance, while the pool holds 3 hosts: exactly 3 leases. Then the same with one
// instance killed by `kill -9` in the middle: no lease is lost or doubled, and the survivor ends every
// lease left without heartbeats (its timers), ends their Webex meetings and takes the hosts out of the
// spaces (the reconciler), until the pool is whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { show, assertError, waitFor, connectHost, openEvents, killPortal, request } from '../lib/harness.mjs';
import { startCluster, via, bounded } from '../lib/multi.mjs';

const SPACES = 200;
const HOSTS = 3;
const LEASE_TIMEOUT = 5;
const SETUP_CONCURRENCY = 8;

let world;
let A, B;
let G;
let gAt;  // gaia's client per instance: {A, B}
let others = [];
let spaces = [];
const hostPeople = [];
const streams = [];

const meetingPath = (space) => `/api/v1/rooms/${space.id}/meeting`;
const pool = async (endpoint) => {
  const r = await via(world.admin, endpoint).get('/api/v1/hosts');
  assert.equal(r.status, 200, show(r));
  return r.json;
};
const liveMeetings = async () => (await world.emulator.state()).meetings.filter((m) => m.state !== 'ended');
const hostsInGuestRooms = async () => {
  const state = await world.emulator.state();
  const hostIds = new Set(hostPeople.map((p) => p.id));
  const rooms = new Set(spaces.map((s) => s.webexRoomId));
  return state.rooms.filter((r) => rooms.has(r.id) && r.memberIds.some((id) => hostIds.has(id))).map((r) => r.id);
};
// Asks for a meeting in every space at once, space i at instance i % 2 (A, B, A, ...).
const askAll = (targets) => Promise.all(spaces.map((space, i) => {
  const endpoint = targets[i % targets.length];
  return via(gAt.A, endpoint).post(meetingPath(space)).catch((error) => ({ status: 0, error, endpoint }));
}));

before(async () => {
  world = await startCluster({
    portalExtra: {
      NOTIFY_MODE: 'webhook', POLL_INTERVAL: '1', MEETING_LEASE_TIMEOUT: String(LEASE_TIMEOUT),
      PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_ITERATIONS: '2',
    },
  });
  [A, B] = world.portals;
  for (let i = 0; i < HOSTS; i++) {
    const email = `host${i}@example.com`;
    const person = await world.emulator.person(`Host ${i}`, email, true);
    world.secrets.add(`host ${i} access token (control API)`, person.accessToken);
    const added = await world.admin.post('/api/v1/hosts', { json: { email } });
    assert.equal(added.status, 201, show(added));
    const connected = await connectHost(world.lb, world.emulator, added.json.connectUrl, email);
    assert.equal(connected.callback.status, 200, show(connected.callback));
    hostPeople.push(person);
  }
  for (const p of [A, B]) assert.deepEqual((await pool(p)).stats, { free: HOSTS, leased: 0, exhausted: 0 });

  // One import makes the 200 others and gaia, allowed to meet each of them.
  const names = Array.from({ length: SPACES }, (_, i) => `other${String(i).padStart(3, '0')}`);
  const file = { gaia: { password: 'pw-gaia-Secret1', name: 'Gaia G', allowed_conn: names } };
  for (const n of names) file[n] = { password: `pw-${n}-Secret1`, name: `Other ${n.slice(5)}` };
  world.secrets.add('password of gaia', 'pw-gaia-Secret1');
  const imported = await world.admin.post('/api/v1/guests/import', { body: JSON.stringify(file), contentType: 'application/json' });
  assert.equal(imported.status, 200, show(imported));
  assert.equal(imported.json.created.length, SPACES + 1, show(imported));
  const guests = (await world.admin.get('/api/v1/guests')).json.items;
  G = { ...guests.find((g) => g.username === 'gaia'), password: 'pw-gaia-Secret1' };
  others = names.map((n) => ({ ...guests.find((g) => g.username === n), password: `pw-${n}-Secret1` }));
  const g = await world.signIn(G);
  gAt = { A: via(g, A), B: via(g, B) };
  spaces = await bounded(others, SETUP_CONCURRENCY, async (x) => {
    const r = await g.post('/api/v1/rooms', { json: { memberIds: [x.id] } });
    assert.equal(r.status, 201, show(r));
    assert.ok(r.json.webexRoomId, show(r));
    return r.json;
  });
  assert.equal(new Set(spaces.map((s) => s.id)).size, SPACES);
});
after(async () => {
  for (const s of streams) s.close();
  await world?.stop();
});

test(`${SPACES} simultaneous meeting requests, half at each instance, against ${HOSTS} hosts: exactly ${HOSTS} leases`, async () => {
  const exhaustedBefore = (await pool(A)).stats.exhausted;
  const answers = await askAll([A, B]);
  const won = [];
  const unexpected = [];
  answers.forEach((r, i) => {
    if (r.status === 200) won.push({ i, space: spaces[i], lease: r.json });
    else if (r.status === 503) assertError(r, 503, 'pool_exhausted');
    else unexpected.push(r.error ? `${r.endpoint.name}: ${r.error.message}` : show(r));
  });
  assert.deepEqual(unexpected, [], 'answers other than 200 and 503');
  assert.equal(won.length, HOSTS, `leases given: ${won.map((w) => w.space.id).join(', ')}`);
  assert.equal(new Set(won.map((w) => w.lease.leaseId)).size, HOSTS, 'a lease was given twice');
  const live = await liveMeetings();
  assert.equal(live.length, HOSTS, `live Webex meetings: ${JSON.stringify(live)}`);
  assert.deepEqual(new Set(live.map((m) => m.hostUserId)), new Set(hostPeople.map((p) => p.id)),
    'the meetings are not hosted by the three pool hosts, one each');
  for (const p of [A, B]) {
    const now = await pool(p);
    assert.equal(now.stats.leased, HOSTS, `${p.name}: ${JSON.stringify(now.stats)}`);
    assert.equal(now.stats.free, 0);
    assert.equal(now.stats.exhausted - exhaustedBefore, SPACES - HOSTS, `${p.name}: the exhaustion counter`);
  }

  // Each lease is ended by the other member at the instance that did not give it.
  for (const w of won) {
    const other = others[w.i];
    const endpoint = w.i % 2 === 0 ? B : A;
    const member = await world.signIn(other, endpoint);
    assert.equal((await member.get(meetingPath(w.space))).json.leaseId, w.lease.leaseId, 'the other instance shows another lease');
    assert.equal((await member.del(meetingPath(w.space))).status, 204);
  }
  await waitFor(async () => {
    const now = await pool(B);
    return now.stats.free === HOSTS && now.stats.leased === 0;
  }, 15000, 'the pool to be whole again');
  await waitFor(async () => (await liveMeetings()).length === 0, 15000, 'the Webex meetings to end');
  await waitFor(async () => (await hostsInGuestRooms()).length === 0, 15000, 'the hosts to leave the spaces');
});

test(`${SPACES} simultaneous requests with A killed by kill -9 in the middle: none lost, none doubled, B cleans up`, { timeout: 90000 }, async () => {
  const streamOnB = await openEvents(B, gAt.B.cookie);
  streams.push(streamOnB);
  assert.equal(streamOnB.status, 200, streamOnB.body);
  const meetingsBefore = new Set((await world.emulator.state()).meetings.map((m) => m.id));

  // Every Webex call takes 400 ms: set-ups are in flight at A when it dies.
  await world.emulator.configure({ latencyMs: 400 });
  let answers;
  try {
    const pending = askAll([A, B]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await killPortal(A);
    answers = await pending;
  } finally {
    await world.emulator.resetFaults();
  }
  const fromA = answers.filter((_, i) => i % 2 === 0);
  const fromB = answers.filter((_, i) => i % 2 === 1);
  assert.ok(fromA.some((r) => r.status === 0), 'the kill caught no request in flight at A');
  const unexpected = fromB.filter((r) => r.status !== 200 && r.status !== 503).map((r) => (r.error ? r.error.message : show(r)));
  assert.deepEqual(unexpected, [], 'B answered other than 200 and 503');
  const wonAtB = answers.map((r, i) => ({ r, i })).filter(({ r, i }) => i % 2 === 1 && r.status === 200);
  const wonAtA = answers.map((r, i) => ({ r, i })).filter(({ r, i }) => i % 2 === 0 && r.status === 200);
  assert.ok(wonAtA.length + wonAtB.length <= HOSTS, `${wonAtA.length + wonAtB.length} leases answered`);

  // No host lent twice: at most 3 meetings were made in this round, each by a different host.
  const made = (await world.emulator.state()).meetings.filter((m) => !meetingsBefore.has(m.id));
  assert.ok(made.length <= HOSTS, `${made.length} Webex meetings made: ${JSON.stringify(made)}`);
  assert.equal(new Set(made.map((m) => m.hostUserId)).size, made.length, 'a host hosts two meetings');

  // Every lease B answered is still there, from B, until its timeout...
  for (const { r, i } of wonAtB) {
    const got = await gAt.B.get(meetingPath(spaces[i]));
    assert.equal(got.status, 200, `a lease B gave is gone: ${show(got)}`);
    assert.equal(got.json.leaseId, r.json.leaseId);
  }
  // ...and, with no heartbeats, every lease — A's included — ends within the timeout plus some
  // seconds: B took over A's timers and its unfinished Webex work.
  await waitFor(async () => {
    const now = await pool(B);
    return now.stats.free === HOSTS && now.stats.leased === 0;
  }, (LEASE_TIMEOUT + 20) * 1000, 'B to give every host back');
  await waitFor(async () => (await liveMeetings()).length === 0, 15000, 'the Webex meetings to end');
  await waitFor(async () => (await hostsInGuestRooms()).length === 0, 15000, 'the hosts to leave the spaces');
  for (const { r, i } of [...wonAtA, ...wonAtB]) {
    assert.equal((await gAt.B.get(meetingPath(spaces[i]))).status, 404, 'a lease outlived its timeout');
    const ended = streamOnB.events.filter((e) => e.event === 'meeting.ended' && e.data.leaseId === r.json.leaseId);
    assert.equal(ended.length, 1, `meeting.ended for lease ${r.json.leaseId}: ${ended.length} times`);
  }
  // Every lease that was started (told by meeting.started, from either instance) was ended once.
  const started = new Set(streamOnB.of('meeting.started').map((e) => e.data.leaseId));
  for (const leaseId of started) {
    const ended = streamOnB.events.filter((e) => e.event === 'meeting.ended' && e.data.leaseId === leaseId);
    assert.equal(ended.length, 1, `lease ${leaseId} was started but ended ${ended.length} times`);
  }

  // The pool works again at B.
  const again = await gAt.B.post(meetingPath(spaces[1]));
  assert.equal(again.status, 200, show(again));
  assert.equal((await gAt.B.del(meetingPath(spaces[1]))).status, 204);
  await waitFor(async () => (await pool(B)).stats.free === HOSTS, 15000, 'the host to be free after the last lease');
  // nginx notices A is gone and sends everything to B.
  for (let i = 0; i < 4; i++) {
    const r = await request(world.lb.url('/healthz'));
    assert.equal(r.status, 200, `through nginx with A dead: ${show(r)}`);
  }
});

test('the portal logs hold no secret', async () => {
  for (const s of streams) s.close();
  await world.assertLogsClean();
});
