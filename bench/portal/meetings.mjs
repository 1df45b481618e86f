#!/usr/bin/env node
// Benchmark of the meeting broker (SPEC §4.6) with Webex at 50 ms of emulated latency. Prints one line
// per number:
//   1. adhoc mode: the time of POST /api/v1/rooms/{id}/meeting for a space that has no meeting (lease a
//      pool host, add it to the space, create the ad hoc meeting), median of several samples, each on
//      a space not used before, in Webex round trips (÷ one Webex call measured in the same run), and
//      the Webex calls of one start (/_emulator/stats);
//   2. adhoc mode: 200 meeting requests for 200 different spaces sent at once against a pool of 3
//      hosts: the time from the first request sent to the last answer, the p50/p99 of single
//      answers, how many got a lease (200) and how many 503 pool_exhausted;
//   3. space-pool mode (a second emulator and portal): the time of a lease for a portal space of 10
//      guests, with 2 guests of another space left in the pool space, in round trips, and the Webex
//      calls of one start (the adds and removals are sent at once; one by one they would take one
//      round trip each).
// Usage: node bench/portal/meetings.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// Exits 0 unless something broke (a binary would not start, the set-up was refused, a lease failed).
import { percentile } from './room-probe.mjs';

const LATENCY_MS = 50;
const HOSTS = 3;
const SPACES = 200;
const ADHOC_SAMPLES = 5;
const CONCURRENT_ROUNDS = 3;
const POOL_MEMBERS = 10; // the caller and 9 others
const STRAGGLERS = 2;
const POOL_SAMPLES = 3;
const ONE_CALL_SAMPLES = 7;
const SETUP_CONCURRENCY = 8;

function fail(message) {
  console.error(`bench/portal/meetings: ${message}`);
  process.exit(1);
}

if (process.argv.length !== 4) fail('usage: meetings.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');
process.env.GUEST_PORTAL = process.argv[2];
process.env.WEBEX_EMULATOR = process.argv[3];
const { startWorld, stopAll, show, waitFor, connectHost, request, totalCalls, bounded } = await import('../../tests/lib/harness.mjs');

const rows = [];
function row(name, value, note = '') {
  rows.push([name, String(value), note]);
}

const median = (values) => {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t) => `${t.toFixed(0)} ms`;

function describe(calls) {
  return Object.entries(calls).filter(([, v]) => v > 0).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
}

function expect(r, statuses, what) {
  if (!statuses.includes(r.status)) fail(`${what}: ${show(r)}`);
  return r;
}

// Warn and error lines of a portal's log, for the reader (they may explain a number).
function troubleRow(name, portal) {
  const lines = (portal.log.stderr + portal.log.stdout).split('\n')
    .filter((l) => /^\S+Z (warning|warn|error|critical) /.test(l))
    .map((l) => l.replace(/^\S+Z /, '').replace(/id=\S+/g, 'id=…').slice(0, 160));
  const distinct = [...new Set(lines)];
  row(`${name}: warn/error lines in the portal's log`, lines.length,
    distinct.length ? `e.g. ${distinct.slice(0, 3).map((l) => JSON.stringify(l)).join('; ')}` : '');
}

const meetingPath = (space) => `/api/v1/rooms/${space.id}/meeting`;

async function pool(world) {
  const r = expect(await world.admin.get('/api/v1/hosts'), [200], 'GET /api/v1/hosts');
  return r.json;
}

async function poolWhole(world, hosts, what) {
  await waitFor(async () => {
    const p = await pool(world);
    return p.stats.free === hosts && p.stats.leased === 0;
  }, 30000, what);
}

// The median time of one Webex call at the configured latency (the unit of a round trip).
async function oneCall(world) {
  const times = [];
  for (let i = 0; i < ONE_CALL_SAMPLES; i++) {
    const r = await request(`${world.emulator.apiUrl}/people/me`, 'GET', {
      headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
    });
    expect(r, [200], 'GET /v1/people/me');
    times.push(r.elapsedMs);
  }
  return median(times);
}

// --- adhoc ----------------------------------------------------------------------------------------

async function adhoc() {
  const setupStarted = performance.now();
  const world = await startWorld({ portalExtra: { NOTIFY_MODE: 'webhook' } });
  const { emulator } = world;
  const hostPeople = [];
  for (let i = 0; i < HOSTS; i++) {
    const email = `host${i}@example.com`;
    hostPeople.push(await emulator.person(`Host ${i}`, email, true));
    const added = expect(await world.admin.post('/api/v1/hosts', { json: { email } }), [201], 'POST /api/v1/hosts');
    const connected = await connectHost(world.portal, emulator, added.json.connectUrl, email);
    expect(connected.callback, [200], 'host connect');
  }
  const G = await world.createGuest('gaia', 'Gaia G');
  const others = await bounded(Array.from({ length: SPACES }, (_, i) => `other${String(i).padStart(3, '0')}`),
    SETUP_CONCURRENCY, (name) => world.createGuest(name));
  await world.setPairs(others.map((x) => [G.id, x.id]));
  const g = await world.signIn(G);
  const spaces = await bounded(others, SETUP_CONCURRENCY, async (x) =>
    expect(await g.post('/api/v1/rooms', { json: { memberIds: [x.id] } }), [201], 'POST /api/v1/rooms').json);
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  await emulator.configure({ latencyMs: LATENCY_MS });
  const unit = await oneCall(world);

  // 1. One lease at a time, each on a space that never had one; the host comes back in between.
  const times = [];
  let startCalls;
  for (let i = 0; i < ADHOC_SAMPLES; i++) {
    const space = spaces[i];
    await emulator.resetStats();
    const r = expect(await g.post(meetingPath(space)), [200], 'adhoc lease');
    times.push(r.elapsedMs);
    startCalls = await emulator.stats();
    expect(await g.del(meetingPath(space)), [204], 'DELETE meeting');
    await poolWhole(world, HOSTS, 'the host to come back');
  }
  const lease = median(times);
  row(`one Webex call (latency ${LATENCY_MS} ms)`, ms(unit), `median of ${ONE_CALL_SAMPLES} GET /v1/people/me`);
  row('adhoc: lease + meeting (POST .../meeting)', ms(lease),
    `median of ${ADHOC_SAMPLES}, each a new space: ${times.map((t) => t.toFixed(0)).join(', ')}`);
  row('adhoc: lease + meeting in round trips', (lease / unit).toFixed(2),
    `target ≤ 3; median ÷ one call (median ÷ ${LATENCY_MS} ms = ${(lease / LATENCY_MS).toFixed(2)})`);
  row('adhoc: Webex calls of one start', totalCalls(startCalls), describe(startCalls));

  // 2. 200 requests at once, CONCURRENT_ROUNDS rounds; the leases end between rounds.
  const exhaustedBefore = (await pool(world)).stats.exhausted;
  const walls = [];
  const singles = [];
  const outcomes = [];
  let meetingsSeen = 0;
  for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
    const started = performance.now();
    const answers = await Promise.all(spaces.map((space) => g.post(meetingPath(space)).then((r) => {
      r.doneAt = performance.now();
      return r;
    })));
    walls.push(Math.max(...answers.map((r) => r.doneAt)) - started);
    singles.push(...answers.map((r) => r.elapsedMs));
    const ok = answers.filter((r) => r.status === 200);
    const exhausted = answers.filter((r) => r.status === 503 && r.json?.error?.code === 'pool_exhausted'
      && Number(r.headers.get('retry-after')) > 0);
    const other = answers.filter((r) => r.status !== 200 && !exhausted.includes(r));
    outcomes.push({ ok: ok.length, exhausted: exhausted.length, other: other.map((r) => r.status) });
    const live = (await emulator.state()).meetings.filter((m) => m.state !== 'ended');
    meetingsSeen = Math.max(meetingsSeen, live.length);
    await Promise.all(answers.map((r, i) => (r.status === 200
      ? g.del(meetingPath(spaces[i])).then((d) => expect(d, [204], 'DELETE meeting'))
      : null)));
    await poolWhole(world, HOSTS, 'the pool to be whole after a round');
  }
  const exhaustedAfter = (await pool(world)).stats.exhausted;
  const slowest = Math.max(...walls);
  row(`${SPACES} concurrent requests, ${HOSTS} hosts: all answered`, ms(slowest),
    `target ≤ 1000 ms; first sent to last answer, slowest of ${CONCURRENT_ROUNDS} rounds (${walls.map((t) => t.toFixed(0)).join(', ')})`);
  row('concurrent requests: single answer p50', ms(percentile(singles, 50)), `${singles.length} answers`);
  row('concurrent requests: single answer p99', ms(percentile(singles, 99)), `max ${ms(Math.max(...singles))}`);
  row('concurrent requests: 200 / 503 pool_exhausted', outcomes.map((o) => `${o.ok}/${o.exhausted}`).join(', '),
    `target ${HOSTS}/${SPACES - HOSTS} each round${outcomes.some((o) => o.other.length)
      ? `; others: ${outcomes.flatMap((o) => o.other).join(', ')}` : ''}; 503s counted only with Retry-After`);
  row('concurrent requests: live Webex meetings (most)', meetingsSeen, `target ${HOSTS}`);
  row('concurrent requests: exhaustion counter rose by', exhaustedAfter - exhaustedBefore,
    `target ${CONCURRENT_ROUNDS * (SPACES - HOSTS)}`);
  troubleRow('adhoc', world.portal);
  row('adhoc set-up (not measured)', `${setupSeconds.toFixed(0)} s`,
    `${SPACES + 1} guests created (Argon2id), ${SPACES} spaces, ${SETUP_CONCURRENCY} at a time`);
  await stopAll();
}

// --- space-pool -----------------------------------------------------------------------------------

async function spacePool() {
  const world = await startWorld({ portalExtra: { MEETING_MODE: 'space-pool', NOTIFY_MODE: 'webhook' } });
  const { emulator } = world;
  const owner = await emulator.person('Olga Owner', 'olga.owner@example.com', true);
  const asOwner = (method, p, json) => emulator.call(method, p, { headers: { authorization: `Bearer ${owner.accessToken}` }, json });
  const room = expect(await asOwner('POST', '/v1/rooms', { title: 'Meeting pool' }), [200], 'POST /v1/rooms');
  const poolRoom = room.json.id;
  expect(await asOwner('POST', '/v1/memberships', { roomId: poolRoom, personId: world.adminPerson.id }), [200],
    'add the AppAdmin to the pool space');
  expect(await world.admin.post('/api/v1/hosts', { json: { spaceId: poolRoom } }), [201], 'POST /api/v1/hosts {spaceId}');
  const members = async () => (await emulator.state()).rooms.find((r) => r.id === poolRoom).memberIds;

  const guests = await bounded(Array.from({ length: POOL_MEMBERS + STRAGGLERS }, (_, i) => `pool${String(i).padStart(2, '0')}`),
    SETUP_CONCURRENCY, (name) => world.createGuest(name));
  const inSpace = guests.slice(0, POOL_MEMBERS);
  const stragglers = guests.slice(POOL_MEMBERS);
  const pairs = [];
  for (let i = 0; i < POOL_MEMBERS; i++) for (let j = i + 1; j < POOL_MEMBERS; j++) pairs.push([inSpace[i].id, inSpace[j].id]);
  pairs.push([stragglers[0].id, stragglers[1].id]);
  await world.setPairs(pairs);
  const clients = await bounded(guests, SETUP_CONCURRENCY, (x) => world.signIn(x));
  const caller = clients[0];
  const space = expect(await caller.post('/api/v1/rooms', { json: { memberIds: inSpace.slice(1).map((x) => x.id) } }),
    [201], 'POST /api/v1/rooms (10 guests)').json;
  const wanted = await Promise.all(inSpace.map((x) => world.webexPersonOf(x.id)));
  const left = await Promise.all(stragglers.map((x) => world.webexPersonOf(x.id)));

  await emulator.configure({ latencyMs: LATENCY_MS });
  const unit = await oneCall(world);
  const times = [];
  let startCalls;
  const wrong = [];
  for (let i = 0; i < POOL_SAMPLES; i++) {
    // Guests of another space, left behind in the pool space (as if by a lease whose return failed).
    for (const personId of left) {
      expect(await asOwner('POST', '/v1/memberships', { roomId: poolRoom, personId }), [200], 'add a straggler');
    }
    await emulator.resetStats();
    const r = expect(await caller.post(meetingPath(space)), [200], 'space-pool lease');
    times.push(r.elapsedMs);
    startCalls = await emulator.stats();
    if (r.json.spaceId !== poolRoom) wrong.push(`lent ${r.json.spaceId}, not the pool space`);
    const inside = await members();
    if (!wanted.every((p) => inside.includes(p))) wrong.push('not every guest of the space was added');
    if (left.some((p) => inside.includes(p))) wrong.push('a straggler was left in');
    expect(await caller.del(meetingPath(space)), [204], 'DELETE meeting');
    await poolWhole(world, 1, 'the pool space to come back');
    await waitFor(async () => {
      const now = await members();
      return !wanted.some((p) => now.includes(p));
    }, 30000, 'the guests to leave the pool space');
  }
  const lease = median(times);
  const listCalls = startCalls['GET /v1/memberships'] ?? 0;
  const adds = startCalls['POST /v1/memberships'] ?? 0;
  const removals = totalCalls(startCalls, 'DELETE /v1/memberships');
  row(`space-pool: one Webex call (latency ${LATENCY_MS} ms)`, ms(unit), `median of ${ONE_CALL_SAMPLES}`);
  row(`space-pool: lease for ${POOL_MEMBERS} guests`, ms(lease),
    `median of ${POOL_SAMPLES}, ${STRAGGLERS} stragglers each time: ${times.map((t) => t.toFixed(0)).join(', ')}`);
  row('space-pool: lease in round trips', (lease / unit).toFixed(2),
    `target ≤ 4; one by one would be ${listCalls + adds + removals} (${listCalls} list + ${adds} adds + ${removals} removals); median ÷ ${LATENCY_MS} ms = ${(lease / LATENCY_MS).toFixed(2)}`);
  row('space-pool: Webex calls of one start', totalCalls(startCalls), describe(startCalls));
  row('space-pool: pool space checks', wrong.length ? [...new Set(wrong)].join('; ') : 'ok',
    'the space\'s guests in, stragglers out, the guests gone again after the return');
  troubleRow('space-pool', world.portal);
  await stopAll();
}

async function main() {
  await adhoc();
  await spacePool();
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`guest-portal meetings benchmark (Webex latency ${LATENCY_MS} ms)`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
}

main().catch(async (error) => {
  await stopAll();
  fail(error.stack || error.message);
});
