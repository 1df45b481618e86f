// Long CLI operations draw a progress line on a terminal and stay quiet in scripts (docs/operations.md).
// The terminal is a pseudo-terminal made by util-linux `script`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopAll, makeTempDir, portalEnv, runPortal, portalBinary } from '../lib/harness.mjs';

after(stopAll);

function output(r) {
  return `exit ${r.status} signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

const quote = (word) => `'${String(word).replace(/'/g, "'\\''")}'`;

// Runs guest-portal ARGS with its standard streams on a pseudo-terminal; returns what the terminal showed.
function onTerminal(args, env) {
  const command = [portalBinary(), ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { env, cwd: env.HOME, encoding: 'utf8', timeout: 120000 });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// A database with a long audit log (so that a copy takes many steps) and a CSV of guests to import.
function setUp() {
  const dir = makeTempDir('gp-progress-');
  const env = portalEnv({ dir, port: 1, extra: { LOG_LEVEL: 'warn' } });
  assert.equal(runPortal(['migrate'], env).status, 0);
  execFileSync('sqlite3', [env.DATABASE_URL.replace(/^sqlite:/, ''),
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) " +
    "INSERT INTO audit_log (at_ms, actor, action, target, outcome, detail) " +
    "SELECT 1700000000000 + i, 'seed', 'seed.row', 'row-' || i, 'success', printf('%.200c', 'x') FROM n;"]);
  const csv = path.join(dir, 'guests.csv');
  const rows = ['username,displayName,password'];
  for (let i = 0; i < 12; i += 1) rows.push(`imported${i},Imported ${i},imported-password-${i}`);
  writeFileSync(csv, `${rows.join('\n')}\n`);
  return { dir, env, csv };
}

test('on a pipe, backup and guests import write no progress: stderr stays empty', { timeout: 120000 }, () => {
  const { dir, env, csv } = setUp();
  let r = runPortal(['backup', path.join(dir, 'b.db')], env, { timeoutMs: 60000 });
  assert.equal(r.status, 0, output(r));
  assert.equal(r.stderr, '', output(r));
  assert.doesNotMatch(r.stdout, /\r/, output(r));
  r = runPortal(['guests', 'import', csv], env, { timeoutMs: 60000 });
  assert.equal(r.status, 0, output(r));
  assert.match(r.stdout, /created 12 guests/, output(r));
  assert.equal(r.stderr, '', output(r));
});

test('on a terminal, backup and guests import draw a progress line and clear it', { timeout: 120000 }, () => {
  const { dir, env, csv } = setUp();
  let r = onTerminal(['backup', path.join(dir, 'b.db')], env);
  assert.equal(r.status, 0, output(r));
  assert.match(r.stdout, /\rbackup: \d+ of \d+ pages \(\d+%\)/, output(r));
  // Cleared before the summary: the summary starts at the beginning of a blank line.
  assert.match(r.stdout, /\r {10,}\rbackup: wrote /, output(r));
  r = onTerminal(['guests', 'import', csv], env);
  assert.equal(r.status, 0, output(r));
  assert.match(r.stdout, /\rguests import: \d+ of 12 guests \(\d+%\)/, output(r));
  assert.match(r.stdout, /created 12 guests/, output(r));
});
