#!/usr/bin/env node
// Benchmark of guest-portal's runtime: how it holds up when Webex is slow and many clients arrive at
// once. Prints one line per number, all measured in one run against one emulator and one portal:
//   1. 48 concurrent space creations by 48 different guests at 300 ms of Webex latency, three rounds
//      one after another: the slowest round's wall time, how many were created, the portal's peak
//      thread count (/proc/PID/status Threads:, every 20 ms);
//   2. warm sign-ins (guest tokens cached) from 1 client, then from 8 concurrent clients: sign-ins per
//      second, their ratio, and the busiest thread's share of the portal's CPU during the 8-client run
//      (/proc/PID/task/*/stat);
//   3. peak RSS (VmHWM) after 64 concurrent sign-ins;
//   4. during each of the above, p50/p99 of another signed-in guest's GET /api/v1/rooms, sent from a
//      worker thread (probe.mjs) so that the load generator's own work does not delay it.
// Usage: node bench/portal/runtime.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// Exits 0 unless something broke (a binary would not start, the set-up was refused).
import { roomProbe as probeRooms, percentile } from './room-probe.mjs';
import { statusField, threadTicks, threadSampler } from './proc.mjs';

const CREATORS = 48;
const CREATION_LATENCY_MS = 300;
const CREATION_ROUNDS = 3;
const SIGN_INS_PER_CLIENT = 24;
const CONCURRENT_CLIENTS = 8;
const MEMORY_SIGN_INS = 64;
const THREAD_SAMPLE_MS = 20;
const PROBE_EVERY_MS = 10;
const QUIET_MS = 2000;

function fail(message) {
  console.error(`bench/portal/runtime: ${message}`);
  process.exit(1);
}

if (process.argv.length !== 4) fail('usage: runtime.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');
process.env.GUEST_PORTAL = process.argv[2];
process.env.WEBEX_EMULATOR = process.argv[3];
const { startWorld, stopAll, show, guestSignInRaw } = await import('../../tests/lib/harness.mjs');

// The busiest thread's share of the CPU the whole process used between two samples.
function busiestShare(before, after) {
  let total = 0;
  let busiest = 0;
  for (const [tid, t] of after) {
    const used = t - (before.get(tid) ?? 0);
    total += used;
    busiest = Math.max(busiest, used);
  }
  return { share: total > 0 ? busiest / total : NaN, totalTicks: total };
}

// --- a probing client -----------------------------------------------------------------------------

function roomProbe(client) {
  return probeRooms(client.portal.port, client.cookie, PROBE_EVERY_MS);
}

const rows = [];
function row(name, value, note = '') {
  rows.push([name, value, note]);
}
function probeRows(phase, probe, target = 'target ≤ 10 ms; ') {
  row(`${phase}: GET /api/v1/rooms p50`, `${percentile(probe.times, 50).toFixed(1)} ms`, `${probe.times.length} samples`);
  row(`${phase}: GET /api/v1/rooms p99`, `${percentile(probe.times, 99).toFixed(1)} ms`,
    `${target}max ${Math.max(...probe.times).toFixed(1)} ms${probe.errors.length ? `; ${probe.errors.length} non-200` : ''}`);
}

// --- the run --------------------------------------------------------------------------------------

async function main() {
  const world = await startWorld();
  const { emulator, portal } = world;
  const pid = portal.child.pid;

  // 64 guests, each signed in once (Webex identity and guest token cached). Guest i may connect with
  // guests i+1 … i+CREATION_ROUNDS (mod 48).
  // Set up in batches of 8 (password hashing makes each call slow; the set-up is not measured).
  const batched = async (items, fn) => {
    const out = [];
    for (let i = 0; i < items.length; i += 8) out.push(...(await Promise.all(items.slice(i, i + 8).map(fn))));
    return out;
  };
  const indexes = [...Array(MEMORY_SIGN_INS).keys()];
  const guests = await batched(indexes, (i) => world.createGuest(`load${String(i).padStart(2, '0')}`, `Load ${i}`));
  const pairs = [];
  for (let i = 0; i < CREATORS; i++) {
    for (let r = 1; r <= CREATION_ROUNDS; r++) pairs.push([guests[i].id, guests[(i + r) % CREATORS].id]);
  }
  await world.setPairs(pairs);
  const clients = await batched(guests, (g) => world.signIn(g));
  const probeGuest = await world.createGuest('prober', 'Prober');
  const prober = await world.signIn(probeGuest);

  // 0. The probe alone: what the machine gives when nothing else runs, to read the others against.
  let stopProbe = roomProbe(prober);
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  probeRows('quiet (probe alone)', await stopProbe(), 'the machine\'s own noise; ');

  // 1. Space creations while Webex is slow: CREATION_ROUNDS rounds, one after another; in round r,
  //    guest i asks for a space with guest i+r (mod 48), so every request creates a new space.
  await emulator.configure({ latencyMs: CREATION_LATENCY_MS });
  stopProbe = roomProbe(prober);
  const stopThreads = threadSampler(pid, THREAD_SAMPLE_MS);
  const roundMs = [];
  const creations = [];
  for (let round = 1; round <= CREATION_ROUNDS; round++) {
    const started = performance.now();
    creations.push(...await Promise.all(clients.slice(0, CREATORS).map((c, i) => c
      .post('/api/v1/rooms', { json: { memberIds: [guests[(i + round) % CREATORS].id] } })
      .then((r) => r.status, (error) => `error ${error.message}`))));
    roundMs.push(performance.now() - started);
  }
  const peakThreads = stopThreads();
  const creationProbe = await stopProbe();
  await emulator.resetFaults();
  const succeeded = creations.filter((s) => s === 201).length;
  const other = creations.filter((s) => s !== 201);
  row(`${CREATORS} space creations at ${CREATION_LATENCY_MS} ms latency: wall time`, `${Math.max(...roundMs).toFixed(0)} ms`,
    `target ≤ 1800 ms; slowest of ${CREATION_ROUNDS} rounds (${roundMs.map((t) => t.toFixed(0)).join(', ')})`);
  row('space creations: created', `${succeeded}/${creations.length}`,
    `target ${creations.length}${other.length ? `; others answered ${[...new Set(other)].join(', ')}` : ''}`);
  row('space creations: peak portal threads', `${peakThreads}`, `target ≤ 24; sampled every ${THREAD_SAMPLE_MS} ms`);
  probeRows('during creations', creationProbe);

  // 2. Warm sign-ins: 1 client, then 8 at once, a fixed number each.
  const signInLoop = async (g) => {
    for (let k = 0; k < SIGN_INS_PER_CLIENT; k++) {
      const r = await guestSignInRaw(portal, g.username, g.password);
      if (r.status !== 200) fail(`warm sign-in: ${show(r)}`);
    }
  };
  stopProbe = roomProbe(prober);
  let started = performance.now();
  await signInLoop(guests[0]);
  const oneRate = SIGN_INS_PER_CLIENT / ((performance.now() - started) / 1000);
  const oneProbe = await stopProbe();

  stopProbe = roomProbe(prober);
  const ticksBefore = threadTicks(pid);
  started = performance.now();
  await Promise.all(guests.slice(0, CONCURRENT_CLIENTS).map(signInLoop));
  const eightRate = (CONCURRENT_CLIENTS * SIGN_INS_PER_CLIENT) / ((performance.now() - started) / 1000);
  const { share } = busiestShare(ticksBefore, threadTicks(pid));
  const eightProbe = await stopProbe();
  row('warm sign-ins, 1 client', `${oneRate.toFixed(1)} /s`, `${SIGN_INS_PER_CLIENT} sign-ins`);
  row(`warm sign-ins, ${CONCURRENT_CLIENTS} clients`, `${eightRate.toFixed(1)} /s`, `${CONCURRENT_CLIENTS} × ${SIGN_INS_PER_CLIENT} sign-ins`);
  row(`sign-in rate ratio ${CONCURRENT_CLIENTS}/1`, (eightRate / oneRate).toFixed(2), 'target ≥ 1; same run');
  row(`busiest thread's share of portal CPU, ${CONCURRENT_CLIENTS} clients`, `${(share * 100).toFixed(0)} %`, 'target ≤ 75 %');
  probeRows('during 1-client sign-ins', oneProbe);
  probeRows(`during ${CONCURRENT_CLIENTS}-client sign-ins`, eightProbe);

  // 3. Memory after 64 sign-ins at once.
  stopProbe = roomProbe(prober);
  const memory = await Promise.all(guests.map((g) => guestSignInRaw(portal, g.username, g.password)));
  const memoryProbe = await stopProbe();
  const refused = memory.filter((r) => r.status !== 200);
  if (refused.length > 0) fail(`${refused.length} of ${MEMORY_SIGN_INS} sign-ins failed, e.g. ${show(refused[0])}`);
  const hwm = statusField(pid, 'VmHWM');
  row(`peak RSS (VmHWM) after ${MEMORY_SIGN_INS} concurrent sign-ins`, `${(hwm / 1024).toFixed(1)} MB`, 'target ≤ 200 MB');
  probeRows(`during ${MEMORY_SIGN_INS} concurrent sign-ins`, memoryProbe);

  await world.assertLogClean();
  await stopAll();

  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log('guest-portal runtime benchmark');
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
}

main().catch(async (error) => {
  await stopAll();
  fail(error.stack || error.message);
});
