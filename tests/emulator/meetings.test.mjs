// Ad hoc space meetings, join links and meetings webhooks (webex-api.md §12, §14.11, §15).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEmulator, startReceiver, assertWebexError, jwtGuest, DEFAULT_GUEST_ISSUER, sleep,
} from './lib.mjs';

let em;
let rx;
before(async () => {
  em = await startEmulator();
  rx = await startReceiver();
});
after(async () => {
  await em?.stop();
  await rx?.close();
});
beforeEach(async () => {
  await em.reset();
  rx.clear();
});

async function setup() {
  const host = await em.person('Host Person', { email: 'host@example.com' });
  const guest = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'meeting-guest', 'Meeting Guest');
  const room = await em.room(host.accessToken, 'Meeting room');
  await em.addMember(host.accessToken, room.id, guest.person.id);
  return { host, guest, room };
}

test('a licensed member creates an ad hoc meeting; the same room gives the same meeting while live', async () => {
  const { host, room } = await setup();
  const r = await em.post('/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.headers.get('trackingid'));
  const m = r.json;
  for (const key of ['id', 'meetingNumber', 'title', 'password', 'webLink', 'sipAddress', 'siteUrl', 'start']) {
    assert.equal(typeof m[key], 'string', `${key} should be a string: ${JSON.stringify(m[key])}`);
    assert.ok(m[key].length > 0, `${key} is empty`);
  }
  assert.match(m.webLink, /^https?:\/\//);
  assert.ok(Number.isFinite(Date.parse(m.start)), `start is not a date: ${m.start}`);
  assert.ok(Number.isFinite(Date.parse(m.end)), `end is not a date: ${m.end}`);
  assert.equal(m.roomId, room.id);
  assert.equal(m.hostUserId, host.id);
  assert.equal(m.hostEmail, 'host@example.com');
  assert.equal(m.meetingType, 'meeting');
  assert.equal(m.scheduledType, 'meeting');
  if (m.state !== undefined) assert.equal(m.state, 'inProgress');

  const again = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  assert.equal(again.id, m.id);
  assert.equal(again.meetingNumber, m.meetingNumber);

  const got = await em.ok('GET', `/v1/meetings/${m.id}`, { token: host.accessToken });
  assert.equal(got.id, m.id);
  assert.equal(got.roomId, room.id);
  assertWebexError(await em.get('/v1/meetings/no-such-meeting', { token: host.accessToken }), 404);
});

test('another licensed member of the room gets the same live meeting', async () => {
  const { host, room } = await setup();
  const colleague = await em.person('Colleague');
  await em.addMember(host.accessToken, room.id, colleague.id);
  const m1 = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  const m2 = await em.ok('POST', '/v1/meetings', { token: colleague.accessToken, json: { roomId: room.id, adhoc: true } });
  assert.equal(m2.id, m1.id);
});

test('a guest (unlicensed) gets 403; a licensed non-member gets 404; missing roomId 400', async () => {
  const { host, guest, room } = await setup();
  assertWebexError(await em.post('/v1/meetings', { token: guest.token, json: { roomId: room.id, adhoc: true } }), 403);
  const outsider = await em.person('Outsider');
  assertWebexError(await em.post('/v1/meetings', { token: outsider.accessToken, json: { roomId: room.id, adhoc: true } }), 404);
  const unlicensed = await em.person('Unlicensed', { licensed: false });
  await em.addMember(host.accessToken, room.id, unlicensed.id);
  assertWebexError(await em.post('/v1/meetings', { token: unlicensed.accessToken, json: { roomId: room.id, adhoc: true } }), 403);
  assert.equal((await em.ok('GET', '/_emulator/state')).meetings.length, 0, 'refused requests must not create meetings');
  assertWebexError(await em.post('/v1/meetings', { token: host.accessToken, json: { adhoc: true } }), 400);
});

test('/meetings/join returns start and join links by id, number or webLink', async () => {
  const { host, guest, room } = await setup();
  const m = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  for (const key of [{ meetingId: m.id }, { meetingNumber: m.meetingNumber }, { webLink: m.webLink }]) {
    const j = await em.post('/v1/meetings/join', {
      token: host.accessToken, json: { ...key, joinDirectly: false, email: 'g@example.com', displayName: 'G' },
    });
    assert.equal(j.status, 200, `${JSON.stringify(key)}: ${j.text}`);
    assert.match(j.json.startLink, /^https?:\/\//);
    assert.match(j.json.joinLink, /^https?:\/\//);
    assert.equal(typeof j.json.expiration, 'string');
    assert.ok(Date.parse(j.json.expiration) > 0, `expiration is not a date: ${j.json.expiration}`);
  }
  const byGuest = await em.post('/v1/meetings/join', { token: guest.token, json: { meetingId: m.id, joinDirectly: false } });
  assert.equal(byGuest.status, 200, byGuest.text);
  assertWebexError(await em.post('/v1/meetings/join', { token: host.accessToken, json: { meetingId: 'nope', joinDirectly: false } }), 404);
});

test('meetings started/ended webhooks; ending via the control API; a new POST then creates a new meeting', async () => {
  const { host, room } = await setup();
  await em.ok('POST', '/v1/webhooks', {
    token: host.accessToken, json: { name: 'meetings', targetUrl: rx.url, resource: 'meetings', event: 'all' },
  });
  const m = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  const started = await rx.waitFor((b) => b.resource === 'meetings' && b.event === 'started');
  assert.equal(started.json.data.id, m.id);
  assert.equal(started.json.data.roomId, room.id);

  const end = await em.post(`/_emulator/meetings/${m.id}/end`);
  assert.equal(end.status, 204, end.text);
  const ended = await rx.waitFor((b) => b.resource === 'meetings' && b.event === 'ended');
  assert.equal(ended.json.data.id, m.id);
  assert.equal(ended.json.data.roomId, room.id);

  assert.equal((await em.post('/_emulator/meetings/no-such-meeting/end')).status, 404);

  const fresh = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  assert.notEqual(fresh.id, m.id, 'after the meeting ended a new one must be created');
  await rx.waitFor((b) => b.event === 'started' && b.data?.id === fresh.id);
  await sleep(200);
  assert.equal(rx.requests.filter((r) => r.json?.event === 'started').length, 2, 'asking again for a live meeting must not fire started');
});

test('guests cannot create ad hoc meetings, not even in a g2g direct room', async () => {
  const g1 = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'gg1', 'G1');
  const g2 = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'gg2', 'G2');
  // Guests can never create ad hoc meetings: they have no licence.
  await em.configure({ g2g: true });
  const direct = await em.ok('POST', '/v1/messages', { token: g1.token, json: { toPersonId: g2.person.id, text: 'hi' } });
  assertWebexError(await em.post('/v1/meetings', { token: g1.token, json: { roomId: direct.roomId, adhoc: true } }), 403);
});
