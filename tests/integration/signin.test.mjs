// Guest sign-in and sessions (docs/api.md "Session", SPEC §4.4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorld, stopAll, show, assertError, sessionCookie, adminClient, runPortal, Client,
} from '../lib/harness.mjs';

let world;
before(async () => { world = await startWorld({ signInAdmin: false }); });
after(stopAll);

const gina = { username: 'gina', displayName: 'Gina Guest', password: 'gina-password-123' };

test('before any administrator signed in, guest sign-in is 503 app_admin_required', async () => {
  const { portal, secrets } = world;
  secrets.add('password of gina', gina.password);
  const info = await portal.call('GET', '/api/v1/info');
  assert.equal(info.status, 200, show(info));
  assert.equal(info.json.appAdminReady, false);
  // The guest is made with the command line against the same database, as an operator would.
  const add = runPortal(
    ['guests', 'add', '--username', gina.username, '--display-name', gina.displayName, '--password', gina.password],
    portal.env,
  );
  assert.equal(add.status, 0, `guests add: ${add.stderr}${add.stdout}`);
  const r = await portal.call('POST', '/api/v1/session', { json: { username: gina.username, password: gina.password } });
  const error = assertError(r, 503, 'app_admin_required');
  assert.match(error.message, /administrator/i);
  assert.ok(!sessionCookie(r)?.value, 'a session cookie was set');
});

test('after the admin signs in, a guest signs in: 200, cookie, role guest, CSRF token', async () => {
  const { portal, emulator, secrets } = world;
  world.admin = await adminClient(portal, emulator);
  secrets.add('admin session cookie', world.admin.cookie);
  const r = await portal.call('POST', '/api/v1/session', { json: { username: gina.username, password: gina.password } });
  assert.equal(r.status, 200, show(r));
  const cookie = sessionCookie(r);
  assert.ok(cookie && cookie.value.length >= 16, `no gp_session cookie: ${show(r)}`);
  secrets.add('gina session cookie', cookie.value);
  const attrs = cookie.raw.split(';').map((s) => s.trim().toLowerCase());
  for (const flag of ['httponly', 'samesite=lax', 'path=/']) assert.ok(attrs.includes(flag), `${flag}: ${cookie.raw}`);
  assert.ok(!attrs.includes('secure'), `Secure on http: ${cookie.raw}`);
  assert.equal(r.json.role, 'guest');
  assert.equal(typeof r.json.csrfToken, 'string');
  assert.equal(r.json.guest.username, gina.username);
  assert.equal(r.json.guest.displayName, gina.displayName);
  assert.ok(!r.text.includes(gina.password));
  const me = await new Client(portal, cookie.value).get('/api/v1/session');
  assert.equal(me.status, 200, show(me));
  assert.equal(me.json.role, 'guest');
  assert.equal(me.json.csrfToken, r.json.csrfToken);
  // The first sign-in created the guest's Webex identity through the Service App.
  const calls = await emulator.stats();
  assert.ok((calls['POST /v1/guests/token'] || 0) >= 1, `no guest token was requested: ${JSON.stringify(calls)}`);
  const guest = (await world.admin.get('/api/v1/guests')).json.items.find((g) => g.username === gina.username);
  assert.equal(typeof guest.webexPersonId, 'string', 'no webexPersonId after the first sign-in');
  const state = await emulator.state();
  assert.ok(state.people.some((p) => p.id === guest.webexPersonId), 'the webexPersonId is unknown to Webex');
});

test('wrong password and unknown username answer the same 401 invalid_credentials', async () => {
  const { portal } = world;
  const wrong = await portal.call('POST', '/api/v1/session', { json: { username: gina.username, password: 'nope-nope-nope' } });
  const unknown = await portal.call('POST', '/api/v1/session', { json: { username: 'nobody', password: 'nope-nope-nope' } });
  const a = assertError(wrong, 401, 'invalid_credentials');
  const b = assertError(unknown, 401, 'invalid_credentials');
  assert.equal(a.message, b.message, 'the two failures can be told apart');
  assert.ok(!sessionCookie(wrong)?.value && !sessionCookie(unknown)?.value);
});

test('signing out ends the session', async () => {
  const client = await world.signIn({ ...gina });
  const out = await client.del('/api/v1/session');
  assert.equal(out.status, 204, show(out));
  const cleared = sessionCookie(out);
  assert.ok(cleared && cleared.value === '', `the cookie is not cleared: ${out.headers.get('set-cookie')}`);
  assertError(await client.get('/api/v1/rooms'), 401);
  const me = await client.get('/api/v1/session');
  assert.equal(me.json.role, null);
});

test('disabling a guest ends their session at once', async () => {
  const hugo = await world.createGuest('hugo', 'Hugo');
  const client = await world.signIn(hugo);
  assert.equal((await client.get('/api/v1/rooms')).status, 200);
  const r = await world.admin.patch(`/api/v1/guests/${hugo.id}`, { json: { disabled: true } });
  assert.equal(r.status, 200, show(r));
  assertError(await client.get('/api/v1/rooms'), 401);
  assertError(await client.get('/api/v1/contacts'), 401);
  assert.equal((await client.get('/api/v1/session')).json.role, null);
  // Enabling again does not revive the old session.
  await world.admin.patch(`/api/v1/guests/${hugo.id}`, { json: { disabled: false } });
  assertError(await client.get('/api/v1/rooms'), 401);
});

test('a changed password ends the guest\'s sessions', async () => {
  const iris = await world.createGuest('iris', 'Iris');
  const first = await world.signIn(iris);
  const second = await world.signIn(iris);
  const password = world.secrets.add('new password of iris', 'iris-new-password-9');
  const r = await world.admin.patch(`/api/v1/guests/${iris.id}`, { json: { password } });
  assert.equal(r.status, 200, show(r));
  assertError(await first.get('/api/v1/rooms'), 401);
  assertError(await second.get('/api/v1/rooms'), 401);
  const again = await world.signIn({ ...iris, password });
  assert.equal((await again.get('/api/v1/rooms')).status, 200);
});

test('deleting a guest ends their session at once', async () => {
  const jack = await world.createGuest('jack', 'Jack');
  const client = await world.signIn(jack);
  const r = await world.admin.del(`/api/v1/guests/${jack.id}`);
  assert.equal(r.status, 204, show(r));
  assertError(await client.get('/api/v1/rooms'), 401);
});

// Last, because the throttle may also count failures per address and every test signs in from 127.0.0.1.
test('repeated failures are slowed and then refused with 429 and Retry-After', async () => {
  const kim = await world.createGuest('kim', 'Kim');
  let refused;
  for (let attempt = 0; attempt < 30 && !refused; attempt++) {
    const r = await world.portal.call('POST', '/api/v1/session', { json: { username: 'kim', password: `wrong-${attempt}-xx` } });
    if (r.status === 429) refused = r;
    else assertError(r, 401, 'invalid_credentials');
  }
  assert.ok(refused, 'no 429 after 30 wrong passwords');
  assertError(refused, 429, 'too_many_attempts');
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After: ${refused.headers.get('retry-after')}`);
  // While refused, even the right password is refused (no oracle), and no session is made.
  const right = await world.portal.call('POST', '/api/v1/session', { json: { username: 'kim', password: kim.password } });
  assertError(right, 429, 'too_many_attempts');
  assert.ok(!sessionCookie(right)?.value);
});

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
