// How the portal behaves when Webex fails, slows it down or has already been asked
// (docs/api.md POST /api/v1/rooms, SPEC §4.4 warm sign-in, §5 "a failure never leaves half-done state").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, stopAll, show, assertError, totalCalls } from '../lib/harness.mjs';

let world;
let A, B, C, D;
let a;

before(async () => {
  // The notifier's background poll (every POLL_INTERVAL) would be counted with the calls a
  // request makes; here it runs once at start and not again while calls are counted.
  world = await startWorld({ portalExtra: { POLL_INTERVAL: '3600' } });
  A = await world.createGuest('anna', 'Anna');
  B = await world.createGuest('ben', 'Ben');
  C = await world.createGuest('cleo', 'Cleo');
  D = await world.createGuest('dan', 'Dan');
  await world.setPairs([[A.id, B.id], [A.id, C.id]]);
  a = await world.signIn(A);
  await world.signIn(B);
  await world.signIn(C);
});
after(stopAll);

test('a membership that Webex refuses rolls the space back: 502/503, no room left in Webex, no space', async () => {
  const { emulator } = world;
  const roomsBefore = (await emulator.state()).rooms.map((r) => r.id);
  await emulator.resetStats();
  await emulator.configure({ faults: { rate5xx: 1, endpoint: 'POST /v1/memberships' } });
  try {
    const r = await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } });
    assert.ok([502, 503].includes(r.status), `expected 502 or 503: ${show(r)}`);
    const error = assertError(r, r.status);
    assert.match(error.message, /webex/i, `the message does not say what failed: ${error.message}`);
    const calls = await emulator.stats();
    assert.ok((calls['POST /v1/rooms'] || 0) >= 1, `no room was attempted: ${JSON.stringify(calls)}`);
    assert.ok((calls['POST /v1/memberships'] || 0) >= 1, `no membership was attempted: ${JSON.stringify(calls)}`);
    const state = await emulator.state();
    const left = state.rooms.filter((room) => !roomsBefore.includes(room.id));
    assert.deepEqual(left.map((room) => room.id), [], 'a half-made room is left in Webex');
    const mine = await a.get('/api/v1/rooms');
    assert.deepEqual(mine.json.items, [], 'the portal lists a space that failed');
    const spaces = await world.admin.get('/api/v1/spaces');
    assert.deepEqual(spaces.json.items, [], 'the portal recorded a space that failed');
  } finally {
    await emulator.resetFaults();
  }
  const ok = await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } });
  assert.equal(ok.status, 201, `after the faults stop: ${show(ok)}`);
  const state = await emulator.state();
  assert.ok(state.rooms.some((room) => room.id === ok.json.webexRoomId));
});

test('a room creation that Webex refuses is a clean 502/503 and nothing is recorded', async () => {
  const { emulator } = world;
  const roomsBefore = (await emulator.state()).rooms.length;
  await emulator.configure({ faults: { rate5xx: 1, endpoint: 'POST /v1/rooms' } });
  try {
    const r = await a.post('/api/v1/rooms', { json: { memberIds: [C.id] } });
    assert.ok([502, 503].includes(r.status), `expected 502 or 503: ${show(r)}`);
    assertError(r, r.status);
  } finally {
    await emulator.resetFaults();
  }
  assert.equal((await emulator.state()).rooms.length, roomsBefore);
  const mine = await a.get('/api/v1/rooms');
  assert.ok(!mine.json.items.some((s) => s.memberIds.includes(C.id)), 'a failed space is listed');
});

test('429s with Retry-After are ridden out: the space is still created (201)', async () => {
  const { emulator } = world;
  await emulator.resetStats();
  await emulator.configure({ faults: { rate429: 1, retryAfter: 1, endpoint: 'POST /v1/rooms', limit: 2 } });
  try {
    const r = await a.post('/api/v1/rooms', { json: { memberIds: [C.id] } });
    assert.equal(r.status, 201, show(r));
    const calls = await emulator.stats();
    assert.equal(calls['POST /v1/rooms'], 3, `expected two refused and one good room call: ${JSON.stringify(calls)}`);
    assert.ok(r.elapsedMs >= 1500, `Retry-After was not honoured: answered in ${Math.round(r.elapsedMs)} ms`);
    const state = await emulator.state();
    const room = state.rooms.find((x) => x.id === r.json.webexRoomId);
    assert.ok(room, 'the room is not in Webex');
    assert.equal(room.memberIds.length, 3);
  } finally {
    await emulator.resetFaults();
  }
});

test('a warm sign-in and the first page cost no guest token and at most one Webex call', async () => {
  const { emulator, portal } = world;
  // D's first sign-in makes the identity and caches the token.
  await world.setPairs([[A.id, B.id], [A.id, C.id], [A.id, D.id]]);
  const cold = await world.signIn(D);
  assert.equal((await cold.get('/api/v1/rooms')).status, 200);
  await emulator.resetStats();
  const warm = await world.signIn(D);
  const rooms = await warm.get('/api/v1/rooms');
  assert.equal(rooms.status, 200, show(rooms));
  const calls = await emulator.stats();
  assert.equal(calls['POST /v1/guests/token'] || 0, 0, `the guest token was fetched again: ${JSON.stringify(calls)}`);
  assert.ok(totalCalls(calls) <= 1, `warm sign-in + first page made ${totalCalls(calls)} Webex calls: ${JSON.stringify(calls)}`);
  assert.ok(portal.child.exitCode === null, 'the portal died');
});

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
