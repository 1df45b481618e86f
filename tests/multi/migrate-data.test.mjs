// Moving a single-instance SQLite deployment to PostgreSQL (docs/deployment.md):
// `guest-portal migrate-data --from sqlite:PATH --to postgresql://...` carries every row — guests,
// pairs, spaces and their members, sessions, the audit log and the rest — running it again changes
// nothing, and the instances started on PostgreSQL (with the same secret key) take the old sessions,
// tokens and spaces as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWorld, show, request, runPortalAsync, openEvents, waitFor, connectHost, assertPortalLogsClean, stopAll,
} from '../lib/harness.mjs';
import { createDatabase, sqlite, startInstances, startNginx, via, usingSqlite, CARRIED_TABLES } from '../lib/multi.mjs';

let world;     // the single SQLite instance, then stopped
let sqliteFile;
let db;        // the PostgreSQL database it moves to
let A, B, lb;
let G1, G2, G3, G4;
let g1, g2;
let openSpace, closedSpace;
let sessionsBefore;
let signedOutCookie;
const streams = [];

const migrateData = () => runPortalAsync(['migrate-data', '--from', `sqlite:${sqliteFile}`, '--to', db.url],
  world.portal.env, { cwd: world.portal.dir, timeoutMs: 60000 });
const sqliteRows = async (sql) => (await sqlite(sqliteFile, sql)).split('\n').filter(Boolean).map((l) => l.split('\t'));
// Every table of the SQLite file but its bookkeeping, with its row count.
const sqliteTables = async () => (await sqliteRows(
  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map(([n]) => n);
const keysIn = async (query, table) => (await query(`SELECT ${CARRIED_TABLES[table]} FROM ${table} ORDER BY 1`))
  .map((row) => row[0]);

before(async () => {
  assert.ok(!usingSqlite(), 'migrate-data needs PostgreSQL (GP_TEST_PG_URL_FILE), not GP_MULTI_DATABASE=sqlite');
  world = await startWorld({ portalExtra: { NOTIFY_MODE: 'poll', POLL_INTERVAL: '1' } });
  sqliteFile = `${world.portal.dir}/portal.db`;
  G1 = await world.createGuest('sven', 'Sven S');
  G2 = await world.createGuest('tove', 'Tove T');
  G3 = await world.createGuest('ulla', 'Ulla U');
  G4 = await world.createGuest('vera', 'Véra V 🌼');
  await world.setPairs([[G1.id, G2.id], [G1.id, G3.id], [G2.id, G4.id]]);
  g1 = await world.signIn(G1);
  g2 = await world.signIn(G2);
  const g3 = await world.signIn(G3);
  await world.signIn(G4);
  openSpace = (await g1.post('/api/v1/rooms', { json: { memberIds: [G2.id], title: 'Sven and Tove' } })).json;
  closedSpace = (await g1.post('/api/v1/rooms', { json: { memberIds: [G3.id] } })).json;
  assert.ok(openSpace.webexRoomId && closedSpace.webexRoomId);
  for (let i = 0; i < 3; i++) {
    const r = await g2.post(`/api/v1/rooms/${openSpace.id}/messages`, { json: { text: `before the move ${i}` } });
    assert.equal(r.status, 201, show(r));
  }
  signedOutCookie = g3.cookie;
  assert.equal((await g3.del('/api/v1/session')).status, 204);
  await world.setPairs([[G1.id, G2.id], [G2.id, G4.id]]);  // closes Sven and Ulla's space
  assert.equal((await world.admin.patch(`/api/v1/guests/${G4.id}`, { json: { disabled: true } })).status, 200);
  // A meeting host, connected (its tokens are encrypted with the secret key).
  const host = await world.emulator.person('Hedda Host', 'hedda.host@example.com', true);
  world.secrets.add('host access token (control API)', host.accessToken);
  const added = await world.admin.post('/api/v1/hosts', { json: { email: 'hedda.host@example.com' } });
  assert.equal(added.status, 201, show(added));
  assert.equal((await connectHost(world.portal, world.emulator, added.json.connectUrl, 'hedda.host@example.com')).callback.status, 200);
  await waitFor(async () => ((await world.emulator.state()).rooms.find((r) => r.id === closedSpace.webexRoomId)
    ?.memberIds.length ?? 1) <= 1, 15000, 'the closed space to be emptied in Webex');
  // Stop the single instance first, as docs/deployment.md says.
  await world.portal.stop();
  sessionsBefore = Number((await sqliteRows('SELECT count(*) FROM sessions'))[0][0]);
  assert.ok(sessionsBefore >= 3, `only ${sessionsBefore} sessions to carry`);  // the admin's, sven's, tove's
  db = await createDatabase('migrate_data');
});
after(async () => {
  for (const s of streams) s.close();
  await stopAll();
  await db?.drop();
});

test('migrate-data carries every guest, pair, space, member, session and audit row', async () => {
  const r = await migrateData();
  assert.equal(r.status, 0, `migrate-data: ${r.stderr}${r.stdout}`);
  for (const table of Object.keys(CARRIED_TABLES)) {
    const from = await keysIn(sqliteRows, table);
    const to = await keysIn(db.query, table);
    assert.ok(from.length > 0, `nothing in ${table} to carry: the set-up is wrong`);
    assert.deepEqual(to, from, `${table}: ${from.length} rows in SQLite, ${to.length} in PostgreSQL`);
  }
  const closed = await db.query(`SELECT closed_at IS NOT NULL FROM spaces WHERE id = '${closedSpace.id}'`);
  assert.deepEqual(closed, [['t']], 'the closed space arrived open');
});

test('every other table arrives too (each database\'s own bookkeeping and sign-ins in progress excepted)', async () => {
  const diffs = [];
  for (const table of await sqliteTables()) {
    if (['schema_migrations', 'runners', 'directory_version', 'directory_changes', 'oauth_states'].includes(table)) continue;
    const from = Number((await sqliteRows(`SELECT count(*) FROM ${table}`))[0][0]);
    let to;
    try {
      to = await db.count(table);
    } catch (error) {
      to = `missing (${error.message.split('\n')[0]})`;
    }
    if (from !== to) diffs.push(`${table}: ${from} → ${to}`);
  }
  assert.deepEqual(diffs, [], 'tables whose rows did not all arrive');
});

test('running migrate-data again changes nothing', async () => {
  const snapshot = async () => {
    const out = {};
    for (const table of Object.keys(CARRIED_TABLES)) out[table] = await keysIn(db.query, table);
    out.guestRows = await db.query('SELECT * FROM guests ORDER BY id');
    return out;
  };
  const before = await snapshot();
  const r = await migrateData();
  const after = await snapshot();
  assert.deepEqual(after, before, `the second run changed the data (exit ${r.status}: ${r.stderr})`);
  assert.ok(r.status === 0 || /already|not empty|exists/i.test(r.stderr),
    `a second run should either do nothing or refuse with a reason; exit ${r.status}: ${r.stderr}`);
});

test('instances on PostgreSQL take the SQLite portal\'s sessions, tokens and spaces as they were', async () => {
  const portals = await startInstances({
    count: 2, emulator: world.emulator, refreshToken: world.refreshToken, databaseUrl: db.url,
    publicUrl: world.portal.env.PUBLIC_URL, keyFile: `${world.portal.dir}/secret.key`,
    extra: { NOTIFY_MODE: 'poll', POLL_INTERVAL: '1' },
  });
  [A, B] = portals;
  lb = await startNginx({ portals });
  for (const endpoint of [A, B, lb]) {
    const session = await via(g1, endpoint).get('/api/v1/session');
    assert.equal(session.status, 200, show(session));
    assert.equal(session.json.role, 'guest', `the SQLite session of sven is unknown: ${show(session)}`);
    assert.equal(session.json.guest.id, G1.id);
    const admin = await via(world.admin, endpoint).get('/api/v1/admin/status');
    assert.equal(admin.status, 200, `the admin's SQLite session: ${show(admin)}`);
    assert.equal(admin.json.appAdmin.signedIn, true, 'the AppAdmin did not survive the move');
  }
  // The spaces, open and closed, as they were; a disabled guest stays disabled.
  const rooms = await via(g1, A).get('/api/v1/rooms');
  assert.deepEqual(rooms.json.items.map((r) => [r.id, r.closed]).sort(),
    [[openSpace.id, false], [closedSpace.id, true]].sort(), show(rooms));
  assert.equal((await B.call('POST', '/api/v1/session', { json: { username: G4.username, password: G4.password } })).status, 403);
  // The old password hashes work.
  assert.equal((await B.call('POST', '/api/v1/session', { json: { username: G3.username, password: G3.password } })).status, 200);
  // Messages: the history is there and a new one goes through Webex with the guest's stored token.
  const history = await via(g2, B).get(`/api/v1/rooms/${openSpace.id}/messages?max=10`);
  assert.equal(history.status, 200, show(history));
  assert.ok(history.json.items.filter((m) => /^before the move/.test(m.text)).length === 3, show(history));
  const stream = await openEvents(A, g1.cookie);
  streams.push(stream);
  const sent = await via(g2, B).post(`/api/v1/rooms/${openSpace.id}/messages`, { json: { text: 'after the move' } });
  assert.equal(sent.status, 201, show(sent));
  await stream.waitFor((e) => e.event === 'message.created' && e.data.messageId === sent.json.id, 10000,
    'the new message at the stream on A');
  // The host's stored tokens still open meetings.
  const meeting = await via(g1, A).post(`/api/v1/rooms/${openSpace.id}/meeting`);
  assert.equal(meeting.status, 200, `a meeting with the moved host: ${show(meeting)}`);
  assert.equal((await via(g2, B).del(`/api/v1/rooms/${openSpace.id}/meeting`)).status, 204);
  // A session that was signed out before the move is still refused.
  for (const endpoint of [A, B]) {
    assert.equal((await request(endpoint.url('/api/v1/rooms'), 'GET', { cookie: signedOutCookie })).status, 401);
  }
});

test('the portal logs hold no secret and no database wait on the event loop', async () => {
  for (const s of streams) s.close();
  await assertPortalLogsClean([world.portal, A, B].filter(Boolean), world.secrets);
});
