// What one instance changes, the other acts on at the next request (SPEC §8): sessions, sign-out,
// a revoked pair, a renamed guest, a disabled guest — and nothing is cached per instance long enough
// to be seen. Requests go to the instances directly, so which one answers is known.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { show, assertError, openEvents, waitFor, request } from '../lib/harness.mjs';
import { startCluster, via } from '../lib/multi.mjs';
import { parsePrometheusText, sampleValue } from '../lib/prometheus.mjs';

let world;
let A, B;
let G1, G2, G3, G4;
const streams = [];

const adminAt = (p) => via(world.admin, p);
const roomsOf = async (client) => {
  const r = await client.get('/api/v1/rooms');
  assert.equal(r.status, 200, show(r));
  return r.json.items;
};

before(async () => {
  world = await startCluster({ portalExtra: { NOTIFY_MODE: 'webhook', POLL_INTERVAL: '1' } });
  [A, B] = world.portals;
  G1 = await world.createGuest('lena', 'Lena L');
  G2 = await world.createGuest('milo', 'Milo M');
  G3 = await world.createGuest('nora', 'Nora N');
  G4 = await world.createGuest('otto', 'Otto O');
  await world.setPairs([[G1.id, G2.id], [G1.id, G3.id], [G1.id, G4.id]]);
});
after(async () => {
  for (const s of streams) s.close();
  await world?.stop();
});

test('a session made on A works on B, with the same CSRF token', async () => {
  const onA = await world.signIn(G1, A);
  const onB = via(onA, B);
  const session = await onB.get('/api/v1/session');
  assert.equal(session.status, 200, show(session));
  assert.equal(session.json.role, 'guest', show(session));
  assert.equal(session.json.guest.id, G1.id);
  assert.equal(session.json.csrfToken, onA.csrf);
  // A change made on B with the token A gave.
  const created = await onB.post('/api/v1/rooms', { json: { memberIds: [G2.id] } });
  assert.equal(created.status, 201, show(created));
  assert.deepEqual((await roomsOf(onA)).map((r) => r.id), [created.json.id], 'A does not list the space B made');
  // The admin session (made through nginx) works on each instance directly.
  for (const p of [A, B]) assert.equal((await adminAt(p).get('/api/v1/session')).json.role, 'admin');
});

test('signing out on A ends the session at B at once', async () => {
  const onA = await world.signIn(G2, A);
  const onB = via(onA, B);
  assert.equal((await onB.get('/api/v1/rooms')).status, 200, 'B does not know the session');
  assert.equal((await onA.del('/api/v1/session')).status, 204);
  const after = await request(B.url('/api/v1/rooms'), 'GET', { cookie: onA.cookie });
  assert.equal(after.status, 401, `B still accepts a signed-out session: ${show(after)}`);
});

test('a pair revoked on A closes the space for a guest whose next request goes to B', async () => {
  const g1 = await world.signIn(G1, B);
  const g3 = await world.signIn(G3, B);
  const created = await g1.post('/api/v1/rooms', { json: { memberIds: [G3.id] } });
  assert.equal(created.status, 201, show(created));
  const space = created.json;
  assert.equal((await g3.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'before' } })).status, 201);

  const revoked = await adminAt(A).put('/api/v1/policy/pairs', { json: { pairs: [[G1.id, G2.id], [G1.id, G4.id]] } });
  assert.equal(revoked.status, 200, show(revoked));

  // B: the very next requests see it closed.
  const listed = (await roomsOf(g3)).find((r) => r.id === space.id);
  assert.ok(listed, 'the closed space is not listed');
  assert.equal(listed.closed, true, `B lists the space as open after the revoke on A: ${JSON.stringify(listed)}`);
  assertError(await g3.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'after' } }), 404, 'not_found');
  assertError(await g1.post('/api/v1/rooms', { json: { memberIds: [G3.id] } }), 403, 'pair_not_allowed');
  const contacts = await g3.get('/api/v1/contacts');
  assert.deepEqual(contacts.json.items, [], `B still offers the revoked contact: ${show(contacts)}`);
  // And Webex follows: the guests leave the room, whichever instance does the work.
  const people = [await world.webexPersonOf(G1.id), await world.webexPersonOf(G3.id)];
  await waitFor(async () => {
    const room = (await world.emulator.state()).rooms.find((r) => r.id === space.webexRoomId);
    return !room || !room.memberIds.some((id) => people.includes(id));
  }, 15000, 'the guests to be out of the Webex room');
});

test('a guest renamed on A shows with the new name in B\'s next room list', async () => {
  const g1 = await world.signIn(G1, B);
  const g4 = await world.signIn(G4, B);
  const created = await g4.post('/api/v1/rooms', { json: { memberIds: [G1.id] } });
  assert.equal(created.status, 201, show(created));
  const before = (await roomsOf(g1)).find((r) => r.id === created.json.id);
  assert.equal(before.members.find((m) => m.id === G4.id).displayName, 'Otto O');

  const renamed = await adminAt(A).patch(`/api/v1/guests/${G4.id}`, { json: { displayName: 'Otto Renamed' } });
  assert.equal(renamed.status, 200, show(renamed));
  const afterList = (await roomsOf(g1)).find((r) => r.id === created.json.id);
  assert.equal(afterList.members.find((m) => m.id === G4.id).displayName, 'Otto Renamed',
    `B shows the old name: ${JSON.stringify(afterList)}`);
  const contacts = await g1.get('/api/v1/contacts');
  assert.ok(contacts.json.items.some((c) => c.id === G4.id && c.displayName === 'Otto Renamed'), show(contacts));
  const session = await g4.get('/api/v1/session');
  assert.equal(session.json.guest.displayName, 'Otto Renamed', `B's session shows the old name: ${show(session)}`);
});

test('the admin lists on B follow A\'s changes through the journal, without a rebuild', async () => {
  const refreshes = async (portal) => {
    const r = await portal.call('GET', '/metrics');
    assert.equal(r.status, 200, show(r));
    const families = parsePrometheusText(r.text);
    const of = (how) => sampleValue(families, 'guest_portal_directory_refreshes_total', { how });
    return { build: of('build'), update: of('update') };
  };
  const listOnB = async () => {
    const r = await adminAt(B).get('/api/v1/guests?query=');
    assert.equal(r.status, 200, show(r));
    return new Map(r.json.items.map((g) => [g.id, g]));
  };
  const first = await listOnB();
  const start = await refreshes(B);
  assert.ok(start.build >= 1);
  const changed = await adminAt(A).patch('/api/v1/policy/pairs', { json: { add: [[G2.id, G3.id]] } });
  assert.equal(changed.status, 200, show(changed));
  const renamed = await adminAt(A).patch(`/api/v1/guests/${G3.id}`, { json: { displayName: 'Nora Listed' } });
  assert.equal(renamed.status, 200, show(renamed));
  const after = await listOnB();
  assert.equal(after.get(G2.id).pairCount, first.get(G2.id).pairCount + 1);
  assert.equal(after.get(G3.id).pairCount, first.get(G3.id).pairCount + 1);
  assert.equal(after.get(G3.id).displayName, 'Nora Listed');
  const now = await refreshes(B);
  assert.equal(now.build, start.build, 'B rebuilt its directory after A\'s change');
  assert.ok(now.update > start.update, 'B did not update its directory');
});

test('disabling a guest on A refuses them on B and ends their stream held on B', async () => {
  const g2 = await world.signIn(G2, B);
  const stream = await openEvents(B, g2.cookie);
  streams.push(stream);
  assert.equal(stream.status, 200, stream.body);
  const disabled = await adminAt(A).patch(`/api/v1/guests/${G2.id}`, { json: { disabled: true } });
  assert.equal(disabled.status, 200, show(disabled));
  const refused = await request(B.url('/api/v1/rooms'), 'GET', { cookie: g2.cookie });
  assert.equal(refused.status, 401, `B still serves a disabled guest: ${show(refused)}`);
  assertError(await B.call('POST', '/api/v1/session', { json: { username: G2.username, password: G2.password } }),
    403, 'account_disabled');
  const ended = await stream.waitFor((e) => e.event === 'session.ended', 5000, 'session.ended on B\'s stream');
  assert.equal(ended.data.reason, 'disabled');
  await waitFor(() => stream.ended, 5000, 'B to close the stream');
});

test('a password changed on A ends the guest\'s sessions on B', async () => {
  const g3 = await world.signIn(G3, B);
  const stream = await openEvents(B, g3.cookie);
  streams.push(stream);
  const changed = await adminAt(A).patch(`/api/v1/guests/${G3.id}`, { json: { password: 'a-new-Secret-pw-9' } });
  world.secrets.add('new password of nora', 'a-new-Secret-pw-9');
  assert.equal(changed.status, 200, show(changed));
  assert.equal((await request(B.url('/api/v1/rooms'), 'GET', { cookie: g3.cookie })).status, 401);
  const ended = await stream.waitFor((e) => e.event === 'session.ended', 5000, 'session.ended on B\'s stream');
  assert.equal(ended.data.reason, 'password_changed');
  // The new password works on B at once, the old one does not.
  assert.equal((await B.call('POST', '/api/v1/session', { json: { username: G3.username, password: G3.password } })).status, 401);
  const signedIn = await B.call('POST', '/api/v1/session', { json: { username: G3.username, password: 'a-new-Secret-pw-9' } });
  assert.equal(signedIn.status, 200, show(signedIn));
});

test('the portal logs hold no secret and no database wait on the event loop', async () => {
  for (const s of streams) s.close();
  await world.assertLogsClean();
});
