// Rooms, memberships and messages semantics (webex-api.md §8–§10, §14.3–§14.11, §15).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEmulator, assertWebexError, ROOM_NOT_FOUND_MESSAGE, ISO_MS_RE, jwtGuest, DEFAULT_GUEST_ISSUER,
} from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

test('POST /v1/rooms: 200 full group room, creator is a member (not moderator unless locked); empty title 400', async () => {
  const ada = await em.person('Ada');
  const r = await em.post('/v1/rooms', { token: ada.accessToken, json: { title: 'Plans' } });
  assert.equal(r.status, 200, r.text);
  const room = r.json;
  assert.equal(room.title, 'Plans');
  assert.equal(room.type, 'group');
  assert.equal(room.isLocked, false);
  assert.equal(room.creatorId, ada.id);
  assert.equal(room.ownerId, ada.orgId);
  assert.match(room.created, ISO_MS_RE);
  assert.match(room.lastActivity, ISO_MS_RE);
  const members = await em.ok('GET', `/v1/memberships?roomId=${room.id}`, { token: ada.accessToken });
  assert.equal(members.items.length, 1);
  assert.equal(members.items[0].personId, ada.id);
  assert.equal(members.items[0].isModerator, false);
  assert.equal(members.items[0].roomType, 'group');

  assertWebexError(await em.post('/v1/rooms', { token: ada.accessToken, json: { title: '' } }), 400);
  assertWebexError(await em.post('/v1/rooms', { token: ada.accessToken, json: {} }), 400);
  assertWebexError(await em.post('/v1/rooms', { token: ada.accessToken, body: '{"title":', contentType: 'application/json' }), 400);
  assert.deepEqual((await em.ok('GET', '/v1/rooms', { token: ada.accessToken })).items.map((x) => x.id), [room.id],
    'refused creates must not create rooms');
});

test('lists are {"items":[]} when nothing matches', async () => {
  const ada = await em.person('Ada');
  assert.deepEqual(await em.ok('GET', '/v1/rooms', { token: ada.accessToken }), { items: [] });
  assert.deepEqual(await em.ok('GET', '/v1/memberships', { token: ada.accessToken }), { items: [] });
  assert.deepEqual(await em.ok('GET', '/v1/webhooks', { token: ada.accessToken }), { items: [] });
  const room = await em.room(ada.accessToken, 'Empty');
  assert.deepEqual(await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: ada.accessToken }), { items: [] });
});

test('non-members get 404 "Could not find a room" for the room, its messages and memberships', async () => {
  const ada = await em.person('Ada');
  const eve = await em.person('Eve');
  const room = await em.room(ada.accessToken, 'Private');
  await em.message(ada.accessToken, room.id, 'secret');
  const t = eve.accessToken;
  assertWebexError(await em.get(`/v1/rooms/${room.id}`, { token: t }), 404, ROOM_NOT_FOUND_MESSAGE);
  assertWebexError(await em.get(`/v1/messages?roomId=${room.id}`, { token: t }), 404, ROOM_NOT_FOUND_MESSAGE);
  assertWebexError(await em.get(`/v1/memberships?roomId=${room.id}`, { token: t }), 404, ROOM_NOT_FOUND_MESSAGE);
  assertWebexError(await em.post('/v1/messages', { token: t, json: { roomId: room.id, text: 'let me in' } }), 404);
  assertWebexError(await em.post('/v1/memberships', { token: t, json: { roomId: room.id, personId: eve.id } }), 404);
  assert.deepEqual((await em.ok('GET', '/v1/rooms', { token: t })).items, []);
  // And an id that never existed.
  const bogus = Buffer.from('ciscospark://us/ROOM/00000000-0000-4000-8000-000000000000').toString('base64url');
  assertWebexError(await em.get(`/v1/rooms/${bogus}`, { token: ada.accessToken }), 404, ROOM_NOT_FOUND_MESSAGE);
});

test('memberships: add by id or email, 409 duplicate, update, leave; filters need roomId', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob', { email: 'bob@example.com' });
  const cat = await em.person('Cat');
  const room = await em.room(ada.accessToken, 'Team');
  const t = ada.accessToken;

  const m = await em.addMember(t, room.id, bob.id);
  assert.equal(m.roomId, room.id);
  assert.equal(m.personId, bob.id);
  assert.equal(m.personEmail, 'bob@example.com');
  assert.equal(m.personDisplayName, 'Bob');
  assert.equal(m.personOrgId, bob.orgId);
  assert.equal(m.isModerator, false);
  assert.match(m.created, ISO_MS_RE);

  const dup = await em.post('/v1/memberships', { token: t, json: { roomId: room.id, personEmail: 'bob@example.com' } });
  assertWebexError(dup, 409);
  assertWebexError(await em.post('/v1/memberships', { token: t, json: { roomId: room.id, personId: bob.id } }), 409);
  const byEmail = await em.ok('POST', '/v1/memberships', { token: t, json: { roomId: room.id, personEmail: cat.emails[0] } });
  assert.equal(byEmail.personId, cat.id);

  assertWebexError(await em.post('/v1/memberships', { token: t, json: { personId: bob.id } }), 400);
  assertWebexError(await em.get(`/v1/memberships?personId=${bob.id}`, { token: t }), 400);
  assertWebexError(await em.get('/v1/memberships?personEmail=bob@example.com', { token: t }), 400);

  const filtered = await em.ok('GET', `/v1/memberships?roomId=${room.id}&personId=${bob.id}`, { token: t });
  assert.deepEqual(filtered.items.map((x) => x.id), [m.id]);
  const all = await em.ok('GET', `/v1/memberships?roomId=${room.id}`, { token: t });
  assert.equal(all.items.length, 3);
  const mine = await em.ok('GET', '/v1/memberships', { token: bob.accessToken });
  assert.deepEqual(mine.items.map((x) => x.roomId), [room.id]);

  const promoted = await em.ok('PUT', `/v1/memberships/${m.id}`, { token: t, json: { isModerator: true, isRoomHidden: false } });
  assert.equal(promoted.isModerator, true);

  const leave = await em.del(`/v1/memberships/${m.id}`, { token: bob.accessToken });
  assert.equal(leave.status, 204, leave.text);
  assert.equal(leave.text, '');
  assertWebexError(await em.get(`/v1/rooms/${room.id}`, { token: bob.accessToken }), 404, ROOM_NOT_FOUND_MESSAGE);
  assert.equal((await em.ok('GET', `/v1/memberships?roomId=${room.id}`, { token: t })).items.length, 2);
});

test('locked rooms: creator is moderator; non-moderators adding or removing get 403 and nothing changes', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob');
  const cat = await em.person('Cat');
  const dan = await em.person('Dan');
  const room = await em.room(ada.accessToken, 'Locked', { isLocked: true });
  assert.equal(room.isLocked, true);
  const own = await em.ok('GET', `/v1/memberships?roomId=${room.id}&personId=${ada.id}`, { token: ada.accessToken });
  assert.equal(own.items[0].isModerator, true);

  await em.addMember(ada.accessToken, room.id, bob.id);
  const catM = await em.addMember(ada.accessToken, room.id, cat.id);
  const before = (await em.ok('GET', `/v1/memberships?roomId=${room.id}`, { token: ada.accessToken })).items;

  assertWebexError(await em.post('/v1/memberships', { token: bob.accessToken, json: { roomId: room.id, personId: dan.id } }), 403);
  assertWebexError(await em.del(`/v1/memberships/${catM.id}`, { token: bob.accessToken }), 403);
  const after = (await em.ok('GET', `/v1/memberships?roomId=${room.id}`, { token: ada.accessToken })).items;
  assert.deepEqual(after.map((x) => x.id).sort(), before.map((x) => x.id).sort());

  // The moderator may.
  assert.equal((await em.del(`/v1/memberships/${catM.id}`, { token: ada.accessToken })).status, 204);
  await em.addMember(ada.accessToken, room.id, dan.id);

  // In an unlocked room any member may add.
  const open = await em.room(ada.accessToken, 'Open');
  await em.addMember(ada.accessToken, open.id, bob.id);
  await em.addMember(bob.accessToken, open.id, cat.id);
});

test('rooms: get, update title, delete 204 then 404', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Old');
  const updated = await em.ok('PUT', `/v1/rooms/${room.id}`, { token: ada.accessToken, json: { title: 'New' } });
  assert.equal(updated.title, 'New');
  assert.equal(updated.id, room.id);
  assert.equal((await em.ok('GET', `/v1/rooms/${room.id}`, { token: ada.accessToken })).title, 'New');
  assertWebexError(await em.put(`/v1/rooms/${room.id}`, { token: ada.accessToken, json: {} }), 400);
  const del = await em.del(`/v1/rooms/${room.id}`, { token: ada.accessToken });
  assert.equal(del.status, 204);
  assert.equal(del.text, '');
  assertWebexError(await em.get(`/v1/rooms/${room.id}`, { token: ada.accessToken }), 404, ROOM_NOT_FOUND_MESSAGE);
});

test('lastActivity moves to each new message\'s created', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Busy');
  await em.advanceClock(120);
  const m1 = await em.message(ada.accessToken, room.id, 'one');
  let now = await em.ok('GET', `/v1/rooms/${room.id}`, { token: ada.accessToken });
  assert.equal(now.lastActivity, m1.created);
  assert.ok(Date.parse(now.lastActivity) >= Date.parse(room.lastActivity) + 119000);
  await em.advanceClock(60);
  const m2 = await em.message(ada.accessToken, room.id, 'two');
  now = await em.ok('GET', `/v1/rooms/${room.id}`, { token: ada.accessToken });
  assert.equal(now.lastActivity, m2.created);
  assert.equal(now.created, room.created);
});

test('sortBy created / lastactivity newest first, default = lastactivity, id stable', async () => {
  const ada = await em.person('Ada');
  const a = await em.room(ada.accessToken, 'A');
  await em.advanceClock(10);
  const b = await em.room(ada.accessToken, 'B');
  await em.advanceClock(10);
  const c = await em.room(ada.accessToken, 'C');
  await em.advanceClock(10);
  await em.message(ada.accessToken, a.id, 'bump A');
  const order = async (qs) => (await em.ok('GET', `/v1/rooms${qs}`, { token: ada.accessToken })).items.map((r) => r.title);
  assert.deepEqual(await order('?sortBy=created'), ['C', 'B', 'A']);
  assert.deepEqual(await order('?sortBy=lastactivity'), ['A', 'C', 'B']);
  assert.deepEqual(await order(''), ['A', 'C', 'B']);
  const byId = await order('?sortBy=id');
  assert.deepEqual([...byId].sort(), ['A', 'B', 'C']);
  await em.advanceClock(10);
  await em.message(ada.accessToken, b.id, 'bump B');
  assert.deepEqual(await order('?sortBy=id'), byId, 'sortBy=id must not depend on activity');
  assert.deepEqual(await order('?sortBy=lastactivity'), ['B', 'A', 'C']);
  void c;
});

test('messages: create shape, newest first, get, delete; destination rules; roomId required', async () => {
  const ada = await em.person('Ada', { email: 'ada@example.com' });
  const room = await em.room(ada.accessToken, 'Chat');
  const t = ada.accessToken;
  const m1 = await em.ok('POST', '/v1/messages', { token: t, json: { roomId: room.id, text: 'first' } });
  assert.equal(m1.roomId, room.id);
  assert.equal(m1.roomType, 'group');
  assert.equal(m1.text, 'first');
  assert.equal(m1.personId, ada.id);
  assert.equal(m1.personEmail, 'ada@example.com');
  assert.match(m1.created, ISO_MS_RE);
  const m2 = await em.ok('POST', '/v1/messages', { token: t, json: { roomId: room.id, markdown: '**second**' } });
  assert.equal(m2.markdown, '**second**');
  const m3 = await em.message(t, room.id, 'third');

  const list = await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: t });
  assert.deepEqual(list.items.map((m) => m.id), [m3.id, m2.id, m1.id]);
  assert.equal(list.items[2].text, 'first');
  const one = await em.ok('GET', `/v1/messages/${m2.id}`, { token: t });
  assert.equal(one.markdown, '**second**');

  assertWebexError(await em.get('/v1/messages', { token: t }), 400);
  assertWebexError(await em.post('/v1/messages', { token: t, json: { text: 'nowhere' } }), 400);
  assertWebexError(await em.post('/v1/messages', { token: t, json: { roomId: room.id, toPersonId: ada.id, text: 'two' } }), 400);
  assertWebexError(await em.post('/v1/messages', { token: t, json: { roomId: room.id } }), 400);

  const del = await em.del(`/v1/messages/${m2.id}`, { token: t });
  assert.equal(del.status, 204);
  assert.equal(del.text, '');
  assertWebexError(await em.get(`/v1/messages/${m2.id}`, { token: t }), 404);
  const after = await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: t });
  assert.deepEqual(after.items.map((m) => m.id), [m3.id, m1.id]);
});

test('a non-member cannot read a message by id', async () => {
  const ada = await em.person('Ada');
  const eve = await em.person('Eve');
  const room = await em.room(ada.accessToken, 'R');
  const m = await em.message(ada.accessToken, room.id, 'mine');
  assertWebexError(await em.get(`/v1/messages/${m.id}`, { token: eve.accessToken }), 404);
});

test('direct messages create and reuse exactly one direct room per pair, titled with the other person', async () => {
  const ada = await em.person('Ada Lovelace', { email: 'ada@example.com' });
  const bob = await em.person('Bob Builder', { email: 'bob@example.com' });
  const m1 = await em.ok('POST', '/v1/messages', { token: ada.accessToken, json: { toPersonEmail: 'bob@example.com', text: 'hi' } });
  assert.equal(m1.roomType, 'direct');
  const m2 = await em.ok('POST', '/v1/messages', { token: ada.accessToken, json: { toPersonId: bob.id, text: 'again' } });
  const m3 = await em.ok('POST', '/v1/messages', { token: bob.accessToken, json: { toPersonId: ada.id, text: 'back' } });
  assert.equal(m2.roomId, m1.roomId);
  assert.equal(m3.roomId, m1.roomId);

  const adaRooms = await em.ok('GET', '/v1/rooms?type=direct', { token: ada.accessToken });
  assert.equal(adaRooms.items.length, 1);
  assert.equal(adaRooms.items[0].id, m1.roomId);
  assert.equal(adaRooms.items[0].type, 'direct');
  assert.equal(adaRooms.items[0].title, 'Bob Builder');
  const bobRoom = await em.ok('GET', `/v1/rooms/${m1.roomId}`, { token: bob.accessToken });
  assert.equal(bobRoom.title, 'Ada Lovelace');
  assert.deepEqual((await em.ok('GET', '/v1/rooms?type=group', { token: ada.accessToken })).items, []);

  const direct = await em.ok('GET', `/v1/messages/direct?personId=${bob.id}`, { token: ada.accessToken });
  assert.deepEqual(direct.items.map((m) => m.id), [m3.id, m2.id, m1.id]);
  const directByEmail = await em.ok('GET', '/v1/messages/direct?personEmail=ada@example.com', { token: bob.accessToken });
  assert.equal(directByEmail.items.length, 3);
  const members = await em.ok('GET', `/v1/memberships?roomId=${m1.roomId}`, { token: ada.accessToken });
  assert.deepEqual(members.items.map((x) => x.personId).sort(), [ada.id, bob.id].sort());
  assert.ok(members.items.every((x) => x.roomType === 'direct'));
});

test('guest ↔ guest direct messages are refused with 403 unless g2g is on; guest ↔ licensed is fine', async () => {
  const ada = await em.person('Ada');
  const g1 = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'g-one', 'Guest One');
  const g2 = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'g-two', 'Guest Two');
  assert.equal(g1.person.type, 'appuser');
  const refused = await em.post('/v1/messages', { token: g1.token, json: { toPersonId: g2.person.id, text: 'hey' } });
  assertWebexError(refused, 403);
  assert.deepEqual((await em.ok('GET', '/v1/rooms', { token: g1.token })).items, [], 'no room may be left behind');
  assert.equal((await em.post('/v1/messages', { token: g1.token, json: { toPersonId: ada.id, text: 'hi' } })).status, 200);
  assert.equal((await em.post('/v1/messages', { token: ada.accessToken, json: { toPersonId: g2.person.id, text: 'hi' } })).status, 200);

  await em.configure({ g2g: true });
  const allowed = await em.post('/v1/messages', { token: g1.token, json: { toPersonId: g2.person.id, text: 'hey' } });
  assert.equal(allowed.status, 200, allowed.text);
  assert.equal(allowed.json.roomType, 'direct');
});
