// The whole journey through nginx in front of two instances on one PostgreSQL database (SPEC §8,
// docs/deployment.md): nginx round-robins every request, so the administrator's OAuth sign-in, the
// guests, the policy, a guest's sign-in, a space, messages, a file and a meeting each hop between the
// instances; what one instance stored the other serves at once, checked by asking each directly too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { show, waitFor, openEvents, connectHost, request } from '../lib/harness.mjs';
import { startCluster, via } from '../lib/multi.mjs';

let world;
let A, B;
let lb;
let G1, G2, G3;
let g1, g2;
let space;
const streams = [];

// Asserts that the requests logged by nginx since `mark` went to both instances, about evenly.
const assertAlternated = (mark, what) => {
  const counts = world.lb.upstreamCounts(mark);
  const per = [A, B].map((p) => counts[`127.0.0.1:${p.port}`] || 0);
  const total = per[0] + per[1];
  assert.ok(total >= 4, `${what}: only ${total} requests logged (${JSON.stringify(counts)})`);
  assert.ok(Math.abs(per[0] - per[1]) <= Math.max(2, total / 4),
    `${what}: nginx did not spread the requests over both instances: A ${per[0]}, B ${per[1]}`);
};
const mark = () => world.lb.accessLog().length;

before(async () => {
  world = await startCluster({ portalExtra: { NOTIFY_MODE: 'webhook', POLL_INTERVAL: '1', MEETING_LEASE_TIMEOUT: '30' } });
  [A, B] = world.portals;
  lb = world.lb;
});
after(async () => {
  for (const s of streams) s.close();
  await world?.stop();
});

test('both instances serve /healthz directly and through nginx', async () => {
  for (const p of [A, B]) assert.equal((await p.call('GET', '/healthz')).status, 200);
  const at = mark();
  for (let i = 0; i < 6; i++) {
    const r = await lb.call('GET', '/healthz');
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json, { status: 'ok' });
  }
  assertAlternated(at, '/healthz');
});

test('the administrator\'s OAuth sign-in through nginx gives a session both instances accept', async () => {
  // startCluster signed in through nginx: /auth/webex/login and the callback went to different instances
  // (the OAuth state and the gp_oauth binding are shared).
  const flow = world.admin.flow;
  assert.equal(new URL(flow.login.headers.get('location')).searchParams.get('redirect_uri'),
    `${world.publicUrl}/auth/webex/callback`, 'the redirect URI is not PUBLIC_URL (nginx)');
  const logins = world.lb.accessLog().filter((e) => e.uri.startsWith('/auth/webex/'));
  assert.ok(logins.length >= 2, JSON.stringify(logins));
  assert.notEqual(logins[0].upstream, logins[1].upstream, 'login and callback went to the same instance');
  for (const p of [A, B]) {
    const r = await via(world.admin, p).get('/api/v1/session');
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.role, 'admin', `${p.name}: ${show(r)}`);
    assert.equal(r.json.csrfToken, world.admin.csrf, 'the CSRF token differs between instances');
  }
  const status = await world.admin.get('/api/v1/admin/status');
  assert.equal(status.status, 200, show(status));
  assert.equal(status.json.appAdmin.signedIn, true, show(status));
});

test('guests and the policy made through nginx are the same on both instances', async () => {
  const at = mark();
  G1 = await world.createGuest('ines', 'Ines One');
  G2 = await world.createGuest('jonas', 'Jonas Two');
  G3 = await world.createGuest('karin', 'Karin Three');
  await world.setPairs([[G1.id, G2.id], [G1.id, G3.id]]);
  for (const p of [A, B]) {
    const guests = await via(world.admin, p).get('/api/v1/guests');
    assert.equal(guests.status, 200, show(guests));
    assert.deepEqual(guests.json.items.map((g) => g.username), ['ines', 'jonas', 'karin'], `${p.name}`);
    const pairs = await via(world.admin, p).get('/api/v1/policy/pairs');
    assert.equal(pairs.json.pairs.length, 2, `${p.name}: ${show(pairs)}`);
  }
  // A taken username is refused whichever instance is asked.
  for (const p of [A, B]) {
    const again = await via(world.admin, p).post('/api/v1/guests',
      { json: { username: 'ines', displayName: 'Other', password: 'pw-other-Secret1' } });
    assert.equal(again.status, 409, `${p.name}: ${show(again)}`);
  }
  assertAlternated(at, 'guests and pairs');
});

test('a guest signs in through nginx; contacts, a space and its messages hop between instances', async () => {
  g1 = await world.signIn(G1);
  g2 = await world.signIn(G2);
  const at = mark();
  for (let i = 0; i < 4; i++) {
    const contacts = await g1.get('/api/v1/contacts');
    assert.equal(contacts.status, 200, show(contacts));
    assert.deepEqual(contacts.json.items.map((c) => c.id).sort(), [G2.id, G3.id].sort());
  }
  const created = await g1.post('/api/v1/rooms', { json: { memberIds: [G2.id], title: 'Ines and Jonas' } });
  assert.equal(created.status, 201, show(created));
  space = created.json;
  // The same member set gives the same space, whichever instance is asked.
  for (const p of [A, B]) {
    const same = await via(g2, p).post('/api/v1/rooms', { json: { memberIds: [G1.id] } });
    assert.equal(same.status, 200, `${p.name}: ${show(same)}`);
    assert.equal(same.json.id, space.id);
  }
  const state = await world.emulator.state();
  assert.equal(state.rooms.filter((r) => r.title === 'Ines and Jonas').length, 1, 'more than one Webex room');
  const room = state.rooms.find((r) => r.id === space.webexRoomId);
  assert.deepEqual(new Set(room.memberIds),
    new Set([world.adminPerson.id, await world.webexPersonOf(G1.id), await world.webexPersonOf(G2.id)]));

  const sent = [];
  for (let i = 0; i < 4; i++) {
    const who = i % 2 ? g2 : g1;
    const r = await who.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: `hop ${i}` } });
    assert.equal(r.status, 201, show(r));
    sent.push(r.json.id);
  }
  for (const p of [A, B]) {
    const listed = await via(g2, p).get(`/api/v1/rooms/${space.id}/messages?max=10`);
    assert.equal(listed.status, 200, show(listed));
    const ids = listed.json.items.map((m) => m.id);
    assert.deepEqual(ids.slice(0, 4), [...sent].reverse(), `${p.name}: not newest first, or a message is missing`);
    assert.equal(new Set(ids).size, ids.length, `${p.name}: a message is listed twice`);
    const rooms = await via(g2, p).get('/api/v1/rooms');
    assert.deepEqual(rooms.json.items.map((r) => r.id), [space.id], `${p.name}: ${show(rooms)}`);
  }
  assertAlternated(at, 'the guest\'s requests');
});

test('a file goes up through nginx and comes down byte for byte', async () => {
  const bytes = crypto.randomBytes(3 * 1024 * 1024 + 17);
  const form = new FormData();
  form.append('text', 'a file through nginx');
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'blob.bin');
  const r = await g1.post(`/api/v1/rooms/${space.id}/messages`, { body: form });
  assert.equal(r.status, 201, show(r));
  const file = r.json.files[0];
  assert.equal(file.size, bytes.length);
  for (const endpoint of [lb, lb, A, B]) {
    const got = await fetch(endpoint.url(`/api/v1/rooms/${space.id}/files/${file.id}`),
      { headers: { cookie: `gp_session=${g2.cookie}` } });
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes), 'the downloaded bytes differ');
  }
});

test('a live event stream through nginx is not buffered: each message arrives at once', async () => {
  const stream = await openEvents(lb, g2.cookie);
  streams.push(stream);
  assert.equal(stream.status, 200, stream.body);
  assert.match(stream.headers['content-type'], /^text\/event-stream/);
  for (let i = 0; i < 4; i++) {
    const started = Date.now();
    const r = await g1.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: `live ${i}` } });
    assert.equal(r.status, 201, show(r));
    const got = await stream.waitFor((e) => e.event === 'message.created' && e.data.messageId === r.json.id, 5000,
      `message.created for live ${i} through nginx`);
    assert.ok(got, 'no event');
    assert.ok(Date.now() - started < 3000, `live ${i} took ${Date.now() - started} ms through nginx`);
  }
  const created = stream.of('message.created');
  assert.equal(new Set(created.map((e) => e.data.messageId)).size, created.length, 'an event came twice');
});

test('a meeting through nginx: the host connects, both members get the same lease from either instance', async () => {
  const hostPerson = await world.emulator.person('Hugo Host', 'hugo.host@example.com', true);
  world.secrets.add('host access token (control API)', hostPerson.accessToken);
  const added = await world.admin.post('/api/v1/hosts', { json: { email: 'hugo.host@example.com' } });
  assert.equal(added.status, 201, show(added));
  assert.ok(added.json.connectUrl.startsWith(`${world.publicUrl}/`), `connect link not on PUBLIC_URL: ${added.json.connectUrl}`);
  const connected = await connectHost(lb, world.emulator, added.json.connectUrl, 'hugo.host@example.com');
  assert.equal(connected.callback.status, 200, show(connected.callback));
  for (const p of [A, B]) {
    const pool = await via(world.admin, p).get('/api/v1/hosts');
    assert.deepEqual(pool.json.stats, { free: 1, leased: 0, exhausted: 0 }, `${p.name}: ${show(pool)}`);
  }
  const started = await g1.post(`/api/v1/rooms/${space.id}/meeting`);
  assert.equal(started.status, 200, show(started));
  for (const endpoint of [A, B, lb]) {
    const same = await via(g2, endpoint).post(`/api/v1/rooms/${space.id}/meeting`);
    assert.equal(same.status, 200, show(same));
    assert.equal(same.json.leaseId, started.json.leaseId, 'another lease was given');
    assert.equal(same.json.meeting.id, started.json.meeting.id);
  }
  const live = (await world.emulator.state()).meetings.filter((m) => m.state !== 'ended');
  assert.equal(live.length, 1, JSON.stringify(live));
  assert.equal(live[0].hostUserId, hostPerson.id);
  assert.equal((await g2.post(`/api/v1/rooms/${space.id}/meeting/heartbeat`)).status, 200);
  assert.equal((await g2.del(`/api/v1/rooms/${space.id}/meeting`)).status, 204);
  for (const p of [A, B]) assert.equal((await via(g1, p).get(`/api/v1/rooms/${space.id}/meeting`)).status, 404);
  await waitFor(async () => (await world.emulator.state()).meetings.every((m) => m.state === 'ended'), 10000,
    'the Webex meeting to end');
  await waitFor(async () => {
    const pool = await world.admin.get('/api/v1/hosts');
    return pool.json.stats.free === 1 && pool.json.stats.leased === 0;
  }, 10000, 'the host to be free again');
  const room = (await world.emulator.state()).rooms.find((r) => r.id === space.webexRoomId);
  assert.ok(!room.memberIds.includes(hostPerson.id), 'the host is still in the space');
});

test('signing out through nginx ends the session on both instances', async () => {
  const g3 = await world.signIn(G3);
  assert.equal((await g3.del('/api/v1/session')).status, 204);
  for (const endpoint of [A, B, lb]) {
    const r = await request(endpoint.url('/api/v1/rooms'), 'GET', { cookie: g3.cookie });
    assert.equal(r.status, 401, show(r));
  }
});

test('the portal logs hold no secret and no database wait on the event loop', async () => {
  for (const s of streams) s.close();
  await world.assertLogsClean();
});
