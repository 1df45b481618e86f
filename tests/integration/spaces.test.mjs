// Spaces under the allowed-pairs policy, checked against what Webex (the emulator) recorded
// (docs/api.md "Guest" and PUT /api/v1/policy/pairs, SPEC §4.3, §4.5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, stopAll, show, assertError, runPortal, waitFor } from '../lib/harness.mjs';

let world;
let A, B, C;
let a, b, c; // signed-in clients
let space;

const sorted = (list) => [...list].sort();
const pairKey = ([x, y]) => sorted([x, y]).join('|');

before(async () => {
  world = await startWorld();
  A = await world.createGuest('alice', 'Alice A');
  B = await world.createGuest('bruno', 'Bruno B');
  C = await world.createGuest('chloe', 'Chloe C');
  await world.setPairs([[A.id, B.id], [B.id, C.id]]);
  a = await world.signIn(A);
  c = await world.signIn(C);
  // Bruno has not signed in: his Webex identity is made when Alice first opens a space with him.
});
after(stopAll);

test('the policy reads back as set', async () => {
  const r = await world.admin.get('/api/v1/policy/pairs');
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(sorted(r.json.pairs.map(pairKey)), sorted([pairKey([A.id, B.id]), pairKey([B.id, C.id])]));
});

test('contacts list only the guests each may connect with', async () => {
  const ra = await a.get('/api/v1/contacts');
  assert.equal(ra.status, 200, show(ra));
  assert.deepEqual(ra.json.items.map((i) => i.id), [B.id]);
  assert.equal(ra.json.items[0].displayName, 'Bruno B');
  const rc = await c.get('/api/v1/contacts');
  assert.deepEqual(rc.json.items.map((i) => i.id), [B.id]);
});

test('A opens a space with B: 201; Webex holds a room made by the AppAdmin with exactly the three members', async () => {
  const { emulator, adminPerson } = world;
  const r = await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } });
  assert.equal(r.status, 201, show(r));
  space = r.json;
  assert.equal(typeof space.id, 'string');
  assert.equal(typeof space.webexRoomId, 'string');
  assert.deepEqual(sorted(space.memberIds), sorted([A.id, B.id]), `memberIds: ${show(r)}`);
  assert.equal(typeof space.title, 'string');
  assert.ok(space.title.length > 0, 'empty default title');

  const aWebex = await world.webexPersonOf(A.id);
  const bWebex = await world.webexPersonOf(B.id);
  const state = await emulator.state();
  const room = state.rooms.find((x) => x.id === space.webexRoomId);
  assert.ok(room, `no room ${space.webexRoomId} in the emulator`);
  assert.equal(room.creatorId, adminPerson.id, 'the room was not created by the AppAdmin');
  assert.deepEqual(sorted(room.memberIds), sorted([adminPerson.id, aWebex, bWebex]));
  world.roomCount = state.rooms.length;
});

test('asking again for the same member set returns the same space with 200', async () => {
  const r = await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.id, space.id);
  assert.equal(r.json.webexRoomId, space.webexRoomId);
  const withSelf = await a.post('/api/v1/rooms', { json: { memberIds: [B.id, A.id] } });
  assert.equal(withSelf.status, 200, `listing the caller too: ${show(withSelf)}`);
  assert.equal(withSelf.json.id, space.id);
  const state = await world.emulator.state();
  assert.equal(state.rooms.length, world.roomCount, 'a second Webex room was made');
});

test('A with C (not allowed) is 403 pair_not_allowed and Webex gets no room', async () => {
  await world.emulator.resetStats();
  const r = await a.post('/api/v1/rooms', { json: { memberIds: [C.id] } });
  assertError(r, 403, 'pair_not_allowed');
  const three = await a.post('/api/v1/rooms', { json: { memberIds: [B.id, C.id] } });
  assertError(three, 403, 'pair_not_allowed');
  const state = await world.emulator.state();
  assert.equal(state.rooms.length, world.roomCount, 'a room was created for a forbidden pair');
  const calls = await world.emulator.stats();
  assert.equal(calls['POST /v1/rooms'] || 0, 0, `Webex was asked to create a room: ${JSON.stringify(calls)}`);
  assert.equal(calls['POST /v1/memberships'] || 0, 0, `Webex was asked to add a member: ${JSON.stringify(calls)}`);
});

test('bad member lists are 400 and create nothing', async () => {
  assertError(await a.post('/api/v1/rooms', { json: { memberIds: [] } }), 400);
  assertError(await a.post('/api/v1/rooms', { json: { memberIds: ['no-such-guest'] } }), 400);
  assertError(await a.post('/api/v1/rooms', { json: {} }), 400);
  assertError(await a.post('/api/v1/rooms', { json: { memberIds: B.id } }), 400);
  assertError(await a.post('/api/v1/rooms', { json: { memberIds: [B.id], title: 42 } }), 400);
  const state = await world.emulator.state();
  assert.equal(state.rooms.length, world.roomCount);
});

test('GET /api/v1/rooms lists the space with member names, for both members', async () => {
  for (const [client, who] of [[a, 'A'], [await world.signIn(B), 'B']]) {
    const r = await client.get('/api/v1/rooms');
    assert.equal(r.status, 200, show(r));
    const item = r.json.items.find((x) => x.id === space.id);
    assert.ok(item, `${who} does not see the space: ${show(r)}`);
    assert.equal(item.webexRoomId, space.webexRoomId);
    const names = Object.fromEntries(item.members.map((m) => [m.id, m.displayName]));
    assert.deepEqual(names, { [A.id]: 'Alice A', [B.id]: 'Bruno B' });
  }
  const rc = await c.get('/api/v1/rooms');
  assert.ok(!rc.json.items.some((x) => x.id === space.id), 'C sees a space she is not in');
});

test('a renamed member appears under the new name in the next listing', async () => {
  const names = async () => {
    const r = await a.get('/api/v1/rooms');
    assert.equal(r.status, 200, show(r));
    const item = r.json.items.find((x) => x.id === space.id);
    return Object.fromEntries(item.members.map((m) => [m.id, m.displayName]));
  };
  assert.equal((await names())[B.id], 'Bruno B');
  for (const displayName of ['Bruno Renamed', 'Bruno B']) {
    const r = await world.admin.patch(`/api/v1/guests/${B.id}`, { json: { displayName } });
    assert.equal(r.status, 200, show(r));
    assert.equal((await names())[B.id], displayName);
  }
});

test('policy changes with an unknown guest or a self-pair are 400 and change nothing', async () => {
  const before = (await world.admin.get('/api/v1/policy/pairs')).json.pairs;
  assertError(await world.admin.put('/api/v1/policy/pairs', { json: { pairs: [[A.id, 'nobody']] } }), 400);
  assertError(await world.admin.put('/api/v1/policy/pairs', { json: { pairs: [[A.id, A.id]] } }), 400);
  assertError(await world.admin.put('/api/v1/policy/pairs', { json: { pairs: [[A.id]] } }), 400);
  assertError(await world.admin.put('/api/v1/policy/pairs', { json: { pairs: 'all' } }), 400);
  const after = (await world.admin.get('/api/v1/policy/pairs')).json.pairs;
  assert.deepEqual(sorted(after.map(pairKey)), sorted(before.map(pairKey)));
});

test('revoking A–B closes the space: guests removed in Webex, listed closed for A, closedAt for the admin', async () => {
  const { emulator } = world;
  const aWebex = await world.webexPersonOf(A.id);
  const bWebex = await world.webexPersonOf(B.id);
  const r = await world.admin.put('/api/v1/policy/pairs', { json: { pairs: [[B.id, C.id]] } });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.closedSpaces, [space.id]);
  assert.deepEqual(r.json.pairs.map(pairKey), [pairKey([B.id, C.id])]);

  // The portal closes the space with the revoke; Webex catches up through the reconciler.
  await waitFor(async () => {
    const state = await emulator.state();
    const room = state.rooms.find((x) => x.id === space.webexRoomId);
    return !room || (!room.memberIds.includes(aWebex) && !room.memberIds.includes(bWebex));
  }, 10000, 'A and B to leave the Webex room');
  const listA = await a.get('/api/v1/rooms');
  assert.equal(listA.status, 200, show(listA));
  // Still listed, so A sees what the organisation did, but closed: its messages are gone.
  const item = listA.json.items.find((x) => x.id === space.id);
  assert.ok(item, 'the closed space is not listed for A');
  assert.equal(item.closed, true, `not marked closed: ${JSON.stringify(item)}`);
  assertError(await a.get(`/api/v1/rooms/${space.id}/messages`), 404, 'not_found');
  const spaces = await world.admin.get('/api/v1/spaces');
  assert.equal(spaces.status, 200, show(spaces));
  const closed = spaces.json.items.find((x) => x.id === space.id);
  assert.ok(closed, 'the closed space is not in the admin list');
  assert.ok(!Number.isNaN(Date.parse(closed.closedAt)), `closedAt: ${JSON.stringify(closed)}`);
  // A may no longer reach B.
  assertError(await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } }), 403, 'pair_not_allowed');
  const contacts = await a.get('/api/v1/contacts');
  assert.deepEqual(contacts.json.items, []);
});

test('a guest removed by the CLI while the server runs: the other member\'s next listing shows the space closed', async () => {
  const D = await world.createGuest('dora', 'Dora D');
  await world.setPairs([[B.id, C.id], [C.id, D.id]]);
  const created = await c.post('/api/v1/rooms', { json: { memberIds: [D.id] } });
  assert.equal(created.status, 201, show(created));
  const listed = await c.get('/api/v1/rooms');
  assert.ok(listed.json.items.some((x) => x.id === created.json.id), `the new space is not listed: ${show(listed)}`);

  const removed = runPortal(['guests', 'remove', 'dora'], world.portal.env);
  assert.equal(removed.status, 0, `guests remove: ${removed.stdout}${removed.stderr}`);
  const after = await c.get('/api/v1/rooms');
  assert.equal(after.status, 200, show(after));
  const item = after.json.items.find((x) => x.id === created.json.id);
  assert.ok(item && item.closed === true, `the space of a removed guest is not shown closed: ${show(after)}`);
  assertError(await c.post(`/api/v1/rooms/${created.json.id}/messages`, { json: { text: 'hello?' } }), 404, 'not_found');
});

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
