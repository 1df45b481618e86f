// IDs, error bodies, Trackingid, bearer checks, people (webex-api.md §1, §7, §14.1–3).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEmulator, idUuid, decodeId, assertWebexError, INVALID_TOKEN_MESSAGE, ROOM_NOT_FOUND_MESSAGE,
  ISO_MS_RE,
} from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

test('ids are base64url of ciscospark://us/<TYPE>/<uuid>; memberships <personUuid>:<roomUuid>', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob');
  const adaUuid = idUuid(ada.id, 'PEOPLE');
  const bobUuid = idUuid(bob.id, 'PEOPLE');
  idUuid(ada.orgId, 'ORGANIZATION');
  assert.equal(bob.orgId, ada.orgId, 'one fixed organization');

  const room = await em.room(ada.accessToken, 'Ids');
  const roomUuid = idUuid(room.id, 'ROOM');
  const message = await em.message(ada.accessToken, room.id, 'hi');
  idUuid(message.id, 'MESSAGE');
  const membership = await em.addMember(ada.accessToken, room.id, bob.id);
  const pair = idUuid(membership.id, 'MEMBERSHIP');
  assert.equal(pair, `${bobUuid}:${roomUuid}`);

  const own = await em.ok('GET', `/v1/memberships?roomId=${room.id}&personId=${ada.id}`, { token: ada.accessToken });
  assert.equal(own.items.length, 1);
  assert.equal(idUuid(own.items[0].id, 'MEMBERSHIP'), `${adaUuid}:${roomUuid}`);

  const hook = await em.ok('POST', '/v1/webhooks', {
    token: ada.accessToken,
    json: { name: 'h', targetUrl: 'http://127.0.0.1:9/h', resource: 'messages', event: 'created' },
  });
  idUuid(hook.id, 'WEBHOOK');
  assert.ok(!decodeId(hook.id).includes('='));
});

test('the same object always has the same id', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob');
  const me1 = await em.ok('GET', '/v1/people/me', { token: ada.accessToken });
  const me2 = await em.ok('GET', '/v1/people/me', { token: ada.accessToken });
  assert.equal(me1.id, ada.id);
  assert.equal(me2.id, ada.id);
  const viaId = await em.ok('GET', `/v1/people/${ada.id}`, { token: bob.accessToken });
  assert.equal(viaId.id, ada.id);

  const room = await em.room(ada.accessToken, 'Same');
  assert.equal((await em.ok('GET', `/v1/rooms/${room.id}`, { token: ada.accessToken })).id, room.id);
  const listed = await em.ok('GET', '/v1/rooms', { token: ada.accessToken });
  assert.deepEqual(listed.items.map((r) => r.id), [room.id]);
  const membership = await em.addMember(ada.accessToken, room.id, bob.id);
  assert.equal((await em.ok('GET', `/v1/memberships/${membership.id}`, { token: ada.accessToken })).id, membership.id);
  const msg = await em.message(bob.accessToken, room.id, 'x');
  assert.equal((await em.ok('GET', `/v1/messages/${msg.id}`, { token: ada.accessToken })).id, msg.id);
  const msgs = await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: ada.accessToken });
  assert.equal(msgs.items[0].id, msg.id);
});

test('Trackingid header on success and on errors; error body shape', async () => {
  const ada = await em.person('Ada');
  const ok = await em.get('/v1/people/me', { token: ada.accessToken });
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get('trackingid'), 'no Trackingid on 200');
  assert.match(ok.headers.get('content-type') || '', /^application\/json/);

  const room = await em.room(ada.accessToken, 'T');
  const del = await em.del(`/v1/rooms/${room.id}`, { token: ada.accessToken });
  assert.equal(del.status, 204);
  assert.equal(del.text, '');
  assert.ok(del.headers.get('trackingid'), 'no Trackingid on 204');

  const missing = await em.get(`/v1/rooms/${room.id}`, { token: ada.accessToken });
  assertWebexError(missing, 404, ROOM_NOT_FOUND_MESSAGE);
  assert.equal(missing.json.errors[0].description, ROOM_NOT_FOUND_MESSAGE);

  const bad = await em.post('/v1/rooms', { token: ada.accessToken, json: { title: '' } });
  assertWebexError(bad, 400);
  const distinct = new Set([ok, missing, bad].map((r) => r.headers.get('trackingid')));
  assert.equal(distinct.size, 3, 'each response should carry its own tracking id');
});

test('401 for a missing, unknown or malformed bearer, with the documented message', async () => {
  await em.person('Ada');
  const paths = ['/v1/people/me', '/v1/rooms', '/v1/messages?roomId=x', '/v1/webhooks', '/v1/memberships'];
  for (const path of paths) {
    assertWebexError(await em.get(path), 401, INVALID_TOKEN_MESSAGE);
    assertWebexError(await em.get(path, { token: 'no-such-token' }), 401, INVALID_TOKEN_MESSAGE);
  }
  assertWebexError(await em.get('/v1/people/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, INVALID_TOKEN_MESSAGE);
  assertWebexError(await em.post('/v1/rooms', { json: { title: 'x' } }), 401, INVALID_TOKEN_MESSAGE);
});

test('person shape per §7; licensed people are type person', async () => {
  const ada = await em.person('Ada Lovelace', { email: 'ada@example.com' });
  const me = await em.ok('GET', '/v1/people/me', { token: ada.accessToken });
  assert.deepEqual(me.emails, ['ada@example.com']);
  assert.equal(me.displayName, 'Ada Lovelace');
  assert.equal(typeof me.firstName, 'string');
  assert.equal(typeof me.lastName, 'string');
  assert.equal(me.orgId, ada.orgId);
  assert.match(me.created, ISO_MS_RE);
  assert.equal(me.type, 'person');
  for (const [k, v] of Object.entries(me)) assert.notEqual(v, null, `${k} is null; optional fields are omitted`);
  assert.equal(me.accessToken, undefined, 'people/me must not echo the access token');
});

test('control API people: duplicate email 409, fixed access token honoured', async () => {
  await em.person('Ada', { email: 'dup@example.com' });
  const dup = await em.post('/_emulator/people', { json: { displayName: 'Other', email: 'dup@example.com', licensed: true } });
  assert.equal(dup.status, 409, dup.text);
  const fixed = await em.person('Fixed', { accessToken: 'fixed-token-for-demo' });
  assert.equal(fixed.accessToken, 'fixed-token-for-demo');
  const me = await em.ok('GET', '/v1/people/me', { token: 'fixed-token-for-demo' });
  assert.equal(me.id, fixed.id);
});

test('GET /v1/people by id list, email and displayName prefix; none → 400; unknown id 404', async () => {
  const ada = await em.person('Ada Lovelace', { email: 'ada@example.com' });
  const adam = await em.person('Adam Smith', { email: 'adam@example.com' });
  const bob = await em.person('Bob', { email: 'bob@example.com' });
  const t = ada.accessToken;
  const unknown = Buffer.from('ciscospark://us/PEOPLE/00000000-0000-4000-8000-000000000000').toString('base64url');

  const byIds = await em.ok('GET', `/v1/people?id=${adam.id},${bob.id},${unknown}`, { token: t });
  assert.deepEqual(byIds.items.map((p) => p.id).sort(), [adam.id, bob.id].sort());
  assert.deepEqual(byIds.notFoundIds, [unknown]);

  const byEmail = await em.ok('GET', '/v1/people?email=bob@example.com', { token: t });
  assert.deepEqual(byEmail.items.map((p) => p.id), [bob.id]);
  assert.equal(byEmail.notFoundIds, undefined, 'notFoundIds only with id=');

  const byName = await em.ok('GET', '/v1/people?displayName=Ada', { token: t });
  assert.deepEqual(byName.items.map((p) => p.id).sort(), [ada.id, adam.id].sort());

  const none = await em.ok('GET', '/v1/people?email=nobody@example.com', { token: t });
  assert.deepEqual(none.items, []);

  assertWebexError(await em.get('/v1/people', { token: t }), 400);
  assertWebexError(await em.get(`/v1/people/${unknown}`, { token: t }), 404);
});

test('GET /v1/people pages with an absolute Link', async () => {
  const ada = await em.person('Zed Zero');
  for (let i = 0; i < 5; i++) await em.person(`Zed ${i}`);
  const first = await em.get('/v1/people?displayName=Zed&max=4', { token: ada.accessToken });
  assert.equal(first.status, 200);
  assert.equal(first.json.items.length, 4);
  const link = first.headers.get('link');
  assert.match(link || '', /^<http:\/\/127\.0\.0\.1:\d+\/v1\/people\?[^>]+>; rel="next"$/);
  const next = link.match(/<([^>]+)>/)[1];
  const second = await em.get(next, { token: ada.accessToken });
  assert.equal(second.json.items.length, 2);
  assert.equal(second.headers.get('link'), null);
  const ids = new Set([...first.json.items, ...second.json.items].map((p) => p.id));
  assert.equal(ids.size, 6);
});
