// Administrator sign-in with Webex OAuth (docs/api.md "Administrator sign-in", SPEC §4.1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorld, stopAll, webexSignIn, startWebexSignIn, sessionCookie, setCookie, request, show, assertError, Client,
  ADMIN, OUTSIDER,
} from '../lib/harness.mjs';

let world;
before(async () => { world = await startWorld({ signInAdmin: false }); });
after(stopAll);

test('login redirects to the emulator authorize URL with state and PKCE S256', async () => {
  const { portal, emulator } = world;
  const r = await portal.call('GET', '/auth/webex/login');
  assert.equal(r.status, 302, show(r));
  const url = new URL(r.headers.get('location'));
  assert.equal(`${url.origin}${url.pathname}`, `${emulator.apiUrl}/authorize`);
  assert.equal(url.searchParams.get('client_id'), 'emulator-client-id');
  assert.equal(url.searchParams.get('response_type'), 'code');
  assert.equal(url.searchParams.get('redirect_uri'), `${portal.origin}/auth/webex/callback`);
  assert.ok(url.searchParams.get('scope'), 'no scope');
  assert.ok((url.searchParams.get('state') || '').length >= 16, 'state is missing or short');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge') || '', /^[A-Za-z0-9_-]{43}$/);
  const again = await portal.call('GET', '/auth/webex/login');
  assert.notEqual(new URL(again.headers.get('location')).searchParams.get('state'), url.searchParams.get('state'),
    'two logins got the same state');
});

test('a licensed person not in ADMIN_EMAILS is refused with a 403 page and no session', async () => {
  const { portal, emulator } = world;
  const flow = await webexSignIn(portal, emulator, OUTSIDER.email);
  assert.equal(flow.callback.status, 403, show(flow.callback));
  assert.match(flow.callback.headers.get('content-type') || '', /text\/html/);
  // The page names the account that signed in and offers to sign in with another one.
  const page = flow.callback.text;
  assert.match(page, /<h1>Not an administrator<\/h1>/, show(flow.callback));
  assert.ok(page.includes(`You signed in to Webex as ${OUTSIDER.email.toLowerCase()}`), page);
  assert.match(page, /<a class="button" href="\/auth\/webex\/login">Sign in with another Webex account<\/a>/, page);
  assert.match(page, /sign out of Webex in this browser/, page);
  assert.match(page, /<link rel="icon" href="\/static\/favicon.svg"/, page);
  assert.ok(!flow.cookie || flow.cookie.value === '', `a session cookie was set: ${flow.cookie?.raw}`);
  const info = await portal.call('GET', '/api/v1/info');
  assert.equal(info.status, 200, show(info));
  assert.equal(info.json.appAdminReady, false, 'the refused person became the AppAdmin');
});

test('the admin signs in: session cookie flags, role admin, redirect to /admin', async () => {
  const { portal, emulator, secrets } = world;
  const flow = await webexSignIn(portal, emulator, ADMIN.email);
  secrets.add('OAuth code', flow.callbackUrl.searchParams.get('code'));
  assert.equal(flow.callback.status, 302, show(flow.callback));
  assert.equal(new URL(flow.callback.headers.get('location'), portal.origin).pathname, '/admin');
  assert.ok(flow.cookie && flow.cookie.value.length >= 16, `no gp_session cookie: ${show(flow.callback)}`);
  secrets.add('admin session cookie', flow.cookie.value);
  const attrs = flow.cookie.raw.split(';').map((s) => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), `cookie lacks HttpOnly: ${flow.cookie.raw}`);
  assert.ok(attrs.includes('samesite=lax'), `cookie lacks SameSite=Lax: ${flow.cookie.raw}`);
  assert.ok(attrs.includes('path=/'), `cookie lacks Path=/: ${flow.cookie.raw}`);
  assert.ok(!attrs.includes('secure'), `cookie is Secure on plain http: ${flow.cookie.raw}`);
  const admin = new Client(portal, flow.cookie.value);
  const session = await admin.refreshCsrf();
  assert.equal(session.role, 'admin');
  assert.equal(typeof session.csrfToken, 'string');
  assert.ok(session.csrfToken.length >= 16);
  assert.equal(session.admin?.email, ADMIN.email);
  secrets.add('admin CSRF token', session.csrfToken);
  world.admin = admin;

  // The code was exchanged with the emulator (PKCE and all) and /people/me was read.
  const calls = await emulator.stats();
  assert.ok((calls['POST /v1/access_token'] || 0) >= 1, `no token exchange: ${JSON.stringify(calls)}`);
  assert.ok((calls['GET /v1/people/me'] || 0) >= 1, `no /people/me: ${JSON.stringify(calls)}`);
});

test('GET /api/v1/admin/status shows the AppAdmin', async () => {
  const r = await world.admin.get('/api/v1/admin/status');
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.appAdmin.signedIn, true);
  assert.equal(r.json.appAdmin.email, ADMIN.email);
  assert.equal(r.json.appAdmin.displayName, ADMIN.displayName);
  assert.equal(r.json.appAdmin.warning, 'none');
  assert.ok(!Number.isNaN(Date.parse(r.json.appAdmin.refreshExpiresAt)), `refreshExpiresAt: ${show(r)}`);
  assert.equal(r.json.guestProvider, 'service-app');
  assert.equal(r.json.demo, false);
  const info = await world.portal.call('GET', '/api/v1/info');
  assert.equal(info.json.appAdminReady, true, show(info));
});

test('admin status needs an admin session', async () => {
  const anonymous = await world.portal.call('GET', '/api/v1/admin/status');
  assertError(anonymous, 401);
});

test('login binds the sign-in to this browser with a short-lived cookie', async () => {
  const r = await world.portal.call('GET', '/auth/webex/login');
  assert.equal(r.status, 302, show(r));
  const binding = setCookie(r, 'gp_oauth');
  assert.ok(binding && binding.value.length >= 16, `no gp_oauth cookie: ${r.headers.get('set-cookie')}`);
  world.secrets.add('OAuth binding cookie', binding.value);
  const attrs = binding.raw.split(';').map((s) => s.trim().toLowerCase());
  for (const attr of ['httponly', 'samesite=lax', 'path=/auth/webex', 'max-age=600']) {
    assert.ok(attrs.includes(attr), `gp_oauth lacks ${attr}: ${binding.raw}`);
  }
  assert.ok(!attrs.includes('secure'), `gp_oauth is Secure on plain http: ${binding.raw}`);
  assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('a callback opened in another browser (no or another binding cookie) signs nobody in', async () => {
  const { portal, emulator, secrets } = world;
  // The attacker's own sign-in, up to the callback URL they would get a victim to open.
  const flow = await startWebexSignIn(portal, emulator, ADMIN.email);
  secrets.add('OAuth code', flow.callbackUrl.searchParams.get('code'));
  const other = await startWebexSignIn(portal, emulator, ADMIN.email);  // a sign-in the victim started
  for (const cookie of [undefined, other.oauthCookie, 'gp_oauth=', `${flow.oauthCookie}x`]) {
    const r = await request(flow.callbackUrl.toString(), 'GET', cookie ? { cookie } : {});
    assert.equal(r.status, 400, `cookie ${cookie}: ${show(r)}`);
    assert.match(r.headers.get('content-type') || '', /text\/html/);
    assert.match(r.text, /start again/i, show(r));
    assert.ok(!sessionCookie(r)?.value, `cookie ${cookie}: a session cookie was set: ${sessionCookie(r)?.raw}`);
  }
  // Nothing was consumed: the browser that started it completes the sign-in, and its cookie is cleared.
  assert.ok(flow.oauthCookie, `login set no gp_oauth cookie: ${flow.login.headers.get('set-cookie')}`);
  const r = await request(flow.callbackUrl.toString(), 'GET', { cookie: flow.oauthCookie });
  assert.equal(r.status, 302, show(r));
  const session = sessionCookie(r);
  assert.ok(session?.value, `no session cookie with the binding: ${show(r)}`);
  secrets.add('admin session cookie', session.value);
  const cleared = setCookie(r, 'gp_oauth');
  assert.ok(cleared && cleared.value === '' && /max-age=0/i.test(cleared.raw), `gp_oauth not cleared: ${cleared?.raw}`);
  const admin = new Client(portal, session.value);
  assert.equal((await admin.refreshCsrf()).role, 'admin');
});

test('an unknown state is refused with 400 and no session', async () => {
  const { portal } = world;
  const r = await portal.call('GET', '/auth/webex/callback?code=abc&state=not-a-state-we-issued');
  assert.equal(r.status, 400, show(r));
  assert.ok(!sessionCookie(r)?.value, 'a session cookie was set');
  const missing = await portal.call('GET', '/auth/webex/callback?code=abc');
  assert.equal(missing.status, 400, show(missing));
});

test('a reused state (replayed callback) is refused with 400 and no session', async () => {
  const { portal, emulator, secrets } = world;
  const flow = await webexSignIn(portal, emulator, ADMIN.email);
  secrets.add('OAuth code', flow.callbackUrl.searchParams.get('code'));
  assert.equal(flow.callback.status, 302, show(flow.callback));
  secrets.add('admin session cookie', flow.cookie?.value);
  // Replayed even with the cookie the browser had: the state was used.
  const replay = await request(flow.callbackUrl.toString(), 'GET', flow.oauthCookie ? { cookie: flow.oauthCookie } : {});
  assert.equal(replay.status, 400, show(replay));
  assert.ok(!sessionCookie(replay)?.value, 'the replayed callback set a session cookie');
});

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
