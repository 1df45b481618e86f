// The audit log (docs/audit.md, SPEC §4.7): each kind of event appears once, with its actor and
// outcome, through GET /api/v1/audit and `guest-portal audit export`; filters and cursor paging; bad
// parameters are 400; no secret and no message text in any row; retention deletes old records and
// says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  startWorld, stopAll, show, assertError, waitFor, webexSignIn, connectHost, guestSignInRaw, restartPortal,
  runPortalAsync, Client, ADMIN, OUTSIDER,
} from '../lib/harness.mjs';

const HOST = { displayName: 'Hana Host', email: 'hana.host@example.com' };
const SENT_TEXT = 'the-sent-message-text-7Qx';
const FAILED_TEXT = 'the-undelivered-message-text-9Zk';
const WRONG_PASSWORD = 'not-the-password-4Wv';

let world;
let A, B, C;
let a, b;
let space;
let host;
let actorOf;
let persons;

// Every record, newest first, read through the API a page at a time.
async function allEntries(query = '', max = 500) {
  const items = [];
  let before = '';
  for (let page = 0; page < 1000; page += 1) {
    const r = await world.admin.get(`/api/v1/audit?max=${max}${query}${before}`);
    assert.equal(r.status, 200, show(r));
    items.push(...r.json.items);
    if (r.json.next === null) return items;
    assert.equal(typeof r.json.next, 'string', show(r));
    before = `&before=${encodeURIComponent(r.json.next)}`;
  }
  throw new Error('paging did not end');
}

function exportLines(args = []) {
  return runPortalAsync(['audit', 'export', ...args], world.portal.env).then((r) => {
    assert.equal(r.status, 0, `audit export: ${r.stderr}`);
    return r.stdout.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
  });
}

before(async () => {
  world = await startWorld();
  world.secrets.add('wrong password tried', WRONG_PASSWORD);
  const hostPerson = await world.emulator.person(HOST.displayName, HOST.email, true);
  world.secrets.add('host access token (control API)', hostPerson.accessToken);
  A = await world.createGuest('ada', 'Ada A');
  B = await world.createGuest('bodil', 'Bo B');
  C = await world.createGuest('cyril', 'Cy C');
  actorOf = (guest) => `guest:${guest.id}`;

  // Sign-in: an administrator not in ADMIN_EMAILS, a wrong password, successes.
  const refused = await webexSignIn(world.portal, world.emulator, OUTSIDER.email);
  assert.equal(refused.callback.status, 403, show(refused.callback));
  assertError(await guestSignInRaw(world.portal, A.username, WRONG_PASSWORD), 401);
  await world.setPairs([[A.id, B.id], [A.id, C.id]]);
  a = await world.signIn(A);
  b = await world.signIn(B);

  // A space (and its two memberships), a message sent, one that Webex fails.
  const created = await a.post('/api/v1/rooms', { json: { memberIds: [B.id] } });
  assert.equal(created.status, 201, show(created));
  space = created.json;
  const sent = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: SENT_TEXT } });
  assert.equal(sent.status, 201, show(sent));
  await world.emulator.configure({ faults: { rate5xx: 1, endpoint: 'POST /v1/messages' } });
  try {
    const failed = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: FAILED_TEXT } });
    assert.ok([502, 503].includes(failed.status), show(failed));
  } finally {
    await world.emulator.resetFaults();
  }

  // A guest whose first Webex token cannot be issued: a failed sign-in and a failed token refresh.
  await world.emulator.configure({ faults: { rate5xx: 1, endpoint: 'POST /v1/guests/token' } });
  try {
    const r = await guestSignInRaw(world.portal, C.username, C.password);
    assert.ok(r.status >= 500, show(r));
  } finally {
    await world.emulator.resetFaults();
  }

  // A meeting host connects; a meeting is leased and ended.
  const added = await world.admin.post('/api/v1/hosts', { json: { email: HOST.email } });
  assert.equal(added.status, 201, show(added));
  host = added.json;
  const connected = await connectHost(world.portal, world.emulator, host.connectUrl, HOST.email);
  assert.equal(connected.callback.status, 200, show(connected.callback));
  const lease = await a.post(`/api/v1/rooms/${space.id}/meeting`);
  assert.equal(lease.status, 200, show(lease));
  assert.equal((await a.del(`/api/v1/rooms/${space.id}/meeting`)).status, 204);

  // The pair revoked: the space closes and the reconciler removes both members from the room.
  await world.setPairs([[A.id, C.id]]);
  const settled = async (action, count, what) => {
    try {
      await waitFor(async () => (await allEntries(`&action=${action}`)).length === count, 15000, what);
    } catch (error) {
      throw new Error(`${error.message}; the log:\n${(await allEntries()).map((e) => JSON.stringify(e)).join('\n')}`);
    }
  };
  // Both guests leave the room, and so did the meeting host when the meeting ended.
  await settled('membership.remove', 3, 'the memberships removed');
  persons = { a: await world.webexPersonOf(A.id), b: await world.webexPersonOf(B.id), host: hostPerson.id };
  await settled('meeting.return', 1, 'the host returned');
  assert.equal((await b.del('/api/v1/session')).status, 204);
});

after(stopAll);

// [action, actor, outcome, target?]: each must match exactly one record.
function expected() {
  const admin = `admin:${ADMIN.email}`;
  return [
    ['admin.sign_in', admin, 'success'],
    ['admin.sign_in', `admin:${OUTSIDER.email}`, 'refused'],
    ['guest.create', admin, 'success', A.id],
    ['guest.create', admin, 'success', C.id],
    ['policy.allow', admin, 'success', [A.id, B.id].sort().join(',')],
    ['policy.allow', admin, 'success', [A.id, C.id].sort().join(',')],
    ['policy.revoke', admin, 'success', [A.id, B.id].sort().join(',')],
    ['session.sign_in', `guest:${A.username}`, 'failure', A.username], // a wrong password: what was typed
    ['session.sign_in', `guest:${A.username}`, 'success', A.id],
    ['session.sign_in', `guest:${C.username}`, 'failure', C.id],
    ['token.refresh', 'portal', 'failure', `guest:${C.id}`],
    ['space.create', actorOf(A), 'success', space.id],
    ['membership.add', actorOf(A), 'success', space.id, A.id],
    ['membership.add', actorOf(A), 'success', space.id, B.id],
    ['message.send', actorOf(A), 'failure', space.id],
    ['host.add', admin, 'success', host.id],
    ['host.connect', `host:${HOST.email}`, 'success', host.id],
    ['meeting.lease', actorOf(A), 'success', space.id],
    ['meeting.end', actorOf(A), 'success', space.id],
    ['meeting.return', 'portal', 'success', space.id],
    ['space.close', admin, 'success', space.id],
    ['session.sign_out', `guest:${B.id}`, 'success'],
  ];
}

function assertEachOnce(entries, where) {
  for (const [action, actor, outcome, target, detail] of expected()) {
    const matching = entries.filter((e) => e.action === action && e.actor === actor && e.outcome === outcome
      && (target === undefined || e.target === target) && (detail === undefined || e.detail === detail));
    assert.equal(matching.length, 1,
      `${where}: ${action} by ${actor} (${outcome}${target ? `, ${target}` : ''}) appears ${matching.length} times in\n`
      + entries.map((e) => JSON.stringify(e)).join('\n'));
  }
  const removed = entries.filter((e) => e.action === 'membership.remove' && e.actor === 'reconciler');
  assert.deepEqual(removed.map((e) => e.detail).sort(), [persons.a, persons.b, persons.host].sort(),
    `${where}: membership.remove`);
  for (const e of removed) {
    assert.equal(e.target, space.id);
    assert.equal(e.outcome, 'success');
  }
}

test('each kind of event is recorded once with its actor and outcome, through the API', async () => {
  const entries = await allEntries();
  assertEachOnce(entries, 'the API');
  for (const e of entries) {
    assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, JSON.stringify(e));
    assert.equal(typeof e.id, 'string');
    for (const key of Object.keys(e)) {
      assert.ok(['id', 'at', 'actor', 'action', 'target', 'outcome', 'detail'].includes(key), `unexpected ${key}`);
    }
  }
  // Newest first.
  const times = entries.map((e) => Date.parse(e.at));
  for (let i = 1; i < times.length; i += 1) assert.ok(times[i - 1] >= times[i], 'not newest first');
  const failed = entries.find((e) => e.action === 'message.send');
  assert.match(failed.detail, /unavailable|upstream|webex/i, JSON.stringify(failed));
  const wrong = entries.find((e) => e.action === 'session.sign_in' && e.outcome === 'failure' && e.target === A.username);
  assert.equal(wrong.detail, 'wrong username or password');
});

test('audit export writes the same records as JSON lines, newest first, and filters them', async () => {
  const api = await allEntries();
  const lines = await exportLines();
  const later = await allEntries();
  // Everything the API had before, nothing it did not have after, each entry in the same shape.
  const byId = new Map(later.map((e) => [e.id, e]));
  for (const e of api) assert.ok(lines.some((line) => line.id === e.id), `export lacks ${JSON.stringify(e)}`);
  for (const line of lines) assert.deepEqual(line, byId.get(line.id));
  assert.deepEqual(lines.map((e) => e.id), later.filter((e) => lines.some((l) => l.id === e.id)).map((e) => e.id));
  assertEachOnce(lines, 'audit export');

  const creates = await exportLines(['--action', 'guest.create']);
  assert.deepEqual(creates.map((e) => e.target), [C.id, B.id, A.id]);
  const byA = await exportLines(['--actor', actorOf(A)]);
  assert.ok(byA.length >= 6 && byA.every((e) => e.actor === actorOf(A)), JSON.stringify(byA));
  const future = await exportLines(['--since', '2999-01-01']);
  assert.deepEqual(future, []);
  const past = await exportLines(['--until', '2000-01-01T00:00:00Z']);
  assert.deepEqual(past, []);

  const bad = await runPortalAsync(['audit', 'export', '--since', 'last tuesday'], world.portal.env);
  assert.equal(bad.status, 2, bad.stderr);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^guest-portal: --since: must be an RFC 3339 time/);
});

test('filters combine, and cursor paging walks every record once with next null on the last page', async () => {
  const all = await allEntries();
  const paged = await allEntries('', 2);
  assert.deepEqual(paged.map((e) => e.id), all.map((e) => e.id));
  // A page that ends exactly at the last record says so.
  const exact = await world.admin.get(`/api/v1/audit?action=guest.create&max=3`);
  assert.equal(exact.status, 200, show(exact));
  assert.equal(exact.json.items.length, 3);
  assert.equal(exact.json.next, null);
  const first = await world.admin.get(`/api/v1/audit?action=guest.create&max=2`);
  assert.equal(first.json.items.length, 2);
  assert.equal(typeof first.json.next, 'string');
  const second = await world.admin.get(`/api/v1/audit?action=guest.create&max=2&before=${first.json.next}`);
  assert.deepEqual(second.json.items.map((e) => e.target), [A.id]);
  assert.equal(second.json.next, null);

  const sinceAll = await allEntries(`&since=${encodeURIComponent(all[all.length - 1].at)}`);
  assert.equal(sinceAll.length, all.length);
  const middle = all[Math.floor(all.length / 2)];
  const older = await allEntries(`&until=${encodeURIComponent(middle.at)}`);
  assert.ok(older.length > 0 && older.every((e) => Date.parse(e.at) < Date.parse(middle.at)));
  const newer = await allEntries(`&since=${encodeURIComponent(middle.at)}`);
  assert.equal(older.length + newer.length, all.length);
  const both = await allEntries(`&action=session.sign_in&actor=${encodeURIComponent(`guest:${A.username}`)}`);
  assert.deepEqual(both.map((e) => e.outcome), ['success', 'failure']);
  const offset = await allEntries(`&since=${encodeURIComponent('2000-01-01T01:00:00+01:00')}`);
  assert.equal(offset.length, all.length);
});

test('bad parameters are 400 naming the parameter; guests and strangers get no audit', async () => {
  for (const [query, field] of [['max=0', 'max'], ['max=501', 'max'], ['max=ten', 'max'], ['before=x', 'before'],
    ['since=yesterday', 'since'], ['until=2026-13-01', 'until'], ['since=2026-02-01&until=2026-01-01', 'until']]) {
    const r = await world.admin.get(`/api/v1/audit?${query}`);
    const error = assertError(r, 400, 'invalid_field');
    assert.equal(error.field, field, `${query}: ${show(r)}`);
  }
  assertError(await a.get('/api/v1/audit'), 403);
  assertError(await world.portal.call('GET', '/api/v1/audit'), 401);
});

test('no secret and no message text appears in any audit record', async () => {
  const entries = await allEntries();
  const text = JSON.stringify(entries) + JSON.stringify(await exportLines());
  world.secrets.assertAbsentFrom(text, 'the audit log');
  for (const content of [SENT_TEXT, FAILED_TEXT]) assert.ok(!text.includes(content), `message text ${content} in the audit log`);
  assert.ok(!text.includes(A.password) && !text.includes(WRONG_PASSWORD));
});

test('retention deletes records older than AUDIT_RETENTION_DAYS and records the purge', async () => {
  await world.portal.stop();
  const db = `${world.portal.dir}/portal.db`;
  const old = Date.now() - 40 * 86400 * 1000;
  execFileSync('sqlite3', [db, `INSERT INTO audit_log (at_ms, actor, action, target, outcome, detail) VALUES
    (${old}, 'cli', 'guest.create', 'ancient-1', 'success', ''), (${old + 1}, 'cli', 'guest.create', 'ancient-2', 'success', '')`]);
  const portal = await restartPortal({ child: world.portal.child, dir: world.portal.dir,
    env: { ...world.portal.env, AUDIT_RETENTION_DAYS: '30' } });
  world.portal = portal;
  world.admin = new Client(portal, world.admin.cookie, world.admin.csrf);
  await waitFor(async () => (await allEntries('&action=audit.purge')).length === 1, 15000, 'the purge');
  const [purge] = await allEntries('&action=audit.purge');
  assert.equal(purge.actor, 'portal');
  assert.equal(purge.outcome, 'success');
  assert.match(purge.detail, /^2 records older than \S+ \(30 days\)$/);
  const left = await allEntries('&action=guest.create');
  assert.deepEqual(left.map((e) => e.target), [C.id, B.id, A.id]);
});
