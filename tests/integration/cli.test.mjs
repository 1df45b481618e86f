// Configuration errors and the command line (SPEC §3, §6).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { stopAll, makeTempDir, portalEnv, runPortal, freePort } from '../lib/harness.mjs';

after(stopAll);

async function freshEnv(extra = {}) {
  const dir = makeTempDir();
  return portalEnv({ dir, port: await freePort(), extra });
}

function output(r) {
  return `exit ${r.status} signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

test('--help works and names the subcommands', () => {
  const env = portalEnv({ dir: makeTempDir(), port: 1 });
  const r = runPortal(['--help'], env);
  assert.equal(r.status, 0, output(r));
  for (const word of ['serve', 'guests', 'policy']) assert.match(r.stdout, new RegExp(word), output(r));
  for (const args of [['serve', '--help'], ['guests', '--help'], ['guests', 'add', '--help'], ['policy', '--help']]) {
    const sub = runPortal(args, env);
    assert.equal(sub.status, 0, `${args.join(' ')}: ${output(sub)}`);
    assert.ok(sub.stdout.length > 0, `${args.join(' ')} printed nothing`);
  }
});

test('an unknown subcommand or flag fails with a non-zero exit', () => {
  const env = portalEnv({ dir: makeTempDir(), port: 1 });
  for (const args of [['frobnicate'], ['serve', '--no-such-flag'], []]) {
    const r = runPortal(args, env);
    assert.notEqual(r.status, 0, `${args.join(' ')}: ${output(r)}`);
    assert.equal(r.signal, null);
  }
});

const BAD_VALUES = [
  ['PUBLIC_URL', 'ftp://x'],
  ['PUBLIC_URL', 'not a url'],
  ['GUEST_TOKEN_EXPIRATION', '-5'],
  ['GUEST_TOKEN_EXPIRATION', 'soon'],
  ['LISTEN_ADDRESS', 'nowhere'],
  ['LISTEN_ADDRESS', '127.0.0.1:99999'],
  ['GUEST_PROVIDER', 'carrier-pigeon'],
  ['DATABASE_URL', 'mysql://db/portal'],
  ['WEBEX_API_URL', 'webexapis.com/v1'],
  ['LOG_LEVEL', 'loud'],
  ['CLIENT_ID', undefined],
  ['SERVICE_APP_REFRESH_TOKEN', undefined],
];

for (const [key, value] of BAD_VALUES) {
  test(`serve with ${key}=${value ?? '(unset)'} exits non-zero with one line naming the key`, async () => {
    const env = await freshEnv({ [key]: value });
    const r = runPortal(['serve'], env, { timeoutMs: 10000 });
    assert.equal(r.signal, null, `it did not exit (still serving?): ${output(r)}`);
    assert.notEqual(r.status, 0, output(r));
    const lines = r.stderr.trim().split('\n').filter((l) => l.trim().length > 0);
    assert.equal(lines.length, 1, `expected one line on stderr: ${output(r)}`);
    assert.match(lines[0], new RegExp(key), `the line does not name ${key}: ${output(r)}`);
    assert.ok(!r.stdout.includes('listening'), output(r));
    for (const secret of [env.CLIENT_SECRET, env.SERVICE_APP_CLIENT_SECRET]) {
      assert.ok(!r.stderr.includes(secret), 'a secret is printed in the error');
    }
  });
}

test('CLI: guests add/list/remove and policy allow/list/revoke against one database', () => {
  const env = portalEnv({ dir: makeTempDir(), port: 1 });
  const password = 'u-one-password-1';
  let r = runPortal(['guests', 'add', '--username', 'user1', '--display-name', 'U One', '--password', password], env);
  assert.equal(r.status, 0, output(r));
  assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'the password is printed');
  r = runPortal(['guests', 'add', '--username', 'user2', '--display-name', 'U Two'], { ...env, GP_GUEST_PASSWORD: 'u-two-password-2' });
  assert.equal(r.status, 0, `password from GP_GUEST_PASSWORD: ${output(r)}`);

  const dup = runPortal(['guests', 'add', '--username', 'user1', '--display-name', 'Again', '--password', password], env);
  assert.notEqual(dup.status, 0, `duplicate username: ${output(dup)}`);
  assert.equal(dup.stderr.trim().split('\n').length, 1, output(dup));
  const bad = runPortal(['guests', 'add', '--username', 'No Way', '--display-name', 'X', '--password', password], env);
  assert.notEqual(bad.status, 0, `invalid username: ${output(bad)}`);
  assert.match(bad.stderr, /username/i, output(bad));
  const short = runPortal(['guests', 'add', '--username', 'user3', '--display-name', 'X', '--password', 'short'], env);
  assert.notEqual(short.status, 0, `short password: ${output(short)}`);

  r = runPortal(['guests', 'list'], env);
  assert.equal(r.status, 0, output(r));
  const guests = r.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(guests.map((g) => g.username), ['user1', 'user2']);
  assert.deepEqual(guests.map((g) => g.displayName), ['U One', 'U Two']);
  assert.ok(!r.stdout.includes(password) && !/argon2/i.test(r.stdout), 'list shows a password or hash');
  const ids = Object.fromEntries(guests.map((g) => [g.username, g.id]));

  r = runPortal(['policy', 'allow', 'user1', 'user2'], env);
  assert.equal(r.status, 0, output(r));
  r = runPortal(['policy', 'list'], env);
  assert.equal(r.status, 0, output(r));
  const pairs = r.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  assert.equal(pairs.length, 1, output(r));
  assert.deepEqual([...pairs[0]].sort(), [ids.user1, ids.user2].sort());

  const unknown = runPortal(['policy', 'allow', 'user1', 'ghost'], env);
  assert.notEqual(unknown.status, 0, output(unknown));
  assert.match(unknown.stderr, /ghost/, output(unknown));
  const self = runPortal(['policy', 'allow', 'user1', 'user1'], env);
  assert.notEqual(self.status, 0, `a self-pair was accepted: ${output(self)}`);

  r = runPortal(['policy', 'revoke', 'user1', 'user2'], env);
  assert.equal(r.status, 0, output(r));
  r = runPortal(['policy', 'list'], env);
  assert.equal(r.stdout.trim(), '', output(r));

  r = runPortal(['guests', 'remove', 'user2'], env);
  assert.equal(r.status, 0, output(r));
  r = runPortal(['guests', 'list'], env);
  assert.deepEqual(r.stdout.trim().split('\n').map((line) => JSON.parse(line).username), ['user1']);

  const key = statSync(env.SECRET_KEY_FILE);
  assert.equal(key.mode & 0o777, 0o600, `SECRET_KEY_FILE mode ${(key.mode & 0o777).toString(8)}`);
});

test('migrate-data refuses a --from that is not SQLite and a --to that is not PostgreSQL, with exit 2', () => {
  const dir = makeTempDir();
  const env = portalEnv({ dir, port: 1 });
  const cases = [
    [['--from', 'postgresql://portal:Pw-9f3k@127.0.0.1:1/portal', '--to', 'postgresql://portal@127.0.0.1:1/p'], /--from/],
    [['--from', 'sqlite::memory:', '--to', 'postgresql://portal@127.0.0.1:1/portal'], /--from/],
    [['--from', `sqlite:${dir}/portal.db`, '--to', `sqlite:${dir}/other.db`], /--to/],
    [['--from', `sqlite:${dir}/portal.db`, '--to', 'mysql://portal:Pw-9f3k@db/portal'], /--to/],
  ];
  for (const [args, names] of cases) {
    const r = runPortal(['migrate-data', ...args], env);
    assert.equal(r.status, 2, `${args.join(' ')}: ${output(r)}`);
    assert.match(r.stderr, names, output(r));
    assert.doesNotMatch(r.stdout + r.stderr, /Pw-9f3k/, `the password was printed: ${output(r)}`);
  }
});

test('migrate-data names an unreachable PostgreSQL without printing its password, and exits 1', () => {
  const dir = makeTempDir();
  const env = portalEnv({ dir, port: 1 });
  assert.equal(runPortal(['migrate'], env).status, 0);
  const r = runPortal(['migrate-data', '--from', `sqlite:${dir}/portal.db`,
    '--to', 'postgresql://portal:Pw-9f3k@127.0.0.1:1/portal?connect_timeout=2'], env);
  assert.equal(r.status, 1, output(r));
  assert.match(r.stderr, /guest-portal: migrate-data: /, output(r));
  assert.doesNotMatch(r.stdout + r.stderr, /Pw-9f3k/, `the password was printed: ${output(r)}`);
});
