// OAuth 2 authorization code flow with PKCE, refresh and expiry (webex-api.md §4, §14.14, §15).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEmulator, pkcePair, DEFAULT_INTEGRATION, assertWebexError, INVALID_TOKEN_MESSAGE,
} from './lib.mjs';

let em;
before(async () => { em = await startEmulator(); });
after(async () => { await em?.stop(); });
beforeEach(async () => { await em.reset(); });

const REDIRECT_URI = 'http://127.0.0.1:9/auth/webex/callback';
const DAY = 86400;

function authorizeParams(state, challenge, overrides = {}) {
  const params = {
    client_id: DEFAULT_INTEGRATION.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'spark:all spark:kms',
    state,
    ...overrides,
  };
  if (challenge) {
    params.code_challenge = challenge;
    params.code_challenge_method = 'S256';
  }
  return params;
}

// Signs `person` in through the authorize form and returns {code, location}.
async function authorize(person, { state = 'st-' + Math.random().toString(36).slice(2), challenge } = {}) {
  const params = authorizeParams(state, challenge);
  const r = await em.post('/v1/authorize', { form: { ...params, personId: person.id } });
  assert.equal(r.status, 302, `POST /v1/authorize: ${r.status} ${r.text}`);
  const location = r.headers.get('location');
  assert.ok(location, 'no Location header');
  const url = new URL(location);
  assert.equal(`${url.origin}${url.pathname}`, REDIRECT_URI);
  assert.equal(url.searchParams.get('state'), state, 'state is not returned unchanged');
  const code = url.searchParams.get('code');
  assert.ok(code, `no code in ${location}`);
  return { code, location };
}

function exchange(code, { verifier, redirectUri = REDIRECT_URI, client = DEFAULT_INTEGRATION } = {}) {
  const form = {
    grant_type: 'authorization_code',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    code,
    redirect_uri: redirectUri,
  };
  if (verifier !== undefined) form.code_verifier = verifier;
  return em.post('/v1/access_token', { form });
}

function refresh(refreshToken, client = DEFAULT_INTEGRATION) {
  return em.post('/v1/access_token', {
    form: {
      grant_type: 'refresh_token',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      refresh_token: refreshToken,
    },
  });
}

function assertOAuthError(r, status, error) {
  assert.equal(r.status, status, `expected ${status}: ${r.status} ${r.text}`);
  assert.ok(r.json, `not JSON: ${r.text}`);
  assert.equal(r.json.error, error);
  assert.equal(typeof r.json.error_description, 'string');
}

test('GET /v1/authorize lists the seeded people as sign-in choices', async () => {
  const ada = await em.person('Ada Lovelace');
  const bob = await em.person('Bob Bobson');
  const { challenge } = pkcePair();
  const qs = new URLSearchParams(authorizeParams('s1', challenge));
  const r = await em.get(`/v1/authorize?${qs}`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') || '', /text\/html/);
  assert.ok(r.text.includes('Ada Lovelace'), 'page does not list Ada');
  assert.ok(r.text.includes('Bob Bobson'), 'page does not list Bob');
  assert.ok(r.text.includes(ada.id) && r.text.includes(bob.id), 'page does not carry the personIds');
  assert.match(r.text, /<form[^>]*method=["']?post/i, 'no POST form');
  assert.ok(r.headers.get('trackingid'), 'no Trackingid header on the sign-in page');
});

test('GET /v1/authorize with an unknown client_id answers 400', async () => {
  await em.person('Ada');
  const qs = new URLSearchParams(authorizeParams('s1', undefined, { client_id: 'nope' }));
  const r = await em.get(`/v1/authorize?${qs}`);
  assert.equal(r.status, 400);
});

test('full code flow with PKCE S256: token works on /people/me as the chosen person', async () => {
  await em.person('Someone Else');
  const ada = await em.person('Ada Lovelace');
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(ada, { state: 'csrf-123', challenge });
  const r = await exchange(code, { verifier });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') || '', /application\/json/);
  assert.equal(typeof r.json.access_token, 'string');
  assert.equal(typeof r.json.refresh_token, 'string');
  assert.equal(r.json.expires_in, 14 * DAY);
  assert.equal(r.json.refresh_token_expires_in, 90 * DAY);
  assert.equal(r.json.token_type, 'Bearer');
  const me = await em.ok('GET', '/v1/people/me', { token: r.json.access_token });
  assert.equal(me.id, ada.id);
  assert.equal(me.displayName, 'Ada Lovelace');
  assert.equal(me.type, 'person');
});

test('wrong code_verifier and missing code_verifier are refused with invalid_grant', async () => {
  const ada = await em.person('Ada');
  const { challenge } = pkcePair();
  const first = await authorize(ada, { challenge });
  assertOAuthError(await exchange(first.code, { verifier: pkcePair().verifier }), 400, 'invalid_grant');
  const second = await authorize(ada, { challenge });
  assertOAuthError(await exchange(second.code), 400, 'invalid_grant');
});

test('an authorization code is single-use', async () => {
  const ada = await em.person('Ada');
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(ada, { challenge });
  assert.equal((await exchange(code, { verifier })).status, 200);
  assertOAuthError(await exchange(code, { verifier }), 400, 'invalid_grant');
});

test('redirect_uri must equal the one given to authorize', async () => {
  const ada = await em.person('Ada');
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(ada, { challenge });
  assertOAuthError(await exchange(code, { verifier, redirectUri: 'http://127.0.0.1:9/elsewhere' }), 400, 'invalid_grant');
});

test('an unknown code is invalid_grant; bad client credentials are invalid_client (401)', async () => {
  const ada = await em.person('Ada');
  assertOAuthError(await exchange('not-a-code'), 400, 'invalid_grant');
  const { code } = await authorize(ada);
  const bad = { clientId: DEFAULT_INTEGRATION.clientId, clientSecret: 'wrong' };
  assertOAuthError(await exchange(code, { client: bad }), 401, 'invalid_client');
});

test('a flow without PKCE works too', async () => {
  const ada = await em.person('Ada');
  const { code } = await authorize(ada);
  const r = await exchange(code);
  assert.equal(r.status, 200, r.text);
  const me = await em.ok('GET', '/v1/people/me', { token: r.json.access_token });
  assert.equal(me.id, ada.id);
});

test('/v1/access_token accepts only form-encoded bodies (415 otherwise)', async () => {
  const ada = await em.person('Ada');
  const { code } = await authorize(ada);
  const r = await em.post('/v1/access_token', {
    json: {
      grant_type: 'authorization_code', client_id: DEFAULT_INTEGRATION.clientId,
      client_secret: DEFAULT_INTEGRATION.clientSecret, code, redirect_uri: REDIRECT_URI,
    },
  });
  assert.equal(r.status, 415, r.text);
});

test('refresh keeps the refresh token, counts its lifetime down; old and new access tokens work; expiry gives 401', async () => {
  const ada = await em.person('Ada');
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(ada, { challenge });
  const first = (await exchange(code, { verifier })).json;
  assert.ok(first?.refresh_token);

  await em.advanceClock(1000);
  const r = await refresh(first.refresh_token);
  assert.equal(r.status, 200, r.text);
  const second = r.json;
  assert.equal(second.refresh_token, first.refresh_token, 'refresh must keep the same refresh token');
  assert.notEqual(second.access_token, first.access_token, 'refresh must issue a new access token');
  assert.equal(second.token_type, 'Bearer');
  assert.equal(second.expires_in, 14 * DAY);
  assert.ok(second.refresh_token_expires_in <= 90 * DAY - 1000 && second.refresh_token_expires_in > 90 * DAY - 1100,
    `refresh_token_expires_in should count down by ~1000 s, got ${second.refresh_token_expires_in}`);

  const me = await em.ok('GET', '/v1/people/me', { token: second.access_token });
  assert.equal(me.id, ada.id);
  // §15: the previous access token keeps working until its own expiry.
  assert.equal((await em.get('/v1/people/me', { token: first.access_token })).status, 200);

  // Past 14 days from the refresh, both access tokens are expired.
  await em.advanceClock(14 * DAY + 10);
  assertWebexError(await em.get('/v1/people/me', { token: second.access_token }), 401, INVALID_TOKEN_MESSAGE);
  assertWebexError(await em.get('/v1/people/me', { token: first.access_token }), 401, INVALID_TOKEN_MESSAGE);

  // The refresh token (90 d) still works, and still counts down.
  const third = await refresh(first.refresh_token);
  assert.equal(third.status, 200, third.text);
  assert.equal(third.json.refresh_token, first.refresh_token);
  assert.ok(third.json.refresh_token_expires_in < second.refresh_token_expires_in - 14 * DAY + 1);
  assert.equal((await em.get('/v1/people/me', { token: third.json.access_token })).status, 200);

  // Past 90 days the refresh token is dead.
  await em.advanceClock(90 * DAY);
  const dead = await refresh(first.refresh_token);
  assert.ok(dead.status === 400 || dead.status === 401, `expired refresh token: ${dead.status} ${dead.text}`);
});

test('an unknown refresh token is refused', async () => {
  const r = await refresh('no-such-refresh-token');
  assert.ok(r.status === 400 || r.status === 401, `${r.status} ${r.text}`);
});
