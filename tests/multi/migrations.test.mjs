// Instances started at the same moment on an empty database (as systemd starts guest-portal@*):
// the migrations run once — `schema_migrations` holds each version once — and every instance serves;
// the same for `guest-portal migrate` run by several units' ExecStartPre at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { show, startEmulator, stopAll, request, runPortalAsync, makeTempDir } from '../lib/harness.mjs';
import { createDatabase, startInstances, writeSecretKey, migrationVersions, startNginx } from '../lib/multi.mjs';

const ROUNDS = 3;
const INSTANCES = 3;

let emulator;
let keyFile;
const databases = [];

before(async () => {
  emulator = await startEmulator();
  keyFile = writeSecretKey(makeTempDir('gp-multi-key-'));
});
after(async () => {
  await stopAll();
  for (const db of databases) await db.drop();
});

for (let round = 1; round <= ROUNDS; round++) {
  test(`round ${round}: ${INSTANCES} instances started at once on an empty database migrate it once and all serve`, async () => {
    const db = await createDatabase('migrations');
    databases.push(db);
    const engine = db.sqlite ? 'sqlite' : 'postgres';
    const expected = migrationVersions(engine);
    assert.ok(expected.length > 0, `no migrations/${engine}/*.sql in this tree`);

    const portals = await startInstances({
      count: INSTANCES, emulator, databaseUrl: db.url, publicUrl: 'http://127.0.0.1:9', keyFile, simultaneous: true,
    });
    for (const p of portals) {
      const health = await p.call('GET', '/healthz');
      assert.equal(health.status, 200, `${p.name}: ${show(health)}`);
      const info = await p.call('GET', '/api/v1/info');
      assert.equal(info.status, 200, `${p.name}: ${show(info)}`);
    }
    const rows = await db.query('SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version');
    const twice = rows.filter(([, n]) => Number(n) !== 1);
    assert.deepEqual(twice, [], `versions recorded more than once: ${JSON.stringify(twice)}`);
    assert.deepEqual(rows.map(([v]) => Number(v)), expected, 'schema_migrations does not hold every version');

    // The same through nginx, and `guest-portal migrate` afterwards has nothing to do.
    const lb = await startNginx({ portals });
    for (let i = 0; i < INSTANCES; i++) assert.equal((await request(lb.url('/healthz'))).status, 200);
    const migrated = await runPortalAsync(['migrate'], portals[0].env, { cwd: portals[0].dir });
    assert.equal(migrated.status, 0, `guest-portal migrate: ${migrated.stderr}`);
    const again = await db.query('SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version');
    assert.deepEqual(again, rows, '`guest-portal migrate` changed schema_migrations');
    await Promise.all([lb, ...portals].map((p) => p.stop()));
  });
}

test(`${INSTANCES} \`guest-portal migrate\` commands at once (the units' ExecStartPre) migrate an empty database once`, async () => {
  const db = await createDatabase('migrations');
  databases.push(db);
  const expected = migrationVersions(db.sqlite ? 'sqlite' : 'postgres');
  const dir = makeTempDir('gp-multi-migrate-');
  const env = {
    PATH: process.env.PATH, HOME: dir, DEMO: 'true', DATABASE_URL: db.url, SECRET_KEY_FILE: keyFile,
    LISTEN_ADDRESS: '127.0.0.1:0',
  };
  const runs = await Promise.all(Array.from({ length: INSTANCES }, () => runPortalAsync(['migrate'], env, { cwd: dir })));
  runs.forEach((r, i) => assert.equal(r.status, 0, `migrate #${i + 1}: ${r.stderr}`));
  const rows = await db.query('SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version');
  assert.deepEqual(rows.filter(([, n]) => Number(n) !== 1), [], 'a version was recorded twice');
  assert.deepEqual(rows.map(([v]) => Number(v)), expected);
});
