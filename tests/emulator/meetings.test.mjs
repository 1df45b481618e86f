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

// --- ending a meeting (POST /v1/meetings/{meetingId}/end, operationId endMeeting) ------------------

// The portal's shape: the AppAdmin creates the space, a licensed pool host joins it and creates the
// meeting, so the room's creator is a member who does not host the meeting.
async function poolSetup() {
  const admin = await em.person('App Admin');
  const host = await em.person('Pool Host');
  const room = await em.room(admin.accessToken, 'Guest space');
  const hostMembership = await em.addMember(admin.accessToken, room.id, host.id);
  const meeting = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  return { admin, host, room, hostMembership, meeting };
}

function endMeeting(token, meetingId, json) {
  return em.post(`/v1/meetings/${meetingId}/end`, { token, json });
}

test('the host ends a meeting: 204, meetings ended reaches a room member, GET shows ended, a new POST makes a new meeting', async () => {
  const { admin, host, room, meeting } = await poolSetup();
  await em.ok('POST', '/v1/webhooks', {
    token: admin.accessToken, json: { name: 'ended', targetUrl: rx.url, resource: 'meetings', event: 'ended' },
  });

  const r = await endMeeting(host.accessToken, meeting.id, { reason: 'Agenda has been completed.' });
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
  assert.ok(r.headers.get('trackingid'));

  const ended = await rx.waitFor((b) => b.resource === 'meetings' && b.event === 'ended');
  assert.equal(ended.json.data.id, meeting.id);
  assert.equal(ended.json.data.roomId, room.id);
  assert.equal(ended.json.createdBy, admin.id);

  const got = await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken });
  assert.equal(got.id, meeting.id);
  assert.equal(got.state, 'ended');
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: admin.accessToken })).state, 'ended');
  assertWebexError(await em.post('/v1/meetings/join', {
    token: host.accessToken, json: { meetingId: meeting.id, joinDirectly: false },
  }), 404);

  const fresh = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  assert.notEqual(fresh.id, meeting.id, 'after the meeting ended a new one must be created');
  assert.equal(fresh.state, 'inProgress');
});

test('ending needs no body', async () => {
  const { host, meeting } = await poolSetup();
  const r = await em.post(`/v1/meetings/${meeting.id}/end`, { token: host.accessToken });
  assert.equal(r.status, 204, r.text);
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken })).state, 'ended');
});

test('a room member who does not host the meeting gets 403 and the meeting stays live', async () => {
  const { admin, host, meeting } = await poolSetup();
  await em.ok('POST', '/v1/webhooks', {
    token: admin.accessToken, json: { name: 'ended', targetUrl: rx.url, resource: 'meetings', event: 'ended' },
  });
  assertWebexError(await endMeeting(admin.accessToken, meeting.id, {}), 403);
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken })).state, 'inProgress');
  const again = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: meeting.roomId, adhoc: true } });
  assert.equal(again.id, meeting.id, 'a refused end must leave the meeting live');
  await sleep(200);
  assert.equal(rx.requests.length, 0, 'a refused end must not fire meetings ended');
});

test('someone who cannot see the meeting, or an unknown id, gets 404; a bad reason 400', async () => {
  const { host, meeting } = await poolSetup();
  const outsider = await em.person('Outsider');
  assertWebexError(await endMeeting(outsider.accessToken, meeting.id, {}), 404);
  const guest = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'end-outsider', 'End Outsider');
  assertWebexError(await endMeeting(guest.token, meeting.id, {}), 404);
  assertWebexError(await endMeeting(host.accessToken, 'e8a6557d3c964824ba346a0800d92575', {}), 404);
  assertWebexError(await endMeeting(host.accessToken, 'not-a-meeting-id', {}), 404);
  assertWebexError(await endMeeting(host.accessToken, meeting.id, { reason: 42 }), 400);
  assertWebexError(await em.post(`/v1/meetings/${meeting.id}/end`, { token: 'not-a-token' }), 401);
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken })).state, 'inProgress');
});

test('ending a meeting that has ended is 409 and fires nothing more', async () => {
  const { admin, host, meeting } = await poolSetup();
  await em.ok('POST', '/v1/webhooks', {
    token: admin.accessToken, json: { name: 'ended', targetUrl: rx.url, resource: 'meetings', event: 'ended' },
  });
  assert.equal((await endMeeting(host.accessToken, meeting.id, {})).status, 204);
  await rx.waitFor((b) => b.event === 'ended');
  assertWebexError(await endMeeting(host.accessToken, meeting.id, {}), 409);
  // Ended by the control API (as when everyone leaves) is the same.
  const second = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: meeting.roomId, adhoc: true } });
  assert.equal((await em.post(`/_emulator/meetings/${second.id}/end`)).status, 204);
  await rx.waitFor((b) => b.event === 'ended' && b.data?.id === second.id);
  assertWebexError(await endMeeting(host.accessToken, second.id, {}), 409);
  await sleep(200);
  assert.equal(rx.requests.length, 2, 'each meeting ends once');
});

test('ending is counted in the stats under its route, refused calls included', async () => {
  const { admin, host, meeting } = await poolSetup();
  await em.del('/_emulator/stats');
  await endMeeting(admin.accessToken, meeting.id, {});
  await endMeeting(host.accessToken, meeting.id, {});
  const { calls } = await em.stats();
  assert.equal(calls['POST /v1/meetings/{meetingId}/end'], 2, JSON.stringify(calls));
  assert.equal(calls['POST /v1/meetings'], undefined, JSON.stringify(calls));
});

test('faults aimed at POST /v1/meetings refuse creating meetings and nothing else', async () => {
  const { host, room, meeting } = await poolSetup();
  assert.equal((await endMeeting(host.accessToken, meeting.id, {})).status, 204);
  const config = await em.configure({ faults: { rate5xx: 1, endpoint: 'POST /v1/meetings', limit: 1 } });
  assert.equal(config.faults.endpoint, 'POST /v1/meetings');
  assert.equal((await em.get(`/v1/rooms/${room.id}`, { token: host.accessToken })).status, 200);
  assert.equal((await em.get(`/v1/meetings/${meeting.id}`, { token: host.accessToken })).status, 200);
  assertWebexError(await em.post('/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } }), 503);
  assert.equal((await em.ok('GET', '/_emulator/state')).meetings.length, 1, 'a faulted create must create nothing');
  const retried = await em.ok('POST', '/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  assert.notEqual(retried.id, meeting.id);

  await em.configure({ faults: { rate429: 1, retryAfter: 3, endpoint: 'POST /v1/meetings' } });
  const r = await em.post('/v1/meetings', { token: host.accessToken, json: { roomId: room.id, adhoc: true } });
  assertWebexError(r, 429);
  assert.equal(r.headers.get('retry-after'), '3');
});

test('faults aimed at the end route leave the meeting live until a retry succeeds', async () => {
  const { host, meeting } = await poolSetup();
  await em.configure({ faults: { rate429: 1, retryAfter: 1, endpoint: 'POST /v1/meetings/{meetingId}/end', limit: 1 } });
  const r = await endMeeting(host.accessToken, meeting.id, {});
  assertWebexError(r, 429);
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken })).state, 'inProgress');
  assert.equal((await endMeeting(host.accessToken, meeting.id, {})).status, 204);
});

test('the state dump lists meetings with id, roomId, host and state', async () => {
  const { host, room, meeting } = await poolSetup();
  let dump = await em.ok('GET', '/_emulator/state');
  assert.equal(dump.meetings.length, 1);
  let listed = dump.meetings[0];
  assert.equal(listed.id, meeting.id);
  assert.equal(listed.roomId, room.id);
  assert.equal(listed.hostUserId, host.id);
  assert.equal(listed.hostEmail, host.emails[0]);
  assert.equal(listed.state, 'inProgress');
  await endMeeting(host.accessToken, meeting.id, {});
  dump = await em.ok('GET', '/_emulator/state');
  listed = dump.meetings.find((m) => m.id === meeting.id);
  assert.equal(listed.state, 'ended');
});

test('ending through the control API reaches the webhook of a room member who does not host the meeting', async () => {
  const { admin, host, room, meeting } = await poolSetup();
  await em.ok('POST', '/v1/webhooks', {
    token: admin.accessToken, json: { name: 'admin meetings', targetUrl: rx.url, resource: 'meetings', event: 'ended' },
  });
  assert.equal((await em.post(`/_emulator/meetings/${meeting.id}/end`)).status, 204);
  const ended = await rx.waitFor((b) => b.resource === 'meetings' && b.event === 'ended');
  assert.equal(ended.json.createdBy, admin.id);
  assert.equal(ended.json.data.id, meeting.id);
  assert.equal(ended.json.data.roomId, room.id);
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken })).state, 'ended');
});

test('the host leaving the room does not end the meeting; the host can still end it', async () => {
  const { admin, host, hostMembership, meeting } = await poolSetup();
  await em.ok('POST', '/v1/webhooks', {
    token: admin.accessToken, json: { name: 'ended', targetUrl: rx.url, resource: 'meetings', event: 'ended' },
  });
  assert.equal((await em.del(`/v1/memberships/${hostMembership.id}`, { token: host.accessToken })).status, 204);
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: host.accessToken })).state, 'inProgress');
  assert.equal((await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: admin.accessToken })).state, 'inProgress');
  assert.equal((await endMeeting(host.accessToken, meeting.id, {})).status, 204);
  const ended = await rx.waitFor((b) => b.event === 'ended');
  assert.equal(ended.json.data.id, meeting.id);
});
