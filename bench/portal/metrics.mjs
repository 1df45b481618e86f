#!/usr/bin/env node
// What scraping GET /metrics costs (docs/metrics.md). Prints, measured in one run:
//   1. the throughput of a cheap read route (GET /healthz) with wrk, without and with a scraper
//      fetching /metrics every second, in the order without, with, with, without (so that load that
//      drifts during the run weighs on both sides alike), and the ratio with ÷ without;
//      and the portal's CPU per /healthz request on each side (which depends less than the rates on
//      what else runs on the machine);
//   2. one scrape: its size, its median time, and the portal's CPU per scrape over 200 back to back,
//      as a share of one core at one scrape per second: what scraping takes from the capacity of a
//      portal whose event loop (one thread) is saturated.
// Target: scraping every second costs < 1 % of the throughput (ratio ≥ 0.99).
// Usage: node bench/portal/metrics.mjs PATH/TO/guest-portal PATH/TO/webex-emulator
// Exits 0 unless something broke (a binary would not start, a request was refused, wrk failed).
import { readFileSync } from 'node:fs';
import { runWrk as runWrkOnce } from '../wrk.mjs';

const WRK_ARGS = ['-t1', '-c32', '-d8s'];
const SCRAPES = 200;

function fail(message) {
  console.error(`bench/metrics: ${message}`);
  process.exit(1);
}

if (process.argv.length !== 4) fail('usage: metrics.mjs PATH/TO/guest-portal PATH/TO/webex-emulator');
process.env.GUEST_PORTAL = process.argv[2];
process.env.WEBEX_EMULATOR = process.argv[3];
const { startWorld, stopAll, show } = await import('../../tests/lib/harness.mjs');

function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

const median = (values) => {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const row = (name, value, note = '') => console.log(`${name.padEnd(34)} ${String(value).padEnd(16)} ${note}`);

async function scrapeOnce(portal) {
  const started = performance.now();
  const r = await portal.call('GET', '/metrics');
  if (r.status !== 200) fail(`/metrics: ${show(r)}`);
  return { ms: performance.now() - started, bytes: Buffer.byteLength(r.text) };
}

// A wrk run on /healthz; with `scrape`, /metrics is fetched every second meanwhile.
async function run(portal, scrape) {
  const cpuBefore = cpuMicros(portal.child.pid);
  let scrapes = 0;
  let timer;
  if (scrape) {
    timer = setInterval(() => {
      scrapeOnce(portal).then(() => { scrapes += 1; }, (error) => fail(error.message));
    }, 1000);
  }
  const result = await runWrkOnce([...WRK_ARGS, portal.url('/healthz')]).catch((error) => fail(error.message));
  if (timer) clearInterval(timer);
  if (result.non2xx > 0 || result.socketErrors) fail(`wrk: ${result.non2xx} non-2xx, socket errors ${result.socketErrors}`);
  return { ...result, scrapes, cpu: cpuMicros(portal.child.pid) - cpuBefore };
}

const setUpStarted = performance.now();
const world = await startWorld();
const { portal } = world;
const pid = portal.child.pid;
// Give /metrics the series a working portal has: guests, sign-ins, a space, messages, failures.
const guests = [];
for (const name of ['ada', 'bob', 'cyd']) guests.push(await world.createGuest(name));
await world.setPairs([[guests[0].id, guests[1].id], [guests[0].id, guests[2].id]]);
const a = await world.signIn(guests[0]);
await world.signIn(guests[1]);
const space = await a.post('/api/v1/rooms', { json: { memberIds: [guests[1].id], title: 'bench' } });
if (space.status !== 201) fail(`create space: ${show(space)}`);
for (let i = 0; i < 5; i++) {
  const sent = await a.post(`/api/v1/rooms/${space.json.id}/messages`, { json: { text: `m${i}` } });
  if (sent.status !== 201) fail(`send: ${show(sent)}`);
}
await portal.call('POST', '/api/v1/session', { json: { username: 'ada', password: 'wrong-password-1' } });
for (const p of ['/api/v1/info', '/nope', '/', '/api/v1/rooms']) await portal.call('GET', p);
row('set-up', `${((performance.now() - setUpStarted) / 1000).toFixed(1)} s`);

// Warm-up, not counted.
await run(portal, false);

const without1 = await run(portal, false);
const with1 = await run(portal, true);
const with2 = await run(portal, true);
const without2 = await run(portal, false);
const rate = (a1, a2) => (a1.requests + a2.requests) / (2 * 8);
const plain = rate(without1, without2);
const scraped = rate(with1, with2);
row('GET /healthz, no scraper', `${plain.toFixed(0)}/s`, `runs ${without1.rps.toFixed(0)}, ${without2.rps.toFixed(0)}`);
row('GET /healthz, scraped every 1 s', `${scraped.toFixed(0)}/s`,
  `runs ${with1.rps.toFixed(0)}, ${with2.rps.toFixed(0)}; ${with1.scrapes + with2.scrapes} scrapes`);
const ratio = scraped / plain;
row('ratio scraped ÷ not scraped', ratio.toFixed(4), `cost ${((1 - ratio) * 100).toFixed(2)} % (target < 1 %)`);
const perRequest = (x, y) => (x.cpu + y.cpu) / (x.requests + y.requests);
const cpuPlain = perRequest(without1, without2);
const cpuScraped = perRequest(with1, with2);
row('portal CPU per request, no scraper', `${cpuPlain.toFixed(1)} µs`);
row('portal CPU per request, scraped', `${cpuScraped.toFixed(1)} µs`,
  `ratio ${(cpuScraped / cpuPlain).toFixed(4)} (scrapes included)`);

const times = [];
let bytes = 0;
const cpuBefore = cpuMicros(pid);
for (let i = 0; i < SCRAPES; i++) {
  const one = await scrapeOnce(portal);
  times.push(one.ms);
  bytes = one.bytes;
}
const cpuPerScrape = (cpuMicros(pid) - cpuBefore) / SCRAPES;
row('one scrape: size', `${(bytes / 1024).toFixed(1)} KiB`);
row('one scrape: median time', `${median(times).toFixed(2)} ms`, `over ${SCRAPES}, one at a time`);
row('one scrape: portal CPU', `${(cpuPerScrape / 1000).toFixed(2)} ms`,
  `= ${((cpuPerScrape / 1e6) * 100).toFixed(3)} % of one core at one scrape per second`);
row('load average', readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
await stopAll();
