// The measuring client of bench/portal/events.mjs, in a worker thread of its own so that the load
// generator's JavaScript (thousands of open streams on the main thread) does not delay it, as it
// would not delay a real browser on another machine. It holds one guest's event stream
// (GET /api/v1/events) and, one message at a time, posts a message as the AppAdmin straight to the
// emulator (POST /v1/messages, as a member of staff would in Webex) and times the `message.created`
// event that reaches the stream. Each text carries a marker, so the event is matched by its preview.
// Posts {status, latencies, sentAt, postMs, missed, duplicates, unmatched, errors} back when done.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as delay } from 'node:timers/promises';
import { takeEvents } from '../../tests/lib/sse.mjs';

const { portalPort, cookie, emulatorPort, adminToken, roomId, warmup, count, gapMs, timeoutMs } = workerData;
const nonce = randomBytes(4).toString('hex');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const latencies = [];
const sentAt = []; // when each counted message was posted, in ms after the first counted one
const postMs = [];
const errors = [];
let missed = 0;
let duplicates = 0;
let unmatched = 0;
const delivered = new Set();
let pending = null; // {marker, started, resolve}

function onEvent(event) {
  if (event.event !== 'message.created') return;
  const preview = String(event.data?.preview ?? '');
  const marker = (preview.match(/#(m\d+-[0-9a-f]{8})/) || [])[1];
  if (!marker || !marker.endsWith(nonce)) {
    unmatched += 1;
    return;
  }
  if (delivered.has(marker)) {
    duplicates += 1;
    return;
  }
  delivered.add(marker);
  if (pending && pending.marker === marker) pending.resolve(performance.now() - pending.started);
}

function openStream() {
  return new Promise((resolve, reject) => {
    const req = http.get({
      host: '127.0.0.1', port: portalPort, path: '/api/v1/events', agent: false,
      headers: { cookie, accept: 'text/event-stream' },
    }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const taken = takeEvents(buffer + chunk);
        buffer = taken.rest;
        for (const event of taken.events) {
          if (event.dataError) errors.push(`event data is not JSON: ${event.dataError}`);
          else onEvent(event);
        }
      });
      resolve({ req, res, status: res.statusCode });
    });
    req.on('error', reject);
  });
}

function post(text) {
  const body = JSON.stringify({ roomId, text });
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request({
      host: '127.0.0.1', port: emulatorPort, path: '/v1/messages', method: 'POST', agent,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('error', (error) => resolve({ status: `error ${error.message}`, ms: performance.now() - started }));
    req.end(body);
  });
}

// Posts message `i` and resolves with the time from sending the post to the event, or null.
async function one(i) {
  const marker = `m${i}-${nonce}`;
  let timer;
  const arrived = new Promise((resolve) => {
    pending = { marker, started: 0, resolve };
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  // Timed from just before the post is written: the event may arrive before the emulator's answer.
  pending.started = performance.now();
  const r = await post(`Latency probe #${marker}`);
  if (r.status !== 200) {
    clearTimeout(timer);
    pending = null;
    errors.push(`POST /v1/messages → ${r.status}`);
    return { latency: null, post: r.ms };
  }
  const latency = await arrived;
  clearTimeout(timer);
  pending = null;
  return { latency, post: r.ms };
}

const stream = await openStream().catch((error) => ({ status: `error ${error.message}` }));
if (stream.status !== 200) {
  parentPort.postMessage({ status: stream.status, latencies, postMs, missed, duplicates, unmatched, errors });
} else {
  let firstAt;
  for (let i = 0; i < warmup + count; i++) {
    const at = performance.now();
    if (i === warmup) firstAt = at;
    const { latency, post: ms } = await one(i);
    if (i >= warmup) {
      if (latency === null) missed += 1;
      else {
        latencies.push(latency);
        sentAt.push(at - firstAt);
      }
      postMs.push(ms);
    }
    await delay(gapMs);
  }
  // Late or repeated events of the last messages.
  await delay(500);
  stream.req.destroy();
  agent.destroy();
  parentPort.postMessage({ status: 200, latencies, sentAt, postMs, missed, duplicates, unmatched, errors });
}
