// Revocation is a change of state first and Webex catches up: the portal closes the space at once and
// atomically, while the removal of the Webex memberships is pending work that a reconciler retries until
// Webex agrees, across a `kill -9` and a restart; a revoke that races a space creation leaves no open
// space and no Webex room with the guests (STYLE.md 13, SPEC §4.3, docs/api.md PUT /api/v1/policy/pairs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import {
  startWorld, stopAll, show, assertError, waitFor, killPortal, restartPortal, runPortalAsync,
  assertPortalLogsClean,
} from '../lib/harness.mjs';

const CATCH_UP_MS = 10000;
const FAIL_MEMBERSHIP_DELETES = { faults: { rate5xx: 1, endpoint: 'DELETE /v1/memberships/{membershipId}' } };

let world;
const restarted = []; // portals started again on the same database
let allowed = []; // the pair policy as these tests have set it
before(async () => { world = await startWorld(); });
after(stopAll);

// Two new guests, allowed to connect (added to the pairs already allowed), both signed in (so their
// Webex identities exist).
async function pairOfGuests(nameA, nameB) {
  const A = await world.createGuest(nameA, `${nameA} A`);
  const B = await world.createGuest(nameB, `${nameB} B`);
  allowed = [...allowed, [A.id, B.id]];
  await world.setPairs(allowed);
  const a = await world.signIn(A);
  const b = await world.signIn(B);
  return { A, B, a, b, aWebex: await world.webexPersonOf(A.id), bWebex: await world.webexPersonOf(B.id) };
}

async function webexRoom(roomId) {
  return (await world.emulator.state()).rooms.find((r) => r.id === roomId);
}

// The room's guest memberships as /_emulator/state lists them (the memberships array, not a summary).
async function membersInWebex(roomId) {
  const state = await world.emulator.state();
  return state.memberships.filter((m) => m.roomId === roomId).map((m) => m.personId);
}

// A guest's room list no longer shows the space as open: absent, or marked closed.
function listsAsOpen(list, spaceId) {
  const item = list.json.items.find((x) => x.id === spaceId);
  return Boolean(item) && !item.closedAt && item.closed !== true && item.status !== 'closed';
}

async function deleteAttempts() {
  return (await world.emulator.stats())['DELETE /v1/memberships/{membershipId}'] || 0;
}

// Revokes A–B while Webex refuses every membership removal, and checks what the portal shows at once.
function withoutPair(A, B) {
  return allowed.filter(([x, y]) => !((x === A.id && y === B.id) || (x === B.id && y === A.id)));
}

async function revokeWhileWebexFails({ A, B, a, b }, space) {
  const { admin } = world;
  await world.emulator.resetStats();
  await world.emulator.configure(FAIL_MEMBERSHIP_DELETES);
  allowed = withoutPair(A, B);
  const r = await admin.put('/api/v1/policy/pairs', { json: { pairs: allowed } });
  assert.equal(r.status, 200, `revoking while Webex fails must still change the policy: ${show(r)}`);
  assert.ok(Array.isArray(r.json.closedSpaces) && r.json.closedSpaces.includes(space.id),
    `closedSpaces does not name the space: ${show(r)}`);

  for (const [client, who] of [[a, 'A'], [b, 'B']]) {
    const list = await client.get('/api/v1/rooms');
    assert.equal(list.status, 200, show(list));
    assert.ok(!listsAsOpen(list, space.id), `${who} still sees the revoked space as open: ${show(list)}`);
  }
  assertError(await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } }), 403, 'pair_not_allowed');
  assertError(await b.post('/api/v1/rooms', { json: { memberIds: [A.id] } }), 403, 'pair_not_allowed');

  const spaces = await admin.get('/api/v1/spaces');
  assert.equal(spaces.status, 200, show(spaces));
  const closed = spaces.json.items.find((x) => x.id === space.id);
  assert.ok(closed && !Number.isNaN(Date.parse(closed.closedAt)), `the admin does not see the space closed: ${show(spaces)}`);
}

// Waits until neither guest of `g` is a member of the space's Webex room; says why not on time-out.
async function bothLeaveTheRoom(g, space, when) {
  await waitFor(async () => {
    const held = await membersInWebex(space.webexRoomId);
    return !held.includes(g.aWebex) && !held.includes(g.bWebex);
  }, CATCH_UP_MS, `both guests to leave the Webex room ${when}`).catch(async (error) => {
    const room = await webexRoom(space.webexRoomId);
    throw new Error(`${error.message}; room members now ${JSON.stringify(room?.memberIds)}; `
      + `DELETE attempts ${await deleteAttempts()}`);
  });
}

test('revoke while Webex fails every membership removal: closed in the portal at once, removed in Webex once it recovers',
  { timeout: 40000 }, async () => {
    const { emulator } = world;
    const g = await pairOfGuests('anna', 'ben');
    const created = await g.a.post('/api/v1/rooms', { json: { memberIds: [g.B.id] } });
    assert.equal(created.status, 201, show(created));
    const space = created.json;
    try {
      await revokeWhileWebexFails(g, space);
      // The removal was tried (and refused), and Webex still holds both guests while it fails.
      await waitFor(async () => (await deleteAttempts()) >= 1, CATCH_UP_MS, 'an attempt to remove a membership');
      const held = await membersInWebex(space.webexRoomId);
      assert.ok(held.includes(g.aWebex) && held.includes(g.bWebex),
        `the emulator refused every removal, yet a guest left the room: ${JSON.stringify(held)}`);
    } finally {
      await emulator.resetFaults();
    }
    await bothLeaveTheRoom(g, space, 'once Webex accepts the removals');
  });

test('a CLI revoke racing a space creation leaves no open space and no Webex room with either guest',
  { timeout: 40000 }, async () => {
    const { emulator, portal, admin, adminPerson } = world;
    const g = await pairOfGuests('cara', 'dan');
    await emulator.configure({ latencyMs: 300 });
    let creation;
    let cli;
    try {
      const creating = g.a.post('/api/v1/rooms', { json: { memberIds: [g.B.id] } });
      await delay(100);
      cli = await runPortalAsync(['policy', 'revoke', g.A.username, g.B.username], portal.env, { cwd: portal.dir });
      allowed = withoutPair(g.A, g.B);
      creation = await creating;
    } finally {
      await emulator.resetFaults();
    }
    assert.equal(cli.status, 0, `policy revoke: exit ${cli.status} ${cli.signal ?? ''}\n${cli.stdout}${cli.stderr}`);
    // The creation may have won (201, then closed by the revoke) or lost (403); it must not hang or 500.
    assert.ok([201, 403].includes(creation.status), `creation: ${show(creation)}`);

    const violations = async () => {
      const found = [];
      const spaces = await admin.get('/api/v1/spaces');
      assert.equal(spaces.status, 200, show(spaces));
      for (const s of spaces.json.items) {
        if (!s.closedAt && s.memberIds.includes(g.A.id) && s.memberIds.includes(g.B.id)) {
          found.push(`open portal space ${s.id} (${s.webexRoomId})`);
        }
      }
      const state = await emulator.state();
      for (const room of state.rooms) {
        if (room.creatorId !== adminPerson.id) continue;
        for (const [who, id] of [['A', g.aWebex], ['B', g.bWebex]]) {
          if (room.memberIds.includes(id)) found.push(`Webex room ${room.id} has ${who}`);
        }
      }
      return found;
    };
    let last = [];
    await waitFor(async () => (last = await violations()).length === 0, CATCH_UP_MS,
      'no open space and no Webex room for the revoked pair').catch((error) => {
      throw new Error(`${error.message}: ${last.join('; ')} (creation answered ${creation.status})`);
    });
    // And A may not open one now.
    assertError(await g.a.post('/api/v1/rooms', { json: { memberIds: [g.B.id] } }), 403, 'pair_not_allowed');
  });

// Last: it kills the portal and leaves a restarted one in its place.
test('revoke while Webex fails, then kill -9 and restart: the pending removals survive and are done once Webex recovers',
  { timeout: 60000 }, async () => {
    const { emulator } = world;
    const g = await pairOfGuests('erin', 'finn');
    const created = await g.a.post('/api/v1/rooms', { json: { memberIds: [g.B.id] } });
    assert.equal(created.status, 201, show(created));
    const space = created.json;
    let portal;
    try {
      await revokeWhileWebexFails(g, space);
      await killPortal(world.portal);
      portal = await restartPortal(world.portal);
      restarted.push(portal);
      world.admin.portal = portal;
      // The closure itself survived the crash.
      const spaces = await world.admin.get('/api/v1/spaces');
      assert.equal(spaces.status, 200, show(spaces));
      const item = spaces.json.items.find((x) => x.id === space.id);
      assert.ok(item && item.closedAt, `after the restart the space is not closed: ${show(spaces)}`);
      const held = await membersInWebex(space.webexRoomId);
      assert.ok(held.includes(g.aWebex) && held.includes(g.bWebex),
        `the emulator refused every removal, yet a guest left the room: ${JSON.stringify(held)}`);
    } finally {
      await emulator.resetFaults();
    }
    await bothLeaveTheRoom(g, space, 'after the restart');
  });

test('the portal logs hold no secret (checked after the portals stop)', async () => {
  await world.assertLogClean();
  await assertPortalLogsClean([world.portal, ...restarted], world.secrets);
});
