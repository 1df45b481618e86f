// Guest identities: Guest Issuer JWT login (webex-api.md §5) and Service App guest management (§6).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEmulator, signJwt, randomSecretBase64, assertWebexError, idUuid, DEFAULT_SERVICE_APP,
  DEFAULT_GUEST_ISSUER, INVALID_TOKEN_MESSAGE, UUID_RE,
} from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

const now = () => Math.floor(Date.now() / 1000);

async function configureIssuer() {
  const issuer = { id: 'test-issuer-' + Math.random().toString(36).slice(2), secret: randomSecretBase64() };
  const config = await em.configure({ guestIssuer: issuer });
  assert.deepEqual(config.guestIssuer, issuer);
  return issuer;
}

function login(jwt, extra = {}) {
  return em.post('/v1/jwt/login', { token: jwt, ...extra });
}

test('JWT login with a valid HS256 token gives a working appuser token', async () => {
  const issuer = await configureIssuer();
  const jwt = signJwt({ sub: 'guest-1', name: 'Guest One', iss: issuer.id, exp: now() + 600 }, issuer.secret);
  const r = await login(jwt);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.headers.get('trackingid'));
  assert.equal(typeof r.json.token, 'string');
  assert.equal(r.json.expiresIn, 21600);
  const me = await em.ok('GET', '/v1/people/me', { token: r.json.token });
  assert.equal(me.type, 'appuser');
  assert.equal(me.displayName, 'Guest One');
  idUuid(me.id, 'PEOPLE');
});

test('the default guest issuer works with its documented secret', async () => {
  const jwt = signJwt({ sub: 'd1', name: 'Default Guest', iss: DEFAULT_GUEST_ISSUER.id, exp: now() + 600 },
    DEFAULT_GUEST_ISSUER.secret);
  const r = await login(jwt);
  assert.equal(r.status, 200, r.text);
});

test('same sub gives the same person; another sub or another issuer gives another person', async () => {
  const issuer = await configureIssuer();
  const token = async (iss, sub, name) => {
    const r = await login(signJwt({ sub, name, iss: iss.id, exp: now() + 600 }, iss.secret));
    assert.equal(r.status, 200, r.text);
    return (await em.ok('GET', '/v1/people/me', { token: r.json.token })).id;
  };
  const a1 = await token(issuer, 'john.doe', 'John');
  const a2 = await token(issuer, 'john.doe', 'John');
  const b = await token(issuer, 'jane', 'Jane');
  assert.equal(a1, a2, 'same sub must map to the same person');
  assert.notEqual(a1, b);
  // §15: the same sub under another issuer is another guest.
  const other = { id: 'other-issuer', secret: randomSecretBase64() };
  await em.configure({ guestIssuer: other });
  const c = await token(other, 'john.doe', 'John');
  assert.notEqual(c, a1);
});

test('exp given as a numeric string is accepted', async () => {
  const issuer = await configureIssuer();
  const jwt = signJwt({ sub: 'str-exp', name: 'S', iss: issuer.id, exp: String(now() + 600) }, issuer.secret);
  const r = await login(jwt);
  assert.equal(r.status, 200, r.text);
});

test('bad signature, wrong iss and expired exp are refused with 401', async () => {
  const issuer = await configureIssuer();
  const claims = { sub: 'x', name: 'X', iss: issuer.id, exp: now() + 600 };
  // Signed with the raw (not base64-decoded) secret: a signature mismatch.
  const wrongKey = signJwt(claims, Buffer.from(issuer.secret).toString('base64'));
  assertWebexError(await login(wrongKey), 401);
  const otherSecret = signJwt(claims, randomSecretBase64());
  assertWebexError(await login(otherSecret), 401);
  // A valid token with one character of the signature changed.
  const good = signJwt(claims, issuer.secret);
  const tampered = good.slice(0, -2) + (good.at(-2) === 'A' ? 'B' : 'A') + good.at(-1);
  assertWebexError(await login(tampered), 401);
  assertWebexError(await login(signJwt({ ...claims, iss: 'someone-else' }, issuer.secret)), 401);
  assertWebexError(await login(signJwt({ ...claims, exp: now() - 60 }, issuer.secret)), 401);
  assertWebexError(await login(signJwt({ ...claims, exp: String(now() - 60) }, issuer.secret)), 401);
  // And the control case passes, so the refusals above were about the claims.
  assert.equal((await login(good)).status, 200);
});

test('JWT login without a bearer or with garbage is 401', async () => {
  assertWebexError(await em.post('/v1/jwt/login'), 401);
  assertWebexError(await login('not.a.jwt'), 401);
});

test('JWT login ignores the content type of an empty body', async () => {
  const issuer = await configureIssuer();
  const jwt = signJwt({ sub: 'ct', name: 'CT', iss: issuer.id, exp: now() + 600 }, issuer.secret);
  const r = await login(jwt, { contentType: 'text/plain' });
  assert.equal(r.status, 200, r.text);
});

test('a JWT guest token expires after its lifetime', async () => {
  const issuer = await configureIssuer();
  const r = await login(signJwt({ sub: 'e', name: 'E', iss: issuer.id, exp: now() + 600 }, issuer.secret));
  assert.equal(r.status, 200);
  await em.advanceClock(r.json.expiresIn + 5);
  assertWebexError(await em.get('/v1/people/me', { token: r.json.token }), 401, INVALID_TOKEN_MESSAGE);
});

// --- Service App --------------------------------------------------------------------------------

async function serviceAppToken(personToken, orgId, overrides = {}) {
  return em.post(`/v1/applications/${overrides.appId ?? DEFAULT_SERVICE_APP.id}/token`, {
    token: personToken,
    json: {
      clientId: overrides.clientId ?? DEFAULT_SERVICE_APP.clientId,
      clientSecret: overrides.clientSecret ?? DEFAULT_SERVICE_APP.clientSecret,
      targetOrgId: orgId,
    },
  });
}

test('Service App token: shape, wrong app id 404, wrong secret 401, no bearer 401', async () => {
  const admin = await em.person('Admin');
  const r = await serviceAppToken(admin.accessToken, admin.orgId);
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.json.access_token, 'string');
  assert.equal(typeof r.json.refresh_token, 'string');
  assert.equal(r.json.expires_in, 3600);
  assert.equal(r.json.refresh_token_expires_in, 7776000);
  assert.equal(r.json.token_type, 'Bearer');
  assertWebexError(await serviceAppToken(admin.accessToken, admin.orgId, { appId: 'no-such-app' }), 404);
  assertWebexError(await serviceAppToken(admin.accessToken, admin.orgId, { clientSecret: 'wrong' }), 401);
  assertWebexError(await serviceAppToken(undefined, admin.orgId), 401);
});

test('Service App token can be refreshed at /v1/access_token with its own client credentials', async () => {
  const admin = await em.person('Admin');
  const sa = (await serviceAppToken(admin.accessToken, admin.orgId)).json;
  await em.advanceClock(100);
  const r = await em.post('/v1/access_token', {
    form: {
      grant_type: 'refresh_token', client_id: DEFAULT_SERVICE_APP.clientId,
      client_secret: DEFAULT_SERVICE_APP.clientSecret, refresh_token: sa.refresh_token,
    },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.refresh_token, sa.refresh_token);
  const g = await em.post('/v1/guests/token', {
    token: r.json.access_token, json: { subject: 'after-refresh', displayName: 'R' },
  });
  assert.equal(g.status, 200, g.text);
});

test('guests/token: same subject same id, @appid email, renames; guests/count counts guests', async () => {
  const admin = await em.person('Admin');
  const sa = (await serviceAppToken(admin.accessToken, admin.orgId)).json.access_token;
  const g1 = await em.post('/v1/guests/token', { token: sa, json: { subject: 'alice', displayName: 'Alice' } });
  assert.equal(g1.status, 200, g1.text);
  assert.ok(g1.headers.get('trackingid'));
  const guest = g1.json;
  idUuid(guest.id, 'PEOPLE');
  assert.equal(guest.subject, 'alice');
  assert.equal(guest.displayName, 'Alice');
  const [local, domain] = guest.email.split('@');
  assert.equal(domain, 'appid.ciscospark.com');
  assert.match(local, UUID_RE);
  assert.equal(typeof guest.accessToken, 'string');
  assert.equal(guest.expiresIn, 64799);

  const me = await em.ok('GET', '/v1/people/me', { token: guest.accessToken });
  assert.equal(me.id, guest.id);
  assert.equal(me.type, 'appuser');
  assert.ok(me.emails.includes(guest.email));

  const again = await em.ok('POST', '/v1/guests/token', { token: sa, json: { subject: 'alice', displayName: 'Alice Renamed' } });
  assert.equal(again.id, guest.id, 'same subject must give the same person id');
  assert.equal(again.email, guest.email);
  assert.equal(again.displayName, 'Alice Renamed');
  const renamed = await em.ok('GET', `/v1/people/${guest.id}`, { token: admin.accessToken });
  assert.equal(renamed.displayName, 'Alice Renamed');
  // Older tokens stay valid.
  assert.equal((await em.get('/v1/people/me', { token: guest.accessToken })).status, 200);

  const other = await em.ok('POST', '/v1/guests/token', { token: sa, json: { subject: 'bob', displayName: 'Bob' } });
  assert.notEqual(other.id, guest.id);

  const count = await em.get('/v1/guests/count', { token: sa });
  assert.equal(count.status, 200, count.text);
  assert.deepEqual(count.json, { count: 2 });
});

test('guests/token validation: missing fields 400, person token 403, no token 401', async () => {
  const admin = await em.person('Admin');
  const sa = (await serviceAppToken(admin.accessToken, admin.orgId)).json.access_token;
  assertWebexError(await em.post('/v1/guests/token', { token: sa, json: { subject: 's' } }), 400);
  assertWebexError(await em.post('/v1/guests/token', { token: sa, json: { displayName: 'd' } }), 400);
  assertWebexError(await em.post('/v1/guests/token', { token: admin.accessToken, json: { subject: 's', displayName: 'd' } }), 403);
  assertWebexError(await em.get('/v1/guests/count', { token: admin.accessToken }), 403);
  assertWebexError(await em.post('/v1/guests/token', { json: { subject: 's', displayName: 'd' } }), 401);
  const count = await em.ok('GET', '/v1/guests/count', { token: sa });
  assert.deepEqual(count, { count: 0 }, 'refused requests must not create guests');
});
