// `guest-portal check` (docs/operations.md): one line per item, "ok", "warn" or "FAIL" with what to do;
// a healthy world is all ok with exit 0; each thing broken on its own fails its line and the exit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import {
  stopAll, startWorld, runPortal, waitFor, connectHost, adminClient, show, OUTSIDER, portalEnv, makeTempDir,
} from '../lib/harness.mjs';

after(stopAll);

function output(r) {
  return `exit ${r.status} signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

// {item: {status, detail, line}} from check's output.
function itemsOf(r) {
  const items = {};
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const match = line.match(/^(ok  |warn|FAIL|skip) ([^:]+): (.*)$/);
    assert.ok(match, `a line of check is not "STATUS item: detail": ${JSON.stringify(line)}\n${output(r)}`);
    items[match[2]] = { status: match[1].trim(), detail: match[3], line };
  }
  return items;
}

function assertNoSecrets(r, world, env) {
  const text = r.stdout + r.stderr;
  world.secrets.assertAbsentFrom(text, 'the output of check');
  for (const secret of [env.CLIENT_SECRET, env.SERVICE_APP_CLIENT_SECRET, env.SERVICE_APP_REFRESH_TOKEN]) {
    assert.ok(!text.includes(secret), 'check printed a secret');
  }
  assert.doesNotMatch(text, /Bearer\s+\S{8,}/i);
}

const ITEMS = ['configuration', 'key file', 'database files', 'database', 'migrations', 'Webex', 'AppAdmin token',
  'guest provider', 'webhook'];

test('a healthy world: every line ok, exit 0; a host with a dead token, a loose file or key: that line FAILs', { timeout: 120000 }, async () => {
  const world = await startWorld({ portalExtra: { NOTIFY_MODE: 'webhook', POLL_INTERVAL: '1' } });
  const { portal, emulator } = world;
  const env = portal.env;
  // A connected meeting host.
  const added = await world.admin.post('/api/v1/hosts', { json: { email: OUTSIDER.email } });
  assert.equal(added.status, 201, show(added));
  const connected = await connectHost(portal, emulator, added.json.connectUrl, OUTSIDER.email);
  assert.equal(connected.callback.status, 200, show(connected.callback));
  const target = portal.url('/webhooks/webex');
  await waitFor(async () => (await emulator.state()).webhooks.some((h) => h.targetUrl === target && h.status === 'active'),
    10000, 'the portal\'s webhook');

  let r = runPortal(['check'], env);
  let items = itemsOf(r);
  assert.equal(r.status, 0, output(r));
  for (const item of [...ITEMS, `host ${OUTSIDER.email}`]) {
    assert.equal(items[item]?.status, 'ok', `${item}: ${output(r)}`);
  }
  assert.deepEqual(Object.values(items).filter((i) => i.status !== 'ok'), [], output(r));
  assert.match(items['AppAdmin token'].detail, /admin@example\.com: access token until \d{4}-\d\d-\d\d/);
  assert.match(items.webhook.detail, new RegExp(`active, delivering to ${target}`));
  assert.equal(r.stderr, '', output(r));
  assertNoSecrets(r, world, env);

  // The server stops; Webex disables the webhook: a warning, with what happens next (not a failure).
  await portal.stop();
  const hook = (await emulator.state()).webhooks.find((h) => h.targetUrl === target && h.resource === 'messages');
  const off = await emulator.call('PUT', `/v1/webhooks/${hook.id}`, {
    headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
    json: { name: hook.name, targetUrl: hook.targetUrl, status: 'inactive' },
  });
  assert.equal(off.status, 200, show(off));
  r = runPortal(['check'], env);
  items = itemsOf(r);
  assert.equal(items.webhook.status, 'warn', output(r));
  assert.match(items.webhook.detail, /inactive.*revives it/, output(r));
  assert.equal(r.status, 0, `a warning alone fails the check: ${output(r)}`);

  // The database readable by others: one FAIL line naming the fix.
  const db = env.DATABASE_URL.replace(/^sqlite:/, '');
  chmodSync(db, 0o644);
  r = runPortal(['check'], env);
  items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items['database files'].status, 'FAIL', output(r));
  assert.match(items['database files'].detail, /\(mode 0644\).*chmod 600 .*portal\.db/, output(r));
  assert.match(r.stderr, /^guest-portal: check: 1 item\(s\) failed$/m, output(r));
  for (const file of [db, `${db}-wal`, `${db}-shm`]) {
    try { chmodSync(file, 0o600); } catch { /* not there */ }
  }

  // The key file readable by its group: FAIL with the fix, the rest not checked.
  chmodSync(env.SECRET_KEY_FILE, 0o640);
  r = runPortal(['check'], env);
  items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items['key file'].status, 'FAIL', output(r));
  assert.ok(items['key file'].detail.includes(`chmod 600 ${env.SECRET_KEY_FILE}`), output(r));
  assert.equal(items.database.status, 'skip', output(r));
  chmodSync(env.SECRET_KEY_FILE, 0o600);
  assert.equal(statSync(env.SECRET_KEY_FILE).mode & 0o777, 0o600);

  // Webex refuses the host's tokens (the emulator forgot everything): the host's line fails.
  await emulator.control('POST', '/_emulator/reset', undefined, 204);
  r = runPortal(['check'], env);
  items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items['AppAdmin token'].status, 'FAIL', output(r));
  assert.match(items['AppAdmin token'].detail, new RegExp(`sign in again at ${env.PUBLIC_URL}/admin`), output(r));
  assert.equal(items[`host ${OUTSIDER.email}`]?.status, 'FAIL', output(r));
  assert.match(items[`host ${OUTSIDER.email}`].detail, /connect again/, output(r));
  assertNoSecrets(r, world, env);
  await emulator.stop();
});

test('no administrator signed in: the AppAdmin line FAILs with where to sign in', { timeout: 60000 }, async () => {
  const world = await startWorld({ signInAdmin: false });
  const env = world.portal.env;
  const r = runPortal(['check'], env);
  const items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items['AppAdmin token'].status, 'FAIL', output(r));
  assert.equal(items['AppAdmin token'].line, `FAIL AppAdmin token: no administrator has signed in; sign in at ${env.PUBLIC_URL}/admin`);
  for (const item of ['configuration', 'database', 'migrations', 'Webex', 'guest provider']) {
    assert.equal(items[item]?.status, 'ok', `${item}: ${output(r)}`);
  }
  assert.equal(items.webhook.status, 'ok', output(r));
  assert.match(items.webhook.detail, /not used/, output(r));
  assertNoSecrets(r, world, env);
  await world.emulator.stop();
});

test('a wrong Service App refresh token FAILs the provider line; a refresh token near its end warns', { timeout: 60000 }, async () => {
  const world = await startWorld({ signInAdmin: false });
  const { portal, emulator } = world;
  // The AppAdmin's refresh token will last 10 days only (Webex: 90), within the 14-day warning.
  await emulator.configure({ tokenLifetimes: { refreshToken: 10 * 24 * 3600 } });
  await adminClient(portal, emulator);
  const env = portal.env;
  let r = runPortal(['check'], env);
  let items = itemsOf(r);
  assert.equal(r.status, 0, output(r));
  assert.equal(items['AppAdmin token'].status, 'warn', output(r));
  assert.match(items['AppAdmin token'].detail, /refresh token until .*sign in again at .*\/admin before then/, output(r));

  const wrong = { ...env, SERVICE_APP_REFRESH_TOKEN: 'not-the-service-app-refresh-token' };
  r = runPortal(['check'], wrong);
  items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items['guest provider'].status, 'FAIL', output(r));
  assert.match(items['guest provider'].detail, /refuses its refresh token.*SERVICE_APP_REFRESH_TOKEN/, output(r));
  assert.ok(!(r.stdout + r.stderr).includes('not-the-service-app-refresh-token'), 'check printed the refresh token');
  assertNoSecrets(r, world, env);
  await emulator.stop();
});

test('Webex down: the Webex line FAILs with what to check, and what needs Webex is not checked', { timeout: 60000 }, async () => {
  const world = await startWorld();
  const env = world.portal.env;
  await world.portal.stop();
  await world.emulator.stop();
  const r = runPortal(['check'], env);
  const items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items.Webex.status, 'FAIL', output(r));
  assert.match(items.Webex.detail, /check WEBEX_API_URL/, output(r));
  for (const item of ['AppAdmin token', 'guest provider', 'webhook']) assert.equal(items[item]?.status, 'skip', output(r));
  assert.equal(items.database.status, 'ok', output(r));
});

test('a bad configuration value is one FAIL line naming the key', () => {
  const env = portalEnv({ dir: makeTempDir(), port: 1, extra: { LISTEN_ADDRESS: 'nowhere' } });
  const r = runPortal(['check'], env);
  const items = itemsOf(r);
  assert.equal(r.status, 1, output(r));
  assert.equal(items.configuration.status, 'FAIL', output(r));
  assert.match(items.configuration.detail, /LISTEN_ADDRESS/, output(r));
  assert.equal(items.database.status, 'skip', output(r));
});
