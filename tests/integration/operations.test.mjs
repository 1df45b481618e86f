// What an operator relies on: LOG_FORMAT=json makes every stderr line one JSON object, with a line per
// request carrying the id the client got as X-Request-Id; an X-Request-Id is taken only from a trusted
// proxy; /readyz says what keeps the portal from serving, and nothing secret (SPEC §5, issue 11).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWebex, startPortal, stopAll, show, adminClient, Secrets,
} from '../lib/harness.mjs';

let webex;
let secrets;
let direct; // no trusted proxy
let behindProxy; // 127.0.0.1 (the tests) is a trusted proxy
before(async () => {
  secrets = new Secrets();
  webex = await startWebex(secrets);
  const { emulator, refreshToken } = webex;
  direct = await startPortal({ emulator, refreshToken, extra: { LOG_FORMAT: 'json' } });
  behindProxy = await startPortal({ emulator, refreshToken, extra: { LOG_FORMAT: 'json', TRUSTED_PROXIES: '127.0.0.1' } });
});
after(stopAll);

// Every line of a stopped portal's stderr, parsed; fails on the first that is not a JSON object.
function jsonLines(portal) {
  const lines = portal.log.stderr.split('\n').filter((line) => line.length > 0);
  assert.ok(lines.length > 0, 'the portal wrote nothing to stderr');
  return lines.map((line, i) => {
    let parsed;
    assert.doesNotThrow(() => { parsed = JSON.parse(line); }, `stderr line ${i + 1} is not JSON: ${line}`);
    assert.equal(typeof parsed, 'object', `stderr line ${i + 1} is not an object: ${line}`);
    assert.match(parsed.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `time of line ${i + 1}: ${line}`);
    assert.equal(typeof parsed.level, 'string', line);
    assert.equal(typeof parsed.message, 'string', line);
    return parsed;
  });
}

const PLAIN_ID = /^[A-Za-z0-9._-]{1,128}$/;

test('/readyz: 503 naming what to do until an administrator signs in, then 200; /healthz is 200 throughout', async () => {
  const before = await direct.call('GET', '/readyz');
  assert.equal(before.status, 503, show(before));
  assert.equal(before.json.status, 'not_ready', show(before));
  assert.equal(before.json.checks.database.status, 'ok', show(before));
  assert.equal(before.json.checks.migrations.status, 'ok', show(before));
  assert.equal(typeof before.json.checks.migrations.version, 'number', show(before));
  assert.equal(before.json.checks.app_admin.status, 'failed', show(before));
  assert.match(before.json.checks.app_admin.message, /must sign in at \/admin/, show(before));
  assert.equal((await direct.call('GET', '/healthz')).status, 200);

  const admin = await adminClient(direct, webex.emulator);
  secrets.add('admin session cookie', admin.cookie);
  const after = await direct.call('GET', '/readyz');
  assert.equal(after.status, 200, show(after));
  assert.equal(after.json.status, 'ready', show(after));
  for (const name of ['database', 'migrations', 'app_admin']) assert.equal(after.json.checks[name].status, 'ok', show(after));
  assert.equal(after.headers.get('cache-control'), 'no-store');
  for (const r of [before, after]) {
    secrets.assertAbsentFrom(r.text, '/readyz');
    assert.ok(!r.text.includes(webex.adminPerson.email), `the AppAdmin's email in /readyz: ${r.text}`);
    assert.ok(!r.text.includes(direct.dir), `a path in /readyz: ${r.text}`);
  }
});

test('X-Request-Id: each answer carries one; a client cannot choose it, a trusted proxy can; the JSON access line has it', async () => {
  // From a client (no trusted proxy): the forged id is replaced, on answers and refusals alike.
  const forged = await direct.call('GET', '/healthz', { headers: { 'x-request-id': 'forged-by-client' } });
  assert.equal(forged.status, 200);
  const ownId = forged.headers.get('x-request-id');
  assert.match(ownId ?? '', PLAIN_ID, show(forged));
  assert.notEqual(ownId, 'forged-by-client');
  const missing = await direct.call('GET', '/api/v1/rooms/space-42/messages');
  assert.equal(missing.status, 401, show(missing));
  const missingId = missing.headers.get('x-request-id');
  assert.match(missingId ?? '', PLAIN_ID, show(missing));
  assert.notEqual(missingId, ownId);

  // From a trusted proxy: its id is kept when plain, replaced when not.
  const proxied = await behindProxy.call('GET', '/healthz', { headers: { 'x-request-id': 'nginx-7f3a.b_c-1' } });
  assert.equal(proxied.headers.get('x-request-id'), 'nginx-7f3a.b_c-1', show(proxied));
  const odd = await behindProxy.call('GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(129) } });
  assert.match(odd.headers.get('x-request-id') ?? '', PLAIN_ID);
  assert.notEqual(odd.headers.get('x-request-id'), 'x'.repeat(129));

  await direct.stop();
  await behindProxy.stop();
  const directLines = jsonLines(direct);
  const proxyLines = jsonLines(behindProxy);
  const access = (lines, id) => lines.filter((l) => l.request_id === id);

  const [health] = access(directLines, ownId);
  assert.ok(health, `no access line for ${ownId}`);
  assert.equal(health.message, 'request');
  assert.equal(health.level, 'info');
  assert.equal(health.method, 'GET');
  assert.equal(health.route, '/healthz');
  assert.equal(health.status, 200);
  assert.equal(typeof health.duration_ms, 'number');
  assert.equal(access(directLines, 'forged-by-client').length, 0, 'the forged id was logged');
  // The route is the pattern that matched; the path is what was asked.
  const [rooms] = access(directLines, missingId);
  assert.ok(rooms, `no access line for ${missingId}`);
  assert.equal(rooms.route, '/api/v1/rooms/{id}/messages');
  assert.equal(rooms.path, '/api/v1/rooms/space-42/messages');
  assert.equal(rooms.status, 401);

  assert.equal(access(proxyLines, 'nginx-7f3a.b_c-1').length, 1, 'the proxy\'s id is not on one access line');
  // The rest of the log is JSON too: start-up and the stop's summary.
  assert.ok(directLines.some((l) => /listening on/.test(l.message)), 'no listening line in the JSON log');
  assert.ok(directLines.some((l) => /^stopped: /.test(l.message)), 'no stop summary in the JSON log');
  secrets.assertAbsentFrom(direct.log.stderr + behindProxy.log.stderr, 'the JSON logs');
});
