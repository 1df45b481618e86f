// The policy at scale and changed safely (docs/api.md "Guests", "Allowed pairs", "Dry runs",
// "Explain"): guest search and paging, paged pairs, PATCH pairs, dry runs that change nothing and
// foresee exactly what the real change does (checked against the answer and against Webex), explain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, stopAll, show, assertError, waitFor } from '../lib/harness.mjs';

let world;
let ann, bo, cy, dee, eve;
let annClient;
let spaceAB, spaceAC, spaceABC;

const sorted = (list) => [...list].sort();
const pairKey = ([x, y]) => sorted([x, y]).join('|');
const keys = (pairs) => sorted(pairs.map(pairKey));

before(async () => {
  world = await startWorld();
  ann = await world.createGuest('ann.lee', 'Ann Lee');
  bo = await world.createGuest('bo.chan', 'Bo Chan');
  cy = await world.createGuest('cy.diaz', 'Cy Diaz');
  dee = await world.createGuest('dee', 'Dee Park');
  eve = await world.createGuest('eve', 'eve Ann');
  await world.setPairs([[ann.id, bo.id], [ann.id, cy.id], [bo.id, cy.id], [dee.id, ann.id]]);
  annClient = await world.signIn(ann);
  for (const [name, members] of [['ab', [bo.id]], ['ac', [cy.id]], ['abc', [bo.id, cy.id]]]) {
    const r = await annClient.post('/api/v1/rooms', { json: { memberIds: members, title: `Space ${name}` } });
    assert.equal(r.status, 201, show(r));
    if (name === 'ab') spaceAB = r.json;
    if (name === 'ac') spaceAC = r.json;
    if (name === 'abc') spaceABC = r.json;
  }
});
after(stopAll);

// What an administrator can see: guests, pairs, spaces and the audit log.
async function snapshot() {
  const [guests, pairs, spaces, audit] = await Promise.all(
    ['/api/v1/guests', '/api/v1/policy/pairs', '/api/v1/spaces', '/api/v1/audit?max=500'].map((p) => world.admin.get(p)));
  for (const r of [guests, pairs, spaces, audit]) assert.equal(r.status, 200, show(r));
  return { guests: guests.json, pairs: keys(pairs.json.pairs), spaces: spaces.json, audit: audit.json.items };
}

// The Webex person ids that are still members of a space's room.
async function webexMembers(space) {
  const state = await world.emulator.state();
  const room = state.rooms.find((x) => x.id === space.webexRoomId);
  return room ? room.memberIds : [];
}

test('guests: every guest with pairCount, total and counts; search, status, sort and paging', async () => {
  const all = await world.admin.get('/api/v1/guests');
  assert.equal(all.status, 200, show(all));
  assert.deepEqual(all.json.items.map((g) => g.username), ['ann.lee', 'bo.chan', 'cy.diaz', 'dee', 'eve']);
  assert.equal(all.json.total, 5);
  assert.deepEqual(all.json.counts, { all: 5, active: 5, disabled: 0 });
  const counts = Object.fromEntries(all.json.items.map((g) => [g.username, g.pairCount]));
  assert.deepEqual(counts, { 'ann.lee': 3, 'bo.chan': 2, 'cy.diaz': 2, dee: 1, eve: 0 });

  const search = await world.admin.get('/api/v1/guests?query=%20ANN%20');
  assert.deepEqual(search.json.items.map((g) => g.username), ['ann.lee', 'eve'], show(search));
  assert.equal(search.json.total, 2);
  assert.deepEqual(search.json.counts, { all: 5, active: 5, disabled: 0 }, 'counts follow the query');

  const byName = await world.admin.get('/api/v1/guests?sort=displayName&order=desc');
  assert.deepEqual(byName.json.items.map((g) => g.displayName), ['eve Ann', 'Dee Park', 'Cy Diaz', 'Bo Chan', 'Ann Lee']);
  const page = await world.admin.get('/api/v1/guests?sort=createdAt&offset=1&limit=2');
  assert.deepEqual(page.json.items.map((g) => g.username), ['bo.chan', 'cy.diaz'], show(page));
  assert.equal(page.json.total, 5);
  const none = await world.admin.get('/api/v1/guests?query=nobody-at-all');
  assert.deepEqual(none.json.items, []);
  assert.equal(none.json.total, 0);
});

test('guests: a bad parameter is a 400 naming it in plain words', async () => {
  const cases = [
    ['sort=password', 'sort', 'Sort by username, displayName, createdAt or status.'],
    ['status=gone', 'status', 'Show all, active or disabled guests.'],
    ['order=up', 'order', 'Order asc (ascending) or desc (descending).'],
    ['limit=0', 'limit', 'The limit must be a whole number from 1 to 500.'],
    ['limit=501', 'limit', 'The limit must be a whole number from 1 to 500.'],
    ['offset=-3', 'offset', 'The offset must be a whole number, 0 or more.'],
    [`query=${'x'.repeat(201)}`, 'query', 'Search for at most 200 characters.'],
  ];
  for (const [query, field, message] of cases) {
    const r = await world.admin.get(`/api/v1/guests?${query}`);
    const error = assertError(r, 400);
    assert.equal(error.field, field, show(r));
    assert.equal(error.message, message, show(r));
  }
});

test('pairs: unchanged without parameters; paged with summaries ordered by display name', async () => {
  const plain = await world.admin.get('/api/v1/policy/pairs');
  assert.deepEqual(Object.keys(plain.json), ['pairs']);
  const paged = await world.admin.get('/api/v1/policy/pairs?limit=2');
  assert.equal(paged.status, 200, show(paged));
  assert.equal(paged.json.total, 4);
  const names = (r) => r.json.items.map((p) => `${p.a.displayName}+${p.b.displayName}`);
  assert.deepEqual(names(paged), ['Ann Lee+Bo Chan', 'Ann Lee+Cy Diaz']);
  assert.deepEqual(Object.keys(paged.json.items[0].a).sort(), ['disabled', 'displayName', 'id', 'username']);
  const rest = await world.admin.get('/api/v1/policy/pairs?offset=2');
  assert.deepEqual(names(rest), ['Ann Lee+Dee Park', 'Bo Chan+Cy Diaz']);
  const ofCy = await world.admin.get(`/api/v1/policy/pairs?guest=${cy.id}`);
  assert.deepEqual(names(ofCy), ['Cy Diaz+Ann Lee', 'Cy Diaz+Bo Chan']);
  const query = await world.admin.get('/api/v1/policy/pairs?query=park');
  assert.deepEqual(names(query), ['Ann Lee+Dee Park']);
  assertError(await world.admin.get('/api/v1/policy/pairs?guest=nobody'), 404);
  assert.equal(assertError(await world.admin.get('/api/v1/policy/pairs?limit=x'), 400).field, 'limit');
});

test('PUT pairs dry run changes nothing, and the real save then does exactly what it listed', async () => {
  const before = await snapshot();
  const newPairs = [[ann.id, cy.id], [bo.id, cy.id], [dee.id, ann.id], [eve.id, bo.id]];
  const dry = await world.admin.put('/api/v1/policy/pairs?dryRun=true', { json: { pairs: newPairs } });
  assert.equal(dry.status, 200, show(dry));
  assert.equal(dry.json.dryRun, true);
  assert.deepEqual(keys(dry.json.removed), keys([[ann.id, bo.id]]));
  assert.deepEqual(keys(dry.json.added), keys([[eve.id, bo.id]]));
  assert.deepEqual(sorted(dry.json.closedSpaces), sorted([spaceAB.id, spaceABC.id]));
  const brief = dry.json.spacesClosed.find((s) => s.id === spaceAB.id);
  assert.equal(brief.title, 'Space ab');
  assert.deepEqual(sorted(brief.members.map((m) => m.displayName)), ['Ann Lee', 'Bo Chan']);
  assert.deepEqual(await snapshot(), before, 'the dry run changed something');

  assertError(await world.admin.put('/api/v1/policy/pairs?dryRun=maybe', { json: { pairs: newPairs } }), 400);
  assertError(await world.admin.put('/api/v1/policy/pairs?dryRun=1', { json: { pairs: [[ann.id, 'nobody']] } }), 400);

  const real = await world.admin.put('/api/v1/policy/pairs', { json: { pairs: newPairs } });
  assert.equal(real.status, 200, show(real));
  assert.equal(real.json.dryRun, false);
  for (const field of ['added', 'removed']) assert.deepEqual(keys(real.json[field]), keys(dry.json[field]), field);
  assert.deepEqual(sorted(real.json.closedSpaces), sorted(dry.json.closedSpaces));
  assert.deepEqual(keys(real.json.pairs), keys(newPairs));
  const annWebex = await world.webexPersonOf(ann.id);
  const boWebex = await world.webexPersonOf(bo.id);
  for (const space of [spaceAB, spaceABC]) {
    await waitFor(async () => {
      const members = await webexMembers(space);
      return !members.includes(annWebex) && !members.includes(boWebex);
    }, 10000, `the guests to leave ${space.title} in Webex`);
  }
  assert.ok((await webexMembers(spaceAC)).includes(annWebex), 'a space of a kept pair lost its members');
  const audit = (await world.admin.get('/api/v1/audit?action=policy.revoke')).json.items;
  assert.equal(audit.length, 1, JSON.stringify(audit));
});

test('PATCH pairs: adds and removes what it names; a pair both added and removed is a 400', async () => {
  const bothWays = await world.admin.patch('/api/v1/policy/pairs', {
    json: { add: [[ann.id, eve.id]], remove: [[eve.id, ann.id]] },
  });
  assert.equal(assertError(bothWays, 400).field, 'remove');
  assertError(await world.admin.patch('/api/v1/policy/pairs', { json: { add: [[ann.id, 'nobody']] } }), 400);
  const notAList = assertError(await world.admin.patch('/api/v1/policy/pairs', { json: { add: 'all' } }), 400);
  assert.equal(notAList.field, 'add');
  assert.equal(notAList.message, 'The pairs to add must be a list of two guest ids each, like [["id1", "id2"]].');

  const before = await snapshot();
  const body = { add: [[ann.id, eve.id]], remove: [[cy.id, ann.id], [bo.id, dee.id]] };
  const dry = await world.admin.patch('/api/v1/policy/pairs?dryRun=1', { json: body });
  assert.equal(dry.status, 200, show(dry));
  assert.deepEqual(keys(dry.json.added), keys([[ann.id, eve.id]]));
  assert.deepEqual(keys(dry.json.removed), keys([[ann.id, cy.id]]), 'a pair that is not there was listed');
  assert.deepEqual(dry.json.closedSpaces, [spaceAC.id]);
  assert.deepEqual(await snapshot(), before, 'the dry run changed something');

  const real = await world.admin.patch('/api/v1/policy/pairs?dryRun=false', { json: body });
  assert.equal(real.status, 200, show(real));
  assert.equal(real.json.dryRun, false);
  assert.deepEqual(keys(real.json.added), keys(dry.json.added));
  assert.deepEqual(keys(real.json.removed), keys(dry.json.removed));
  assert.deepEqual(real.json.spacesClosed, dry.json.spacesClosed);
  const pairs = (await world.admin.get('/api/v1/policy/pairs')).json.pairs;
  assert.deepEqual(keys(pairs), keys([[bo.id, cy.id], [dee.id, ann.id], [eve.id, bo.id], [ann.id, eve.id]]));
  const annWebex = await world.webexPersonOf(ann.id);
  await waitFor(async () => !(await webexMembers(spaceAC)).includes(annWebex), 10000, 'Ann to leave Space ac');
});

test('disable and delete dry runs list the spaces they would close and change nothing', async () => {
  const room = await annClient.post('/api/v1/rooms', { json: { memberIds: [dee.id], title: 'Ann and Dee' } });
  assert.equal(room.status, 201, show(room));
  const before = await snapshot();

  const disable = await world.admin.patch(`/api/v1/guests/${dee.id}?dryRun=true`, { json: { disabled: true } });
  assert.equal(disable.status, 200, show(disable));
  assert.equal(disable.json.dryRun, true);
  assert.equal(disable.json.guest.disabled, true);
  assert.equal(disable.json.endsSessions, true);
  assert.deepEqual(disable.json.spacesClosed.map((s) => s.id), [room.json.id]);
  const rename = await world.admin.patch(`/api/v1/guests/${dee.id}?dryRun=true`, { json: { displayName: ' Dee P ' } });
  assert.equal(rename.json.guest.displayName, 'Dee P');
  assert.equal(rename.json.endsSessions, false);
  assert.deepEqual(rename.json.spacesClosed, []);
  assert.equal(assertError(await world.admin.patch(`/api/v1/guests/${dee.id}?dryRun=true`,
    { json: { displayName: 'x'.repeat(101) } }), 400).field, 'displayName');
  assertError(await world.admin.patch('/api/v1/guests/nobody?dryRun=true', { json: { disabled: true } }), 404);

  const del = await world.admin.del(`/api/v1/guests/${dee.id}?dryRun=true`);
  assert.equal(del.status, 200, show(del));
  assert.deepEqual(del.json.spacesClosed.map((s) => s.id), [room.json.id]);
  assert.equal(del.json.pairsRemoved, 1);
  assert.equal(del.json.endsSessions, true);
  assertError(await world.admin.del('/api/v1/guests/nobody?dryRun=true'), 404);
  assert.deepEqual(await snapshot(), before, 'a dry run changed something');

  const real = await world.admin.patch(`/api/v1/guests/${dee.id}`, { json: { disabled: true } });
  assert.equal(real.status, 200, show(real));
  const spaces = (await world.admin.get('/api/v1/spaces')).json.items;
  const nowClosed = spaces.filter((s) => s.closedAt && !before.spaces.items.find((b) => b.id === s.id).closedAt);
  assert.deepEqual(nowClosed.map((s) => s.id), disable.json.spacesClosed.map((s) => s.id));
  const annWebex = await world.webexPersonOf(ann.id);
  await waitFor(async () => !(await webexMembers(room.json)).includes(annWebex), 10000, 'Ann to leave the space');
});

test('explain: allowed with shared spaces, and every reason why not', async () => {
  const allowed = await world.admin.get(`/api/v1/policy/explain?a=${bo.id}&b=${cy.id}`);
  assert.equal(allowed.status, 200, show(allowed));
  assert.equal(allowed.json.allowed, true);
  assert.deepEqual(allowed.json.reasons, []);
  assert.equal(allowed.json.a.displayName, 'Bo Chan');
  assert.deepEqual(allowed.json.spaces.map((s) => s.id), [spaceABC.id]);
  assert.ok(allowed.json.spaces[0].closedAt, 'the closed space has no closedAt');

  const noPair = await world.admin.get(`/api/v1/policy/explain?a=${ann.id}&b=${bo.id}`);
  assert.equal(noPair.json.allowed, false);
  assert.deepEqual(noPair.json.reasons, [{ code: 'no_pair', message: 'Ann Lee and Bo Chan are not an allowed pair.' }]);
  assert.deepEqual(sorted(noPair.json.spaces.map((s) => s.id)), sorted([spaceAB.id, spaceABC.id]));

  // Dee was disabled above and is still paired with Ann.
  const disabled = await world.admin.get(`/api/v1/policy/explain?a=${ann.id}&b=${dee.id}`);
  assert.deepEqual(disabled.json.reasons, [{ code: 'disabled', guest: dee.id, message: 'Dee Park is disabled.' }]);
  assert.equal(disabled.json.b.disabled, true);
  const both = await world.admin.get(`/api/v1/policy/explain?a=${dee.id}&b=${cy.id}`);
  assert.deepEqual(both.json.reasons.map((r) => r.code), ['no_pair', 'disabled']);

  assertError(await world.admin.get(`/api/v1/policy/explain?a=${ann.id}&b=${ann.id}`), 400);
  assert.equal(assertError(await world.admin.get(`/api/v1/policy/explain?a=${ann.id}`), 400).field, 'b');
  const unknown = await world.admin.get(`/api/v1/policy/explain?a=${ann.id}&b=nobody`);
  assert.equal(assertError(unknown, 404).field, 'b');
  assert.match(unknown.json.error.message, /nobody/);
});

test('bulk: bad requests are 400, an unknown id is 404 naming it, and nothing changes', async () => {
  const before = await snapshot();
  const cases = [
    [{ action: 'explode', ids: [bo.id] }, 'action'],
    [{ action: 'disable', ids: [] }, 'ids'],
    [{ action: 'disable', ids: Array.from({ length: 1001 }, (_, i) => `id${i}`) }, 'ids'],
    [{ action: 'disable', ids: [bo.id], with: cy.id }, 'with'],
    [{ action: 'allow', ids: [bo.id] }, 'with'],
  ];
  for (const [json, field] of cases) {
    assert.equal(assertError(await world.admin.post('/api/v1/guests/bulk', { json }), 400).field, field, JSON.stringify(json));
  }
  const unknown = await world.admin.post('/api/v1/guests/bulk', { json: { action: 'disable', ids: [bo.id, 'nobody'] } });
  assertError(unknown, 404);
  assert.match(unknown.json.error.message, /nobody/);
  const unknownWith = await world.admin.post('/api/v1/guests/bulk', { json: { action: 'allow', ids: [bo.id], with: 'nobody' } });
  assert.equal(assertError(unknownWith, 404).field, 'with');
  assert.deepEqual(await snapshot(), before, 'a refused bulk request changed something');
});

test('bulk allow and disable: the dry run changes nothing and lists what the real change then does', async () => {
  const before = await snapshot();
  const allowBody = { action: 'allow', ids: [ann.id, bo.id, cy.id, eve.id], with: eve.id };
  const dryAllow = await world.admin.post('/api/v1/guests/bulk?dryRun=true', { json: allowBody });
  assert.equal(dryAllow.status, 200, show(dryAllow));
  assert.equal(dryAllow.json.action, 'allow');
  // eve is paired with ann and bo already (above) and skipped as the `with` guest itself.
  assert.deepEqual(keys(dryAllow.json.added), keys([[cy.id, eve.id]]));
  assert.equal(dryAllow.json.changed, 1);
  assert.deepEqual(await snapshot(), before, 'the dry run changed something');
  const allow = await world.admin.post('/api/v1/guests/bulk', { json: allowBody });
  assert.equal(allow.status, 200, show(allow));
  assert.equal(allow.json.dryRun, false);
  assert.deepEqual(keys(allow.json.added), keys(dryAllow.json.added));
  const allowed = (await world.admin.get(`/api/v1/policy/explain?a=${cy.id}&b=${eve.id}`)).json;
  assert.equal(allowed.allowed, true, JSON.stringify(allowed));

  const room = await (await world.signIn(cy)).post('/api/v1/rooms', { json: { memberIds: [eve.id], title: 'Cy and Eve' } });
  assert.equal(room.status, 201, show(room));
  const beforeDisable = await snapshot();
  const body = { action: 'disable', ids: [eve.id, dee.id] };
  const dry = await world.admin.post('/api/v1/guests/bulk?dryRun=1', { json: body });
  assert.equal(dry.status, 200, show(dry));
  assert.equal(dry.json.changed, 1, 'Dee is disabled already');
  assert.deepEqual(dry.json.spacesClosed.map((s) => s.id), [room.json.id]);
  assert.deepEqual(sorted(dry.json.spacesClosed[0].members.map((m) => m.displayName)), ['Cy Diaz', 'eve Ann']);
  assert.deepEqual(await snapshot(), beforeDisable, 'the dry run changed something');

  const real = await world.admin.post('/api/v1/guests/bulk', { json: body });
  assert.equal(real.status, 200, show(real));
  assert.equal(real.json.changed, dry.json.changed);
  assert.deepEqual(real.json.spacesClosed, dry.json.spacesClosed);
  const eveNow = (await world.admin.get(`/api/v1/guests/${eve.id}`)).json;
  assert.equal(eveNow.disabled, true);
  const audit = (await world.admin.get(`/api/v1/audit?action=guest.update`)).json.items;
  assert.ok(audit.some((r) => r.target === eve.id && r.detail === 'disabled'), JSON.stringify(audit));
  const cyWebex = await world.webexPersonOf(cy.id);
  await waitFor(async () => !(await webexMembers(room.json)).includes(cyWebex), 10000, 'Cy to leave the space');

  const enable = await world.admin.post('/api/v1/guests/bulk', { json: { action: 'enable', ids: [eve.id, dee.id, ann.id] } });
  assert.equal(enable.status, 200, show(enable));
  assert.equal(enable.json.changed, 2);
  const list = (await world.admin.get('/api/v1/guests?status=disabled')).json;
  assert.equal(list.total, 0, JSON.stringify(list));
});

test('overview: the guest, every contact by name, their spaces and their recent activity', async () => {
  const r = await world.admin.get(`/api/v1/guests/${ann.id}/overview`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.guest.username, 'ann.lee');
  assert.ok(!/argon2/i.test(r.text), 'a password hash is exposed');
  assert.deepEqual(r.json.contacts.map((c) => c.displayName), ['Dee Park', 'eve Ann']);
  assert.deepEqual(Object.keys(r.json.contacts[0]).sort(), ['disabled', 'displayName', 'id', 'username']);
  const spaceIds = r.json.spaces.map((s) => s.id);
  for (const space of [spaceAB, spaceAC, spaceABC]) assert.ok(spaceIds.includes(space.id), `missing ${space.title}`);
  const ab = r.json.spaces.find((s) => s.id === spaceAB.id);
  assert.ok(ab.closedAt && ab.createdAt && ab.lastActivity, JSON.stringify(ab));
  assert.deepEqual(sorted(ab.members.map((m) => m.displayName)), ['Ann Lee', 'Bo Chan']);

  const activity = r.json.activity;
  assert.ok(activity.length > 0 && activity.length <= 20, `${activity.length} items`);
  const audit = (await world.admin.get('/api/v1/audit?max=500')).json.items;
  for (const item of activity) {
    assert.deepEqual(audit.find((x) => x.id === item.id), item, 'not as the audit log lists it');
    assert.ok(item.target === ann.id || item.actor === `guest:${ann.id}` || item.actor === 'guest:ann.lee',
      JSON.stringify(item));
  }
  const ids = activity.map((x) => Number(x.id));
  assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'not newest first');
  assert.ok(activity.some((x) => x.action === 'guest.create'), 'the creation is missing');
  assertError(await world.admin.get('/api/v1/guests/nobody/overview'), 404);
});

test('bulk enable refuses an account past its expiry, naming it, and changes nothing', async () => {
  const ends = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const r = await world.admin.post('/api/v1/guests', {
    json: { displayName: 'Fay Expiring', username: 'fay', password: 'pw-fay-Secret1', expiresAt: ends },
  });
  assert.equal(r.status, 201, show(r));
  const fay = r.json;
  const gus = await world.createGuest('gus', 'Gus Off');
  for (const guest of [fay, gus]) {
    const off = await world.admin.patch(`/api/v1/guests/${guest.id}`, { json: { disabled: true } });
    assert.equal(off.status, 200, show(off));
  }
  await new Promise((resolve) => setTimeout(resolve, Date.parse(ends) - Date.now() + 500));
  for (const dryRun of ['?dryRun=true', '']) {
    const refused = await world.admin.post(`/api/v1/guests/bulk${dryRun}`, { json: { action: 'enable', ids: [gus.id, fay.id] } });
    const error = assertError(refused, 400, 'account_expired');
    assert.equal(error.field, 'ids');
    assert.match(error.message, /Fay Expiring/);
  }
  for (const guest of [fay, gus]) {
    assert.equal((await world.admin.get(`/api/v1/guests/${guest.id}`)).json.disabled, true, `${guest.username} was enabled`);
  }
  const enabled = await world.admin.post('/api/v1/guests/bulk', { json: { action: 'enable', ids: [gus.id] } });
  assert.equal(enabled.status, 200, show(enabled));
  assert.equal(enabled.json.changed, 1);
  assert.equal((await world.admin.get(`/api/v1/guests/${gus.id}`)).json.disabled, false);
});

test('concurrent PATCHes of pairs each keep what the others did', async () => {
  const group = [];
  for (let i = 0; i < 6; i += 1) group.push(await world.createGuest(`crowd${i}`, `Crowd ${i}`));
  const pairs = [];
  for (let i = 0; i < group.length; i += 1) {
    for (let j = i + 1; j < group.length; j += 1) pairs.push([group[i].id, group[j].id]);
  }
  const listed = async () => {
    const r = await world.admin.get('/api/v1/policy/pairs');
    assert.equal(r.status, 200, show(r));
    const ids = new Set(group.map((g) => g.id));
    return r.json.pairs.filter(([a, b]) => ids.has(a) && ids.has(b)).map((p) => [...p].sort().join(',')).sort();
  };
  const added = await Promise.all(pairs.map((pair) => world.admin.patch('/api/v1/policy/pairs', { json: { add: [pair] } })));
  for (const r of added) assert.equal(r.status, 200, show(r));
  assert.deepEqual(await listed(), pairs.map((p) => [...p].sort().join(',')).sort(), 'a concurrent PATCH undid another');
  const removed = await Promise.all(pairs.map((pair) => world.admin.patch('/api/v1/policy/pairs', { json: { remove: [pair] } })));
  for (const r of removed) assert.equal(r.status, 200, show(r));
  assert.deepEqual(await listed(), [], 'a concurrent removal was undone');
});
