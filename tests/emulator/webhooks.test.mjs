// Webhooks: CRUD, delivery envelope, signature, firehose, filters, auto-disable (webex-api.md §11, §14.12).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEmulator, startReceiver, assertWebexError, hmacSha1Hex, idUuid, sleep, waitFor, ISO_MS_RE,
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
  rx.status = 200;
});

function createHook(token, body) {
  return em.ok('POST', '/v1/webhooks', { token, json: { name: 'hook', targetUrl: rx.url, ...body } });
}

test('webhook CRUD: create 200 full object, get, list, update, delete 204; validation 400', async () => {
  const ada = await em.person('Ada');
  const t = ada.accessToken;
  const hook = await createHook(t, { resource: 'messages', event: 'created', filter: 'roomType=group', secret: 's3cret' });
  idUuid(hook.id, 'WEBHOOK');
  assert.equal(hook.name, 'hook');
  assert.equal(hook.targetUrl, rx.url);
  assert.equal(hook.resource, 'messages');
  assert.equal(hook.event, 'created');
  assert.equal(hook.filter, 'roomType=group');
  assert.equal(hook.secret, 's3cret');
  assert.equal(hook.status, 'active');
  assert.match(hook.created, ISO_MS_RE);
  assert.equal(hook.ownedBy, 'creator');
  assert.equal(hook.orgId, ada.orgId);
  assert.equal(hook.createdBy, ada.id);
  assert.equal(typeof hook.appId, 'string');

  assert.deepEqual((await em.ok('GET', `/v1/webhooks/${hook.id}`, { token: t })).id, hook.id);
  assert.deepEqual((await em.ok('GET', '/v1/webhooks', { token: t })).items.map((w) => w.id), [hook.id]);
  const other = await em.person('Other');
  assert.deepEqual((await em.ok('GET', '/v1/webhooks', { token: other.accessToken })).items, [], 'webhooks are per owner');

  const updated = await em.ok('PUT', `/v1/webhooks/${hook.id}`, {
    token: t, json: { name: 'renamed', targetUrl: `${rx.url}/2`, secret: 'new', status: 'inactive' },
  });
  assert.equal(updated.name, 'renamed');
  assert.equal(updated.targetUrl, `${rx.url}/2`);
  assert.equal(updated.secret, 'new');
  assert.equal(updated.status, 'inactive');
  assert.equal(updated.resource, 'messages');

  for (const missing of ['name', 'targetUrl', 'resource', 'event']) {
    const body = { name: 'n', targetUrl: rx.url, resource: 'messages', event: 'created' };
    delete body[missing];
    assertWebexError(await em.post('/v1/webhooks', { token: t, json: body }), 400);
  }
  const del = await em.del(`/v1/webhooks/${hook.id}`, { token: t });
  assert.equal(del.status, 204);
  assert.equal(del.text, '');
  assertWebexError(await em.get(`/v1/webhooks/${hook.id}`, { token: t }), 404);
});

test('firehose delivery: §11 envelope, no text in data, X-Spark-Signature = hex HMAC-SHA1', async () => {
  const ada = await em.person('Ada', { email: 'ada@example.com' });
  const secret = 'hook-secret-' + Math.random().toString(36).slice(2);
  const hook = await createHook(ada.accessToken, { resource: 'all', event: 'all', secret });
  const room = await em.room(ada.accessToken, 'Hooked');
  const msg = await em.message(ada.accessToken, room.id, 'top secret text');

  const delivery = await rx.waitFor((b) => b.resource === 'messages' && b.event === 'created' && b.data?.id === msg.id);
  assert.equal(delivery.method, 'POST');
  assert.match(delivery.headers['content-type'] || '', /application\/json/);
  const body = delivery.json;
  assert.equal(body.id, hook.id);
  assert.equal(body.name, 'hook');
  assert.equal(body.targetUrl, rx.url);
  assert.equal(body.orgId, ada.orgId);
  assert.equal(body.createdBy, ada.id);
  assert.equal(typeof body.appId, 'string');
  assert.equal(body.ownedBy, 'creator');
  assert.equal(body.status, 'active');
  assert.equal(body.created, hook.created);
  assert.equal(body.actorId, ada.id);
  assert.equal(body.data.roomId, room.id);
  assert.equal(body.data.roomType, 'group');
  assert.equal(body.data.personId, ada.id);
  assert.equal(body.data.personEmail, 'ada@example.com');
  assert.equal(body.data.created, msg.created);
  assert.equal(body.data.text, undefined, 'data must not carry text');
  assert.equal(body.data.markdown, undefined, 'data must not carry markdown');
  assert.ok(!delivery.raw.toString().includes('top secret text'));

  const signature = delivery.headers['x-spark-signature'];
  assert.ok(signature, 'no X-Spark-Signature header');
  assert.equal(signature, hmacSha1Hex(delivery.raw, secret));
  assert.match(signature, /^[0-9a-f]{40}$/);

  // The firehose also reports the room and its first membership.
  await rx.waitFor((b) => b.resource === 'rooms' && b.event === 'created' && b.data?.id === room.id);
  await rx.waitFor((b) => b.resource === 'memberships' && b.event === 'created' && b.data?.roomId === room.id);

  // Deleting the message fires messages/deleted.
  assert.equal((await em.del(`/v1/messages/${msg.id}`, { token: ada.accessToken })).status, 204);
  await rx.waitFor((b) => b.resource === 'messages' && b.event === 'deleted' && b.data?.id === msg.id);

  // The emulator records the deliveries.
  const state = await em.ok('GET', '/_emulator/state');
  assert.ok(state.deliveries.some((d) => d.webhookId === hook.id && d.resource === 'messages' && d.event === 'created'));
});

test('no X-Spark-Signature without a secret; other people\'s rooms do not fire', async () => {
  const ada = await em.person('Ada');
  const eve = await em.person('Eve');
  await createHook(eve.accessToken, { name: 'eve', resource: 'messages', event: 'all' });
  const adaHook = await createHook(ada.accessToken, { name: 'ada', resource: 'messages', event: 'created' });
  const room = await em.room(ada.accessToken, 'Ada only');
  const msg = await em.message(ada.accessToken, room.id, 'hi');
  const d = await rx.waitFor((b) => b.data?.id === msg.id);
  assert.equal(d.json.id, adaHook.id);
  assert.equal(d.headers['x-spark-signature'], undefined);
  await sleep(300);
  assert.ok(!rx.requests.some((r) => r.json?.name === 'eve'), 'Eve is not in the room and must not be told');
});

test('resource/event and filters select deliveries', async () => {
  const ada = await em.person('Ada', { email: 'ada@example.com' });
  const bob = await em.person('Bob', { email: 'bob@example.com' });
  const r1 = await em.room(ada.accessToken, 'One');
  const r2 = await em.room(ada.accessToken, 'Two');
  await em.addMember(ada.accessToken, r1.id, bob.id);
  await em.addMember(ada.accessToken, r2.id, bob.id);
  await createHook(ada.accessToken, { name: 'room1', resource: 'messages', event: 'created', filter: `roomId=${r1.id}` });
  await createHook(ada.accessToken, {
    name: 'bob-in-1', resource: 'messages', event: 'created', filter: `roomId=${r1.id}&personEmail=bob@example.com`,
  });
  await createHook(ada.accessToken, { name: 'rooms', resource: 'rooms', event: 'all' });
  rx.clear();

  const m2 = await em.message(ada.accessToken, r2.id, 'in two');
  const m1ada = await em.message(ada.accessToken, r1.id, 'ada in one');
  const m1bob = await em.message(bob.accessToken, r1.id, 'bob in one');
  await rx.waitFor((b) => b.name === 'room1' && b.data?.id === m1ada.id);
  await rx.waitFor((b) => b.name === 'room1' && b.data?.id === m1bob.id);
  await rx.waitFor((b) => b.name === 'bob-in-1' && b.data?.id === m1bob.id);
  await em.ok('PUT', `/v1/rooms/${r2.id}`, { token: ada.accessToken, json: { title: 'Two renamed' } });
  await rx.waitFor((b) => b.name === 'rooms' && b.event === 'updated' && b.data?.id === r2.id);
  await sleep(300);
  const got = rx.requests.map((r) => r.json);
  assert.ok(!got.some((b) => b.name === 'room1' && b.data?.id === m2.id), 'roomId filter let another room through');
  assert.ok(!got.some((b) => b.name === 'bob-in-1' && b.data?.id === m1ada.id), 'personEmail filter let Ada through');
  assert.ok(!got.some((b) => b.name === 'rooms' && b.resource !== 'rooms'), 'resource rooms got other resources');
  assert.ok(!got.some((b) => ['room1', 'bob-in-1'].includes(b.name) && b.resource !== 'messages'));
});

test('100 failed deliveries disable the webhook; PUT status active revives it', async () => {
  const ada = await em.person('Ada');
  const hook = await createHook(ada.accessToken, { resource: 'messages', event: 'created' });
  const room = await em.room(ada.accessToken, 'Failing');
  rx.status = 500;

  const deadline = Date.now() + 30000;
  let status = 'active';
  let sent = 0;
  while (status === 'active') {
    assert.ok(Date.now() < deadline, `still active after ${sent} messages and ${rx.requests.length} failed deliveries`);
    const batch = [];
    for (let i = 0; i < 10; i++) batch.push(em.message(ada.accessToken, room.id, `fail ${sent++}`));
    await Promise.all(batch);
    if (sent >= 100) {
      // Deliveries are asynchronous: give them a moment before polling.
      status = (await em.ok('GET', `/v1/webhooks/${hook.id}`, { token: ada.accessToken })).status;
      if (status === 'active' && sent >= 150) await sleep(50); // let queued deliveries catch up
    }
  }
  assert.equal(status, 'inactive');
  assert.ok(rx.requests.length >= 100, `disabled after only ${rx.requests.length} failed deliveries`);

  // Inactive: no more deliveries.
  await sleep(300);
  const seen = rx.requests.length;
  const quiet = await em.message(ada.accessToken, room.id, 'while inactive');
  await sleep(400);
  assert.equal(rx.requests.filter((r) => r.json?.data?.id === quiet.id).length, 0, 'an inactive webhook delivered');
  assert.equal(rx.requests.length, seen, 'an inactive webhook must not be called at all');

  // Revive.
  rx.status = 200;
  const revived = await em.ok('PUT', `/v1/webhooks/${hook.id}`, {
    token: ada.accessToken, json: { name: hook.name, targetUrl: hook.targetUrl, status: 'active' },
  });
  assert.equal(revived.status, 'active');
  const loud = await em.message(ada.accessToken, room.id, 'after revival');
  await rx.waitFor((b) => b.data?.id === loud.id);
});

test('stopping the failures before 100 keeps the webhook active', async () => {
  const ada = await em.person('Ada');
  const hook = await createHook(ada.accessToken, { resource: 'messages', event: 'created' });
  const room = await em.room(ada.accessToken, 'Some failures');
  rx.status = 500;
  const sent = [];
  for (let i = 0; i < 20; i++) sent.push(await em.message(ada.accessToken, room.id, `f${i}`));
  await waitFor(() => rx.requests.some((r) => r.json?.data?.id === sent.at(-1).id), 5000, 'the 20th failed delivery');
  assert.equal((await em.ok('GET', `/v1/webhooks/${hook.id}`, { token: ada.accessToken })).status, 'active');
});
