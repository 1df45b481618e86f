#!/usr/bin/env node
// Benchmark of webex-emulator: requests/second for GET /v1/people/me and POST /v1/messages (wrk),
// then memory (VmRSS) after 100,000 messages. Usage: node bench/emulator/run.mjs PATH/TO/webex-emulator
// Exits 0 unless something broke (emulator would not start, wrk failed, requests were refused).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk as runWrkOnce } from '../wrk.mjs';

const TOTAL_MESSAGES = 100_000;
const TARGET_GET_PER_SECOND = 20_000;
const TARGET_RSS_MB = 200;
const WRK_ARGS = ['-t2', '-c64', '-d5s'];
const here = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`bench/emulator: ${message}`);
  process.exit(1);
}

const binary = process.argv[2];
if (!binary) fail('usage: run.mjs PATH/TO/webex-emulator');

function startEmulator() {
  const child = spawn(binary, ['--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('emulator did not start within 15 s')), 15000);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/webex-emulator listening on (http:\/\/\S+)\r?\n/);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, origin: m[1] });
      }
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function call(origin, method, path, { token, json } = {}) {
  const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = body.length;
  }
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        resolve({ status: res.statusCode, json: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function mustOk(origin, method, path, opts, expected = 200) {
  const r = await call(origin, method, path, opts);
  if (r.status !== expected) fail(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
  return r.json;
}

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!m) fail(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

function runWrk(args, env = {}) {
  return runWrkOnce(args, env).catch((error) => fail(error.message));
}

// Posts messages until `count` more have been accepted, `concurrency` requests at a time.
async function postMessages(origin, token, roomId, count, concurrency = 32) {
  let next = 0;
  let refused = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const r = await call(origin, 'POST', '/v1/messages', { token, json: { roomId, text: `fill message ${i}` } });
      if (r.status !== 200) refused++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return refused;
}

const mb = (kib) => (kib / 1024).toFixed(1);

async function setUp(origin, token) {
  await mustOk(origin, 'POST', '/_emulator/people', {
    json: { displayName: 'Bench User', email: 'bench@example.com', licensed: true, accessToken: token },
  });
  return mustOk(origin, 'POST', '/v1/rooms', { token, json: { title: 'Benchmark room' } });
}

async function withEmulator(body) {
  let emulator;
  try {
    emulator = await startEmulator();
  } catch (e) {
    fail(e.message);
  }
  try {
    return await body(emulator.origin, emulator.child.pid);
  } finally {
    const exited = new Promise((resolve) => emulator.child.once('exit', resolve));
    emulator.child.kill('SIGTERM');
    await exited;
  }
}

// Rates, in one emulator: the two wrk runs back to back.
function measureRates() {
  return withEmulator(async (origin) => {
    const token = 'bench-token';
    const room = await setUp(origin, token);
    const get = await runWrk([...WRK_ARGS, '-H', `Authorization: Bearer ${token}`, `${origin}/v1/people/me`]);
    const post = await runWrk([...WRK_ARGS, '-s', join(here, 'post_messages.lua'), `${origin}/v1/messages`],
      { ROOM_ID: room.id, TOKEN: token });
    let broken = false;
    for (const [name, r] of [['GET /v1/people/me', get], ['POST /v1/messages', post]]) {
      if (r.non2xx > 0) {
        console.error(`bench/emulator: ${name}: ${r.non2xx} of ${r.requests} responses were not 2xx`);
        broken = true;
      }
      if (r.socketErrors) console.error(`bench/emulator: ${name}: socket errors: ${r.socketErrors}`);
    }
    return { get, post, broken };
  });
}

// Memory, in a fresh emulator so the rate runs do not inflate it: exactly TOTAL_MESSAGES messages.
function measureMemory() {
  return withEmulator(async (origin, pid) => {
    const token = 'bench-token';
    const room = await setUp(origin, token);
    const rssBefore = rssKiB(pid);
    const started = performance.now();
    const refused = await postMessages(origin, token, room.id, TOTAL_MESSAGES);
    const seconds = (performance.now() - started) / 1000;
    if (refused > 0) console.error(`bench/emulator: ${refused} of ${TOTAL_MESSAGES} messages were refused`);
    const rssAfter = rssKiB(pid);
    const messages = TOTAL_MESSAGES - refused;
    return { rssBefore, rssAfter, messages, seconds, broken: refused > 0 };
  });
}

async function main() {
  const { get, post, broken: ratesBroken } = await measureRates();
  const mem = await measureMemory();
  agent.destroy();
  const perMessageBytes = ((mem.rssAfter - mem.rssBefore) * 1024) / Math.max(1, mem.messages);
  const rows = [
    ['GET /v1/people/me', `${get.rps.toFixed(0)} req/s`, `latency avg ${get.latency}, ${get.requests} requests`],
    ['POST /v1/messages', `${post.rps.toFixed(0)} req/s`, `latency avg ${post.latency}, ${post.requests} requests`],
    ['POST/GET ratio', (post.rps / get.rps).toFixed(2), 'same run'],
    ['RSS before messages', `${mb(mem.rssBefore)} MB`, 'VmRSS, fresh emulator'],
    [`RSS after ${mem.messages} messages`, `${mb(mem.rssAfter)} MB`,
      `posted in ${mem.seconds.toFixed(1)} s (${(mem.messages / mem.seconds).toFixed(0)} msg/s, 32 connections)`],
    ['RSS per message', `${perMessageBytes.toFixed(0)} B`, '(after - before) / messages'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`webex-emulator benchmark (wrk ${WRK_ARGS.join(' ')})`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const getOk = get.rps >= TARGET_GET_PER_SECOND;
  const rssOk = mem.rssAfter / 1024 < TARGET_RSS_MB;
  console.log('targets');
  console.log(`  GET /v1/people/me >= ${TARGET_GET_PER_SECOND} req/s: ${getOk ? 'met' : 'NOT met'} (${get.rps.toFixed(0)})`);
  console.log(`  RSS after ${TOTAL_MESSAGES} messages < ${TARGET_RSS_MB} MB: ${rssOk ? 'met' : 'NOT met'} (${mb(mem.rssAfter)} MB)`);
  process.exitCode = ratesBroken || mem.broken ? 1 : 0;
}

main().catch((e) => fail(e.stack || String(e)));
