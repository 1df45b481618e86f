// Handing guests their access (docs/api.md "Guest access"): generated passwords, the must-change-password
// flag with the guest's own password change, account expiry with the leader's expiry task, the limits
// in /api/v1/info, and error messages that speak in words rather than field names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorld, stopAll, show, assertError, waitFor, guestSignInRaw, guestClient, runPortal,
} from '../lib/harness.mjs';

const GENERATED = /^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/;

let world;
// The expiry task runs every second here, so that a test sees it act within a few seconds.
before(async () => { world = await startWorld({ portalExtra: { GUEST_EXPIRY_INTERVAL: '1' } }); });
after(stopAll);

async function auditOf(action) {
  const r = await world.admin.get(`/api/v1/audit?action=${encodeURIComponent(action)}&max=100`);
  assert.equal(r.status, 200, show(r));
  return r.json.items;
}

async function guestById(id) {
  const r = await world.admin.get(`/api/v1/guests/${id}`);
  assert.equal(r.status, 200, show(r));
  return r.json;
}

function isoIn(seconds) {
  return new Date(Math.floor(Date.now() / 1000 + seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

test('GET /api/v1/info gives the limits the server enforces', async () => {
  const r = await world.portal.call('GET', '/api/v1/info');
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.limits, { usernameMin: 3, usernameMax: 64, displayNameMax: 100, passwordMin: 8, passwordMax: 1024 });
  // The numbers are the ones the server enforces: one past each limit is refused.
  const over = await world.admin.post('/api/v1/guests', {
    json: { username: 'u'.repeat(r.json.limits.usernameMax + 1), displayName: 'x', password: 'long-enough-1' },
  });
  assert.equal(assertError(over, 400).field, 'username');
  const long = await world.admin.post('/api/v1/guests', {
    json: { username: 'limits', displayName: 'd'.repeat(r.json.limits.displayNameMax + 1), password: 'long-enough-1' },
  });
  assert.equal(assertError(long, 400).field, 'displayName');
});

test('error messages are sentences without API field names; `field` still names the input', async () => {
  const cases = [
    [{ username: 'ok.user', displayName: 'x'.repeat(101), password: 'long-enough-1' }, 'displayName',
      'Display name must be at most 100 characters.'],
    [{ username: 'ok.user', password: 'long-enough-1' }, 'displayName', 'Display name is required.'],
    [{ username: 'bad/slash', displayName: 'x', password: 'long-enough-1' }, 'username',
      "Username may contain only a–z, 0–9, '.', '_' and '-'."],
    [{ username: 'ok.user', displayName: 'x', password: 'short' }, 'password', 'Password must be at least 8 characters.'],
    [{ username: 'ok.user', displayName: 7, password: 'long-enough-1' }, 'displayName', 'Display name must be text.'],
    [{ username: 'ok.user', displayName: 'x', password: 'long-enough-1', mustChangePassword: 'yes' }, 'mustChangePassword',
      'Must change password must be true or false.'],
  ];
  for (const [json, field, message] of cases) {
    const error = assertError(await world.admin.post('/api/v1/guests', { json }), 400);
    assert.equal(error.field, field, JSON.stringify(json));
    assert.equal(error.message, message, JSON.stringify(json));
    assert.doesNotMatch(error.message, /displayName|^\w+:/, 'an internal field name in the message');
  }
  const taken = await world.admin.post('/api/v1/guests', { json: { username: 'limits2', displayName: 'x', password: 'long-enough-1' } });
  assert.equal(taken.status, 201, show(taken));
  const again = assertError(await world.admin.post('/api/v1/guests', {
    json: { username: 'limits2', displayName: 'x', password: 'long-enough-1' } }), 409, 'username_taken');
  assert.equal(again.message, "The username 'limits2' is already taken.");
});

test('a generated password: answered once, works for sign-in, never in the audit log', async () => {
  const r = await world.admin.post('/api/v1/guests', {
    json: { username: 'gen', displayName: 'Gen Erated', generatePassword: true, expiresAt: '2099-01-31' },
  });
  assert.equal(r.status, 201, show(r));
  const { password } = r.json;
  world.secrets.add('generated password of gen', password);
  assert.match(password, GENERATED);
  assert.equal(r.json.mustChangePassword, false);
  assert.equal(r.json.expiresAt, '2099-01-31T23:59:59.000Z', 'a date means the end of that day in UTC');
  // Shown once: reading the guest again does not give it.
  const got = await guestById(r.json.id);
  assert.ok(!('password' in got), JSON.stringify(got));
  assert.equal(got.expiresAt, '2099-01-31T23:59:59.000Z');
  assert.equal((await guestSignInRaw(world.portal, 'gen', password)).status, 200);

  // A new one on PATCH: the old one stops working, the new one works.
  const reset = await world.admin.patch(`/api/v1/guests/${r.json.id}`, { json: { generatePassword: true } });
  assert.equal(reset.status, 200, show(reset));
  world.secrets.add('second generated password of gen', reset.json.password);
  assert.match(reset.json.password, GENERATED);
  assert.notEqual(reset.json.password, password);
  assertError(await guestSignInRaw(world.portal, 'gen', password), 401, 'invalid_credentials');
  assert.equal((await guestSignInRaw(world.portal, 'gen', reset.json.password)).status, 200);
  // A PATCH without it answers no password.
  const renamed = await world.admin.patch(`/api/v1/guests/${r.json.id}`, { json: { displayName: 'Gen E.' } });
  assert.ok(!('password' in renamed.json), show(renamed));

  const audit = await world.admin.get('/api/v1/audit?max=500');
  assert.equal(audit.status, 200, show(audit));
  assert.ok(!audit.text.includes(password) && !audit.text.includes(reset.json.password), 'a generated password in the audit log');
});

test('password and generatePassword: exactly one; a bad or past expiresAt is refused; nothing is stored', async () => {
  const cases = [
    [{ password: 'long-enough-1', generatePassword: true }, 'password'],
    [{}, 'password'],
    [{ generatePassword: false }, 'password'],
    [{ generatePassword: 'yes' }, 'generatePassword'],
    [{ generatePassword: true, expiresAt: 'next week' }, 'expiresAt'],
    [{ generatePassword: true, expiresAt: 20270131 }, 'expiresAt'],
    [{ generatePassword: true, expiresAt: '2001-01-01' }, 'expiresAt'],
    [{ generatePassword: true, expiresAt: isoIn(-5) }, 'expiresAt'],
  ];
  for (const [extra, field] of cases) {
    const r = await world.admin.post('/api/v1/guests', { json: { username: 'nobody', displayName: 'N', ...extra } });
    const error = assertError(r, 400);
    assert.equal(error.field, field, `${JSON.stringify(extra)}: ${show(r)}`);
    assert.ok(!('password' in (r.json || {})), show(r));
  }
  const list = await world.admin.get('/api/v1/guests');
  assert.ok(!list.json.items.some((g) => g.username === 'nobody'), 'a refused guest was stored');

  const g = await world.createGuest('dates');
  const past = assertError(await world.admin.patch(`/api/v1/guests/${g.id}`, { json: { expiresAt: '2020-05-05' } }), 400);
  assert.equal(past.field, 'expiresAt');
  assert.equal(past.message, 'The expiry must be in the future.');
  const set = await world.admin.patch(`/api/v1/guests/${g.id}`, { json: { expiresAt: '2098-06-30T12:00:00+02:00' } });
  assert.equal(set.status, 200, show(set));
  assert.equal(set.json.expiresAt, '2098-06-30T10:00:00.000Z');
  const cleared = await world.admin.patch(`/api/v1/guests/${g.id}`, { json: { expiresAt: null } });
  assert.equal(cleared.status, 200, show(cleared));
  assert.equal(cleared.json.expiresAt, null);
});

test('must change password: only the session and the change itself until it is done', async () => {
  const r = await world.admin.post('/api/v1/guests', {
    json: { username: 'mia', displayName: 'Mia', generatePassword: true, mustChangePassword: true },
  });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.mustChangePassword, true);
  const first = r.json.password;
  world.secrets.add('generated password of mia', first);
  const signIn = await guestSignInRaw(world.portal, 'mia', first);
  assert.equal(signIn.status, 200, show(signIn));
  assert.equal(signIn.json.guest.mustChangePassword, true);
  const mia = await guestClient(world.portal, 'mia', first);
  const other = await guestClient(world.portal, 'mia', first);
  world.secrets.add('session of mia', mia.cookie);

  const session = await mia.get('/api/v1/session');
  assert.equal(session.status, 200, show(session));
  assert.equal(session.json.guest.mustChangePassword, true);
  for (const p of ['/api/v1/rooms', '/api/v1/contacts', '/api/v1/webex/token', '/api/v1/events']) {
    assertError(await mia.get(p), 403, 'password_change_required');
  }
  assertError(await mia.post('/api/v1/rooms', { json: { memberIds: [] } }), 403, 'password_change_required');

  const wrong = assertError(await mia.post('/api/v1/session/password', {
    json: { currentPassword: 'not-the-password', newPassword: 'a-new-password-1' } }), 400, 'wrong_password');
  assert.equal(wrong.field, 'currentPassword');
  const short = assertError(await mia.post('/api/v1/session/password', {
    json: { currentPassword: first, newPassword: 'short' } }), 400);
  assert.equal(short.field, 'newPassword');
  assert.equal(short.message, 'New password must be at least 8 characters.');
  const same = assertError(await mia.post('/api/v1/session/password', {
    json: { currentPassword: first, newPassword: first } }), 400);
  assert.equal(same.field, 'newPassword');
  const missing = assertError(await mia.post('/api/v1/session/password', { json: { currentPassword: first } }), 400);
  assert.equal(missing.message, 'New password is required.');
  assertError(await mia.post('/api/v1/session/password', {
    json: { currentPassword: first, newPassword: 'a-new-password-1' }, csrf: 'wrong' }), 403, 'csrf_failed');
  // None of the refusals changed anything.
  assert.equal((await guestById(r.json.id)).mustChangePassword, true);

  const fresh = world.secrets.add('chosen password of mia', 'mias-own-password-7');
  const changed = await mia.post('/api/v1/session/password', { json: { currentPassword: first, newPassword: fresh } });
  assert.equal(changed.status, 204, show(changed));
  // This session goes on, without the gate; the other one ended.
  assert.equal((await mia.get('/api/v1/rooms')).status, 200);
  assert.equal((await mia.get('/api/v1/session')).json.guest.mustChangePassword, false);
  assertError(await other.get('/api/v1/rooms'), 401);
  assert.equal((await guestById(r.json.id)).mustChangePassword, false);
  assertError(await guestSignInRaw(world.portal, 'mia', first), 401, 'invalid_credentials');
  assert.equal((await guestSignInRaw(world.portal, 'mia', fresh)).status, 200);

  const changes = await auditOf('guest.password_change');
  const outcomes = changes.filter((x) => x.target === r.json.id).map((x) => [x.actor, x.outcome]);
  assert.deepEqual(outcomes, [[`guest:${r.json.id}`, 'success'], [`guest:${r.json.id}`, 'failure']], JSON.stringify(changes));
  const audit = await world.admin.get('/api/v1/audit?max=500');
  assert.ok(!audit.text.includes(fresh) && !audit.text.includes(first), 'a password in the audit log');
});

test('an administrator can ask a signed-in guest for a new password; admins cannot use the guest change', async () => {
  const g = await world.createGuest('nora');
  const nora = await world.signIn(g);
  assert.equal((await nora.get('/api/v1/rooms')).status, 200);
  const flagged = await world.admin.patch(`/api/v1/guests/${g.id}`, { json: { mustChangePassword: true } });
  assert.equal(flagged.status, 200, show(flagged));
  assert.equal(flagged.json.mustChangePassword, true);
  assertError(await nora.get('/api/v1/rooms'), 403, 'password_change_required');
  assertError(await world.admin.post('/api/v1/session/password', {
    json: { currentPassword: 'whatever-1', newPassword: 'whatever-2' } }), 403, 'wrong_role');
  assertError(await world.portal.call('POST', '/api/v1/session/password', {
    json: { currentPassword: 'whatever-1', newPassword: 'whatever-2' } }), 401);
});

test('expiry: at expiresAt the guest loses sessions and spaces, is disabled (guest.expire), and cannot sign in',
  { timeout: 30000 }, async () => {
    const A = await world.createGuest('exa', 'Exa A');
    const B = await world.createGuest('exb', 'Exb B');
    await world.setPairs([[A.id, B.id]]);
    const a = await world.signIn(A);
    const b = await world.signIn(B);
    const aWebex = (await guestById(A.id)).webexPersonId;
    const bWebex = (await guestById(B.id)).webexPersonId;
    const created = await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } });
    assert.equal(created.status, 201, show(created));
    const space = created.json;
    const membersOfRoom = async () => (await world.emulator.state()).memberships
      .filter((m) => m.roomId === space.webexRoomId).map((m) => m.personId);
    assert.ok((await membersOfRoom()).includes(aWebex));

    const ends = isoIn(3);
    const set = await world.admin.patch(`/api/v1/guests/${A.id}`, { json: { expiresAt: ends } });
    assert.equal(set.status, 200, show(set));
    assert.equal(set.json.disabled, false);
    await waitFor(async () => (await a.get('/api/v1/rooms')).status === 401, 15000, 'the expired guest to lose the session');
    assert.ok(Date.now() >= Date.parse(ends), 'the session ended before the account expired');

    const after = await guestById(A.id);
    assert.equal(after.disabled, true, JSON.stringify(after));
    const expired = (await auditOf('guest.expire')).filter((x) => x.target === A.id);
    assert.equal(expired.length, 1, JSON.stringify(expired));
    assert.equal(expired[0].actor, 'portal');
    assertError(await guestSignInRaw(world.portal, 'exa', A.password), 403, 'account_expired');
    const list = await world.admin.get('/api/v1/spaces');
    assert.ok(list.json.items.find((s) => s.id === space.id)?.closedAt, 'the space stayed open');
    // B stays signed in, but the space is closed for them too; Webex loses both memberships.
    assert.equal((await b.get('/api/v1/rooms')).status, 200);
    await waitFor(async () => {
      const held = await membersOfRoom();
      return !held.includes(aWebex) && !held.includes(bWebex);
    }, 15000, 'the Webex memberships to be removed');

    // Enabling an expired account needs a new end (or none).
    const refused = assertError(await world.admin.patch(`/api/v1/guests/${A.id}`, { json: { disabled: false } }), 400,
      'account_expired');
    assert.equal(refused.field, 'expiresAt');
    assert.equal((await guestById(A.id)).disabled, true);
    const renewed = await world.admin.patch(`/api/v1/guests/${A.id}`, { json: { disabled: false, expiresAt: '2099-12-31' } });
    assert.equal(renewed.status, 200, show(renewed));
    assert.equal(renewed.json.disabled, false);
    assert.equal((await guestSignInRaw(world.portal, 'exa', A.password)).status, 200);
  });

test('CLI: guests add --generate-password --must-change-password --expires, on the running portal\'s database', async () => {
  const output = (r) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  const r = runPortal(['guests', 'add', '--username', 'cli.kay', '--display-name', 'Kay Cli', '--generate-password',
    '--must-change-password', '--expires', '2099-03-31'], world.portal.env);
  assert.equal(r.status, 0, output(r));
  const added = JSON.parse(r.stdout.trim());
  world.secrets.add('CLI-generated password of cli.kay', added.password);
  assert.match(added.password, GENERATED);
  const got = await guestById(added.id);
  assert.equal(got.mustChangePassword, true);
  assert.equal(got.expiresAt, '2099-03-31T23:59:59.000Z');
  const signIn = await guestSignInRaw(world.portal, 'cli.kay', added.password);
  assert.equal(signIn.status, 200, show(signIn));
  assert.equal(signIn.json.guest.mustChangePassword, true);

  const list = runPortal(['guests', 'list'], world.portal.env);
  assert.equal(list.status, 0, output(list));
  const kay = list.stdout.trim().split('\n').map((line) => JSON.parse(line)).find((g) => g.username === 'cli.kay');
  assert.equal(kay.expiresAt, '2099-03-31T23:59:59.000Z');
  assert.equal(kay.mustChangePassword, true);
  assert.ok(!list.stdout.includes(added.password), 'list shows a password');

  const both = runPortal(['guests', 'add', '--username', 'cli.two', '--display-name', 'T', '--generate-password',
    '--password', 'long-enough-1'], world.portal.env);
  assert.notEqual(both.status, 0, output(both));
  const badDate = runPortal(['guests', 'add', '--username', 'cli.three', '--display-name', 'T', '--generate-password',
    '--expires', 'soon'], world.portal.env);
  assert.notEqual(badDate.status, 0, output(badDate));
  assert.match(badDate.stderr, /--expires: The expiry must be a date/, output(badDate));
  const names = (await world.admin.get('/api/v1/guests')).json.items.map((g) => g.username);
  assert.ok(!names.includes('cli.two') && !names.includes('cli.three'), 'a refused CLI add stored a guest');
});

test('no password, generated or chosen, reaches the portal log', async () => {
  await world.assertLogClean();
});
