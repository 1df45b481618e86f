// Importing guests (SPEC §4.2): the original sample's guests.json and CSV, through the admin API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, stopAll, show, guestSignInRaw } from '../lib/harness.mjs';

let world;
before(async () => { world = await startWorld(); });
after(stopAll);

const byUsername = async () => {
  const list = await world.admin.get('/api/v1/guests');
  assert.equal(list.status, 200, show(list));
  return Object.fromEntries(list.json.items.map((g) => [g.username, g]));
};

test('guests.json: plain-text passwords are hashed, allowed_conn becomes pairs, bad entries are reported', async () => {
  const alicePassword = world.secrets.add('password of alice', 'alice-plain-text-1');
  const bobPassword = world.secrets.add('password of bob', 'bob-plain-text-22');
  const file = {
    alice: { password: alicePassword, name: 'Alice Example', allowed_conn: ['bob', 'nobody'] },
    bob: { password: bobPassword, displayName: 'Bob Example', allowed_conn: ['alice'] },
    'Bad Name!': { password: 'whatever-password', name: 'Bad' },
  };
  const r = await world.admin.post('/api/v1/guests/import', { body: JSON.stringify(file), contentType: 'application/json' });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual([...r.json.created].sort(), ['alice', 'bob']);
  assert.equal(r.json.pairsAdded, 1);
  assert.ok(r.json.skipped.length >= 2, `expected the bad username and the unknown connection: ${show(r)}`);
  assert.ok(!r.text.includes(alicePassword) && !r.text.includes(bobPassword), 'a password is echoed');

  const guests = await byUsername();
  assert.equal(guests.alice.displayName, 'Alice Example');
  assert.equal(guests.bob.displayName, 'Bob Example');
  const pairs = await world.admin.get('/api/v1/policy/pairs');
  const expected = [guests.alice.id, guests.bob.id].sort();
  assert.deepEqual(pairs.json.pairs.map((p) => [...p].sort()), [expected]);

  const signIn = await guestSignInRaw(world.portal, 'alice', alicePassword);
  assert.equal(signIn.status, 200, show(signIn));
});

test('CSV: valid rows become guests, invalid ones are skipped with their line, existing usernames untouched', async () => {
  const csv = 'username,displayName,password\r\n' +
    'carol,"Carol, Example",carol-password-1\r\n' +
    'x,Too Short,short-name-password\r\n' +
    'alice,Alice Again,another-password-9\r\n';
  const r = await world.admin.post('/api/v1/guests/import', { body: csv, contentType: 'text/csv' });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.created, ['carol']);
  const reasons = r.json.skipped.map((s) => `${s.entry}: ${s.reason}`).join('\n');
  assert.match(reasons, /line 3/, `the short username is reported by line: ${reasons}`);
  assert.ok(r.json.skipped.some((s) => s.username === 'alice'), `the existing username is reported: ${reasons}`);
  const guests = await byUsername();
  assert.equal(guests.carol.displayName, 'Carol, Example');
  assert.equal(guests.alice.displayName, 'Alice Example', 'an existing guest was changed by the import');
});

test('an import in another format is refused with 415 and changes nothing', async () => {
  const before = Object.keys(await byUsername()).length;
  const r = await world.admin.post('/api/v1/guests/import', { body: 'dave,Dave,pw', contentType: 'text/plain' });
  assert.equal(r.status, 415, show(r));
  assert.equal(Object.keys(await byUsername()).length, before);
});

test('malformed guests.json is refused as a whole with 400', async () => {
  const before = Object.keys(await byUsername()).length;
  const r = await world.admin.post('/api/v1/guests/import', { body: '{"erin": {"password": ', contentType: 'application/json' });
  assert.equal(r.status, 400, show(r));
  assert.equal(Object.keys(await byUsername()).length, before);
});

test('the portal log holds no secret', async () => {
  await world.assertLogClean();
});
