#!/usr/bin/env node
// Benchmark of guest-portal's live notifications (GET /api/v1/events, Server-Sent Events). Prints one
// line per number, all measured in one run:
//   1. webhook mode, emulator latency 0, with 1,000 signed-in guests' streams open: the time from a
//      message posted as the AppAdmin straight to the emulator (POST /v1/messages) to the
//      `message.created` event at another guest's stream, p50 and p99 over 200 messages sent one at a
//      time. That guest's stream and the posts are in a worker thread (event-probe.mjs);
//   2. the portal's RSS (VmRSS) and thread count before and after opening 10,000 idle streams (ten per
//      session of the 1,000 guests), and the difference per stream; the portal's open-files limit;
//      another guest's GET /api/v1/rooms alone, then while the 10,000 are held past two heartbeats
//      and a sweep; how long the portal takes to let go of 9,000 streams their clients closed;
//   3. poll mode (a second portal, POLL_INTERVAL=1): Webex calls over 5 intervals with nothing
//      happening;
//   4. Webex calls per message sent through the portal (POST /api/v1/rooms/{id}/messages), over 20
//      sends, in both modes, not counting the background GET /v1/rooms, GET /v1/messages (list) and
//      GET /v1/webhooks.
// The rows print in that order; the 10,000 streams are opened first, so that their "before" is a
// portal that has held no stream yet.
// Usage: node bench/portal/events.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// Exits 0 unless something broke (a binary would not start, the set-up was refused, a send failed).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { statusField, openFiles, threadSampler } from './proc.mjs';
import { roomProbe as probeRooms, percentile } from './room-probe.mjs';

const GUESTS = 1000; // distinct signed-in guests, one session each
const IDLE_STREAMS = 10000; // ten per session
const OPEN_BATCH = 200; // streams being opened at once
const OPEN_TIMEOUT_MS = 15000;
const HOLD_MS = 35000; // past the 15 s heartbeat (twice) and the 30 s sweep of open streams
const RELEASE_TIMEOUT_MS = 45000; // the portal may notice a closed stream only when a heartbeat fails
const SETUP_BATCH = 16; // guest creations or sign-ins at once (Argon2 makes each slow)
const LATENCY_WARMUP = 3;
const LATENCY_MESSAGES = 200;
const LATENCY_GAP_MS = 150; // between one event and the next post: 200 messages span a sweep
const EVENT_TIMEOUT_MS = 5000;
const POLL_INTERVAL_S = 1;
const QUIET_INTERVALS = 5;
const SENDS = 20;
const SETTLE_MS = 500; // for a send's webhook echo (and whatever it causes) to arrive
const THREAD_SAMPLE_MS = 20;
const PROBE_EVERY_MS = 10;
const QUIET_MS = 3000;
// What polling and the webhook check cost is theirs, not a send's.
const BACKGROUND = new Set(['GET /v1/rooms', 'GET /v1/messages', 'GET /v1/webhooks']);

// Rows measured so far, by section; printed in the order of the header comment.
const sections = { latency: [], memory: [], poll: [], send: [], other: [] };

function printRows() {
  const all = [...sections.latency, ...sections.memory, ...sections.poll, ...sections.send, ...sections.other];
  if (all.length === 0) return;
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  console.log('guest-portal events benchmark');
  for (const [a, b, c] of all) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
}

// What was measured before the break is printed too: it may explain it.
function fail(message) {
  printRows();
  console.error(`bench/portal/events: ${message}`);
  process.exit(1);
}

if (process.argv.length !== 4) fail('usage: events.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');

// --- open-files limits ----------------------------------------------------------------------------

function openFilesLimit(pid = 'self') {
  const match = readFileSync(`/proc/${pid}/limits`, 'utf8').match(/^Max open files\s+(\S+)\s+(\S+)/m);
  const value = (text) => (text === 'unlimited' ? Infinity : Number(text));
  return { soft: value(match[1]), hard: value(match[2]) };
}

// Node raises its own soft open-files limit to the hard one when it starts, and a portal spawned from
// here would inherit that raise. To see the portal as it runs when started from a shell, it is started
// with the soft limit of the process that ran this one (bench/run, a shell), through a wrapper: the
// portal must raise its own (guest-portal serve does, up to the hard limit), as it must in production.
const NEEDED_FILES = IDLE_STREAMS + 1024;
let shellLimit;
try {
  shellLimit = openFilesLimit(process.ppid);
} catch {
  shellLimit = openFilesLimit();
}
const ownLimit = openFilesLimit();
let portalBinary = path.resolve(process.argv[2]);
if (shellLimit.soft < ownLimit.soft) {
  const wrapperDir = mkdtempSync(path.join(tmpdir(), 'gp-bench-events-'));
  const wrapper = path.join(wrapperDir, 'guest-portal');
  writeFileSync(wrapper, `#!/bin/sh\nulimit -S -n ${shellLimit.soft}\nexec '${portalBinary.replaceAll("'", "'\\''")}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  portalBinary = wrapper;
  process.on('exit', () => rmSync(wrapperDir, { recursive: true, force: true }));
}
process.env.GUEST_PORTAL = portalBinary;
process.env.WEBEX_EMULATOR = process.argv[3];
const { startWorld, stopAll, show, waitFor, openEvents, totalCalls } = await import('../../tests/lib/harness.mjs');

const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

// --- streams --------------------------------------------------------------------------------------

const cookieHeader = (client) => `gp_session=${client.cookie}`;

// An idle event stream on a raw socket (ten thousand of them cost little on this side): resolves once
// the response head arrived (or failed) with {socket, status, error, ended, messages}; afterwards it
// counts the `message.created` events that reach it.
function openIdleStream(port, cookie) {
  const pattern = 'event: message.created';
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const stream = { socket, status: null, error: null, ended: false, messages: 0 };
    let head = '';
    let carry = '';
    const settle = () => {
      clearTimeout(timer);
      resolve(stream);
    };
    const timer = setTimeout(() => {
      stream.error = 'no answer';
      socket.destroy();
      settle();
    }, OPEN_TIMEOUT_MS);
    const count = (text) => {
      const all = carry + text;
      for (let at = all.indexOf(pattern); at !== -1; at = all.indexOf(pattern, at + 1)) stream.messages += 1;
      carry = all.slice(-(pattern.length - 1));
    };
    socket.on('connect', () => {
      socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\n` +
        'Accept: text/event-stream\r\n\r\n');
    });
    socket.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (stream.status !== null) {
        count(text);
        return;
      }
      head += text;
      const end = head.indexOf('\r\n\r\n');
      if (end === -1 && head.length < 16384) return;
      stream.status = Number((head.match(/^HTTP\/1\.[01] (\d{3})/) || [])[1]) || `bad head ${JSON.stringify(head.slice(0, 40))}`;
      if (end !== -1) count(head.slice(end + 4));
      settle();
    });
    socket.on('error', (error) => {
      stream.error = error.code || error.message;
      if (stream.status === null) settle();
    });
    socket.on('close', () => {
      stream.ended = true;
      if (stream.status === null) {
        stream.error = stream.error ?? 'closed before answering';
        settle();
      }
    });
  });
}

function tally(values) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ×${n}`).join(', ');
}

// --- workers --------------------------------------------------------------------------------------

function runWorker(file, workerData) {
  const worker = new Worker(new URL(file, import.meta.url), { workerData });
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, result };
}

// Another guest's GET /api/v1/rooms every ~10 ms from a worker thread, until stopped.
function roomProbe(portal, client) {
  return probeRooms(portal.port, cookieHeader(client), PROBE_EVERY_MS);
}

// The three slowest latencies and when their messages were posted (seconds into the run): periodic
// work in the portal shows as stalls at regular times, the machine's noise does not.
function slowest({ latencies, sentAt }) {
  return latencies.map((ms, i) => [ms, sentAt[i]]).sort((a, b) => b[0] - a[0]).slice(0, 3)
    .map(([ms, at]) => `${ms.toFixed(1)} ms at ${(at / 1000).toFixed(1)} s`).join(', ');
}

// --- rows -----------------------------------------------------------------------------------------

function row(section, name, value, note = '') {
  sections[section].push([name, String(value), note]);
}

function describe(calls) {
  return Object.entries(calls).filter(([, v]) => v > 0).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
}

// Warn and error lines of a portal's log, for the reader (they may explain a number).
function logTrouble(portal) {
  const lines = (portal.log.stderr + portal.log.stdout).split('\n').filter((l) => /^\S+Z (warning|warn|error|critical) /.test(l));
  return lines.map((l) => l.replace(/^\S+Z /, '').replace(/id=\S+/g, 'id=…').slice(0, 160));
}

function troubleRow(name, portal) {
  const lines = logTrouble(portal);
  const distinct = [...new Set(lines)];
  row('other', `${name}: warn/error lines in the portal's log`, lines.length,
    distinct.length ? `e.g. ${distinct.slice(0, 3).map((l) => JSON.stringify(l)).join('; ')}` : '');
}

// --- common steps ---------------------------------------------------------------------------------

async function batched(items, fn) {
  const out = [];
  for (let i = 0; i < items.length; i += SETUP_BATCH) out.push(...(await Promise.all(items.slice(i, i + SETUP_BATCH).map(fn))));
  return out;
}

// Two guests who may connect, signed in, and a space of the two.
async function pairWithSpace(world, prefix) {
  const sender = await world.createGuest(`${prefix}sender`, `${prefix} Sender`);
  const reader = await world.createGuest(`${prefix}reader`, `${prefix} Reader`);
  await world.setPairs([[sender.id, reader.id]]);
  const senderClient = await world.signIn(sender);
  const readerClient = await world.signIn(reader);
  const r = await senderClient.post('/api/v1/rooms', { json: { memberIds: [reader.id], title: `${prefix} space` } });
  if (r.status !== 201) fail(`space creation: ${show(r)}`);
  return { senderClient, readerClient, space: r.json };
}

// Webex calls of one send, then of SENDS sends one after another (background calls left out).
async function sendCost(world, client, space, mode) {
  const { emulator } = world;
  const send = async (i) => {
    const r = await client.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: `send ${mode} ${i}` } });
    if (r.status !== 201) fail(`send through the portal (${mode} mode): ${show(r)}`);
  };
  await emulator.resetStats();
  await send('first');
  await sleep(SETTLE_MS);
  const firstCalls = await emulator.stats();
  await emulator.resetStats();
  for (let i = 0; i < SENDS; i++) await send(i);
  await sleep(SETTLE_MS);
  const calls = await emulator.stats();
  const counted = (c) => totalCalls(c, (k) => !BACKGROUND.has(k));
  const foreground = Object.fromEntries(Object.entries(calls).filter(([k]) => !BACKGROUND.has(k)));
  row('send', `${mode} mode: Webex calls per message sent through the portal`, (counted(calls) / SENDS).toFixed(2),
    `target exactly 1; ${SENDS} sends: ${describe(foreground)}; background left out: ` +
    `${describe(Object.fromEntries(Object.entries(calls).filter(([k]) => BACKGROUND.has(k))))}; ` +
    `the first send before them: ${counted(firstCalls)}`);
}

// --- world 1: webhook mode ------------------------------------------------------------------------

async function webhookWorld() {
  const world = await startWorld({ portalExtra: { NOTIFY_MODE: 'webhook' } });
  const { emulator, portal } = world;
  const pid = portal.child.pid;
  await emulator.resetFaults();
  const target = portal.url('/webhooks/webex');
  await waitFor(async () => (await emulator.state()).webhooks.find((h) => h.targetUrl === target), 15000,
    'the portal\'s webhook at the emulator');

  const { senderClient, readerClient, space } = await pairWithSpace(world, 'lat');
  const setupStarted = performance.now();
  const indexes = [...Array(GUESTS).keys()];
  const guests = await batched(indexes, (i) => world.createGuest(`idle${String(i).padStart(4, '0')}`, `Idle ${i}`));
  const sessions = await batched(guests, (g) => world.signIn(g));
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  // 2. Idle streams: 10 per session, opened OPEN_BATCH at a time.
  const limit = openFilesLimit(pid);
  row('memory', 'portal open-files limit (soft / hard)', `${limit.soft} / ${limit.hard}`,
    `from /proc/PID/limits; ${IDLE_STREAMS} streams need ${IDLE_STREAMS} + the portal's own; the shell's soft limit ` +
    `${shellLimit.soft}, this process's ${ownLimit.soft}${ownLimit.soft < NEEDED_FILES ? ` (too few for ${IDLE_STREAMS} streams: raise the hard limit)` : ''}`);
  // The probe alone first: the machine's own noise, to read the probe under the streams against.
  const stopQuiet = roomProbe(portal, senderClient);
  await sleep(QUIET_MS);
  const quietProbe = await stopQuiet();
  await sleep(1000);
  const before = { rss: statusField(pid, 'VmRSS'), threads: statusField(pid, 'Threads'), files: openFiles(pid) };
  const stopThreads = threadSampler(pid, THREAD_SAMPLE_MS);
  const streams = [];
  const openStarted = performance.now();
  let gaveUp = false;
  for (let i = 0; i < IDLE_STREAMS && !gaveUp; i += OPEN_BATCH) {
    const batch = [];
    for (let k = i; k < Math.min(IDLE_STREAMS, i + OPEN_BATCH); k++) batch.push(openIdleStream(portal.port, cookieHeader(sessions[k % GUESTS])));
    const answered = await Promise.all(batch);
    for (const s of answered) if (s.status !== 200) s.socket.destroy();
    streams.push(...answered);
    // A portal that accepts no more (out of file descriptors) would make every later batch wait out
    // its timeout too.
    gaveUp = answered.every((s) => s.status !== 200);
  }
  const openSeconds = (performance.now() - openStarted) / 1000;
  const accepted = streams.filter((s) => s.status === 200);
  const refused = streams.filter((s) => s.status !== 200);
  await sleep(2000);
  const opened = { rss: statusField(pid, 'VmRSS'), threads: statusField(pid, 'Threads'), files: openFiles(pid) };

  // Held past two heartbeats and a sweep, while another guest reads their rooms.
  const stopProbe = roomProbe(portal, senderClient);
  await sleep(HOLD_MS);
  const holdProbe = await stopProbe();
  const held = { rss: statusField(pid, 'VmRSS'), threads: statusField(pid, 'Threads'), files: openFiles(pid) };
  const peakThreads = stopThreads();
  const endedWhileHeld = accepted.filter((s) => s.ended).length;

  row('memory', `idle streams accepted`, `${accepted.length}/${IDLE_STREAMS}`,
    `target all; opened in ${openSeconds.toFixed(1)} s, ${OPEN_BATCH} at a time, ${IDLE_STREAMS / GUESTS} per session` +
    `${gaveUp ? `; gave up after ${streams.length} attempts, when a whole batch failed` : ''}` +
    `${refused.length ? `; the others: ${tally(refused.map((s) => s.error ?? `status ${s.status}`))}` : ''}` +
    `${endedWhileHeld ? `; ${endedWhileHeld} ended by the portal while held` : ''}`);
  row('memory', 'portal RSS before the streams', mb(before.rss), `VmRSS; ${before.files} open files`);
  row('memory', `portal RSS with ${accepted.length} idle streams`, mb(opened.rss), `2 s after opening; ${opened.files} open files`);
  row('memory', `portal RSS after holding them ${HOLD_MS / 1000} s`, mb(held.rss), `${held.files} open files`);
  const added = Math.max(opened.rss, held.rss) - before.rss;
  row('memory', 'RSS added by the idle streams', mb(added), 'target < 100 MB; the larger of the two readings');
  row('memory', 'RSS per idle stream', `${accepted.length ? (added / accepted.length).toFixed(1) : 'n/a'} KB`);
  row('memory', 'portal threads before / with / after holding the streams', `${before.threads} / ${opened.threads} / ${held.threads}`,
    `target: no thread per stream; peak ${peakThreads} (every ${THREAD_SAMPLE_MS} ms)`);
  row('memory', 'GET /api/v1/rooms p99 with no stream open', `${percentile(quietProbe.times, 99).toFixed(1)} ms`,
    `the machine's own noise, to read the next two against; p50 ${percentile(quietProbe.times, 50).toFixed(1)} ms, ` +
    `${quietProbe.times.length} samples; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
  row('memory', `GET /api/v1/rooms p50 while holding ${accepted.length} streams`, `${percentile(holdProbe.times, 50).toFixed(1)} ms`,
    `${holdProbe.times.length} samples from a worker thread`);
  row('memory', `GET /api/v1/rooms p99 while holding ${accepted.length} streams`, `${percentile(holdProbe.times, 99).toFixed(1)} ms`,
    `target ≤ 10 ms; max ${Math.max(...holdProbe.times).toFixed(1)} ms${holdProbe.errors.length ? `; ${holdProbe.errors.length} non-200: ${tally(holdProbe.errors)}` : ''}`);

  // Keep one stream per guest (streams 0 … GUESTS-1 belong to sessions 0 … GUESTS-1); close the rest.
  const kept = streams.slice(0, GUESTS);
  for (const s of streams.slice(GUESTS)) s.socket.destroy();
  const closeStarted = performance.now();
  const keptOpen = () => kept.filter((s) => s.status === 200 && !s.ended).length;
  // Read every 250 ms: listing ten thousand descriptors is not free on a two-core machine.
  let released = false;
  while (performance.now() - closeStarted < RELEASE_TIMEOUT_MS) {
    if (openFiles(pid) <= before.files + keptOpen() + 16) {
      released = true;
      break;
    }
    await sleep(250);
  }
  row('memory', `closed streams released by the portal`, released ? `${((performance.now() - closeStarted) / 1000).toFixed(1)} s` : `not within ${RELEASE_TIMEOUT_MS / 1000} s`,
    `${streams.length - kept.length} closed by the client; then ${openFiles(pid)} open files`);

  // 1. Notification latency with GUESTS streams open.
  const openDuringLatency = keptOpen();
  const { result } = runWorker('./event-probe.mjs', {
    portalPort: portal.port, cookie: cookieHeader(readerClient), emulatorPort: emulator.port,
    adminToken: world.adminPerson.accessToken, roomId: space.webexRoomId, warmup: LATENCY_WARMUP,
    count: LATENCY_MESSAGES, gapMs: LATENCY_GAP_MS, timeoutMs: EVENT_TIMEOUT_MS,
  });
  const latency = await result;
  const latencyLoad = loadavg()[0];
  if (latency.status !== 200) fail(`the measuring guest's event stream: ${latency.status}`);
  const leaked = kept.reduce((sum, s) => sum + s.messages, 0);
  const streamsNote = `${openDuringLatency} other guests' streams open (${GUESTS} distinct guests)`;
  row('latency', 'webhook mode: post at Webex → message.created p50', `${percentile(latency.latencies, 50).toFixed(1)} ms`,
    `target < 50 ms; ${latency.latencies.length} of ${LATENCY_MESSAGES} messages, one at a time, after ${LATENCY_WARMUP} not counted; ${streamsNote}; ` +
    `load average ${latencyLoad.toFixed(1)} on ${availableParallelism()} cores`);
  row('latency', 'webhook mode: post at Webex → message.created p99', `${percentile(latency.latencies, 99).toFixed(1)} ms`,
    `target < 250 ms; the slowest ${slowest(latency)}; the emulator's own answer to the post: ` +
    `p50 ${percentile(latency.postMs, 50).toFixed(1)} ms`);
  row('latency', 'webhook mode: messages without their event', latency.missed,
    `target 0 (none within ${EVENT_TIMEOUT_MS / 1000} s); announced twice: ${latency.duplicates}; other message events: ${latency.unmatched}` +
    `${latency.errors.length ? `; errors: ${tally(latency.errors)}` : ''}`);
  row('latency', 'message.created events at the streams of non-members', leaked, `target 0; over the ${openDuringLatency} other guests' streams`);

  // 4, webhook mode.
  await sendCost(world, senderClient, space, 'webhook');

  for (const s of kept) s.socket.destroy();
  await world.assertLogClean();
  troubleRow('webhook-mode portal', portal);
  row('other', 'set-up (not measured): guests created and signed in', `${GUESTS}`, `${setupSeconds.toFixed(0)} s, ${SETUP_BATCH} at a time`);
  await stopAll();
}

// --- world 2: poll mode ---------------------------------------------------------------------------

async function pollWorld() {
  const world = await startWorld({ portalExtra: { NOTIFY_MODE: 'poll', POLL_INTERVAL: String(POLL_INTERVAL_S) } });
  const { emulator, portal } = world;
  await emulator.resetFaults();
  const { senderClient, readerClient, space } = await pairWithSpace(world, 'poll');

  // One message posted at Webex, to see that polling works and has caught up before the quiet.
  const stream = await openEvents(portal, readerClient.cookie);
  if (stream.status !== 200) fail(`event stream in poll mode: ${stream.status} ${stream.body}`);
  const marker = `poll-${Date.now()}`;
  const posted = performance.now();
  const r = await emulator.call('POST', '/v1/messages', {
    headers: { authorization: `Bearer ${world.adminPerson.accessToken}` },
    json: { roomId: space.webexRoomId, text: `Polled #${marker}` },
  });
  if (r.status !== 200) fail(`post at the emulator: ${show(r)}`);
  let learnedMs;
  try {
    await stream.waitFor((e) => e.event === 'message.created' && String(e.data?.preview).includes(marker), 10000);
    learnedMs = performance.now() - posted;
  } catch {
    learnedMs = null;
  }
  await sleep(2 * POLL_INTERVAL_S * 1000);

  // 3. Nothing happening for QUIET_INTERVALS intervals.
  await emulator.resetStats();
  const quietStarted = performance.now();
  await sleep(QUIET_INTERVALS * POLL_INTERVAL_S * 1000);
  const calls = await emulator.stats();
  const intervals = (performance.now() - quietStarted) / 1000 / POLL_INTERVAL_S;
  const total = totalCalls(calls);
  row('poll', `poll mode: Webex calls per interval, nothing happening`, (total / intervals).toFixed(2),
    `target ≤ 1; ${total} calls in ${intervals.toFixed(1)} intervals of ${POLL_INTERVAL_S} s: ${describe(calls)}`);
  row('poll', 'poll mode: a message posted at Webex reached a member\'s stream after',
    learnedMs === null ? 'not within 10 s' : `${learnedMs.toFixed(0)} ms`, `one message; POLL_INTERVAL=${POLL_INTERVAL_S}`);

  // 4, poll mode.
  await sendCost(world, senderClient, space, 'poll');

  stream.close();
  await world.assertLogClean();
  troubleRow('poll-mode portal', portal);
  await stopAll();
}

async function main() {
  await webhookWorld();
  await pollWorld();
  printRows();
}

main().catch(async (error) => {
  await stopAll();
  fail(error.stack || error.message);
});
