// The admin console's lists at scale (docs/architecture.md "Guest directory"): with 10,000 guests and
// 50,000 allowed pairs, the time of GET /api/v1/guests and GET /api/v1/policy/pairs as the admin's
// browser sees it (one keep-alive connection, sequential requests): warm, right after a change made
// through the portal (the index is updated in place), and after a change by another process (rebuilt).
//
// Usage: node bench/portal/directory.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// The guests and pairs are written straight into the portal's SQLite database (sqlite3), since
// creating 10,000 guests through the API would spend minutes hashing passwords nobody uses here.
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { percentile } from './room-probe.mjs';

const [portalPath, emulatorPath] = process.argv.slice(2);
if (!portalPath || !emulatorPath) {
  console.error('usage: node bench/portal/directory.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');
  process.exit(2);
}
process.env.GUEST_PORTAL = path.resolve(portalPath);
process.env.WEBEX_EMULATOR = path.resolve(emulatorPath);
const { startWorld, stopAll } = await import('../../tests/lib/harness.mjs');

const GUESTS = 10000;
const PAIRS = 50000;
const ROUNDS = 200;
const FIRST = ['Ann', 'Bo', 'Chen', 'Dara', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea', 'Mo', 'Nia'];
const LAST = ['Lee', 'Chan', 'Novak', 'Okafor', 'Silva', 'Tanaka', 'Weber', 'Young', 'Zhou', 'Moreau', 'Berg'];

// A small deterministic generator, so that every run measures the same data.
// (mulberry32: 32-bit integer arithmetic, exact in JavaScript numbers.)
let seed = 12345;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const id = (i) => `g${String(i).padStart(5, '0')}`;

function seedDatabase(file) {
  const lines = ['.timeout 10000', 'BEGIN;'];
  for (let i = 0; i < GUESTS; i++) {
    const name = `${pick(FIRST)} ${pick(LAST)} ${i}`;
    lines.push(`INSERT INTO guests (id, username, display_name, password_hash, disabled, created_at, updated_at) ` +
      `VALUES ('${id(i)}', 'user${i}', '${name}', 'unused', ${i % 10 === 0 ? 1 : 0}, ${1700000000 + i}, ${1700000000 + i});`);
  }
  const pairs = new Set();
  while (pairs.size < PAIRS) {
    const a = Math.floor(random() * GUESTS);
    const b = Math.floor(random() * GUESTS);
    if (a === b) continue;
    const [x, y] = a < b ? [id(a), id(b)] : [id(b), id(a)];
    pairs.add(`${x}|${y}`);
  }
  for (const pair of pairs) {
    const [a, b] = pair.split('|');
    lines.push(`INSERT INTO allowed_pairs (guest_a, guest_b) VALUES ('${a}', '${b}');`);
  }
  lines.push('COMMIT;');
  const script = path.join(path.dirname(file), 'seed.sql');
  fs.writeFileSync(script, lines.join('\n'));
  const r = spawnSync('sqlite3', [file], { input: fs.readFileSync(script), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(port, cookie, csrf, method, target, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const headers = { Cookie: cookie };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['X-CSRF-Token'] = csrf;
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: target, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        resolve({ status: res.statusCode, ms, bytes: Buffer.concat(chunks).length, text: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

let failures = 0;
async function measure(label, port, cookie, targets) {
  const times = [];
  let bytes = 0;
  for (const target of targets) {
    const r = await call(port, cookie, '', 'GET', target);
    if (r.status !== 200) {
      failures++;
      console.log(`  ${target}: ${r.status} ${r.text.slice(0, 200)}`);
      continue;
    }
    times.push(r.ms);
    bytes = r.bytes;
  }
  console.log(`${label.padEnd(58)} p50 ${percentile(times, 50).toFixed(1)} ms  p99 ${percentile(times, 99).toFixed(1)} ms  ` +
    `max ${Math.max(...times).toFixed(1)} ms  (${times.length} requests, last body ${(bytes / 1024).toFixed(0)} KiB)`);
}

const world = await startWorld();
try {
  const { portal, admin } = world;
  const cookie = admin.cookie.includes('=') ? admin.cookie : `gp_session=${admin.cookie}`;
  const seeded = Date.now();
  seedDatabase(path.join(portal.dir, 'portal.db'));
  console.log(`seeded ${GUESTS} guests and ${PAIRS} pairs in ${Date.now() - seeded} ms`);
  const port = portal.port;

  const first = await call(port, cookie, '', 'GET', '/api/v1/guests?query=');
  const total = JSON.parse(first.text).total;
  console.log(`first GET /api/v1/guests?query= after seeding (index built)   ${first.ms.toFixed(1)} ms, total ${total}`);

  const words = [...FIRST, ...LAST].map((w) => w.toLowerCase());
  const rounds = (make) => Array.from({ length: ROUNDS }, (_, i) => make(i));
  await measure('GET /api/v1/guests?query= (all 10,000, warm)', port, cookie, rounds(() => '/api/v1/guests?query='));
  await measure('GET /api/v1/guests?query=WORD&limit=50 (distinct)', port, cookie,
    rounds((i) => `/api/v1/guests?query=${words[i % words.length]}${i}&limit=50`));
  await measure('GET /api/v1/guests?query=WORD&limit=50&offset=N (distinct)', port, cookie,
    rounds((i) => `/api/v1/guests?query=${words[i % words.length]}&limit=50&offset=${i}`));
  await measure('GET /api/v1/guests?sort=displayName&order=desc&offset=N&limit=100', port, cookie,
    rounds((i) => `/api/v1/guests?sort=displayName&order=desc&offset=${i * 37}&limit=100`));
  await measure('GET /api/v1/guests?status=disabled&sort=createdAt&offset=N&limit=50', port, cookie,
    rounds((i) => `/api/v1/guests?status=disabled&sort=createdAt&offset=${i}&limit=50`));
  await measure('GET /api/v1/policy/pairs?offset=N&limit=100', port, cookie,
    rounds((i) => `/api/v1/policy/pairs?offset=${i * 211}&limit=100`));
  await measure('GET /api/v1/policy/pairs?guest=ID&limit=50', port, cookie,
    rounds((i) => `/api/v1/policy/pairs?guest=${id(i * 41)}&limit=50`));
  await measure('GET /api/v1/policy/pairs?query=WORD&limit=50&offset=N', port, cookie,
    rounds((i) => `/api/v1/policy/pairs?query=${words[i % words.length]}&limit=50&offset=${i}`));

  // Right after a change made through the portal: the index is updated in place.
  const cold = [];
  const coldPaged = [];
  const patches = [];
  for (let i = 0; i < 20; i++) {
    const body = i % 2 === 0 ? { add: [[id(i), id(GUESTS - 1 - i)]] } : { remove: [[id(i - 1), id(GUESTS - i)]] };
    const change = await call(port, cookie, admin.csrf, 'PATCH', '/api/v1/policy/pairs', body);
    if (change.status !== 200) {
      failures++;
      console.log(`  PATCH: ${change.status} ${change.text.slice(0, 200)}`);
      continue;
    }
    patches.push(change.ms);
    const target = i % 2 === 0 ? '/api/v1/guests?query=' : '/api/v1/guests?query=lee&limit=50';
    const r = await call(port, cookie, '', 'GET', target);
    if (r.status !== 200) failures++;
    (i % 2 === 0 ? cold : coldPaged).push(r.ms);
  }
  const line = (label, times) => console.log(`${label.padEnd(58)} p50 ${percentile(times, 50).toFixed(1)} ms  ` +
    `max ${Math.max(...times).toFixed(1)} ms  (${times.length})`);
  const renamed = [];
  for (let i = 0; i < 10; i++) {
    const change = await call(port, cookie, admin.csrf, 'PATCH', `/api/v1/guests/${id(i * 97)}`, { displayName: `Aaron Renamed ${i}` });
    if (change.status !== 200) {
      failures++;
      console.log(`  PATCH guest: ${change.status} ${change.text.slice(0, 200)}`);
      continue;
    }
    const r = await call(port, cookie, '', 'GET', '/api/v1/guests?query=');
    if (r.status !== 200) failures++;
    renamed.push(r.ms);
  }
  // After a change by another process (sqlite3 here, the CLI or another instance in use): rebuilt.
  const foreign = [];
  for (let i = 0; i < 5; i++) {
    const sql = `.timeout 10000\nUPDATE guests SET display_name = 'Zed Outside ${i}' WHERE id = '${id(i * 13)}';\n`;
    const w = spawnSync('sqlite3', [path.join(portal.dir, 'portal.db')], { input: sql, encoding: 'utf8' });
    if (w.status !== 0) throw new Error(`sqlite3: ${w.stderr}`);
    const r = await call(port, cookie, '', 'GET', '/api/v1/guests?query=');
    if (r.status !== 200) failures++;
    foreign.push(r.ms);
  }
  line('PATCH /api/v1/policy/pairs (one pair)', patches);
  line('GET /api/v1/guests?query= right after a pair change', cold);
  line('GET /api/v1/guests?query=lee&limit=50 right after a pair change', coldPaged);
  line('GET /api/v1/guests?query= right after a guest renamed', renamed);
  line('GET /api/v1/guests?query= after sqlite3 changed a guest (rebuilt)', foreign);
  const status = fs.readFileSync(`/proc/${portal.child.pid}/status`, 'utf8');
  console.log(`portal VmRSS ${status.match(/VmRSS:\s+(\d+)/)[1]} kB, VmHWM ${status.match(/VmHWM:\s+(\d+)/)[1]} kB`);
  console.log('target: GET /api/v1/guests?query= < 50 ms with 10,000 guests and 50,000 pairs');
} finally {
  agent.destroy();
  await stopAll();
}
if (failures > 0) {
  console.log(`${failures} requests failed`);
  process.exit(1);
}
