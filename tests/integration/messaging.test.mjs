// Messages, files, read marks and live events (SPEC §4.5, §5), against the emulator, in both ways the
// portal learns of messages posted elsewhere: the AppAdmin webhook and polling.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startWorld, stopAll, show, assertError, openEvents, totalCalls, waitFor } from '../lib/harness.mjs';

const MAX_FILE_BYTES = 200000;
const sorted = (list) => [...list].sort();

for (const mode of ['webhook', 'poll']) {
  describe(`messaging, ${mode} mode`, () => {
    let world;
    let A, B, C;
    let a, b, c;
    let space;
    let streams = [];

    // Posts as the AppAdmin straight to the emulator's REST API, as a member of staff would in Webex.
    const postAsAppAdmin = async (roomId, body) => {
      const r = await world.emulator.call('POST', '/v1/messages', {
        headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
        json: { roomId, ...body },
      });
      assert.equal(r.status, 200, show(r));
      return r.json;
    };
    const events = async (client, options) => {
      const stream = await openEvents(world.portal, client.cookie, options);
      streams.push(stream);
      assert.equal(stream.status, 200, stream.body);
      return stream;
    };

    before(async () => {
      world = await startWorld({
        portalExtra: { NOTIFY_MODE: mode, POLL_INTERVAL: '1', MAX_FILE_BYTES: String(MAX_FILE_BYTES) },
      });
      A = await world.createGuest('amira', 'Amira A');
      B = await world.createGuest('bodhi', 'Bodhi B');
      C = await world.createGuest('cyrus', 'Cyrus C');
      await world.setPairs([[A.id, B.id], [A.id, C.id]]);
      a = await world.signIn(A);
      b = await world.signIn(B);
      c = await world.signIn(C);
      const r = await a.post('/api/v1/rooms', { json: { memberIds: [B.id], title: 'A and B' } });
      assert.equal(r.status, 201, show(r));
      space = r.json;
      if (mode === 'webhook') {
        const target = world.portal.url('/webhooks/webex');
        await waitFor(async () => (await world.emulator.state()).webhooks.find((h) => h.targetUrl === target), 10000,
          'the portal\'s webhook');
      }
    });
    after(async () => {
      for (const s of streams) s.close();
      await stopAll();
    });

    test('a sent message is posted in Webex by the guest\'s own person, and costs one Webex call', async () => {
      await world.emulator.resetStats();
      const r = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'hello from Amira' } });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.roomId, space.id);
      assert.equal(r.json.text, 'hello from Amira');
      assert.deepEqual(r.json.sender, { guestId: A.id, displayName: 'Amira A' });
      assert.deepEqual(r.json.files, []);
      assert.equal(typeof r.json.created, 'string');
      // Time for the webhook's echo of the message to arrive and be handled.
      await new Promise((r) => setTimeout(r, 300));
      const calls = await world.emulator.stats();
      // What polling and the webhook check cost is theirs, not the send's.
      const background = new Set(['GET /v1/rooms', 'GET /v1/messages', 'GET /v1/webhooks']);
      assert.equal(totalCalls(calls, (k) => !background.has(k)), 1, JSON.stringify(calls));
      assert.equal(calls['POST /v1/messages'], 1, JSON.stringify(calls));
      const state = await world.emulator.state();
      const stored = state.messages.find((m) => m.id === r.json.id);
      assert.ok(stored, 'the message is not in the emulator');
      assert.equal(stored.personId, await world.webexPersonOf(A.id), 'posted by someone else than the guest');
      assert.notEqual(stored.personId, world.adminPerson.id);
    });

    test('paging: newest first, every message exactly once across pages', async () => {
      const sent = [];
      for (let i = 0; i < 7; i++) {
        const r = await b.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: `page message ${i}` } });
        assert.equal(r.status, 201, show(r));
        sent.push(r.json.id);
      }
      const seen = [];
      let before = '';
      for (let round = 0; round < 10; round++) {
        const r = await a.get(`/api/v1/rooms/${space.id}/messages?max=3${before ? `&before=${before}` : ''}`);
        assert.equal(r.status, 200, show(r));
        assert.ok(r.json.items.length <= 3);
        seen.push(...r.json.items.map((m) => m.id));
        if (r.json.next === null) break;
        before = r.json.next;
      }
      assert.equal(new Set(seen).size, seen.length, 'a message came twice');
      assert.deepEqual(seen.slice(0, 7), [...sent].reverse(), 'not newest first');
      assert.equal(seen.length, 8, 'the first message of the space is missing');
      const bad = await a.get(`/api/v1/rooms/${space.id}/messages?max=0`);
      assertError(bad, 400, 'invalid_field');
      assertError(await a.get(`/api/v1/rooms/${space.id}/messages?before=..%2F..`), 400, 'invalid_field');
    });

    test('markdown becomes safe html; text stays plain', async () => {
      const markdown = '**bold** <img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(1)</script>';
      const r = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { markdown } });
      assert.equal(r.status, 201, show(r));
      assert.match(r.json.html, /<strong>bold<\/strong>/);
      assert.doesNotMatch(r.json.html, /<img|<script|javascript:|onerror/i);
      const listed = await b.get(`/api/v1/rooms/${space.id}/messages?max=1`);
      assert.equal(listed.json.items[0].id, r.json.id);
      assert.doesNotMatch(listed.json.items[0].html, /<img|<script|javascript:|onerror/i);
      const plain = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: '<b>not bold</b>' } });
      assert.equal(plain.json.text, '<b>not bold</b>');
      assert.equal(plain.json.html, undefined);
    });

    test('oversized text and files are refused with nothing reaching Webex', async () => {
      await world.emulator.resetStats();
      const tooLong = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'é'.repeat(3720) } });
      assertError(tooLong, 413, 'too_large');
      assert.match(tooLong.json.error.message, /7439/);
      const form = new FormData();
      form.append('text', 'a big file');
      form.append('file', new Blob([Buffer.alloc(MAX_FILE_BYTES + 1, 1)]), 'big.bin');
      const big = await a.post(`/api/v1/rooms/${space.id}/messages`, { body: form });
      assert.equal(big.status, 413, show(big));
      const empty = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: {} });
      assertError(empty, 400, 'invalid_field');
      const unknown = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'x', html: '<b>' } });
      assertError(unknown, 400, 'invalid_field');
      const calls = await world.emulator.stats();
      assert.equal(calls['POST /v1/messages'] ?? 0, 0, JSON.stringify(calls));
    });

    test('a file round-trips byte for byte, downloaded through the portal', async () => {
      const bytes = crypto.randomBytes(150000);
      bytes[0] = 0;
      const form = new FormData();
      form.append('text', 'the report');
      form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'Rapport été.pdf');
      const r = await a.post(`/api/v1/rooms/${space.id}/messages`, { body: form });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.files.length, 1, show(r));
      const file = r.json.files[0];
      assert.equal(file.name, 'Rapport été.pdf');
      assert.equal(file.size, bytes.length);
      const down = await b.get(`/api/v1/rooms/${space.id}/files/${file.id}`);
      assert.equal(down.status, 200, show(down));
      const got = Buffer.from(await (await fetch(world.portal.url(`/api/v1/rooms/${space.id}/files/${file.id}`),
        { headers: { cookie: `gp_session=${b.cookie}` } })).arrayBuffer());
      assert.ok(got.equals(bytes), 'the downloaded bytes differ');
      assert.equal(down.headers.get('content-type'), 'application/pdf');
      assert.match(down.headers.get('content-disposition'), /^attachment; filename="Rapport _+t_+\.pdf"; filename\*=UTF-8''Rapport%20%C3%A9t%C3%A9\.pdf$/);
      assert.equal(down.headers.get('x-content-type-options'), 'nosniff');
      // B lists the message and sees the same file.
      const listed = await b.get(`/api/v1/rooms/${space.id}/messages?max=1`);
      assert.deepEqual(listed.json.items[0].files, [file]);
      assertError(await b.get(`/api/v1/rooms/${space.id}/files/nope`), 404, 'not_found');
    });

    test('a guest who is not a member gets 404 on every messaging route', async () => {
      const listed = await a.get(`/api/v1/rooms/${space.id}/messages?max=1`);
      const messageId = listed.json.items[0].id;
      const withFile = (await a.get(`/api/v1/rooms/${space.id}/messages?max=10`)).json.items.find((m) => m.files.length);
      assertError(await c.get(`/api/v1/rooms/${space.id}/messages`), 404, 'not_found');
      assertError(await c.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'let me in' } }), 404, 'not_found');
      assertError(await c.get(`/api/v1/rooms/${space.id}/files/${withFile.files[0].id}`), 404, 'not_found');
      assertError(await c.post(`/api/v1/rooms/${space.id}/read`, { json: { messageId } }), 404, 'not_found');
      assertError(await c.get('/api/v1/rooms/no-such-room/messages'), 404, 'not_found');
    });

    test('read marks: unread after another member writes, read once marked', async () => {
      const r = await b.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'are you there?' } });
      assert.equal(r.status, 201, show(r));
      const unreadOf = async (client) => (await client.get('/api/v1/rooms')).json.items.find((s) => s.id === space.id).unread;
      assert.equal(await unreadOf(a), true);
      assert.equal(await unreadOf(b), false, 'the sender\'s own message counts as unread');
      const marked = await a.post(`/api/v1/rooms/${space.id}/read`, { json: { messageId: r.json.id } });
      assert.equal(marked.status, 204, show(marked));
      assert.equal(await unreadOf(a), false);
      assertError(await a.post(`/api/v1/rooms/${space.id}/read`, { json: { messageId: 'Zm9v' } }), 404, 'not_found');
      assertError(await a.post(`/api/v1/rooms/${space.id}/read`, { json: {} }), 400);
    });

    test('a message posted in Webex by the AppAdmin reaches each member\'s stream once, and no one else\'s', async () => {
      const sa = await events(a);
      const sb = await events(b);
      const sc = await events(c);
      assert.equal(sa.headers['content-type'], 'text/event-stream');
      const posted = await postAsAppAdmin(space.webexRoomId, { text: 'a word from staff' });
      const forA = await sa.waitFor((e) => e.event === 'message.created' && e.data.messageId === posted.id, 8000);
      assert.deepEqual(forA.data, {
        roomId: space.id, messageId: posted.id, title: 'A and B', senderName: 'Alex Admin', preview: 'a word from staff',
      });
      await sb.waitFor((e) => e.event === 'message.created' && e.data.messageId === posted.id, 8000);
      // Another interval for a second announcement to show up, if there were one.
      await new Promise((r) => setTimeout(r, 1500));
      const count = (s) => s.events.filter((e) => e.event === 'message.created' && e.data.messageId === posted.id).length;
      assert.equal(count(sa), 1);
      assert.equal(count(sb), 1);
      assert.equal(sc.events.filter((e) => e.event === 'message.created').length, 0, 'a non-member was told');
      // The list shows it too, sent by the AppAdmin.
      const listed = await a.get(`/api/v1/rooms/${space.id}/messages?max=1`);
      assert.equal(listed.json.items[0].id, posted.id);
      assert.deepEqual(listed.json.items[0].sender, { displayName: 'Alex Admin' });
      for (const s of [sa, sb, sc]) s.close();
    });

    test('ids increase, and a reconnect with Last-Event-ID gets what it missed', async () => {
      const s1 = await events(b);
      const first = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'one' } });
      const e1 = await s1.waitFor((e) => e.data?.messageId === first.json.id);
      s1.close();
      const second = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'two' } });
      const third = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'three' } });
      const s2 = await events(b, { lastEventId: e1.id });
      await s2.waitFor((e) => e.data?.messageId === third.json.id);
      const replayed = s2.of('message.created').map((e) => e.data.messageId);
      assert.deepEqual(replayed.slice(0, 2), [second.json.id, third.json.id]);
      const ids = s2.of('message.created').map((e) => BigInt(e.id));
      assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), 'ids do not increase');
      assert.ok(ids[0] > BigInt(e1.id));
      // An id from before the history (another process's, or evicted) gets a resync.
      const s3 = await events(b, { lastEventId: '5' });
      await s3.waitFor((e) => e.event === 'resync');
      assertError(await world.portal.call('GET', '/api/v1/events'), 401);
      s2.close();
      s3.close();
    });

    test('room.created and room.closed reach the members', async () => {
      const sa = await events(a);
      const sc = await events(c);
      const r = await a.post('/api/v1/rooms', { json: { memberIds: [C.id], title: 'A and C' } });
      assert.equal(r.status, 201, show(r));
      await sc.waitFor((e) => e.event === 'room.created' && e.data.roomId === r.json.id);
      await sa.waitFor((e) => e.event === 'room.created' && e.data.roomId === r.json.id);
      await world.setPairs([[A.id, B.id]]);
      const closed = await sc.waitFor((e) => e.event === 'room.closed' && e.data.roomId === r.json.id);
      assert.deepEqual(closed.data, { roomId: r.json.id, title: 'A and C' });
      // Still listed, closed; its messages are gone from the portal.
      const item = (await c.get('/api/v1/rooms')).json.items.find((s) => s.id === r.json.id);
      assert.equal(item.closed, true);
      assertError(await c.get(`/api/v1/rooms/${r.json.id}/messages`), 404, 'not_found');
      sa.close();
      sc.close();
    });

    test('signing out, and disabling a guest, end their streams with the reason', async () => {
      const sc = await events(c);
      const ended = await c.del('/api/v1/session');
      assert.equal(ended.status, 204, show(ended));
      const last = await sc.waitFor((e) => e.event === 'session.ended');
      assert.deepEqual(last.data, { reason: 'signed_out' });
      await waitFor(() => sc.ended, 5000, 'the stream to end');

      c = await world.signIn(C);
      const sc2 = await events(c);
      const disabled = await world.admin.patch(`/api/v1/guests/${C.id}`, { json: { disabled: true } });
      assert.equal(disabled.status, 200, show(disabled));
      assert.deepEqual((await sc2.waitFor((e) => e.event === 'session.ended')).data, { reason: 'disabled' });
      await waitFor(() => sc2.ended, 5000, 'the stream to end');
    });

    if (mode === 'webhook') {
      test('forged and unsigned webhook deliveries are refused and change nothing', async () => {
        const sa = await events(a);
        const posted = await postAsAppAdmin(space.webexRoomId, { text: 'genuine' });
        await sa.waitFor((e) => e.data?.messageId === posted.id, 8000);
        const body = JSON.stringify({
          id: 'x', name: 'Guest Portal', resource: 'messages', event: 'created',
          data: { id: 'Zm9yZ2Vk', roomId: space.webexRoomId, personId: world.adminPerson.id },
        });
        await world.emulator.resetStats();
        const unsigned = await world.portal.call('POST', '/webhooks/webex', { body, contentType: 'application/json' });
        assertError(unsigned, 401, 'bad_signature');
        const forged = await world.portal.call('POST', '/webhooks/webex', {
          body, contentType: 'application/json',
          headers: { 'x-spark-signature': crypto.createHmac('sha1', 'not-the-secret').update(body).digest('hex') },
        });
        assertError(forged, 401, 'bad_signature');
        await new Promise((r) => setTimeout(r, 300));
        const calls = await world.emulator.stats();
        assert.equal(calls['GET /v1/messages/{messageId}'] ?? 0, 0, 'a forged delivery made the portal call Webex');
        assert.equal(sa.events.filter((e) => e.data?.messageId === 'Zm9yZ2Vk').length, 0);
        sa.close();
      });

      test('a webhook that Webex disabled is made active again, and what was missed arrives', async () => {
        const target = world.portal.url('/webhooks/webex');
        const hook = (await world.emulator.state()).webhooks.find((h) => h.targetUrl === target);
        const off = await world.emulator.call('PUT', `/v1/webhooks/${hook.id}`, {
          headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
          json: { name: hook.name, targetUrl: hook.targetUrl, status: 'inactive' },
        });
        assert.equal(off.status, 200, show(off));
        const sa = await events(a);
        const missed = await postAsAppAdmin(space.webexRoomId, { text: 'while the webhook was off' });
        await waitFor(async () => (await world.emulator.state()).webhooks.find((h) => h.id === hook.id)?.status === 'active',
          15000, 'the webhook to be active again');
        await sa.waitFor((e) => e.data?.messageId === missed.id, 8000);
        sa.close();
      });
    } else {
      test('polling makes one Webex call per interval when nothing changed', async () => {
        await new Promise((r) => setTimeout(r, 1500));
        await world.emulator.resetStats();
        await new Promise((r) => setTimeout(r, 3200));
        const calls = await world.emulator.stats();
        const total = totalCalls(calls);
        assert.ok(total >= 2 && total <= 4, `calls in ~3 intervals: ${JSON.stringify(calls)}`);
        assert.equal(total, calls['GET /v1/rooms'], `only room lists: ${JSON.stringify(calls)}`);
      });
    }

    test('the log holds no secret', async () => {
      await world.assertLogClean();
    });
  });
}
