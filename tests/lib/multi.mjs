// Several `guest-portal` instances on one database behind nginx, for tests/multi (SPEC §8) and
// docs/deployment.md. Builds on harness.mjs: every process started here is remembered and stopped by
// stopAll(), and each test file gets a PostgreSQL database of its own in the cluster that ctest's
// `postgres` fixture started (scripts/pg-scratch; its URL is in the file named by GP_TEST_PG_URL_FILE).
//
// nginx runs as one foreground process (`daemon off; master_process off`) with a configuration made
// of the same pieces as the production one: the `upstream guest_portal` block of
// deploy/nginx/guest-portal.conf with the test instances' addresses, and a plain-HTTP server that
// includes deploy/nginx/guest-portal-proxy.conf verbatim. (TLS is left out because Webex — here the
// emulator — delivers webhooks to PUBLIC_URL and cannot check a test certificate; checkSiteConfig()
// has nginx check the production file, TLS included.)
//
// For work on the harness itself without PostgreSQL, GP_MULTI_DATABASE=sqlite makes the instances
// share one SQLite file instead (SQLite allows several processes on a file); tests that need
// PostgreSQL say so and fail.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import {
  REPO_ROOT, Client, Portal, Secrets, adminClient, freePort, guestClient,
  makeTempDir, portalBinary, portalEnv, request, show, spawnListening, startWebex, stopAll, track, waitFor,
} from './harness.mjs';

// Also the single-instance tests' helper, for the files here.
export { bounded } from './harness.mjs';

const execFileAsync = promisify(execFile);

export const NGINX = process.env.GP_TEST_NGINX || '/usr/sbin/nginx';
export const SITE_TEMPLATE = path.join(REPO_ROOT, 'deploy/nginx/guest-portal.conf');
export const PROXY_SNIPPET = path.join(REPO_ROOT, 'deploy/nginx/guest-portal-proxy.conf');

// --- databases ------------------------------------------------------------------------------------

export const usingSqlite = () => process.env.GP_MULTI_DATABASE === 'sqlite';

// The URL of the PostgreSQL cluster the `postgres` ctest fixture started.
export function clusterUrl() {
  const file = process.env.GP_TEST_PG_URL_FILE;
  if (!file) {
    throw new Error('GP_TEST_PG_URL_FILE is not set: run `scripts/pg-scratch start DIR` and set it to DIR/url '
      + '(ctest does this through the `postgres` fixture)');
  }
  if (!existsSync(file)) throw new Error(`GP_TEST_PG_URL_FILE names ${file}, which does not exist; is the cluster started?`);
  const url = readFileSync(file, 'utf8').trim();
  assert.match(url, /^postgres(ql)?:\/\//, `${file} does not hold a PostgreSQL URL`);
  return url;
}

// The same cluster URL naming another database.
export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// Runs SQL with psql (unaligned, tuples only, stop on the first error) and resolves with its output.
export async function psql(url, sql) {
  try {
    const { stdout } = await execFileAsync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-F', '\t', '-c', sql],
      { timeout: 30000, env: { PATH: process.env.PATH } });
    return stdout;
  } catch (error) {
    throw new Error(`psql ${JSON.stringify(sql)}: ${error.stderr || error.message}`);
  }
}

// Runs SQL on a SQLite file with the sqlite3 CLI, in the same output shape as psql().
export async function sqlite(file, sql) {
  try {
    const { stdout } = await execFileAsync('sqlite3', ['-batch', '-separator', '\t', '-cmd', '.timeout 5000', file, sql],
      { timeout: 30000 });
    return stdout;
  } catch (error) {
    throw new Error(`sqlite3 ${JSON.stringify(sql)}: ${error.stderr || error.message}`);
  }
}

// A database of the test file's own: {url, name, query(sql) → rows (arrays of strings), count(table),
// drop()}. PostgreSQL: `CREATE DATABASE gp_<prefix>_<random>` in the fixture's cluster.
export async function createDatabase(prefix = 'multi') {
  if (usingSqlite()) {
    const dir = makeTempDir('gp-multi-db-');
    const file = path.join(dir, 'portal.db');
    return databaseHandle({ url: `sqlite:${file}`, name: file, run: (sql) => sqlite(file, sql), drop: async () => {} });
  }
  const cluster = clusterUrl();
  const name = `gp_${prefix}_${randomBytes(6).toString('hex')}`;
  await psql(cluster, `CREATE DATABASE ${name}`);
  const url = withDatabase(cluster, name);
  return databaseHandle({
    url,
    name,
    run: (sql) => psql(url, sql),
    drop: () => psql(cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {}),
  });
}

function databaseHandle({ url, name, run, drop }) {
  const query = async (sql) => (await run(sql)).split('\n').filter((line) => line.length > 0).map((line) => line.split('\t'));
  return {
    url,
    name,
    sqlite: url.startsWith('sqlite:'),
    query,
    async count(table, where = '') {
      const rows = await query(`SELECT count(*) FROM ${table}${where ? ` WHERE ${where}` : ''}`);
      return Number(rows[0][0]);
    },
    drop,
  };
}

// The tables whose rows `migrate-data` must carry, with the column that identifies a row.
export const CARRIED_TABLES = {
  guests: 'id',
  allowed_pairs: "guest_a || ',' || guest_b",
  spaces: 'id',
  space_members: "space_id || ',' || guest_id",
  sessions: 'id_hash',
  audit_log: 'seq',
};

// A 32-byte key file (SECRET_KEY_FILE) every instance gets a copy of: tokens one instance encrypted
// must be readable by the others.
export function writeSecretKey(dir) {
  const file = path.join(dir, 'secret.key');
  writeFileSync(file, randomBytes(32), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

// --- nginx ----------------------------------------------------------------------------------------

// The `upstream guest_portal { ... }` block of the production site file, with its `server` lines
// replaced by one per address (keeping their parameters).
export function upstreamBlock(addresses, template = readFileSync(SITE_TEMPLATE, 'utf8')) {
  const block = template.match(/^upstream guest_portal \{[\s\S]*?^\}/m);
  assert.ok(block, `${SITE_TEMPLATE} has no "upstream guest_portal { ... }" block`);
  const lines = block[0].split('\n');
  const serverLines = lines.filter((l) => /^\s*server\s+\S+/.test(l));
  assert.ok(serverLines.length > 0, 'the upstream block lists no server');
  const params = serverLines[0].replace(/^\s*server\s+\S+/, '').replace(/;.*$/, '');
  const out = [];
  let placed = false;
  for (const line of lines) {
    if (/^\s*server\s+\S+/.test(line)) {
      if (!placed) for (const a of addresses) out.push(`    server ${a}${params};`);
      placed = true;
    } else out.push(line);
  }
  return out.join('\n');
}

function nginxMainConfig({ dir, port, addresses }) {
  const p = (name) => path.join(dir, name);
  return `# Made by tests/lib/multi.mjs for one test file.
worker_rlimit_nofile 8192;
events {
    worker_connections 4096;
}
http {
    log_format upstreams '$msec $request_method $request_uri $status $upstream_addr';
    access_log ${p('access.log')} upstreams;
    client_body_temp_path ${p('client_body')};
    proxy_temp_path ${p('proxy')};
    fastcgi_temp_path ${p('fastcgi')};
    uwsgi_temp_path ${p('uwsgi')};
    scgi_temp_path ${p('scgi')};

${upstreamBlock(addresses)}

    server {
        listen 127.0.0.1:${port};
        server_name localhost;
        include ${PROXY_SNIPPET};
    }
}
`;
}

// A running nginx: a Portal-like endpoint (origin, port, url(), call()) plus its access log.
export class Nginx extends Portal {
  // [{method, uri, status, upstream}] from the access log (upstream: "127.0.0.1:PORT", or several
  // separated by ", " when nginx tried more than one).
  accessLog() {
    const file = path.join(this.dir, 'access.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
      const [msec, method, uri, status, ...upstream] = line.split(' ');
      return { time: Number(msec) * 1000, method, uri, status: Number(status), upstream: upstream.join(' ') };
    });
  }

  // How many logged requests each upstream address answered (the last one tried), since `from`
  // (an index into accessLog(), to count only what a test did).
  upstreamCounts(from = 0) {
    const counts = {};
    for (const entry of this.accessLog().slice(from)) {
      const last = entry.upstream.split(', ').pop();
      counts[last] = (counts[last] || 0) + 1;
    }
    return counts;
  }
}

// Starts nginx in front of `portals` (or explicit addresses) on a free port, or on `port`.
export async function startNginx({ portals = [], addresses, port } = {}) {
  const dir = makeTempDir('gp-nginx-');
  const listen = port ?? await freePort();
  const upstreams = addresses ?? portals.map((p) => `127.0.0.1:${p.port}`);
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, nginxMainConfig({ dir, port: listen, addresses: upstreams }));
  const args = ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log'),
    '-g', `daemon off; master_process off; pid ${path.join(dir, 'nginx.pid')}; error_log ${path.join(dir, 'error.log')} warn;`];
  const test = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the generated configuration ${conf}: ${test.stderr}`);
  const child = track(spawn(NGINX, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = { stdout: '', stderr: '', stderrChunks: [] };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c) => { log.stdout += c; });
  child.stderr.on('data', (c) => { log.stderr += c; });
  const origin = `http://127.0.0.1:${listen}`;
  const nginx = new Nginx({ child, origin, port: listen, log }, null);
  nginx.dir = dir;
  nginx.upstreams = upstreams;
  nginx.errorLog = () => (existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '');
  // nginx prints nothing when it is ready: wait until it answers (any status: the instances may not be up).
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited (code ${child.exitCode}): ${log.stderr}${nginx.errorLog()}`);
    try {
      await fetch(`${origin}/nginx-is-up`, { redirect: 'manual' });
      return true;
    } catch {
      return false;
    }
  }, 10000, 'nginx to accept connections');
  return nginx;
}

// Has nginx check the production site file (deploy/nginx/guest-portal.conf) as it would be installed:
// the proxy snippet at its place, a self-signed certificate at the certificate paths, logs in a
// temporary directory. Resolves with {status, stderr}.
export async function checkSiteConfig() {
  const dir = makeTempDir('gp-nginx-check-');
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=portal.example.com',
    '-keyout', key, '-out', cert], { encoding: 'utf8' });
  assert.equal(made.status, 0, `openssl could not make a test certificate: ${made.stderr}`);
  let site = readFileSync(SITE_TEMPLATE, 'utf8');
  const replace = (from, to) => {
    assert.ok(site.includes(from), `${SITE_TEMPLATE} no longer mentions ${from}`);
    site = site.split(from).join(to);
  };
  replace('/etc/letsencrypt/live/portal.example.com/fullchain.pem', cert);
  replace('/etc/letsencrypt/live/portal.example.com/privkey.pem', key);
  replace('/etc/nginx/snippets/guest-portal-proxy.conf', PROXY_SNIPPET);
  replace('/var/log/nginx/', `${dir}/`);
  writeFileSync(path.join(dir, 'guest-portal.conf'), site);
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, `events {}\nhttp {\n    include ${path.join(dir, 'guest-portal.conf')};\n}\n`);
  const r = spawnSync(NGINX, ['-t', '-p', dir, '-c', conf, '-e', path.join(dir, 'error.log'),
    '-g', `pid ${path.join(dir, 'nginx.pid')}; error_log ${path.join(dir, 'error.log')};`], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

// --- instances ------------------------------------------------------------------------------------

// Starts `guest-portal serve` instances on one database: each in a directory of its own (its cwd and
// HOME, with its own copy of the shared secret key), on its own free port, with PUBLIC_URL the
// address browsers use (nginx). `simultaneous` starts them all at once (as systemd would), else one
// after the other. `ports` (optional) gives instance i the port ports[i] instead of a free one, so that
// an instance's own address can be known before it starts (e.g. to make it PUBLIC_URL).
export async function startInstances({ count = 2, emulator, refreshToken, databaseUrl, publicUrl, keyFile, extra = {},
  simultaneous = false, ports = [] }) {
  const start = async (i) => {
    const dir = makeTempDir(`gp-multi-${i}-`);
    const port = ports[i] ?? await freePort();
    const ownKey = path.join(dir, 'secret.key');
    copyFileSync(keyFile, ownKey);
    chmodSync(ownKey, 0o600);
    const env = portalEnv({
      dir, port, emulator, refreshToken,
      // nginx runs on this machine, as in docs/deployment.md.
      extra: { DATABASE_URL: databaseUrl, PUBLIC_URL: publicUrl, SECRET_KEY_FILE: ownKey, TRUSTED_PROXIES: '127.0.0.1', ...extra },
    });
    const started = await spawnListening(portalBinary(), ['serve'], {
      env, cwd: dir, banner: 'guest-portal', name: `guest-portal #${i + 1}`,
    });
    const portal = new Portal(started, env);
    portal.dir = dir;
    portal.name = String.fromCharCode(65 + i);  // A, B, ...
    return portal;
  };
  if (simultaneous) return Promise.all(Array.from({ length: count }, (_, i) => start(i)));
  const portals = [];
  for (let i = 0; i < count; i++) portals.push(await start(i));
  return portals;
}

// The same signed-in client (cookie and CSRF token) talking to another endpoint: an instance directly
// or nginx.
export function via(client, endpoint) {
  return new Client(endpoint, client.cookie, client.csrf);
}

// A whole multi-instance world: an emulator with the AppAdmin and an outsider, a database of the
// file's own, `instances` portals on it behind nginx (PUBLIC_URL is nginx), and the administrator
// signed in through nginx. Returns {emulator, db, portals, lb (nginx), admin, secrets, createGuest,
// signIn, setPairs, webexPersonOf, assertLogsClean, ...}.
export async function startCluster({ instances = 2, signInAdmin = true, portalExtra = {}, simultaneous = false,
  database } = {}) {
  const secrets = new Secrets();
  const db = database ?? await createDatabase();
  const { emulator, adminPerson, outsiderPerson, refreshToken } = await startWebex(secrets);

  const shared = makeTempDir('gp-multi-shared-');
  const keyFile = writeSecretKey(shared);
  const lbPort = await freePort();
  const publicUrl = `http://127.0.0.1:${lbPort}`;
  const portals = await startInstances({
    count: instances, emulator, refreshToken, databaseUrl: db.url, publicUrl, keyFile, extra: portalExtra, simultaneous,
  });
  const lb = await startNginx({ portals, port: lbPort });
  const world = { emulator, db, portals, lb, adminPerson, outsiderPerson, refreshToken, secrets, keyFile, publicUrl };
  world.allPortals = [...portals];  // every process, restarts included, for the log check

  if (signInAdmin) {
    world.admin = await adminClient(lb, emulator);
    secrets.add('admin session cookie', world.admin.cookie);
    secrets.add('OAuth code', world.admin.flow.callbackUrl.searchParams.get('code'));
  }
  world.createGuest = async (username, displayName = username, password = `pw-${username}-Secret1`, by = world.admin) => {
    secrets.add(`password of ${username}`, password);
    const r = await by.post('/api/v1/guests', { json: { username, displayName, password } });
    assert.equal(r.status, 201, `create guest: ${show(r)}`);
    return { ...r.json, password };
  };
  world.signIn = async (guest, endpoint = lb) => {
    const client = await guestClient(endpoint, guest.username, guest.password);
    secrets.add(`session cookie of ${guest.username}`, client.cookie);
    return client;
  };
  world.setPairs = async (pairs, by = world.admin) => {
    const r = await by.put('/api/v1/policy/pairs', { json: { pairs } });
    assert.equal(r.status, 200, `PUT pairs: ${show(r)}`);
    return r.json;
  };
  world.webexPersonOf = async (guestId) => {
    const r = await world.admin.get(`/api/v1/guests/${guestId}`);
    assert.equal(r.status, 200, show(r));
    assert.equal(typeof r.json.webexPersonId, 'string', `guest has no webexPersonId: ${show(r)}`);
    return r.json.webexPersonId;
  };
  // Waits until the instance's /healthz answers 200.
  world.healthy = (portal, timeoutMs = 10000) => waitFor(async () => {
    try {
      return (await request(portal.url('/healthz'))).status === 200;
    } catch {
      return false;
    }
  }, timeoutMs, `${portal.name ?? portal.origin} to be healthy`);
  // Stops every instance so its log is complete, then checks that no recorded secret and no bearer
  // token appears in any of them, and that no instance waited on the database on its event loop.
  world.assertLogsClean = async () => {
    await Promise.all(world.allPortals.map((p) => p.stop()));
    const log = world.allPortals.map((p) => p.log.stderr + p.log.stdout).join('\n');
    secrets.assertAbsentFrom(log, 'the portal logs');
    assert.doesNotMatch(log, /Bearer\s+\S{8,}/i, 'a bearer token appears in a portal log');
    // The instances report any database call made on their event loop, which would stall every request.
    assert.doesNotMatch(log, /ran on the event loop/, 'a database call was made on an event loop');
  };
  world.stop = async () => {
    await stopAll();
    await db.drop();
  };
  return world;
}

// Which instance handled requests, from their own access lines: how many lines of `portal`'s log
// match `method path` (path: a string prefix or a RegExp).
export function handledBy(portal, method, pathMatch) {
  const lines = (portal.log.stderr + portal.log.stdout).split('\n');
  return lines.filter((line) => {
    const m = line.match(/ request id=\S+ (\S+) (\S+) status=(\d{3})/);
    if (!m || m[1] !== method) return false;
    return typeof pathMatch === 'string' ? m[2].startsWith(pathMatch) : pathMatch.test(m[2]);
  }).length;
}

// The migration versions this source tree has for an engine (migrations/<engine>/NNNN_name.sql).
export function migrationVersions(engine) {
  const dir = path.join(REPO_ROOT, 'migrations', engine);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[0-9]+_[a-z0-9_]+\.sql$/.test(f))
    .map((f) => Number(f.split('_')[0]))
    .sort((a, b) => a - b);
}
