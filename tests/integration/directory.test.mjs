// The admin lists' guest directory (docs/architecture.md "Guest directory"): after each change an
// administrator makes, GET /api/v1/guests and the paged GET /api/v1/policy/pairs answer exactly what
// the database holds, and the portal got there by updating the directory in place (the metric
// guest_portal_directory_refreshes_total{how="update"}), not by rebuilding it. A change made by
// another process through the portal's storage (the CLI) is followed through the journal table; a
// raw SQL statement, which leaves no journal entry, through a rebuild.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startWorld, stopAll, show, runPortal } from '../lib/harness.mjs';
import { parsePrometheusText, sampleValue } from '../lib/prometheus.mjs';

let world;
let admin;

before(async () => {
  world = await startWorld();
  admin = world.admin;
});
after(stopAll);

async function refreshes() {
  const r = await world.portal.call('GET', '/metrics');
  assert.equal(r.status, 200, show(r));
  const families = parsePrometheusText(r.text);
  return {
    build: sampleValue(families, 'guest_portal_directory_refreshes_total', { how: 'build' }),
    update: sampleValue(families, 'guest_portal_directory_refreshes_total', { how: 'update' }),
  };
}

const key = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);

// The guest list and the paged pairs (both from the directory) against the guests one by one and
// the unpaged pairs (both read from the database).
async function assertListsMatchTheDatabase(what) {
  const stored = await admin.get('/api/v1/policy/pairs');
  assert.equal(stored.status, 200, show(stored));
  const storedPairs = new Set(stored.json.pairs.map(([a, b]) => key(a, b)));
  const paged = [];
  for (let offset = 0; ; offset += 500) {
    const r = await admin.get(`/api/v1/policy/pairs?offset=${offset}&limit=500`);
    assert.equal(r.status, 200, show(r));
    paged.push(...r.json.items.map((p) => key(p.a.id, p.b.id)));
    if (offset + 500 >= r.json.total) break;
  }
  assert.deepEqual(new Set(paged), storedPairs, `${what}: the paged pairs differ from the stored ones`);
  assert.equal(paged.length, storedPairs.size, `${what}: a pair is listed twice`);

  const list = await admin.get('/api/v1/guests?query=');
  assert.equal(list.status, 200, show(list));
  assert.equal(list.json.total, list.json.items.length);
  const disabled = list.json.items.filter((g) => g.disabled).length;
  assert.deepEqual(list.json.counts,
    { all: list.json.items.length, active: list.json.items.length - disabled, disabled });
  for (const item of list.json.items) {
    const one = await admin.get(`/api/v1/guests/${item.id}`);
    assert.equal(one.status, 200, show(one));
    const { pairCount, ...listed } = item;
    assert.deepEqual(listed, one.json, `${what}: ${item.username} is listed as it was before`);
    const count = [...storedPairs].filter((p) => p.split('|').includes(item.id)).length;
    assert.equal(pairCount, count, `${what}: ${item.username}'s pair count`);
  }
  return list.json;
}

test('each change an administrator makes is in the next list, through an update in place', async () => {
  const ann = await world.createGuest('dir.ann', 'Ann Archer');
  const bob = await world.createGuest('dir.bob', 'Bob Baker');
  const cy = await world.createGuest('dir.cy', 'Cy Carter');
  await world.setPairs([[ann.id, bob.id]]);
  await assertListsMatchTheDatabase('first list');
  const start = await refreshes();
  assert.ok(start.build >= 1, 'the first list built the directory');

  const changes = [
    ['a new guest', () => admin.post('/api/v1/guests', { json: { username: 'dir.dee', displayName: 'Dee Dunn', password: 'pw-dir-dee-Secret1' } })],
    ['pairs added and removed', async () => {
      const dee = (await admin.get('/api/v1/guests?query=dir.dee')).json.items[0];
      return admin.patch('/api/v1/policy/pairs', { json: { add: [[cy.id, dee.id], [ann.id, cy.id]], remove: [[ann.id, bob.id]] } });
    }],
    ['a guest renamed to the front of the name order', () => admin.patch(`/api/v1/guests/${cy.id}`, { json: { displayName: 'Aaron Cy' } })],
    ['a guest disabled', () => admin.patch(`/api/v1/guests/${bob.id}`, { json: { disabled: true } })],
    ['a bulk allow', () => admin.post('/api/v1/guests/bulk', { json: { action: 'allow', ids: [bob.id, cy.id], with: ann.id } })],
    ['a guest enabled with an expiry', () => admin.patch(`/api/v1/guests/${bob.id}`, { json: { disabled: false, expiresAt: '2099-01-31' } })],
    ['the pairs replaced', () => admin.put('/api/v1/policy/pairs', { json: { pairs: [[ann.id, bob.id], [bob.id, cy.id]] } })],
    ['a paired guest deleted', () => admin.del(`/api/v1/guests/${bob.id}`)],
  ];
  let updates = start.update;
  for (const [what, change] of changes) {
    const r = await change();
    assert.ok(r.status === 200 || r.status === 201 || r.status === 204, `${what}: ${show(r)}`);
    const listed = await assertListsMatchTheDatabase(what);
    const now = await refreshes();
    assert.equal(now.build, start.build, `${what}: the directory was rebuilt`);
    assert.ok(now.update > updates, `${what}: the directory was not updated in place`);
    updates = now.update;
    if (what.startsWith('a guest renamed')) {
      const byName = await admin.get('/api/v1/guests?sort=displayName&limit=1');
      assert.equal(byName.json.items[0].displayName, 'Aaron Cy');
    }
    if (what === 'a paired guest deleted') assert.ok(!listed.items.some((g) => g.id === bob.id));
  }
});

test('a change by another process is in the next list: the CLI\'s through its journal, raw SQL through a rebuild', async () => {
  const eve = await world.createGuest('dir.eve', 'Eve Evans');
  const fay = await world.createGuest('dir.fay', 'Fay Fisher');
  await assertListsMatchTheDatabase('before the CLI');
  const start = await refreshes();
  const r = runPortal(['policy', 'allow', eve.username, fay.username], world.portal.env);
  assert.equal(r.status, 0, r.stderr);
  let listed = await assertListsMatchTheDatabase('after the CLI');
  assert.equal(listed.items.find((g) => g.id === eve.id).pairCount, 1);
  const afterCli = await refreshes();
  assert.equal(afterCli.build, start.build, 'the CLI\'s journaled change rebuilt the directory');
  assert.ok(afterCli.update > start.update);

  // A statement that did not go through the portal's storage leaves no journal entry.
  const sql = `UPDATE guests SET display_name = 'Fay by hand' WHERE id = '${fay.id}';`;
  const w = spawnSync('sqlite3', ['-cmd', '.timeout 10000', path.join(world.portal.dir, 'portal.db'), sql], { encoding: 'utf8' });
  assert.equal(w.status, 0, w.stderr);
  listed = await assertListsMatchTheDatabase('after raw SQL');
  assert.equal(listed.items.find((g) => g.id === fay.id).displayName, 'Fay by hand');
  const now = await refreshes();
  assert.equal(now.build, afterCli.build + 1, 'the directory was not rebuilt after a change it could not follow');
});

test('writes that touch neither guests nor pairs leave the directory as it is', async () => {
  const gil = await world.createGuest('dir.gil', 'Gil Green');
  // The first sign-in may give the guest their Webex identity (webexPersonId, which the list shows).
  await world.signIn(gil);
  await assertListsMatchTheDatabase('after the first sign-in');
  const start = await refreshes();
  // Later sign-ins write sessions and audit records, nothing the lists show.
  await world.signIn(gil);
  await world.signIn(gil);
  await assertListsMatchTheDatabase('after more sign-ins');
  assert.deepEqual(await refreshes(), start, 'a sign-in moved the directory');
});
