// Pagination with absolute Link rel="next" headers and max clamping (webex-api.md §2, §14.8–9).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, nextLink } from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

// Follows Link rel="next" verbatim; returns the pages' items and the links seen.
async function allPages(firstPath, token) {
  const pages = [];
  const links = [];
  let url = firstPath;
  for (let i = 0; i < 20 && url; i++) {
    const r = await em.get(url, { token });
    assert.equal(r.status, 200, `${url}: ${r.status} ${r.text}`);
    pages.push(r.json.items);
    url = nextLink(r.headers);
    if (url) links.push(url);
  }
  return { pages, links };
}

function assertAbsolute(link, path) {
  assert.ok(link.startsWith(`${em.origin}${path}?`), `next link must be absolute ${em.origin}${path}?...: ${link}`);
}

test('rooms: three pages through Link rel="next", none on the last page', async () => {
  const ada = await em.person('Ada');
  const titles = [];
  for (let i = 0; i < 7; i++) {
    await em.room(ada.accessToken, `R${i}`);
    titles.push(`R${i}`);
    await em.advanceClock(1);
  }
  const first = await em.get('/v1/rooms?max=3', { token: ada.accessToken });
  assert.match(first.headers.get('link') || '', /^<[^>]+>; rel="next"$/);
  const { pages, links } = await allPages('/v1/rooms?max=3', ada.accessToken);
  assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
  assert.equal(links.length, 2);
  links.forEach((l) => assertAbsolute(l, '/v1/rooms'));
  const seen = pages.flat().map((r) => r.title);
  assert.equal(new Set(seen).size, 7, 'no room may appear twice');
  assert.deepEqual([...seen].sort(), [...titles].sort());
  // Default order is most recent activity first: R6 … R0.
  assert.deepEqual(seen, [...titles].reverse());
});

test('no Link when the last page is exactly full', async () => {
  const ada = await em.person('Ada');
  for (let i = 0; i < 6; i++) await em.room(ada.accessToken, `R${i}`);
  const { pages } = await allPages('/v1/rooms?max=3', ada.accessToken);
  assert.deepEqual(pages.map((p) => p.length), [3, 3]);
  const all = await em.get('/v1/rooms?max=6', { token: ada.accessToken });
  assert.equal(all.json.items.length, 6);
  assert.equal(all.headers.get('link'), null);
});

test('messages: three pages newest-first, next link carries beforeMessage', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Chat');
  const sent = [];
  for (let i = 0; i < 7; i++) sent.push(await em.message(ada.accessToken, room.id, `m${i}`));
  const { pages, links } = await allPages(`/v1/messages?roomId=${room.id}&max=3`, ada.accessToken);
  assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
  assert.equal(links.length, 2);
  for (const l of links) {
    assertAbsolute(l, '/v1/messages');
    const u = new URL(l);
    assert.equal(u.searchParams.get('roomId'), room.id);
    assert.ok(u.searchParams.get('beforeMessage'), `no beforeMessage in ${l}`);
  }
  assert.deepEqual(pages.flat().map((m) => m.id), sent.map((m) => m.id).reverse());
});

test('beforeMessage and before are exclusive', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Chat');
  const sent = [];
  for (let i = 0; i < 4; i++) {
    sent.push(await em.message(ada.accessToken, room.id, `m${i}`));
    await em.advanceClock(5);
  }
  const r = await em.ok('GET', `/v1/messages?roomId=${room.id}&beforeMessage=${sent[2].id}`, { token: ada.accessToken });
  assert.deepEqual(r.items.map((m) => m.id), [sent[1].id, sent[0].id]);
  const b = await em.ok('GET', `/v1/messages?roomId=${room.id}&before=${encodeURIComponent(sent[2].created)}`, { token: ada.accessToken });
  assert.deepEqual(b.items.map((m) => m.id), [sent[1].id, sent[0].id]);
});

test('messages default max is 50', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Many');
  const posts = [];
  for (let i = 0; i < 51; i++) posts.push(em.message(ada.accessToken, room.id, `m${i}`));
  await Promise.all(posts);
  const r = await em.get(`/v1/messages?roomId=${room.id}`, { token: ada.accessToken });
  assert.equal(r.json.items.length, 50);
  assert.ok(nextLink(r.headers), 'a 51st message must give a next link');
});

test('memberships: pages through Link', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Big');
  for (let i = 0; i < 6; i++) await em.addMember(ada.accessToken, room.id, (await em.person(`P${i}`)).id);
  const { pages, links } = await allPages(`/v1/memberships?roomId=${room.id}&max=3`, ada.accessToken);
  assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
  links.forEach((l) => assertAbsolute(l, '/v1/memberships'));
  assert.equal(new Set(pages.flat().map((m) => m.id)).size, 7);
});

test('webhooks: pages through Link', async () => {
  const ada = await em.person('Ada');
  for (let i = 0; i < 5; i++) {
    await em.ok('POST', '/v1/webhooks', {
      token: ada.accessToken,
      json: { name: `h${i}`, targetUrl: 'http://127.0.0.1:9/h', resource: 'messages', event: 'created' },
    });
  }
  const { pages } = await allPages('/v1/webhooks?max=2', ada.accessToken);
  assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
  assert.equal(new Set(pages.flat().map((w) => w.id)).size, 5);
});

test('oversize max is clamped, not rejected', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Clamp');
  await em.message(ada.accessToken, room.id, 'x');
  await em.ok('POST', '/v1/webhooks', {
    token: ada.accessToken,
    json: { name: 'one', targetUrl: 'http://127.0.0.1:9/h', resource: 'messages', event: 'created' },
  });
  for (const path of [
    '/v1/rooms?max=100000',
    `/v1/messages?roomId=${room.id}&max=100000`,
    `/v1/memberships?roomId=${room.id}&max=100000`,
    '/v1/webhooks?max=100000',
    '/v1/people?displayName=Ada&max=100000',
  ]) {
    const r = await em.get(path, { token: ada.accessToken });
    assert.equal(r.status, 200, `${path}: ${r.status} ${r.text}`);
    assert.ok(Array.isArray(r.json.items));
    assert.equal(r.json.items.length, 1);
    assert.equal(r.headers.get('link'), null);
  }
});
