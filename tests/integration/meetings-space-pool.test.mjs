// Meetings in space-pool mode (the original sample's behaviour, docs/meetings.md): a pool space owned by
// a licensed user is lent whole; guests left in it go, the space's guests come in, and on return the
// guests leave again — through the reconciler, so a Webex failure never strands one. Also the CLI
// (`hosts import|list|remove`) and LARGE_SPACES_FILE at start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startWorld, stopAll, show, assertError, waitFor, killPortal, restartPortal, runPortal, makeTempDir,
} from '../lib/harness.mjs';

let world;
let owner;
let A, B, C;
let a, c;
let ab, ac;
let poolRoom;
let spareRoom;
let dir;

const meetingPath = (space, suffix = '') => `/api/v1/rooms/${space.id}/meeting${suffix}`;
const members = async (roomId) => (await world.emulator.state()).rooms.find((r) => r.id === roomId).memberIds;
const personOf = async (guest) => (await world.admin.get(`/api/v1/guests/${guest.id}`)).json.webexPersonId;
const asOwner = (method, p, json) => world.emulator.call(method, p,
  { headers: { authorization: `Bearer ${owner.accessToken}` }, json });
const cli = (...args) => runPortal(args, world.portal.env, { cwd: world.portal.dir });

async function ownedRoom(title) {
  const room = await asOwner('POST', '/v1/rooms', { title });
  assert.equal(room.status, 200, show(room));
  // The AppAdmin manages the pool space's members.
  const added = await asOwner('POST', '/v1/memberships', { roomId: room.json.id, personId: world.adminPerson.id });
  assert.equal(added.status, 200, show(added));
  return room.json.id;
}

before(async () => {
  world = await startWorld({ portalExtra: { MEETING_MODE: 'space-pool', POLL_INTERVAL: '1' } });
  owner = await world.emulator.person('Olga Owner', 'olga.owner@example.com', true);
  world.secrets.add('owner access token (control API)', owner.accessToken);
  A = await world.createGuest('anouk', 'Anouk A');
  B = await world.createGuest('bertil', 'Bertil B');
  C = await world.createGuest('cosima', 'Cosima C');
  await world.setPairs([[A.id, B.id], [A.id, C.id]]);
  a = await world.signIn(A);
  await world.signIn(B);
  c = await world.signIn(C);
  ab = (await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } })).json;
  ac = (await a.post('/api/v1/rooms', { json: { memberIds: [C.id] } })).json;
  poolRoom = await ownedRoom('Pool one');
  spareRoom = await ownedRoom('Pool two');
  dir = makeTempDir('gp-pool-');
});
after(stopAll);

test('hosts import reads a largespaces.json; hosts list shows the pool space', async () => {
  const file = path.join(dir, 'largespaces.json');
  fs.writeFileSync(file, JSON.stringify([{ spaceId: poolRoom, title: 'Pool one' }]));
  const imported = cli('hosts', 'import', file);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /added 1 of 1/);
  const again = cli('hosts', 'import', file);
  assert.match(again.stdout, /added 0 of 1/, 'an import twice adds twice');
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify([{ title: 'no id' }]));
  const refused = cli('hosts', 'import', bad);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /Item 1/);
  const listed = cli('hosts', 'list');
  assert.equal(listed.status, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((h) => [h.kind, h.spaceId, h.displayName]), [['space', poolRoom, 'Pool one']]);
  const pool = await world.admin.get('/api/v1/hosts');
  assert.equal(pool.json.mode, 'space-pool');
  assert.deepEqual(pool.json.stats, { free: 1, leased: 0, exhausted: 0 });
});

test('a lease lends the pool space: guests left in it go, the space\'s guests come in, staff stay', async () => {
  const [personA, personB, personC] = [await personOf(A), await personOf(B), await personOf(C)];
  // A guest of the portal left behind in the pool space.
  const straggler = await world.emulator.call('POST', '/v1/memberships', {
    headers: { authorization: `Bearer ${world.adminPerson.accessToken}` }, json: { roomId: poolRoom, personId: personC },
  });
  assert.equal(straggler.status, 200, show(straggler));

  const started = await a.post(meetingPath(ab));
  assert.equal(started.status, 200, show(started));
  assert.equal(started.json.mode, 'space-pool');
  assert.equal(started.json.spaceId, poolRoom);
  assert.equal(started.json.meeting, undefined);
  const inside = await members(poolRoom);
  assert.ok(inside.includes(personA) && inside.includes(personB), 'the space\'s guests were not added');
  assert.ok(!inside.includes(personC), 'a guest of another space was left in the pool space');
  assert.ok(inside.includes(owner.id) && inside.includes(world.adminPerson.id), 'staff were removed');

  const busy = await c.post(meetingPath(ac));
  assertError(busy, 503, 'pool_exhausted');

  // Removals fail twice at first: the reconciler retries until the guests are out.
  await world.emulator.configure({ faults: { rate5xx: 1, endpoint: 'DELETE /v1/memberships/{membershipId}', limit: 2 } });
  try {
    assert.equal((await a.del(meetingPath(ab))).status, 204);
    await waitFor(async () => {
      const now = await members(poolRoom);
      return !now.includes(personA) && !now.includes(personB);
    }, 20000, 'the guests to leave the pool space');
  } finally {
    await world.emulator.resetFaults();
  }
  const stillThere = await members(poolRoom);
  assert.ok(stillThere.includes(owner.id) && stillThere.includes(world.adminPerson.id));
  await waitFor(async () => (await world.admin.get('/api/v1/hosts')).json.stats.free === 1, 10000,
    'the pool space to be free again');
  const next = await c.post(meetingPath(ac));
  assert.equal(next.status, 200, show(next));
  assert.equal(next.json.spaceId, poolRoom);
  assert.equal((await c.del(meetingPath(ac))).status, 204);
});

test('LARGE_SPACES_FILE is imported at start; hosts remove takes a space out of the pool', async () => {
  const file = path.join(dir, 'more.json');
  fs.writeFileSync(file, JSON.stringify({ spaces: [{ roomId: spareRoom, title: 'Pool two' }, poolRoom] }));
  await killPortal(world.portal);
  world.portal.env.LARGE_SPACES_FILE = file;
  world.portal = await restartPortal(world.portal);
  world.admin.portal = world.portal;
  const pool = await world.admin.get('/api/v1/hosts');
  assert.equal(pool.status, 200, show(pool));
  assert.deepEqual(pool.json.items.map((h) => h.spaceId).sort(), [poolRoom, spareRoom].sort());
  const removed = cli('hosts', 'remove', spareRoom);
  assert.equal(removed.status, 0, removed.stderr);
  const unknown = cli('hosts', 'remove', 'no-such-host');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /no host/);
  const after = await world.admin.get('/api/v1/hosts');
  assert.deepEqual(after.json.items.map((h) => h.spaceId), [poolRoom]);
});

test('the portal log holds no secret', async () => {
  await world.assertLogClean();
});
