// Guest management through the admin API (docs/api.md "Admin", SPEC §4.2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, stopAll, show, assertError, Client } from '../lib/harness.mjs';

let world;
before(async () => { world = await startWorld(); });
after(stopAll);

const GUEST_KEYS = ['id', 'username', 'displayName', 'disabled'];

test('create a guest: 201, the Guest shape, no password anywhere in the response', async () => {
  const password = world.secrets.add('password of ann', 'correct horse battery staple');
  const r = await world.admin.post('/api/v1/guests', {
    json: { username: 'ann', displayName: 'Ann Example', password },
  });
  assert.equal(r.status, 201, show(r));
  for (const key of GUEST_KEYS) assert.ok(key in r.json, `missing ${key}: ${show(r)}`);
  assert.equal(r.json.username, 'ann');
  assert.equal(r.json.displayName, 'Ann Example');
  assert.equal(r.json.disabled, false);
  assert.equal(typeof r.json.id, 'string');
  assert.ok(!r.text.includes(password), 'the password is echoed');
  assert.ok(!('password' in r.json) && !('passwordHash' in r.json), `password field in ${show(r)}`);
  assert.ok(!/argon2/i.test(r.text), 'a password hash is exposed');

  const got = await world.admin.get(`/api/v1/guests/${r.json.id}`);
  assert.equal(got.status, 200, show(got));
  assert.equal(got.json.username, 'ann');
  assert.ok(!got.text.includes(password) && !/argon2/i.test(got.text));
  const list = await world.admin.get('/api/v1/guests');
  assert.equal(list.status, 200, show(list));
  assert.deepEqual(list.json.items.map((g) => g.username), ['ann']);
  assert.ok(!/argon2/i.test(list.text) && !list.text.includes(password));
});

test('a duplicate username is refused with 409 username_taken', async () => {
  const r = await world.admin.post('/api/v1/guests', {
    json: { username: 'ann', displayName: 'Another Ann', password: 'another-password-1' },
  });
  assertError(r, 409, 'username_taken');
  const list = await world.admin.get('/api/v1/guests');
  assert.equal(list.json.items.length, 1, 'a second ann was stored');
});

test('invalid usernames and short passwords are refused with 400 and the field', async () => {
  const cases = [
    [{ username: 'Ann', displayName: 'x', password: 'long-enough-1' }, 'username'],
    [{ username: 'ab', displayName: 'x', password: 'long-enough-1' }, 'username'],
    [{ username: 'a'.repeat(65), displayName: 'x', password: 'long-enough-1' }, 'username'],
    [{ username: 'has space', displayName: 'x', password: 'long-enough-1' }, 'username'],
    [{ username: 'bad/slash', displayName: 'x', password: 'long-enough-1' }, 'username'],
    [{ username: 'ok.user', displayName: 'x', password: 'short' }, 'password'],
    [{ username: 'ok.user', displayName: '', password: 'long-enough-1' }, 'displayName'],
    [{ username: 'ok.user', password: 'long-enough-1' }, 'displayName'],
    [{ username: 'ok.user', displayName: 'x' }, 'password'],
    [{ username: 'ok.user', displayName: 'bell\u0007name', password: 'long-enough-1' }, 'displayName'],
    [{ username: 'ok.user', displayName: 'x'.repeat(101), password: 'long-enough-1' }, 'displayName'],
    [{ username: 'ok.user', displayName: 'x', password: 'p'.repeat(1025) }, 'password'],
    [{ displayName: 'x', password: 'long-enough-1' }, 'username'],
  ];
  for (const [json, field] of cases) {
    const r = await world.admin.post('/api/v1/guests', { json });
    const error = assertError(r, 400);
    assert.equal(error.field, field, `field for ${JSON.stringify(json)}: ${show(r)}`);
  }
  const list = await world.admin.get('/api/v1/guests');
  assert.deepEqual(list.json.items.map((g) => g.username), ['ann'], 'an invalid guest was stored');
});

test('usernames at the limits are accepted (3 and 64 of [a-z0-9._-])', async () => {
  for (const username of ['a.b', `${'z'.repeat(60)}_-.9`]) {
    const r = await world.admin.post('/api/v1/guests', {
      json: { username, displayName: username, password: 'long-enough-1' },
    });
    assert.equal(r.status, 201, show(r));
    const del = await world.admin.del(`/api/v1/guests/${r.json.id}`);
    assert.equal(del.status, 204, show(del));
  }
});

test('PATCH changes displayName, password and disabled', async () => {
  const bob = await world.createGuest('bob', 'Bob');
  let r = await world.admin.patch(`/api/v1/guests/${bob.id}`, { json: { displayName: 'Robert' } });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.displayName, 'Robert');
  assert.equal(r.json.username, 'bob');

  const newPassword = world.secrets.add('new password of bob', 'brand-new-password-2');
  r = await world.admin.patch(`/api/v1/guests/${bob.id}`, { json: { password: newPassword } });
  assert.equal(r.status, 200, show(r));
  assert.ok(!r.text.includes(newPassword));
  const oldSignIn = await world.portal.call('POST', '/api/v1/session', {
    json: { username: 'bob', password: bob.password },
  });
  assertError(oldSignIn, 401, 'invalid_credentials');
  const newSignIn = await world.portal.call('POST', '/api/v1/session', {
    json: { username: 'bob', password: newPassword },
  });
  assert.equal(newSignIn.status, 200, show(newSignIn));

  r = await world.admin.patch(`/api/v1/guests/${bob.id}`, { json: { disabled: true } });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.disabled, true);
  const disabledSignIn = await world.portal.call('POST', '/api/v1/session', {
    json: { username: 'bob', password: newPassword },
  });
  assertError(disabledSignIn, 403, 'account_disabled');

  r = await world.admin.patch(`/api/v1/guests/${bob.id}`, { json: { password: 'short' } });
  assert.equal(assertError(r, 400).field, 'password', show(r));
  r = await world.admin.patch(`/api/v1/guests/${bob.id}`, { json: { disabled: 'yes' } });
  assertError(r, 400);
  const after = await world.admin.get(`/api/v1/guests/${bob.id}`);
  assert.equal(after.json.displayName, 'Robert');
  assert.equal(after.json.disabled, true, 'a refused PATCH changed something');
});

test('DELETE answers 204, then the guest is gone (404)', async () => {
  const carl = await world.createGuest('carl', 'Carl');
  const r = await world.admin.del(`/api/v1/guests/${carl.id}`);
  assert.equal(r.status, 204, show(r));
  assert.equal(r.text, '');
  assertError(await world.admin.get(`/api/v1/guests/${carl.id}`), 404);
  assertError(await world.admin.del(`/api/v1/guests/${carl.id}`), 404);
  assertError(await world.admin.patch(`/api/v1/guests/${carl.id}`, { json: { displayName: 'x' } }), 404);
  const signIn = await world.portal.call('POST', '/api/v1/session', {
    json: { username: 'carl', password: carl.password },
  });
  assertError(signIn, 401, 'invalid_credentials');
});

test('without a session every guest-management call is 401', async () => {
  const { portal } = world;
  assertError(await portal.call('GET', '/api/v1/guests'), 401);
  assertError(await portal.call('POST', '/api/v1/guests', {
    json: { username: 'eve', displayName: 'Eve', password: 'long-enough-1' },
  }), 401);
  assertError(await portal.call('PATCH', '/api/v1/guests/whatever', { json: { disabled: true } }), 401);
  assertError(await portal.call('DELETE', '/api/v1/guests/whatever'), 401);
  assertError(await portal.call('GET', '/api/v1/policy/pairs'), 401);
  assertError(await portal.call('GET', '/api/v1/spaces'), 401);
});

test('a guest session gets 403 on admin calls', async () => {
  const dora = await world.createGuest('dora', 'Dora');
  const guest = await world.signIn(dora);
  assertError(await guest.get('/api/v1/guests'), 403);
  assertError(await guest.post('/api/v1/guests', {
    json: { username: 'eve', displayName: 'Eve', password: 'long-enough-1' },
  }), 403);
  assertError(await guest.patch(`/api/v1/guests/${dora.id}`, { json: { disabled: false } }), 403);
  assertError(await guest.del(`/api/v1/guests/${dora.id}`), 403);
  assertError(await guest.put('/api/v1/policy/pairs', { json: { pairs: [] } }), 403);
  assertError(await guest.get('/api/v1/admin/status'), 403);
  const list = await world.admin.get('/api/v1/guests');
  assert.ok(!list.json.items.some((g) => g.username === 'eve'), 'a guest created a guest');
  // And the admin session is refused on guest calls.
  assertError(await world.admin.get('/api/v1/rooms'), 403);
  assertError(await world.admin.get('/api/v1/contacts'), 403);
});

test('a state-changing call without or with a wrong CSRF token is 403 csrf_failed', async () => {
  const noToken = new Client(world.portal, world.admin.cookie, undefined);
  let r = await noToken.post('/api/v1/guests', {
    json: { username: 'eve', displayName: 'Eve', password: 'long-enough-1' },
  });
  assertError(r, 403, 'csrf_failed');
  r = await world.admin.post('/api/v1/guests', {
    csrf: 'not-the-token',
    json: { username: 'eve', displayName: 'Eve', password: 'long-enough-1' },
  });
  assertError(r, 403, 'csrf_failed');
  const ann = (await world.admin.get('/api/v1/guests')).json.items.find((g) => g.username === 'ann');
  assertError(await noToken.del(`/api/v1/guests/${ann.id}`), 403, 'csrf_failed');
  assertError(await noToken.patch(`/api/v1/guests/${ann.id}`, { json: { disabled: true } }), 403, 'csrf_failed');
  const list = await world.admin.get('/api/v1/guests');
  assert.ok(!list.json.items.some((g) => g.username === 'eve'), 'eve was created without CSRF');
  const annAfter = list.json.items.find((g) => g.username === 'ann');
  assert.equal(annAfter.disabled, false, 'ann was changed without CSRF');
});

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
