// Content types (415), the 7439-byte text limit and file upload/download (webex-api.md §1, §10, §14.15).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEmulator, assertWebexError } from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

test('415 for a non-JSON body on JSON endpoints; nothing is created', async () => {
  const ada = await em.person('Ada');
  const t = ada.accessToken;
  const r1 = await em.post('/v1/rooms', { token: t, body: '{"title":"x"}', contentType: 'text/plain' });
  assertWebexError(r1, 415);
  const r2 = await em.post('/v1/rooms', { token: t, body: 'title=x', contentType: 'application/x-www-form-urlencoded' });
  assertWebexError(r2, 415);
  const room = await em.room(t, 'Real');
  assertWebexError(await em.post('/v1/messages', { token: t, body: JSON.stringify({ roomId: room.id, text: 'x' }), contentType: 'text/plain' }), 415);
  assertWebexError(await em.put(`/v1/rooms/${room.id}`, { token: t, body: '{"title":"y"}', contentType: 'text/plain' }), 415);
  assertWebexError(await em.post('/v1/webhooks', {
    token: t, contentType: 'text/plain',
    body: JSON.stringify({ name: 'h', targetUrl: 'http://127.0.0.1:9/', resource: 'messages', event: 'created' }),
  }), 415);
  const rooms = await em.ok('GET', '/v1/rooms', { token: t });
  assert.deepEqual(rooms.items.map((r) => r.title), ['Real']);
  assert.deepEqual((await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: t })).items, []);
  // application/json with a charset parameter is JSON.
  const ok = await em.post('/v1/rooms', { token: t, body: '{"title":"cs"}', contentType: 'application/json; charset=utf-8' });
  assert.equal(ok.status, 200, ok.text);
});

test('text and markdown: exactly 7439 bytes → 200, 7440 bytes → 400 (bytes, not characters)', async () => {
  const ada = await em.person('Ada');
  const t = ada.accessToken;
  const room = await em.room(t, 'Limits');
  const exact = await em.post('/v1/messages', { token: t, json: { roomId: room.id, text: 'a'.repeat(7439) } });
  assert.equal(exact.status, 200, exact.text.slice(0, 200));
  assert.equal(exact.json.text.length, 7439);
  assertWebexError(await em.post('/v1/messages', { token: t, json: { roomId: room.id, text: 'a'.repeat(7440) } }), 400);
  assert.equal((await em.post('/v1/messages', { token: t, json: { roomId: room.id, markdown: 'b'.repeat(7439) } })).status, 200);
  assertWebexError(await em.post('/v1/messages', { token: t, json: { roomId: room.id, markdown: 'b'.repeat(7440) } }), 400);
  // 3720 two-byte characters = 7440 bytes.
  assertWebexError(await em.post('/v1/messages', { token: t, json: { roomId: room.id, text: 'é'.repeat(3720) } }), 400);
  // 3719 two-byte characters + 1 = 7439 bytes.
  assert.equal((await em.post('/v1/messages', { token: t, json: { roomId: room.id, text: 'é'.repeat(3719) + 'a' } })).status, 200);
  const list = await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: t });
  assert.equal(list.items.length, 3, 'refused messages must not be stored');
});

async function upload(token, roomId, bytes, filename, type, text = 'a file') {
  const form = new FormData();
  form.append('roomId', roomId);
  form.append('text', text);
  form.append('files', new Blob([bytes], { type }), filename);
  const response = await fetch(`${em.base}/messages`, {
    method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form,
  });
  const text2 = await response.text();
  let json;
  try { json = JSON.parse(text2); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text: text2, json };
}

test('file upload by multipart and download through the content URL', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob');
  const eve = await em.person('Eve');
  const room = await em.room(ada.accessToken, 'Files');
  await em.addMember(ada.accessToken, room.id, bob.id);
  const bytes = randomBytes(50000);
  bytes[0] = 0x89; // not valid UTF-8, so a text round trip would corrupt it
  bytes[1] = 0xff;
  const r = await upload(ada.accessToken, room.id, bytes, 'photo.png', 'image/png', 'see attached');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.text, 'see attached');
  assert.equal(r.json.roomId, room.id);
  assert.ok(Array.isArray(r.json.files) && r.json.files.length === 1, `files: ${JSON.stringify(r.json.files)}`);
  const url = r.json.files[0];
  assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:${em.port}/v1/contents/[^/?#]+$`));

  const listed = await em.ok('GET', `/v1/messages?roomId=${room.id}`, { token: bob.accessToken });
  assert.deepEqual(listed.items[0].files, [url]);

  for (const who of [ada, bob]) {
    const d = await fetch(url, { headers: { authorization: `Bearer ${who.accessToken}` } });
    assert.equal(d.status, 200);
    const got = Buffer.from(await d.arrayBuffer());
    assert.ok(got.equals(bytes), 'downloaded bytes differ from uploaded bytes');
    assert.match(d.headers.get('content-type') || '', /^image\/png/);
    assert.match(d.headers.get('content-disposition') || '', /^attachment;\s*filename="photo\.png"/);
    assert.ok(d.headers.get('trackingid'));
  }
  assertWebexError(await em.get(url, { token: eve.accessToken }), 404);
  assertWebexError(await em.get(url), 401);
  const bogus = `${em.origin}/v1/contents/${Buffer.from('ciscospark://us/CONTENT/00000000-0000-4000-8000-000000000000').toString('base64url')}`;
  assertWebexError(await em.get(bogus, { token: ada.accessToken }), 404);
});

test('the content URL follows the request Host header', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Host');
  const form = new FormData();
  form.append('roomId', room.id);
  form.append('files', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'hello.txt');
  // fetch will not let us set Host; use node:http instead.
  const { request } = await import('node:http');
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type');
  const body = Buffer.from(await encoded.arrayBuffer());
  const res = await new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: em.port, path: '/v1/messages', method: 'POST',
      headers: {
        host: `localhost:${em.port}`, authorization: `Bearer ${ada.accessToken}`,
        'content-type': contentType, 'content-length': body.length,
      },
    }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(res.status, 200, res.text);
  const files = JSON.parse(res.text).files;
  assert.match(files[0], new RegExp(`^http://localhost:${em.port}/v1/contents/`));
});
