// Live events across instances (SPEC §8: notifications reach guests on every instance, PostgreSQL
// LISTEN/NOTIFY). Webex delivers its webhooks to PUBLIC_URL — nginx — which hands each to one
// instance; a member's stream may be held by the other. Every message must reach every member's
// stream exactly once, wherever the stream is, and a stream that reconnects to the other instance
// with Last-Event-ID must miss nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { show, openEvents, waitFor } from '../lib/harness.mjs';
import { startCluster, via, handledBy } from '../lib/multi.mjs';

let world;
let A, B;
let G1, G2, G3;
let g1, g2, g3;
let space;
const streams = [];

const events = async (endpoint, client, options) => {
  const stream = await openEvents(endpoint, client.cookie, options);
  streams.push(stream);
  assert.equal(stream.status, 200, stream.body);
  return stream;
};
// Posts as the AppAdmin straight to Webex (the emulator), as a member of staff would.
const postAsAppAdmin = async (text) => {
  const r = await world.emulator.call('POST', '/v1/messages', {
    headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
    json: { roomId: space.webexRoomId, text },
  });
  assert.equal(r.status, 200, show(r));
  return r.json;
};
const createdFor = (stream, messageId) => stream.events.filter((e) => e.event === 'message.created'
  && e.data.messageId === messageId);
const webhookTarget = () => `${world.publicUrl}/webhooks/webex`;
const deliveriesLogged = () => world.lb.accessLog().filter((e) => e.uri === '/webhooks/webex');

before(async () => {
  world = await startCluster({ portalExtra: { NOTIFY_MODE: 'webhook', POLL_INTERVAL: '1' } });
  [A, B] = world.portals;
  G1 = await world.createGuest('pia', 'Pia P');
  G2 = await world.createGuest('quinn', 'Quinn Q');
  G3 = await world.createGuest('rosa', 'Rosa R');
  await world.setPairs([[G1.id, G2.id], [G1.id, G3.id]]);
  g1 = await world.signIn(G1);
  g2 = await world.signIn(G2);
  g3 = await world.signIn(G3);
  const r = await g1.post('/api/v1/rooms', { json: { memberIds: [G2.id], title: 'Pia and Quinn' } });
  assert.equal(r.status, 201, show(r));
  space = r.json;
  await waitFor(async () => (await world.emulator.state()).webhooks.some((h) => h.targetUrl === webhookTarget()
    && h.resource === 'messages'), 10000, 'the messages webhook at PUBLIC_URL');
});
after(async () => {
  for (const s of streams) s.close();
  await world?.stop();
});

test('the two instances keep one messages webhook and one meetings webhook, both at PUBLIC_URL', async () => {
  // Let each instance run its webhook check (every 6 poll intervals) at least once more.
  await world.emulator.resetStats();
  await waitFor(async () => ((await world.emulator.stats())['GET /v1/webhooks'] || 0) >= 2, 20000,
    'the instances to check their webhooks twice');
  const hooks = (await world.emulator.state()).webhooks.filter((h) => h.status !== 'inactive');
  const ours = hooks.filter((h) => h.targetUrl === webhookTarget());
  assert.equal(ours.filter((h) => h.resource === 'messages').length, 1,
    `messages webhooks at PUBLIC_URL: ${JSON.stringify(ours)}`);
  assert.equal(ours.filter((h) => h.resource === 'meetings').length, 1,
    `meetings webhooks at PUBLIC_URL: ${JSON.stringify(ours)}`);
  assert.deepEqual(hooks.filter((h) => h.targetUrl !== webhookTarget()).map((h) => h.targetUrl), [],
    'a webhook points at an instance instead of PUBLIC_URL');
});

test('messages delivered by webhook to either instance reach streams held on A and on B exactly once', async () => {
  const onA = await events(A, g2);
  const onB = await events(B, g2);
  const senderOnB = await events(B, g1);
  const outsiderOnA = await events(A, g3);
  const outsiderOnB = await events(B, g3);
  const deliveredBefore = { A: handledBy(A, 'POST', '/webhooks/webex'), B: handledBy(B, 'POST', '/webhooks/webex') };
  const logged = deliveriesLogged().length;
  const sent = [];
  for (let i = 0; i < 6; i++) {
    const message = await postAsAppAdmin(`from staff ${i}`);
    sent.push(message.id);
    for (const [name, stream] of [['A', onA], ['B', onB], ['the sender\'s stream on B', senderOnB]]) {
      await stream.waitFor((e) => e.event === 'message.created' && e.data.messageId === message.id, 5000,
        `message ${i} at the member's stream on ${name}`);
    }
  }
  // Time for any late duplicate (a second delivery, a second instance announcing it) to show.
  await waitFor(() => deliveriesLogged().length >= logged + sent.length, 5000, 'nginx to log the deliveries');
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const id of sent) {
    for (const [name, stream] of [['A', onA], ['B', onB], ['the sender\'s on B', senderOnB]]) {
      assert.equal(createdFor(stream, id).length, 1, `message ${id} at the stream on ${name}: ${createdFor(stream, id).length} times`);
    }
  }
  assert.deepEqual([...outsiderOnA.of('message.created'), ...outsiderOnB.of('message.created')], [],
    'a non-member was told of a message');
  // The deliveries really went to both instances (round-robin), so each path was taken. Read from
  // their access logs, which reach stderr within a second of a quiet moment.
  const delivered = () => ({ A: handledBy(A, 'POST', '/webhooks/webex') - deliveredBefore.A,
    B: handledBy(B, 'POST', '/webhooks/webex') - deliveredBefore.B });
  await waitFor(() => delivered().A >= 1 && delivered().B >= 1, 3000, 'both instances to log a delivery')
    .catch(() => {});
  assert.ok(delivered().A >= 1 && delivered().B >= 1, `webhook deliveries handled: ${JSON.stringify(delivered())}`);
});

test('a message a guest sends through A reaches the other member\'s stream on B once', async () => {
  const onB = await events(B, g2);
  const logged = deliveriesLogged().length;
  const r = await via(g1, A).post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'sent on A' } });
  assert.equal(r.status, 201, show(r));
  await onB.waitFor((e) => e.event === 'message.created' && e.data.messageId === r.json.id, 5000,
    'the guest\'s message at the stream on B');
  // Webex echoes the message by webhook to one of the instances: it must not be announced again.
  await waitFor(() => deliveriesLogged().length > logged, 5000, 'the webhook echo of the message');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(createdFor(onB, r.json.id).length, 1, 'the guest\'s message was announced twice');
  assert.equal(createdFor(onB, r.json.id)[0].data.senderGuestId, G1.id);
});

test('a stream moved from A to B with Last-Event-ID misses nothing and repeats nothing', async () => {
  const watcher = await events(B, g1);  // tells when the portal has handled each message
  const first = await events(A, g2);
  const m1 = await postAsAppAdmin('before the move');
  const seen = await first.waitFor((e) => e.event === 'message.created' && e.data.messageId === m1.id, 5000,
    'the first message on A');
  first.close();
  const missed = [];
  for (let i = 0; i < 3; i++) {
    const m = await postAsAppAdmin(`while away ${i}`);
    missed.push(m.id);
    await watcher.waitFor((e) => e.event === 'message.created' && e.data.messageId === m.id, 5000, `missed ${i} handled`);
  }
  const sentOnA = await via(g1, A).post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'while away, by Pia' } });
  assert.equal(sentOnA.status, 201, show(sentOnA));
  missed.push(sentOnA.json.id);
  await watcher.waitFor((e) => e.event === 'message.created' && e.data.messageId === sentOnA.json.id, 5000, 'Pia\'s handled');

  const moved = await events(B, g2, { lastEventId: seen.id });
  for (const id of missed) {
    await moved.waitFor((e) => e.event === 'message.created' && e.data.messageId === id, 5000,
      `missed message ${id} replayed on B`);
  }
  assert.deepEqual(moved.of('resync'), [], 'B answered Last-Event-ID from A with resync');
  assert.equal(createdFor(moved, m1.id).length, 0, 'the message seen on A came again');
  const replayed = moved.of('message.created').map((e) => e.data.messageId);
  assert.deepEqual(replayed.slice(0, missed.length), missed, 'the missed messages are not replayed in order');
  if (/^\d+$/.test(seen.id)) {
    assert.ok(moved.events.every((e) => /^\d+$/.test(e.id) && BigInt(e.id) > BigInt(seen.id)),
      `an event id on B is not after Last-Event-ID ${seen.id}: ${moved.events.map((e) => e.id)}`);
  }
  // And the stream goes on live on B.
  const after = await postAsAppAdmin('after the move');
  await moved.waitFor((e) => e.event === 'message.created' && e.data.messageId === after.id, 5000, 'live on B after the move');
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const id of [...missed, after.id]) assert.equal(createdFor(moved, id).length, 1, `message ${id} twice on B`);
});

test('the portal logs hold no secret and no database wait on the event loop', async () => {
  for (const s of streams) s.close();
  await world.assertLogsClean();
});
