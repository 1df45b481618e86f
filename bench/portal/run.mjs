#!/usr/bin/env node
// Benchmark of guest-portal against webex-emulator. Prints, measured in one run:
//   1. Webex calls per user action (from /_emulator/stats): warm guest sign-in + first page, and
//      space creation with N = 2 and N = 5 guests;
//   2. wrk rates of GET /api/v1/rooms (signed-in guest) vs GET /healthz on the same server, and their ratio;
//   3. with 50 ms of emulator latency, the median time to create a space with 5 guests vs one Webex call.
// Usage: node bench/portal/run.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// Exits 0 unless something broke (a binary would not start, a request was refused, wrk failed).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk as runWrkOnce } from '../wrk.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WRK_ARGS = ['-t1', '-c64', '-d5s'];
const LATENCY_MS = 50;
const LATENCY_RUNS = 5;
const POOL = 10; // guests, all pairs allowed

function fail(message) {
  console.error(`bench/portal: ${message}`);
  process.exit(1);
}

if (process.argv.length !== 4) fail('usage: run.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');
process.env.GUEST_PORTAL = process.argv[2];
process.env.WEBEX_EMULATOR = process.argv[3];
const { startWorld, stopAll, totalCalls, show, request } = await import('../../tests/lib/harness.mjs');

function runWrk(args, env = {}) {
  return runWrkOnce(args, env).catch((error) => fail(error.message));
}

// CPU time (user + system) the process has used so far, in microseconds, from /proc.
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

// A wrk run, with the CPU time the portal spent per request during it.
async function measure(pid, args, env) {
  const before = cpuMicros(pid);
  const result = await runWrk(args, env);
  result.cpuPerRequest = (cpuMicros(pid) - before) / result.requests;
  return result;
}

const median = (values) => {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function describe(calls) {
  return Object.entries(calls).filter(([, v]) => v > 0).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
}

async function expectStatus(r, statuses) {
  if (!statuses.includes(r.status)) fail(show(r));
  return r;
}

async function main() {
  const world = await startWorld();
  const { emulator, portal } = world;

  // Guests guest0..guest9, every pair allowed, each signed in once so their Webex identities exist.
  const guests = [];
  for (let i = 0; i < POOL; i++) guests.push(await world.createGuest(`guest${i}`, `Guest ${i}`));
  const pairs = [];
  for (let i = 0; i < POOL; i++) for (let j = i + 1; j < POOL; j++) pairs.push([guests[i].id, guests[j].id]);
  await world.setPairs(pairs);
  const clients = [];
  for (const g of guests) clients.push(await world.signIn(g));
  for (const client of clients) await expectStatus(await client.get('/api/v1/rooms'), [200]);

  // 1. Webex calls per user action.
  await emulator.resetStats();
  const warm = await world.signIn(guests[0]);
  await expectStatus(await warm.get('/api/v1/rooms'), [200]);
  const warmCalls = await emulator.stats();

  const spaceCalls = {};
  for (const n of [2, 5]) {
    await emulator.resetStats();
    const others = guests.slice(1, n).map((g) => g.id);
    await expectStatus(await clients[0].post('/api/v1/rooms', { json: { memberIds: others } }), [201]);
    spaceCalls[n] = await emulator.stats();
  }

  // 2. Throughput: a signed-in guest's room list vs the trivial health check, same server, same run.
  const cookieScript = join(here, 'cookie.lua');
  const pid = portal.child.pid;
  const healthz = await measure(pid, [...WRK_ARGS, '-s', cookieScript, portal.url('/healthz')], { GP_COOKIE: warm.cookie });
  const rooms = await measure(pid, [...WRK_ARGS, '-s', cookieScript, portal.url('/api/v1/rooms')], { GP_COOKIE: warm.cookie });
  let broken = false;
  for (const [name, r] of [['GET /healthz', healthz], ['GET /api/v1/rooms', rooms]]) {
    if (r.non2xx > 0) {
      console.error(`bench/portal: ${name}: ${r.non2xx} of ${r.requests} responses were not 2xx`);
      broken = true;
    }
    if (r.socketErrors) console.error(`bench/portal: ${name}: socket errors: ${r.socketErrors}`);
  }

  // 3. Latency: one Webex call vs creating a space with 5 guests (1 room + 5 memberships).
  await emulator.configure({ latencyMs: LATENCY_MS });
  const singleCall = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const r = await request(`${emulator.apiUrl}/people/me`, 'GET', {
      headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
    });
    await expectStatus(r, [200]);
    singleCall.push(r.elapsedMs);
  }
  const spaceTimes = [];
  for (let i = 0; i < LATENCY_RUNS; i++) {
    // A member set not used before: g(1+i) with four guests after it.
    const members = [1, 2, 3, 4, 5].map((k) => guests[(i + k) % POOL]);
    const caller = clients[guests.indexOf(members[0])];
    const r = await caller.post('/api/v1/rooms', { json: { memberIds: members.slice(1).map((g) => g.id) } });
    await expectStatus(r, [201]);
    spaceTimes.push(r.elapsedMs);
  }
  await emulator.resetFaults();

  await world.assertLogClean();
  await stopAll();

  const oneCall = median(singleCall);
  const space5 = median(spaceTimes);
  const rows = [
    ['warm sign-in + GET /api/v1/rooms', `${totalCalls(warmCalls)} Webex calls`, `target ≤ 1; ${describe(warmCalls)}`],
    ['space with N=2 guests', `${totalCalls(spaceCalls[2])} Webex calls`, `target 3; ${describe(spaceCalls[2])}`],
    ['space with N=5 guests', `${totalCalls(spaceCalls[5])} Webex calls`, `target 6; ${describe(spaceCalls[5])}`],
    ['GET /healthz', `${healthz.rps.toFixed(0)} req/s`, `target ≥ 30000; latency avg ${healthz.latency}, ${healthz.requests} requests`],
    ['GET /api/v1/rooms (guest)', `${rooms.rps.toFixed(0)} req/s`, `latency avg ${rooms.latency}, ${rooms.requests} requests`],
    ['rooms/healthz ratio', (rooms.rps / healthz.rps).toFixed(2), 'target ≥ 0.5; same run'],
    ['portal CPU per request', `${healthz.cpuPerRequest.toFixed(1)} / ${rooms.cpuPerRequest.toFixed(1)} µs`,
      `healthz / rooms; their ratio ${(healthz.cpuPerRequest / rooms.cpuPerRequest).toFixed(2)} is the rate ratio with the portal alone on a core`],
    [`one Webex call (latency ${LATENCY_MS} ms)`, `${oneCall.toFixed(0)} ms`, `median of ${LATENCY_RUNS}`],
    ['space with 5 guests', `${space5.toFixed(0)} ms`, `median of ${LATENCY_RUNS}: ${spaceTimes.map((t) => t.toFixed(0)).join(', ')}`],
    ['space / one call', `${(space5 / oneCall).toFixed(2)}×`, 'target < 3× (one call at a time would be ≥ 6×)'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`guest-portal benchmark (wrk ${WRK_ARGS.join(' ')})`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  if (broken) process.exit(1);
}

main().catch(async (error) => {
  await stopAll();
  fail(error.stack || error.message);
});
