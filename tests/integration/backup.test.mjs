// `guest-portal backup` and `restore` (docs/operations.md): a backup taken while the portal serves and
// clients write is one consistent snapshot; restore is refused while a server has the database open
// (also right after one was killed with SIGKILL it is not), keeps the replaced database, and brings back
// exactly the backup's data; bad input changes nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  stopAll, startWorld, runPortal, runPortalAsync, killPortal, restartPortal, makeTempDir, show,
  guestSignInRaw, assertPortalLogsClean,
} from '../lib/harness.mjs';

after(stopAll);

function output(r) {
  return `exit ${r.status} signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

// sqlite3 (the command-line shell) on a database file; returns its output.
function sqlite(file, sql, flags = []) {
  return execFileSync('sqlite3', [...flags, file, sql], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

// Every table's rows, in a stable order: what "the data" of a database is for these tests.
function dataOf(file) {
  const tables = sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").trim().split('\n');
  const out = {};
  for (const table of tables) out[table] = sqlite(file, `SELECT * FROM "${table}" ORDER BY 1, 2`, ['-json']);
  return out;
}

const dbFileOf = (env) => env.DATABASE_URL.replace(/^sqlite:/, '');
const keptFiles = (db) => readdirSync(path.dirname(db)).filter((f) => f.startsWith(`${path.basename(db)}.before-restore-`));

test('backup under write load is one consistent snapshot; restore brings exactly it back', { timeout: 240000 }, async () => {
  const world = await startWorld();
  const { portal, admin } = world;
  const env = portal.env;
  const db = dbFileOf(env);
  const backupDir = makeTempDir('gp-backup-');
  const portals = [portal];

  // A database of some size (a long audit log), so that a copy takes many steps while clients write.
  sqlite(db, 'PRAGMA busy_timeout = 10000; ' +
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000) " +
    "INSERT INTO audit_log (at_ms, actor, action, target, outcome, detail) " +
    "SELECT 1700000000000 + i, 'seed', 'seed.row', 'row-' || i, 'success', printf('%.200c', 'x') FROM n;");

  const seeded = [];
  for (let i = 0; i < 4; i += 1) seeded.push(await world.createGuest(`seed${i}`));
  await world.setPairs([[seeded[0].id, seeded[1].id]]);

  // Clients that write until told to stop: guests created, pairs changed, sign-ins (sessions).
  let stop = false;
  let created = 0;
  const failures = [];
  const writer = async (w) => {
    for (let i = 0; !stop; i += 1) {
      const guest = await world.createGuest(`load${w}x${i}`);
      created += 1;
      const r = await guestSignInRaw(portal, guest.username, guest.password);
      if (r.status !== 200) failures.push(`sign-in ${guest.username}: ${show(r)}`);
      const pairs = await admin.put('/api/v1/policy/pairs', { json: { pairs: [[seeded[0].id, seeded[1].id], [seeded[2].id, guest.id]] } });
      if (pairs.status !== 200) failures.push(`pairs: ${show(pairs)}`);
    }
  };
  const writers = [0, 1, 2].map(writer);
  const guestCount = async () => {
    const r = await admin.get('/api/v1/guests');
    assert.equal(r.status, 200, show(r));
    return r.json.items.length;
  };

  // Backups until one ran while the guest count moved (each is bounded by the counts seen just before
  // its start and just after its end: the snapshot is one moment in between).
  const file = path.join(backupDir, 'portal-backup.db');
  let window = null;
  for (let attempt = 0; attempt < 8 && !window; attempt += 1) {
    while (created < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    const before = await guestCount();
    const r = await runPortalAsync(['backup', file, '--force'], env, { timeoutMs: 60000 });
    const afterCount = await guestCount();
    assert.equal(r.status, 0, output(r));
    if (afterCount > before) window = { before, after: afterCount, r };
  }
  stop = true;
  await Promise.all(writers);
  assert.deepEqual(failures, []);
  assert.ok(window, 'no backup overlapped a write in 8 attempts');

  // The summary line, the file's mode, and no progress drawn on a pipe.
  assert.match(window.r.stdout, /^backup: wrote .*portal-backup\.db \(\d+ KiB, schema version \d+, \d+ guests, integrity ok\)/m, output(window.r));
  assert.match(window.r.stdout, /SECRET_KEY_FILE/, 'the summary does not say the key file is kept apart');
  assert.equal(window.r.stderr, '', `stderr of a backup on a pipe: ${output(window.r)}`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!existsSync(`${file}-wal`) && !existsSync(`${file}-journal`), 'the backup is not one self-contained file');
  assert.deepEqual(readdirSync(backupDir), ['portal-backup.db'], 'a temporary file was left beside the backup');

  // Consistent: sound, every reference whole, the guest count one the portal had during the backup.
  assert.equal(sqlite(file, 'PRAGMA integrity_check').trim(), 'ok');
  assert.equal(sqlite(file, 'PRAGMA foreign_key_check').trim(), '', 'a row refers to one the backup lacks');
  const inBackup = Number(sqlite(file, 'SELECT count(*) FROM guests').trim());
  assert.ok(inBackup >= window.before && inBackup <= window.after,
    `the backup holds ${inBackup} guests; the portal had ${window.before} before and ${window.after} after it`);
  assert.equal(sqlite(file, "SELECT count(*) FROM guests WHERE password_hash NOT LIKE '$argon2id$%' OR username = '' OR display_name = ''").trim(), '0');
  assert.equal(sqlite(file, "SELECT count(*) FROM audit_log WHERE action = 'seed.row'").trim(), '150000');
  const backupData = dataOf(file);
  const backupUsernames = sqlite(file, 'SELECT username FROM guests ORDER BY username').trim().split('\n');

  // An existing file is not replaced without --force, and is left as it was.
  const bytes = readFileSync(file);
  let r = runPortal(['backup', file], env);
  assert.equal(r.status, 2, output(r));
  assert.match(r.stderr, /exists.*--force/, output(r));
  assert.ok(readFileSync(file).equals(bytes), 'the refused backup changed the file');

  // While the server runs, restore is refused and changes nothing.
  const servedCount = await guestCount();
  r = runPortal(['restore', file], env);
  assert.notEqual(r.status, 0, output(r));
  assert.match(r.stderr, /in use by a running guest-portal/, output(r));
  assert.equal(await guestCount(), servedCount, 'a refused restore changed the data');
  assert.deepEqual(keptFiles(db), []);

  // Stop the server, change the data: one guest more, one less.
  await portal.stop();
  r = runPortal(['guests', 'add', '--username', 'after-backup', '--display-name', 'After', '--password', 'after-backup-pw-1'], env);
  assert.equal(r.status, 0, output(r));
  r = runPortal(['guests', 'remove', 'seed3'], env);
  assert.equal(r.status, 0, output(r));

  r = runPortal(['restore', file], env, { timeoutMs: 60000 });
  assert.equal(r.status, 0, output(r));
  assert.match(r.stdout, /^restore: .* now holds .*portal-backup\.db/m, output(r));
  const kept = keptFiles(db);
  assert.equal(kept.length, 1, `the replaced database is not kept: ${output(r)}`);
  assert.match(r.stdout, new RegExp(kept[0].replace(/\./g, '\\.')), output(r));
  assert.equal(statSync(db).mode & 0o777, 0o600);
  assert.equal(statSync(path.join(path.dirname(db), kept[0])).mode & 0o777, 0o600);
  // The kept database is the one replaced: it has the guest added after the backup.
  assert.equal(sqlite(path.join(path.dirname(db), kept[0]), "SELECT count(*) FROM guests WHERE username = 'after-backup'").trim(), '1');
  // The data is exactly the backup's, table by table.
  assert.deepEqual(dataOf(db), backupData);

  // Served again: the backup's guests, the later change gone, a backed-up guest can sign in.
  const restarted = await restartPortal(portal);
  portals.push(restarted);
  const listed = await restarted.call('GET', '/api/v1/guests', { cookie: admin.cookie });
  assert.equal(listed.status, 200, show(listed));
  assert.deepEqual(listed.json.items.map((g) => g.username).sort(), [...backupUsernames].sort());
  assert.ok(!listed.json.items.some((g) => g.username === 'after-backup'));
  const signIn = await guestSignInRaw(restarted, seeded[3].username, seeded[3].password);
  assert.equal(signIn.status, 200, `a guest of the backup cannot sign in: ${show(signIn)}`);

  // Killed with SIGKILL, the server holds nothing any more: restore works at once.
  r = runPortal(['restore', file], env);
  assert.notEqual(r.status, 0, `restore while serving: ${output(r)}`);
  await killPortal(restarted);
  r = runPortal(['restore', file], env, { timeoutMs: 60000 });
  assert.equal(r.status, 0, `restore after kill -9: ${output(r)}`);
  assert.deepEqual(dataOf(db), backupData);
  assert.ok(!existsSync(`${db}-wal`) || statSync(`${db}-wal`).size === 0, 'a WAL of the old database is left beside the new one');

  await assertPortalLogsClean(portals, world.secrets);
  await world.emulator.stop();
});

test('restore refuses bad input with one clear line and changes nothing', { timeout: 120000 }, async () => {
  const world = await startWorld({ signInAdmin: false });
  const { portal } = world;
  const env = portal.env;
  const db = dbFileOf(env);
  const dir = makeTempDir('gp-restore-bad-');
  const good = path.join(dir, 'good.db');
  let r = runPortal(['backup', good], env);
  assert.equal(r.status, 0, output(r));
  await portal.stop();
  r = runPortal(['guests', 'add', '--username', 'keeper', '--display-name', 'Keeper', '--password', 'keeper-password-1'], env);
  assert.equal(r.status, 0, output(r));
  const before = dataOf(db);

  const text = path.join(dir, 'notes.db');
  writeFileSync(text, 'these are not the droids you are looking for\n'.repeat(200));
  const foreign = path.join(dir, 'foreign.db');
  sqlite(foreign, 'CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);');
  const newer = path.join(dir, 'newer.db');
  copyFileSync(good, newer);
  sqlite(newer, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)");
  const cases = [
    [path.join(dir, 'missing.db'), /does not exist/],
    [text, /not a usable SQLite database/],
    [foreign, /not a Guest Portal/],
    [newer, /schema version 9999, newer than this guest-portal knows/],
  ];
  for (const [file, reason] of cases) {
    r = runPortal(['restore', file], env);
    assert.equal(r.status, 1, `${file}: ${output(r)}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${file}: ${output(r)}`);
    assert.match(lines[0], reason, output(r));
    assert.ok(!lines[0].includes('.restore-'), `the line names a working file: ${output(r)}`);
    assert.deepEqual(dataOf(db), before, `restoring ${file} changed the database`);
    assert.deepEqual(keptFiles(db), []);
    assert.deepEqual(readdirSync(path.dirname(db)).filter((f) => f.includes('.restore-')), [], 'a working copy was left');
  }

  // PostgreSQL: both commands point at pg_dump / pg_restore and never print the password.
  const pgEnv = { ...env, DATABASE_URL: 'postgresql://portal:Pw-9f3k@127.0.0.1:1/portal' };
  for (const args of [['backup', path.join(dir, 'pg.db')], ['restore', good]]) {
    r = runPortal(args, pgEnv);
    assert.equal(r.status, 2, `${args[0]}: ${output(r)}`);
    assert.match(r.stderr, /pg_dump/, output(r));
    assert.doesNotMatch(r.stdout + r.stderr, /Pw-9f3k/);
  }
  await world.emulator.stop();
});
