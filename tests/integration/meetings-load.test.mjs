// Meetings under load (SPEC §4.6, §8): 200 members of 200 different spaces ask for a meeting at the
// same moment while the pool holds 3 hosts. Exactly 3 get one, the other 197 are told the pool is
// exhausted (503 pool_exhausted with Retry-After) at once, no host is lent twice and no extra Webex
// meeting is made; once the 3 meetings end the pool is whole again and the hosts are out of the
// guests' spaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, stopAll, show, assertError, waitFor, connectHost, bounded } from '../lib/harness.mjs';

const SPACES = 200;
const HOSTS = 3;
const SETUP_CONCURRENCY = 8;

let world;
let G;
let g;
let others = [];
let spaces = [];
const hostPeople = [];

const meetingPath = (space) => `/api/v1/rooms/${space.id}/meeting`;
const hosts = async () => {
  const r = await world.admin.get('/api/v1/hosts');
  assert.equal(r.status, 200, show(r));
  return r.json;
};
const liveMeetings = async () => (await world.emulator.state()).meetings.filter((m) => m.state !== 'ended');

before(async () => {
  // Argon2id at its documented minimums (the defaults): the lowest cost the portal accepts.
  world = await startWorld({
    portalExtra: { PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_ITERATIONS: '2' },
  });
  for (let i = 0; i < HOSTS; i++) {
    const email = `host${i}@example.com`;
    const person = await world.emulator.person(`Host ${i}`, email, true);
    world.secrets.add(`host ${i} access token (control API)`, person.accessToken);
    const added = await world.admin.post('/api/v1/hosts', { json: { email } });
    assert.equal(added.status, 201, show(added));
    const connected = await connectHost(world.portal, world.emulator, added.json.connectUrl, email);
    assert.equal(connected.callback.status, 200, show(connected.callback));
    hostPeople.push(person);
  }
  const pool = await hosts();
  assert.deepEqual(pool.stats, { free: HOSTS, leased: 0, exhausted: 0 });
  assert.ok(pool.items.every((h) => h.connected), JSON.stringify(pool.items));

  G = await world.createGuest('gaia', 'Gaia G');
  const names = Array.from({ length: SPACES }, (_, i) => `other${String(i).padStart(3, '0')}`);
  others = await bounded(names, SETUP_CONCURRENCY, (name) => world.createGuest(name, `Other ${name.slice(5)}`));
  await world.setPairs(others.map((x) => [G.id, x.id]));
  g = await world.signIn(G);
  spaces = await bounded(others, SETUP_CONCURRENCY, async (x) => {
    const r = await g.post('/api/v1/rooms', { json: { memberIds: [x.id] } });
    assert.equal(r.status, 201, show(r));
    assert.ok(r.json.webexRoomId, show(r));
    return r.json;
  });
  assert.equal(new Set(spaces.map((s) => s.id)).size, SPACES);
});

after(async () => {
  await stopAll();
});

test(`${SPACES} simultaneous meeting requests against ${HOSTS} hosts: ${HOSTS} leases, the rest 503 at once; ending them makes the pool whole`, async () => {
  const exhaustedBefore = (await hosts()).stats.exhausted;

  const answers = await Promise.all(spaces.map((space) => g.post(meetingPath(space))));

  const won = [];
  const refused = [];
  const unexpected = [];
  answers.forEach((r, i) => {
    if (r.status === 200) won.push({ space: spaces[i], other: others[i], lease: r.json });
    else if (r.status === 503) refused.push(r);
    else unexpected.push(r);
  });
  assert.deepEqual(unexpected.map(show), [], 'answers other than 200 and 503');
  assert.equal(won.length, HOSTS, `leases given: ${won.map((w) => w.space.id).join(', ')}`);
  assert.equal(refused.length, SPACES - HOSTS);
  for (const r of refused) {
    assertError(r, 503, 'pool_exhausted');
    const retryAfter = r.headers.get('retry-after');
    assert.ok(Number(retryAfter) > 0, `503 without a usable Retry-After (${retryAfter}): ${show(r)}`);
  }

  // Three different leases, each with its own meeting, in the space it was asked for, hosted by a
  // different pool host.
  assert.equal(new Set(won.map((w) => w.lease.leaseId)).size, HOSTS, 'a lease was given twice');
  for (const w of won) {
    assert.equal(w.lease.mode, 'adhoc');
    assert.equal(w.lease.roomId, w.space.id);
    assert.ok(w.lease.meeting && w.lease.meeting.id, JSON.stringify(w.lease));
  }
  const live = await liveMeetings();
  assert.equal(live.length, HOSTS, `live meetings in the emulator: ${JSON.stringify(live)}`);
  assert.deepEqual(new Set(live.map((m) => m.id)), new Set(won.map((w) => w.lease.meeting.id)));
  assert.deepEqual(new Set(live.map((m) => m.roomId)), new Set(won.map((w) => w.space.webexRoomId)));
  assert.deepEqual(new Set(live.map((m) => m.hostUserId)), new Set(hostPeople.map((p) => p.id)),
    'the meetings are not hosted by the three pool hosts, one each');

  const pool = await hosts();
  assert.equal(pool.stats.free, 0);
  assert.equal(pool.stats.leased, HOSTS);
  assert.equal(pool.stats.exhausted - exhaustedBefore, SPACES - HOSTS, 'the exhaustion counter');
  assert.deepEqual(new Set(pool.items.map((h) => h.lease && h.lease.roomId)), new Set(won.map((w) => w.space.id)));

  // The other member of each space ends its meeting.
  for (const w of won) {
    const member = await world.signIn(w.other);
    const ended = await member.del(meetingPath(w.space));
    assert.equal(ended.status, 204, show(ended));
    assert.equal((await g.get(meetingPath(w.space))).status, 404, 'the lease is still live after DELETE');
  }

  await waitFor(async () => {
    const now = await hosts();
    return now.stats.free === HOSTS && now.stats.leased === 0;
  }, 15000, 'the pool to be whole again');
  await waitFor(async () => (await liveMeetings()).length === 0, 15000, 'the Webex meetings to end');
  const state = await world.emulator.state();
  const hostIds = new Set(hostPeople.map((p) => p.id));
  for (const w of won) {
    const room = state.rooms.find((r) => r.id === w.space.webexRoomId);
    assert.ok(room, `room ${w.space.webexRoomId} is gone from the emulator`);
    const left = room.memberIds.filter((id) => hostIds.has(id));
    assert.deepEqual(left, [], `pool hosts still in the room of space ${w.space.id}`);
  }
  // No meeting was made for a refused space, and no host ever joined one.
  const wonRooms = new Set(won.map((w) => w.space.webexRoomId));
  assert.deepEqual(state.meetings.filter((m) => !wonRooms.has(m.roomId)).map((m) => m.roomId), []);
  for (const room of state.rooms.filter((r) => !wonRooms.has(r.id))) {
    assert.ok(!room.memberIds.some((id) => hostIds.has(id)), `a pool host is in room ${room.id}, which got no lease`);
  }
});
