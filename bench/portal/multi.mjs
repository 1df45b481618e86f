#!/usr/bin/env node
// Benchmark of several guest-portal instances on one PostgreSQL database behind nginx
// (docs/deployment.md). Prints one line per number, all measured in one run:
//   1. through nginx, with 1 instance behind it and then with 2 (two nginx processes, one listing
//      instance A only, one listing A and B, both on the same database): signed-in guests'
//      GET /api/v1/rooms (a few rooms each) and warm guest sign-ins (POST /api/v1/session), with wrk;
//      both rates and the ratio 2 instances ÷ 1 instance for each;
//   2. instance A directly (PostgreSQL) against a portal of its own on SQLite with the same guests and
//      spaces: GET /api/v1/rooms with wrk, both rates and the ratio PostgreSQL ÷ SQLite;
//   3. NOTIFY_MODE=webhook with PUBLIC_URL naming instance A, so Webex (the emulator) delivers its
//      webhooks to A: the time from a message posted as the AppAdmin straight to the emulator to its
//      `message.created` at a member's stream held on instance B, p50/p99 over 200 messages one at a
//      time, and messages lost or announced twice. The stream and the posts are in a worker thread
//      (event-probe.mjs), as in events.mjs.
// Each pair of wrk runs is done twice, in the order X Y Y X, so that a machine whose load drifts
// during the run (a build next door) weighs on both sides alike; a rate is over both runs. With each
// rate comes where the CPU went (portal instances, nginx, PostgreSQL, the rest of the machine).
// PostgreSQL: the cluster named by GP_TEST_PG_URL_FILE (as for the multi suite), or else a throwaway
// one started here with scripts/pg-scratch and stopped at the end.
// Usage: node bench/portal/multi.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// Exits 0 unless something broke (a process would not start, a request was refused, wrk failed or saw
// non-2xx answers).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { runWrk } from '../wrk.mjs';
import { childrenOf, commOf, machineTicks, processTicks, threadTicks } from './proc.mjs';
import { percentile } from './room-probe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '../..');
// One wrk thread and few connections: the machine has two cores, and the load generator's own CPU is
// taken from the portal instances, nginx and PostgreSQL it measures.
const READ_WRK = ['-t1', '-c16', '-d4s'];
const SIGN_IN_WRK = ['-t1', '-c8', '-d4s'];
const GUESTS = 8;
const PARTNER_OFFSETS = [1, 2]; // guest i may connect with i±1 and i±2: four spaces each
const SETUP_BATCH = 4; // guest creations or sign-ins at once (Argon2 makes each slow)
const LATENCY_WARMUP = 5;
const LATENCY_MESSAGES = 200;
const LATENCY_GAP_MS = 100;
const EVENT_TIMEOUT_MS = 5000;
const USER_HZ = 100;

const rows = [];
function row(name, value, note = '') {
  rows.push([name, String(value), note]);
}

function printRows() {
  if (rows.length === 0) return;
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`guest-portal multi-instance benchmark (reads: wrk ${READ_WRK.join(' ')}; sign-ins: wrk ${SIGN_IN_WRK.join(' ')}; each twice)`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
}

// --- the PostgreSQL cluster -----------------------------------------------------------------------

const pgScratch = path.join(REPO_ROOT, 'scripts/pg-scratch');
let ownCluster = null; // the directory of a cluster started here

function stopOwnCluster() {
  if (!ownCluster) return;
  const dir = ownCluster;
  ownCluster = null;
  spawnSync(pgScratch, ['stop', dir], { stdio: 'ignore' });
}

process.on('exit', stopOwnCluster);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

// What was measured before the break is printed too: it may explain it.
let stopAllProcesses = async () => {};
let dropDatabase = async () => {};
async function fail(message) {
  printRows();
  console.error(`bench/portal/multi: ${message}`);
  await stopAllProcesses().catch(() => {});
  await dropDatabase().catch(() => {});
  process.exit(1);
}

if (process.argv.length !== 4) await fail('usage: multi.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');
process.env.GUEST_PORTAL = process.argv[2];
process.env.WEBEX_EMULATOR = process.argv[3];

if (!process.env.GP_TEST_PG_URL_FILE) {
  ownCluster = mkdtempSync(path.join(tmpdir(), 'gp-bench-pg-'));
  const started = spawnSync(pgScratch, ['start', ownCluster], { encoding: 'utf8', timeout: 120000 });
  if (started.status !== 0) await fail(`scripts/pg-scratch start ${ownCluster}: ${started.stderr || started.error?.message}`);
  process.env.GP_TEST_PG_URL_FILE = path.join(ownCluster, 'url');
}

const {
  ADMIN, adminClient, guestClient, startEmulator, startWorld, stopAll, show, waitFor, freePort, makeTempDir,
} = await import('../../tests/lib/harness.mjs');
const { createDatabase, startInstances, startNginx, writeSecretKey, handledBy, bounded } = await import('../../tests/lib/multi.mjs');
stopAllProcesses = stopAll;

// The postmaster of the cluster (scripts/pg-scratch keeps its data beside the url file), to count
// PostgreSQL's CPU as its backends'; null when the cluster is laid out otherwise.
function postmasterPid() {
  const file = path.join(path.dirname(process.env.GP_TEST_PG_URL_FILE), 'data/postmaster.pid');
  if (!existsSync(file)) return null;
  return Number(readFileSync(file, 'utf8').split('\n')[0]) || null;
}

// --- CPU accounting -------------------------------------------------------------------------------

// Ticks of each named process (or group of processes) and of the whole machine, so a wrk run can say
// where the CPU went.
function cpuSnapshot(named) {
  const ticks = {};
  for (const [name, pids] of Object.entries(named)) {
    const list = typeof pids === 'function' ? pids() : pids;
    ticks[name] = list.reduce((sum, pid) => sum + processTicks(pid), 0);
  }
  return { ticks, machine: machineTicks(), at: performance.now() };
}

// wrk's own CPU: its ticks, read every WRK_SAMPLE_MS while it runs (the last reading before it exits
// is kept). The returned function stops and gives the ticks.
const WRK_SAMPLE_MS = 100;
function wrkTicks() {
  const seen = new Map();
  const sample = () => {
    for (const pid of childrenOf(process.pid)) {
      if (seen.has(pid) || commOf(pid) === 'wrk') {
        const t = processTicks(pid);
        if (t > 0 || !seen.has(pid)) seen.set(pid, t);
      }
    }
  };
  const timer = setInterval(sample, WRK_SAMPLE_MS);
  return () => {
    clearInterval(timer);
    return [...seen.values()].reduce((sum, t) => sum + t, 0);
  };
}

// {name: cores used} between two snapshots, with wrk's, the machine's busy cores and the rest
// (the kernel's own work and anything else running on the machine).
function cpuUse(before, after, wrk) {
  const seconds = (after.at - before.at) / 1000;
  const use = {};
  let listed = 0;
  for (const name of Object.keys(after.ticks)) {
    use[name] = (after.ticks[name] - before.ticks[name]) / USER_HZ / seconds;
    listed += use[name];
  }
  use.wrk = wrk / USER_HZ / seconds;
  listed += use.wrk;
  const totalTicks = after.machine.total - before.machine.total;
  const cores = availableParallelism();
  use.machine = totalTicks > 0 ? ((after.machine.busy - before.machine.busy) / totalTicks) * cores : NaN;
  use.rest = use.machine - listed;
  return use;
}

function addUse(sum, use, weight) {
  for (const [k, v] of Object.entries(use)) sum[k] = (sum[k] ?? 0) + v * weight;
  return sum;
}

// The processes a run measures, leaving out the load generator and the machine.
const MEASURED = (name) => !['machine', 'rest', 'wrk', 'this node'].includes(name);

function describeUse(use, perRequest) {
  const cores = Object.entries(use).filter(([k]) => k !== 'machine').map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  const micros = Object.entries(perRequest).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
  return `${cores} (machine ${use.machine.toFixed(2)} of ${availableParallelism()}); CPU µs per request: ${micros}`;
}

// A process's threads by CPU used between two threadTicks() readings, in cores (the portal does not
// name its threads, so they are told apart by how busy they are): "8 threads: 0.21 0.15 0.12 ...".
function busiestThreads(before, after, seconds, top = 5) {
  const used = [...after].map(([tid, t]) => (t - (before.get(tid) ?? 0)) / USER_HZ / seconds).sort((a, b) => b - a);
  return `${after.size} threads: ${used.slice(0, top).map((c) => c.toFixed(2)).join(' ')}${used.length > top ? ' …' : ''}`;
}

// --- wrk runs -------------------------------------------------------------------------------------

let broken = false;

// One wrk run with the CPU use of the processes in `named` during it, and per thread of `threadsOf`.
async function measuredRun({ args, env, named, what, threadsOf }) {
  const before = cpuSnapshot({ ...named, 'this node': [process.pid] });
  const threadsBefore = threadsOf ? threadTicks(threadsOf) : null;
  const stopWrk = wrkTicks();
  const result = await runWrk(args, env).catch((error) => fail(`${what}: ${error.message}`));
  const after = cpuSnapshot({ ...named, 'this node': [process.pid] });
  result.use = cpuUse(before, after, stopWrk());
  result.wall = (after.at - before.at) / 1000;
  result.seconds = result.requests / result.rps;
  if (threadsOf) result.threads = busiestThreads(threadsBefore, threadTicks(threadsOf), (after.at - before.at) / 1000);
  if (result.non2xx > 0) {
    console.error(`bench/portal/multi: ${what}: ${result.non2xx} of ${result.requests} answers were not 2xx`);
    broken = true;
  }
  if (result.socketErrors) {
    console.error(`bench/portal/multi: ${what}: socket errors: ${result.socketErrors}`);
    broken = true;
  }
  return result;
}

// X Y Y X: each side's rate over its two runs, its CPU use averaged, and each run's rate for the note.
async function pairedRuns(x, y) {
  const runs = { x: [], y: [] };
  for (const side of ['x', 'y', 'y', 'x']) {
    const s = side === 'x' ? x : y;
    runs[side].push(await measuredRun(s));
  }
  const summary = (list) => ({
    rps: list.reduce((sum, r) => sum + r.requests, 0) / list.reduce((sum, r) => sum + r.seconds, 0),
    requests: list.reduce((sum, r) => sum + r.requests, 0),
    each: list.map((r) => r.rps.toFixed(0)).join(' / '),
    latency: list.map((r) => r.latency).join(' / '),
    use: list.reduce((sum, r) => addUse(sum, r.use, 1 / list.length), {}),
    // CPU time of each measured process per request, over both runs: steadier than the rates when
    // other work shares the machine.
    perRequest: Object.fromEntries(Object.keys(list[0].use).filter(MEASURED).map((name) => [name,
      (list.reduce((sum, r) => sum + r.use[name] * r.wall, 0) * 1e6) / list.reduce((sum, r) => sum + r.requests, 0)])),
    threads: list.map((r) => r.threads).filter(Boolean).join(' | '),
  });
  return { x: summary(runs.x), y: summary(runs.y) };
}

// --- set-up ---------------------------------------------------------------------------------------

// GUESTS guests through `admin`, each allowed with the guests PARTNER_OFFSETS away (around a ring),
// signed in at `endpoint` (Webex identity made, guest token cached), and a space for every pair.
async function populate(admin, endpoint, prefix) {
  const createGuest = async (i) => {
    const username = `${prefix}${i}`;
    const password = `pw-${username}-Bench1`;
    const r = await admin.post('/api/v1/guests', { json: { username, displayName: `${prefix} ${i}`, password } });
    if (r.status !== 201) await fail(`create guest: ${show(r)}`);
    return { ...r.json, password };
  };
  const guests = await bounded([...Array(GUESTS).keys()], SETUP_BATCH, createGuest);
  const pairs = [];
  for (let i = 0; i < GUESTS; i++) for (const d of PARTNER_OFFSETS) pairs.push([i, (i + d) % GUESTS]);
  const policy = await admin.put('/api/v1/policy/pairs', { json: { pairs: pairs.map(([a, b]) => [guests[a].id, guests[b].id]) } });
  if (policy.status !== 200) await fail(`PUT pairs: ${show(policy)}`);
  const clients = await bounded(guests, SETUP_BATCH, (g) => guestClient(endpoint, g.username, g.password));
  const spaces = [];
  for (const [a, b] of pairs) {
    const r = await clients[a].post('/api/v1/rooms', { json: { memberIds: [guests[b].id], title: `${prefix} ${a}+${b}` } });
    if (r.status !== 201) await fail(`space creation: ${show(r)}`);
    spaces.push({ ...r.json, members: [a, b] });
  }
  for (const client of clients) {
    const r = await client.get('/api/v1/rooms');
    if (r.status !== 200) await fail(`room list: ${show(r)}`);
  }
  return { guests, clients, spaces, roomsEach: (2 * pairs.length) / GUESTS };
}

// The cluster: an emulator with the AppAdmin, a database of its own, instances A and B on it with
// PUBLIC_URL naming A (the OAuth callback and the webhook go to A), NOTIFY_MODE=webhook, and two
// nginx: one in front of A alone, one in front of A and B.
async function startClusterWorld() {
  const db = await createDatabase('bench');
  dropDatabase = db.drop;
  const emulator = await startEmulator();
  const adminPerson = await emulator.person(ADMIN.displayName, ADMIN.email, true);
  const refreshToken = await emulator.serviceAppRefreshToken(adminPerson.accessToken);
  const keyFile = writeSecretKey(makeTempDir('gp-bench-multi-'));
  const aPort = await freePort();
  const publicUrl = `http://127.0.0.1:${aPort}`;
  const portals = await startInstances({
    count: 2, emulator, refreshToken, databaseUrl: db.url, publicUrl, keyFile, ports: [aPort],
    extra: { NOTIFY_MODE: 'webhook' },
  });
  const [A, B] = portals;
  const one = await startNginx({ portals: [A] });
  const two = await startNginx({ portals: [A, B] });
  const admin = await adminClient(A, emulator);
  return { db, emulator, adminPerson, publicUrl, A, B, one, two, admin };
}

// --- the latency probe ----------------------------------------------------------------------------

function runProbe(workerData) {
  const worker = new Worker(new URL('./event-probe.mjs', import.meta.url), { workerData });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

// The three slowest latencies and when their messages were posted (seconds into the run).
function slowest({ latencies, sentAt }) {
  return latencies.map((ms, i) => [ms, sentAt[i]]).sort((a, b) => b[0] - a[0]).slice(0, 3)
    .map(([ms, at]) => `${ms.toFixed(1)} ms at ${(at / 1000).toFixed(1)} s`).join(', ');
}

// Warn and error lines of a portal's log, for the reader (they may explain a number).
function troubleRow(name, portal) {
  const lines = (portal.log.stderr + portal.log.stdout).split('\n')
    .filter((l) => /^\S+Z (warning|warn|error|critical) /.test(l))
    .map((l) => l.replace(/^\S+Z /, '').replace(/id=\S+/g, 'id=…').slice(0, 160));
  const distinct = [...new Set(lines)];
  row(`${name}: warn/error lines in its log`, lines.length,
    distinct.length ? `e.g. ${distinct.slice(0, 3).map((l) => JSON.stringify(l)).join('; ')}` : '');
}

// --- the run --------------------------------------------------------------------------------------

async function main() {
  const setupStarted = performance.now();
  const world = await startClusterWorld();
  const { A, B, one, two, emulator } = world;
  const single = await startWorld({ portalExtra: { NOTIFY_MODE: 'webhook' } });
  const sqlitePortal = single.portal;

  const cluster = await populate(world.admin, two, 'pg');
  const local = await populate(single.admin, sqlitePortal, 'lite');
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const postmaster = postmasterPid();
  const postgres = () => (postmaster ? [postmaster, ...childrenOf(postmaster)] : []);
  const clusterCpu = {
    A: [A.child.pid], B: [B.child.pid], nginx: [one.child.pid, two.child.pid], postgres, emulator: [emulator.child.pid],
  };
  const cookies = (clients) => ({ GP_COOKIES: clients.map((c) => c.cookie).join(' ') });
  const signIns = (guests) => ({
    GP_SIGN_INS: guests.map((g) => JSON.stringify({ username: g.username, password: g.password })).join('\n'),
  });
  const roomsScript = path.join(here, 'cookies.lua');
  const signInScript = path.join(here, 'sign-in.lua');
  const splitOf = (nginx, from) => {
    const counts = nginx.upstreamCounts(from);
    return `A ${counts[`127.0.0.1:${A.port}`] ?? 0} / B ${counts[`127.0.0.1:${B.port}`] ?? 0}`;
  };

  // 1. Through nginx: 1 instance vs 2, reads then warm sign-ins.
  let logFrom = two.accessLog().length;
  const reads = await pairedRuns(
    { args: [...READ_WRK, '-s', roomsScript, one.url('/api/v1/rooms')], env: cookies(cluster.clients), named: clusterCpu,
      what: 'GET /api/v1/rooms via nginx, 1 instance' },
    { args: [...READ_WRK, '-s', roomsScript, two.url('/api/v1/rooms')], env: cookies(cluster.clients), named: clusterCpu,
      what: 'GET /api/v1/rooms via nginx, 2 instances' },
  );
  const readSplit = splitOf(two, logFrom);
  logFrom = two.accessLog().length;
  const signs = await pairedRuns(
    { args: [...SIGN_IN_WRK, '-s', signInScript, one.url('/api/v1/session')], env: signIns(cluster.guests), named: clusterCpu,
      what: 'POST /api/v1/session via nginx, 1 instance' },
    { args: [...SIGN_IN_WRK, '-s', signInScript, two.url('/api/v1/session')], env: signIns(cluster.guests), named: clusterCpu,
      what: 'POST /api/v1/session via nginx, 2 instances' },
  );
  const signSplit = splitOf(two, logFrom);

  const readNote = `${GUESTS} guests in turn, ${cluster.roomsEach} rooms each`;
  row('reads via nginx, 1 instance', `${reads.x.rps.toFixed(0)} req/s`,
    `GET /api/v1/rooms, ${readNote}; runs ${reads.x.each}; latency avg ${reads.x.latency}`);
  row('reads via nginx, 2 instances', `${reads.y.rps.toFixed(0)} req/s`,
    `runs ${reads.y.each}; latency avg ${reads.y.latency}; answered by ${readSplit}`);
  row('reads ratio 2 instances / 1', (reads.y.rps / reads.x.rps).toFixed(2),
    'no target set; same run. On 2 cores one instance can already use both (WORKER_THREADS = cores)');
  row('  CPU (cores), reads, 1 instance', '', describeUse(reads.x.use, reads.x.perRequest));
  row('  CPU (cores), reads, 2 instances', '', describeUse(reads.y.use, reads.y.perRequest));
  row('warm sign-ins via nginx, 1 instance', `${signs.x.rps.toFixed(1)} /s`,
    `POST /api/v1/session, ${GUESTS} guests in turn; runs ${signs.x.each}; latency avg ${signs.x.latency}`);
  row('warm sign-ins via nginx, 2 instances', `${signs.y.rps.toFixed(1)} /s`,
    `runs ${signs.y.each}; latency avg ${signs.y.latency}; answered by ${signSplit}`);
  row('sign-ins ratio 2 instances / 1', (signs.y.rps / signs.x.rps).toFixed(2),
    'no target set; same run. Argon2id is CPU-bound: a second instance adds hashing threads, not cores');
  row('  CPU (cores), sign-ins, 1 instance', '', describeUse(signs.x.use, signs.x.perRequest));
  row('  CPU (cores), sign-ins, 2 instances', '', describeUse(signs.y.use, signs.y.perRequest));

  // 2. One instance directly: PostgreSQL (A, B idle) vs SQLite (a portal of its own).
  const direct = await pairedRuns(
    { args: [...READ_WRK, '-s', roomsScript, A.url('/api/v1/rooms')], env: cookies(cluster.clients),
      named: { A: [A.child.pid], B: [B.child.pid], postgres }, what: 'GET /api/v1/rooms at A (PostgreSQL)', threadsOf: A.child.pid },
    { args: [...READ_WRK, '-s', roomsScript, sqlitePortal.url('/api/v1/rooms')], env: cookies(local.clients),
      named: { portal: [sqlitePortal.child.pid] }, what: 'GET /api/v1/rooms at the SQLite portal', threadsOf: sqlitePortal.child.pid },
  );
  row('reads at one instance, PostgreSQL', `${direct.x.rps.toFixed(0)} req/s`,
    `instance A directly, ${readNote}; runs ${direct.x.each}; latency avg ${direct.x.latency}`);
  row('reads at one instance, SQLite', `${direct.y.rps.toFixed(0)} req/s`,
    `a portal of its own with the same guests and spaces; runs ${direct.y.each}; latency avg ${direct.y.latency}`);
  row('reads ratio PostgreSQL / SQLite', (direct.x.rps / direct.y.rps).toFixed(2), 'target ≥ 0.5; same run');
  row('  CPU (cores), reads, PostgreSQL', '', describeUse(direct.x.use, direct.x.perRequest));
  row('  CPU (cores), reads, SQLite', '', describeUse(direct.y.use, direct.y.perRequest));
  const pgMicros = direct.x.perRequest.A + (direct.x.perRequest.postgres ?? 0);
  row('  CPU per read, SQLite / PostgreSQL', (direct.y.perRequest.portal / pgMicros).toFixed(2),
    `${direct.y.perRequest.portal.toFixed(0)} µs (the portal) / ${pgMicros.toFixed(0)} µs (A + PostgreSQL): ` +
    'the ratio of the rates if CPU alone bounded them');
  row('  busiest threads of A, PostgreSQL', '', `cores, each run: ${direct.x.threads}`);
  row('  busiest threads, SQLite', '', `cores, each run: ${direct.y.threads}`);

  // 3. Cross-instance notification: the webhook goes to A, the member's stream is held on B.
  const target = `${world.publicUrl}/webhooks/webex`;
  await waitFor(async () => (await emulator.state()).webhooks.some((h) => h.targetUrl === target && h.resource === 'messages'
    && h.status !== 'inactive'), 20000, 'the messages webhook at instance A');
  const webhooks = (await emulator.state()).webhooks.filter((h) => h.resource === 'messages' && h.status !== 'inactive');
  const space = cluster.spaces[0];
  const reader = await guestClient(B, cluster.guests[space.members[1]].username, cluster.guests[space.members[1]].password);
  const delivered = { A: handledBy(A, 'POST', '/webhooks/webex'), B: handledBy(B, 'POST', '/webhooks/webex') };
  const latency = await runProbe({
    portalPort: B.port, cookie: `gp_session=${reader.cookie}`, emulatorPort: emulator.port,
    adminToken: world.adminPerson.accessToken, roomId: space.webexRoomId, warmup: LATENCY_WARMUP,
    count: LATENCY_MESSAGES, gapMs: LATENCY_GAP_MS, timeoutMs: EVENT_TIMEOUT_MS,
  });
  const latencyLoad = loadavg()[0];
  if (latency.status !== 200) await fail(`the member's event stream at B: ${latency.status}`);
  if (latency.errors.length > 0) {
    console.error(`bench/portal/multi: latency probe: ${[...new Set(latency.errors)].join('; ')}`);
    broken = true;
  }
  // A's and B's access lines may reach their logs a moment after the answers.
  await sleep(500);
  const handled = { A: handledBy(A, 'POST', '/webhooks/webex') - delivered.A, B: handledBy(B, 'POST', '/webhooks/webex') - delivered.B };
  row('webhook at A → stream at B: message.created p50', `${percentile(latency.latencies, 50).toFixed(1)} ms`,
    `${latency.latencies.length} of ${LATENCY_MESSAGES} messages posted as the AppAdmin at the emulator, one at a time, ` +
    `${LATENCY_GAP_MS} ms apart, after ${LATENCY_WARMUP} not counted; load average ${latencyLoad.toFixed(1)} on ${availableParallelism()} cores`);
  row('webhook at A → stream at B: message.created p99', `${percentile(latency.latencies, 99).toFixed(1)} ms`,
    `target < 250 ms; the slowest ${slowest(latency)}; the emulator's own answer to the post: p50 ${percentile(latency.postMs, 50).toFixed(1)} ms`);
  row('messages lost (no event within 5 s)', latency.missed, 'target 0');
  row('messages announced twice', latency.duplicates, `target 0; other message events at the stream: ${latency.unmatched}`);
  row('webhook deliveries handled by A / B', `${handled.A} / ${handled.B}`,
    `${LATENCY_WARMUP + LATENCY_MESSAGES} posted; messages webhooks at the emulator: ${webhooks.map((h) => h.targetUrl).join(', ')}`);

  // nginx's logs are in directories stopAll() removes.
  const nginxErrors = [one, two].map((n) => n.errorLog().split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l)).length);
  await stopAll();
  troubleRow('instance A', A);
  troubleRow('instance B', B);
  troubleRow('SQLite portal', sqlitePortal);
  row('nginx: error lines in its logs', nginxErrors.join(' / '), '1-instance / 2-instance nginx');
  row('set-up (not measured)', `${setupSeconds.toFixed(0)} s`,
    `two PostgreSQL instances and a SQLite portal, ${GUESTS} guests and ${cluster.spaces.length} spaces in each database` +
    `${ownCluster ? '; PostgreSQL started by scripts/pg-scratch' : ''}`);
  await world.db.drop();
  stopOwnCluster();
  printRows();
  if (broken) process.exit(1);
}

main().catch((error) => fail(error.stack || error.message));
