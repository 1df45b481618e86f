// The /_emulator control API, fault injection, latency, stats, seed file and command line
// (docs/emulator.md; webex-api.md §3, §14.13).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmulator, emulatorPath, assertWebexError, DEFAULT_INTEGRATION, DEFAULT_SERVICE_APP,
  DEFAULT_GUEST_ISSUER, INVALID_TOKEN_MESSAGE,
} from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

test('GET /_emulator/config returns the documented defaults', async () => {
  const c = await em.ok('GET', '/_emulator/config');
  assert.deepEqual(c.integration, DEFAULT_INTEGRATION);
  assert.deepEqual(c.serviceApp, DEFAULT_SERVICE_APP);
  assert.deepEqual(c.guestIssuer, DEFAULT_GUEST_ISSUER);
  assert.equal(c.g2g, false);
  assert.ok(!c.latencyMs, `latencyMs default should be 0/absent: ${c.latencyMs}`);
  const faults = c.faults ?? {};
  assert.ok(!faults.rate429 && !faults.rate5xx, `no faults by default: ${JSON.stringify(faults)}`);
});

test('PUT /_emulator/config merges, returns the whole config; bad config → 400 and no change', async () => {
  const r = await em.put('/_emulator/config', { json: { g2g: true, integration: { clientId: 'cid', clientSecret: 'sec' } } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.g2g, true);
  assert.deepEqual(r.json.integration, { clientId: 'cid', clientSecret: 'sec' });
  assert.deepEqual(r.json.serviceApp, DEFAULT_SERVICE_APP, 'unmentioned keys keep their values');
  assert.deepEqual(await em.ok('GET', '/_emulator/config'), r.json);

  const bad = [
    { unknownKey: 1 },
    { latencyMs: 'slow' },
    { latencyMs: -5 },
    { g2g: 'yes' },
    { faults: { rate429: 'often' } },
    { faults: { rate429: 2 } },
    { faults: { bogus: 1 } },
    { guestIssuer: { id: 5, secret: 'x' } },
    { tokenLifetimes: { accessToken: 'long' } },
  ];
  for (const body of bad) {
    const b = await em.put('/_emulator/config', { json: body });
    assert.equal(b.status, 400, `${JSON.stringify(body)} should be refused: ${b.status} ${b.text}`);
  }
  const notJson = await em.put('/_emulator/config', { body: '{"g2g":', contentType: 'application/json' });
  assert.equal(notJson.status, 400);
  assert.deepEqual(await em.ok('GET', '/_emulator/config'), r.json, 'refused config must not change anything');
});

test('tokenLifetimes change the lifetimes that token responses return', async () => {
  await em.configure({ tokenLifetimes: { jwt: 1234, guest: 2345, serviceApp: 3456 } });
  const admin = await em.person('Admin');
  const sa = await em.ok('POST', `/v1/applications/${DEFAULT_SERVICE_APP.id}/token`, {
    token: admin.accessToken,
    json: { clientId: DEFAULT_SERVICE_APP.clientId, clientSecret: DEFAULT_SERVICE_APP.clientSecret, targetOrgId: admin.orgId },
  });
  assert.equal(sa.expires_in, 3456);
  const g = await em.ok('POST', '/v1/guests/token', { token: sa.access_token, json: { subject: 's', displayName: 'S' } });
  assert.equal(g.expiresIn, 2345);
});

test('reset empties all state, config and clock', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Gone soon');
  await em.message(ada.accessToken, room.id, 'x');
  await em.configure({ g2g: true, latencyMs: 1 });
  await em.advanceClock(86400 * 30);
  await em.get('/v1/people/me', { token: ada.accessToken });

  const r = await em.post('/_emulator/reset');
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  const state = await em.ok('GET', '/_emulator/state');
  for (const key of ['people', 'rooms', 'memberships', 'messages', 'webhooks', 'meetings', 'deliveries']) {
    assert.deepEqual(state[key], [], `${key} not empty after reset`);
  }
  const config = await em.ok('GET', '/_emulator/config');
  assert.equal(config.g2g, false);
  assert.ok(!config.latencyMs);
  assert.deepEqual((await em.stats()).calls, {});
  assertWebexError(await em.get('/v1/people/me', { token: ada.accessToken }), 401, INVALID_TOKEN_MESSAGE);
  const now = Date.parse((await em.advanceClock(0)).now);
  assert.ok(Math.abs(now - Date.now()) < 60000, 'clock offset must be back to 0');
});

test('clock: advanceSeconds moves now and new timestamps forward', async () => {
  const before = Date.parse((await em.advanceClock(0)).now);
  assert.ok(Math.abs(before - Date.now()) < 60000);
  const r = await em.advanceClock(3600);
  assert.match(r.now, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  const after = Date.parse(r.now);
  assert.ok(after - before >= 3600000 && after - before < 3660000, `advanced by ${(after - before) / 1000}s`);
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Future');
  assert.ok(Date.parse(room.created) >= after - 1000, `created ${room.created} ignores the clock`);
  const bad = await em.post('/_emulator/clock', { json: { advanceSeconds: 'soon' } });
  assert.equal(bad.status, 400);
});

test('state dump lists rooms with member ids', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob');
  const room = await em.room(ada.accessToken, 'Dump', { isLocked: true });
  await em.addMember(ada.accessToken, room.id, bob.id);
  const state = await em.ok('GET', '/_emulator/state');
  assert.deepEqual(state.people.map((p) => p.id).sort(), [ada.id, bob.id].sort());
  assert.equal(state.rooms.length, 1);
  const r = state.rooms[0];
  assert.equal(r.id, room.id);
  assert.equal(r.title, 'Dump');
  assert.equal(r.creatorId, ada.id);
  assert.equal(r.isLocked, true);
  assert.deepEqual([...r.memberIds].sort(), [ada.id, bob.id].sort());
  assert.equal(state.memberships.length, 2);
});

test('stats count every /v1 call by method and route pattern, not /_emulator; DELETE resets', async () => {
  const ada = await em.person('Ada');
  const room = await em.room(ada.accessToken, 'Counted');
  const del = await em.del('/_emulator/stats');
  assert.equal(del.status, 204);
  assert.deepEqual((await em.stats()).calls, {});

  await em.get('/v1/people/me', { token: ada.accessToken });
  await em.get('/v1/people/me', { token: ada.accessToken });
  await em.get('/v1/people/me'); // refused (401) calls count too
  await em.room(ada.accessToken, 'another');
  await em.get(`/v1/rooms/${room.id}`, { token: ada.accessToken });
  await em.get('/v1/rooms/unknown-room', { token: ada.accessToken });
  await em.message(ada.accessToken, room.id, 'x');
  await em.get('/_emulator/state');
  await em.get('/_emulator/config');

  const { calls } = await em.stats();
  assert.equal(calls['GET /v1/people/me'], 3);
  assert.equal(calls['POST /v1/rooms'], 1);
  assert.equal(calls['POST /v1/messages'], 1);
  const roomKeys = Object.keys(calls).filter((k) => k.startsWith('GET /v1/rooms/'));
  assert.equal(roomKeys.length, 1, `one pattern for GET /v1/rooms/{...}: ${roomKeys}`);
  assert.match(roomKeys[0], /^GET \/v1\/rooms\/\{[A-Za-z]+\}$/);
  assert.equal(calls[roomKeys[0]], 2);
  assert.ok(!Object.keys(calls).some((k) => k.includes('_emulator')), 'control calls must not be counted');
  assert.equal(Object.values(calls).reduce((a, b) => a + b, 0), 7);

  assert.equal((await em.del('/_emulator/stats')).status, 204);
  assert.deepEqual((await em.stats()).calls, {});
});

test('rate429 = 1 answers 429 with Retry-After; control API unaffected; the request is not processed', async () => {
  const ada = await em.person('Ada');
  await em.configure({ faults: { rate429: 1, retryAfter: 7 } });
  const r = await em.get('/v1/people/me', { token: ada.accessToken });
  assertWebexError(r, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.equal((await em.get('/_emulator/config')).status, 200);
  assert.equal((await em.get('/_emulator/state')).status, 200);
  // The refused request was not processed.
  assert.equal((await em.post('/v1/rooms', { token: ada.accessToken, json: { title: 'no' } })).status, 429);
  assert.deepEqual((await em.ok('GET', '/_emulator/state')).rooms, []);
});

test('limit caps the number of injected faults', async () => {
  const ada = await em.person('Ada');
  await em.configure({ faults: { rate429: 1, retryAfter: 1, limit: 2 } });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await em.get('/v1/people/me', { token: ada.accessToken })).status);
  assert.deepEqual(statuses, [429, 429, 200, 200, 200]);

  await em.configure({ faults: { rate429: 0, rate5xx: 0 } });
  assert.equal((await em.get('/v1/people/me', { token: ada.accessToken })).status, 200);
});

test('faults restricted to one endpoint', async () => {
  const ada = await em.person('Ada');
  await em.configure({ faults: { rate429: 1, retryAfter: 2, endpoint: 'POST /v1/rooms' } });
  assert.equal((await em.get('/v1/people/me', { token: ada.accessToken })).status, 200);
  assert.equal((await em.get('/v1/rooms', { token: ada.accessToken })).status, 200);
  const r = await em.post('/v1/rooms', { token: ada.accessToken, json: { title: 'x' } });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '2');
});

test('faults.endpoint naming no route → 400 that hints at the real keys; nothing changes', async () => {
  const before = await em.configure({ g2g: true, faults: { rate5xx: 0.25, endpoint: 'POST /v1/rooms' } });
  for (const endpoint of [
    'DELETE /v1/memberships/{id}', // the right route with another parameter name
    'POST /v1/membership',
    'post /v1/memberships',
    '/v1/memberships',
    'POST /_emulator/reset',
    '',
  ]) {
    const r = await em.put('/_emulator/config', { json: { g2g: false, faults: { rate5xx: 1, endpoint } } });
    assert.equal(r.status, 400, `endpoint ${JSON.stringify(endpoint)} should be refused: ${r.status} ${r.text}`);
    assert.match(r.json?.message ?? '', /faults\.endpoint/, r.text);
    assert.ok(r.json.message.includes('DELETE /v1/memberships/{membershipId}'),
      `the message should name the valid keys: ${r.json.message}`);
    assert.deepEqual(await em.ok('GET', '/_emulator/config'), before, 'a refused config must change nothing');
  }
});

test('faults.endpoint with a parameterised route key faults exactly that route with 503', async () => {
  const ada = await em.person('Ada');
  const bob = await em.person('Bob');
  const room = await em.room(ada.accessToken, 'Faulty');
  const membership = await em.addMember(ada.accessToken, room.id, bob.id);
  const config = await em.configure({ faults: { rate5xx: 1, endpoint: 'DELETE /v1/memberships/{membershipId}' } });
  assert.equal(config.faults.endpoint, 'DELETE /v1/memberships/{membershipId}');

  assertWebexError(await em.del(`/v1/memberships/${membership.id}`, { token: ada.accessToken }), 503);
  assertWebexError(await em.del(`/v1/memberships/${membership.id}`, { token: ada.accessToken }), 503);
  const got = await em.get(`/v1/memberships/${membership.id}`, { token: ada.accessToken });
  assert.equal(got.status, 200, got.text);
  const list = await em.get(`/v1/memberships?roomId=${room.id}`, { token: ada.accessToken });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.items.length, 2, 'the faulted DELETE must not have been processed');
  assert.equal((await em.get('/v1/people/me', { token: ada.accessToken })).status, 200);
  const other = await em.room(ada.accessToken, 'Other');
  assert.equal((await em.del(`/v1/rooms/${other.id}`, { token: ada.accessToken })).status, 204);

  await em.configure({ faults: {} });
  assert.equal((await em.del(`/v1/memberships/${membership.id}`, { token: ada.accessToken })).status, 204);
});

test('every faults.endpoint accepted is a stats key', async () => {
  // The keys the stats report are the keys a fault may name.
  const ada = await em.person('Ada');
  await em.get('/v1/people/me', { token: ada.accessToken });
  const room = await em.room(ada.accessToken, 'Keys');
  await em.get(`/v1/rooms/${room.id}`, { token: ada.accessToken });
  for (const key of Object.keys((await em.stats()).calls)) {
    const r = await em.put('/_emulator/config', { json: { faults: { rate429: 1, endpoint: key } } });
    assert.equal(r.status, 200, `stats key ${key} refused as a fault endpoint: ${r.text}`);
  }
});

test('every /v1 route docs/emulator.md names, and its stats and faults examples, are real keys', async () => {
  const doc = readFileSync(new URL('../../docs/emulator.md', import.meta.url), 'utf8');
  const keys = new Set();
  // `GET /v1/rooms/{roomId}` in code spans (queries and bodies after the path are not part of it)…
  for (const [, key] of doc.matchAll(/`((?:GET|POST|PUT|DELETE) \/v1\/[^\s`?]*)[`?\s]/g)) keys.add(key);
  // …and "POST /v1/rooms" in the JSON examples.
  for (const [, key] of doc.matchAll(/"((?:GET|POST|PUT|DELETE) \/v1\/[^"\s?]*)"/g)) keys.add(key);
  assert.ok(keys.has('POST /v1/memberships') && keys.has('GET /v1/rooms/{roomId}'), [...keys].join(', '));
  for (const key of keys) {
    const r = await em.put('/_emulator/config', { json: { faults: { rate429: 1, endpoint: key } } });
    assert.equal(r.status, 200, `docs/emulator.md names ${key}, which is no route: ${r.text}`);
  }
});

test('rate5xx = 1 answers 503 with a Webex error body', async () => {
  const ada = await em.person('Ada');
  await em.configure({ faults: { rate5xx: 1 } });
  const r = await em.get('/v1/people/me', { token: ada.accessToken });
  assertWebexError(r, 503);
  assert.equal((await em.get('/_emulator/config')).status, 200);
  await em.configure({ faults: { rate5xx: 0 } });
  assert.equal((await em.get('/v1/people/me', { token: ada.accessToken })).status, 200);
});

test('a fractional fault rate injects some faults but not all', async () => {
  const ada = await em.person('Ada');
  await em.configure({ faults: { rate429: 0.5, retryAfter: 1 } });
  let faults = 0;
  for (let i = 0; i < 100; i++) if ((await em.get('/v1/people/me', { token: ada.accessToken })).status === 429) faults++;
  assert.ok(faults > 15 && faults < 85, `${faults}/100 faults at rate 0.5`);
});

test('latencyMs delays /v1 calls but not /_emulator calls', async () => {
  const ada = await em.person('Ada');
  const baseline = await em.get('/v1/people/me', { token: ada.accessToken });
  await em.configure({ latencyMs: 1500 });
  const slow = await em.get('/v1/people/me', { token: ada.accessToken });
  assert.equal(slow.status, 200);
  assert.ok(slow.elapsedMs >= 1450, `a /v1 call took ${slow.elapsedMs} ms with latencyMs 1500`);
  const control = await em.get('/_emulator/config');
  assert.equal(control.status, 200);
  assert.ok(control.elapsedMs < 1450, `a control call took ${control.elapsedMs} ms; it must not be delayed`);
  await em.configure({ latencyMs: 0 });
  void baseline;
});

// --- command line and seed file ------------------------------------------------------------------

function run(args, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const child = spawn(emulatorPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('bad command lines exit non-zero with one line on stderr; --help exits 0', async () => {
  for (const args of [
    ['--bogus-flag'],
    ['--listen', 'not-an-address'],
    ['--listen', '127.0.0.1:0', '--seed', '/nonexistent/seed.json'],
    ['--listen', '127.0.0.1:0', '--latency-ms', 'abc'],
  ]) {
    const r = await run(args);
    assert.equal(r.signal, null, `${args.join(' ')} did not exit by itself`);
    assert.notEqual(r.code, 0, `${args.join(' ')} exited 0`);
    assert.ok(r.stderr.trim().length > 0, `${args.join(' ')}: nothing on stderr`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: expected one line, got: ${r.stderr}`);
    assert.ok(!r.stdout.includes('listening'), `${args.join(' ')} started listening`);
  }
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout + help.stderr, /--listen/);
});

test('a malformed seed file is refused at start-up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-seed-'));
  try {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"people": [');
    const r = await run(['--listen', '127.0.0.1:0', '--seed', file]);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.trim().length > 0);

    const unknownEndpoint = join(dir, 'endpoint.json');
    writeFileSync(unknownEndpoint, JSON.stringify({ config: { faults: { rate5xx: 1, endpoint: 'GET /v1/rooms/{id}' } } }));
    const e = await run(['--listen', '127.0.0.1:0', '--seed', unknownEndpoint]);
    assert.notEqual(e.code, 0, 'a seed whose fault names no route must be refused');
    assert.equal(e.stderr.trim().split('\n').length, 1, `expected one line, got: ${e.stderr}`);
    assert.match(e.stderr, /faults\.endpoint/);
    assert.ok(!e.stdout.includes('listening'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--seed loads people and config; --latency-ms sets latency', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-seed-'));
  const file = join(dir, 'seed.json');
  writeFileSync(file, JSON.stringify({
    config: { g2g: true, guestIssuer: { id: 'seeded-issuer', secret: 'c2VlZGVkLXNlY3JldA==' } },
    people: [
      { displayName: 'Seeded Admin', email: 'admin@seed.example', licensed: true, accessToken: 'seed-admin-token' },
      { displayName: 'Seeded Host', email: 'host@seed.example', licensed: true },
    ],
  }));
  const seeded = await startEmulator(['--seed', file, '--latency-ms', '200']);
  try {
    const me = await seeded.get('/v1/people/me', { token: 'seed-admin-token' });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.displayName, 'Seeded Admin');
    assert.deepEqual(me.json.emails, ['admin@seed.example']);
    assert.equal(me.json.type, 'person');
    assert.ok(me.elapsedMs >= 190, `--latency-ms 200 but the call took ${me.elapsedMs} ms`);
    const host = await seeded.get('/v1/people?email=host@seed.example', { token: 'seed-admin-token' });
    assert.equal(host.json.items.length, 1);
    const config = (await seeded.get('/_emulator/config')).json;
    assert.equal(config.g2g, true);
    assert.deepEqual(config.guestIssuer, { id: 'seeded-issuer', secret: 'c2VlZGVkLXNlY3JldA==' });
    assert.equal(config.latencyMs, 200);
    const page = await seeded.get(`/v1/authorize?client_id=${DEFAULT_INTEGRATION.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&scope=spark%3Aall&state=s`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Seeded Admin') && page.text.includes('Seeded Host'));
  } finally {
    await seeded.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM stops the emulator', async () => {
  const other = await startEmulator();
  const exited = new Promise((resolve) => other.child.once('exit', (code, signal) => resolve({ code, signal })));
  other.child.kill('SIGTERM');
  const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
  assert.notEqual(result, 'timeout', 'did not exit within 5 s of SIGTERM');
});
