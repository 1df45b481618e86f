// GET /metrics (docs/metrics.md): Prometheus text format 0.0.4, read by a strict parser; its counters
// move as real actions are taken; labels are templates, never ids, names or secrets; served only to
// loopback clients without METRICS_TOKEN, and only with the bearer token with one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startWorld, startPortal, stopAll, show, assertError, waitFor, openEvents, rawRequest, REPO_ROOT,
} from '../lib/harness.mjs';
import { parsePrometheusText, sampleValue } from '../lib/prometheus.mjs';
import { NGINX, startNginx } from '../lib/multi.mjs';

let world;
let A;
let B;
let a;
let b;
let space;
const streams = [];
const METRICS_TOKEN = 'metrics-scrape-token-0123456789';

before(async () => {
  // 127.0.0.1 is a trusted proxy: a request with X-Forwarded-For looks as if it came from that address.
  world = await startWorld({ portalExtra: { TRUSTED_PROXIES: '127.0.0.1' } });
  world.secrets.add('metrics token', METRICS_TOKEN);
  A = await world.createGuest('amelia', 'Amelia Metricsson');
  B = await world.createGuest('bertil', 'Bertil Scrapewood');
  await world.setPairs([[A.id, B.id]]);
  a = await world.signIn(A);
  b = await world.signIn(B);
  const r = await a.post('/api/v1/rooms', { json: { memberIds: [B.id], title: 'Metrics room' } });
  assert.equal(r.status, 201, show(r));
  space = r.json;
});
after(async () => {
  for (const s of streams) s.close();
  await stopAll();
});

async function scrape(portal = world.portal, headers = {}) {
  const r = await portal.call('GET', '/metrics', { headers });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return { text: r.text, families: parsePrometheusText(r.text) };
}

const value = (m, name, labels = {}) => sampleValue(m.families, name, labels);

test('the parser refuses malformed exposition text', () => {
  const good = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 2\n';
  assert.equal(sampleValue(parsePrometheusText(good), 'x_total', { a: '1' }), 2);
  for (const bad of [
    'x_total 1\n', // no TYPE
    '# TYPE x_total counter\nx_total{a="1} 2\n', // unterminated label value
    '# TYPE x_total counter\nx_total{a="1"} two\n', // not a number
    '# TYPE x_total counter\nx_total{a="\\q"} 1\n', // unknown escape
    '# TYPE x_total counter\nx_total 1\nx_total 2\n', // the same series twice
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // decreasing buckets
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
    '# TYPE x_total counter\n# TYPE x_total counter\nx_total 1\n', // TYPE twice
    '# TYPE x_total counter\nx_total 1', // no final newline
  ]) {
    assert.throws(() => parsePrometheusText(bad), Error, JSON.stringify(bad));
  }
});

test('/metrics parses, names its build and has every family documented in docs/metrics.md', async () => {
  const m = await scrape();
  const build = m.families.get('guest_portal_build_info');
  assert.equal(build.type, 'gauge');
  assert.equal(build.samples.length, 1);
  assert.equal(build.samples[0].labels.version, '0.1.0');
  assert.equal(build.samples[0].value, 1);
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs/metrics.md'), 'utf8');
  for (const [name, family] of m.families) {
    assert.ok(family.help.length > 0, `${name} has no HELP`);
    assert.ok(docs.includes(`\`${name}\``), `${name} is not in docs/metrics.md`);
  }
  for (const name of ['guest_portal_http_requests_total', 'guest_portal_webex_requests_total', 'guest_portal_sse_streams',
    'guest_portal_events_delivered_total', 'guest_portal_events_dropped_total', 'guest_portal_pool_hosts',
    'guest_portal_pool_exhaustions_total', 'guest_portal_reconciler_backlog', 'guest_portal_sign_ins_total',
    'guest_portal_token_refreshes_total', 'guest_portal_webex_retries_total', 'guest_portal_webex_rate_limited_total',
    'guest_portal_http_request_duration_seconds', 'guest_portal_webex_request_duration_seconds']) {
    assert.ok(m.families.has(name), `${name} is missing`);
  }
  assert.equal(value(m, 'guest_portal_pool_hosts', { state: 'free' }), 0);
  assert.equal(value(m, 'guest_portal_reconciler_backlog'), 0);
});

test('the Grafana dashboard queries only series that /metrics has', async () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs/grafana-dashboard.json'), 'utf8'));
  const exprs = [];
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if (typeof node.expr === 'string') exprs.push(node.expr);
      Object.values(node).forEach(walk);
    }
  };
  walk(dashboard);
  assert.ok(exprs.length >= 8, `only ${exprs.length} queries in the dashboard`);
  const m = await scrape();
  const known = new Set();
  for (const [name, family] of m.families) {
    known.add(name);
    if (family.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) known.add(name + suffix);
  }
  for (const expr of exprs) {
    const names = expr.match(/guest_portal_[a-z_]+/g) ?? [];
    assert.ok(names.length > 0, `a query names no portal series: ${expr}`);
    for (const name of names) assert.ok(known.has(name), `the dashboard queries ${name}, which /metrics lacks: ${expr}`);
  }
});

test('a request is counted under its route template, not its path', async () => {
  const route = { method: 'GET', route: '/api/v1/guests/{id}', status: '200' };
  const before = value(await scrape(), 'guest_portal_http_requests_total', route);
  const r = await world.admin.get(`/api/v1/guests/${A.id}`);
  assert.equal(r.status, 200, show(r));
  const unknown = await world.portal.call('GET', `/no-such-page-${B.id}`);
  assert.equal(unknown.status, 404, show(unknown));
  const m = await scrape();
  assert.equal(value(m, 'guest_portal_http_requests_total', route), before + 1);
  assert.ok(value(m, 'guest_portal_http_requests_total', { route: 'unmatched', status: '404' }) >= 1);
  assert.ok(value(m, 'guest_portal_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/guests/{id}' }) >= 1);
  // A scrape counts itself too, once it is answered.
  assert.ok(value(m, 'guest_portal_http_requests_total', { route: '/metrics', status: '200' }) >= 1);
  for (const id of [A.id, B.id, space.id]) assert.ok(!m.text.includes(id), `an id appears in /metrics: ${id}`);
});

test('the server\'s own refusals are counted under the route "refused"', async () => {
  const before = value(await scrape(), 'guest_portal_http_requests_total', { route: 'refused', status: '413' });
  const r = await rawRequest(world.portal.port,
    'POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n');
  assert.equal(r.status, 413, JSON.stringify(r));
  const m = await scrape();
  assert.equal(value(m, 'guest_portal_http_requests_total', { route: 'refused', status: '413' }), before + 1);
});

test('a sent message is counted as a Webex call by endpoint template and status, with its latency', async () => {
  const calls = { method: 'POST', endpoint: '/messages' };
  const before = await scrape();
  const r = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'counted once' } });
  assert.equal(r.status, 201, show(r));
  const m = await scrape();
  const sent = (x) => value(x, 'guest_portal_webex_requests_total', calls);
  assert.equal(sent(m), sent(before) + 1);
  const webex = m.families.get('guest_portal_webex_requests_total').samples;
  const mine = webex.filter((s) => s.labels.method === 'POST' && s.labels.endpoint === '/messages');
  assert.ok(mine.every((s) => /^2\d\d$/.test(s.labels.status)), JSON.stringify(mine));
  assert.equal(value(m, 'guest_portal_webex_request_duration_seconds_count', calls),
    value(before, 'guest_portal_webex_request_duration_seconds_count', calls) + 1);
  assert.equal(value(m, 'guest_portal_http_requests_total', { method: 'POST', route: '/api/v1/rooms/{id}/messages', status: '201' }),
    value(before, 'guest_portal_http_requests_total', { method: 'POST', route: '/api/v1/rooms/{id}/messages', status: '201' }) + 1);
  // Every endpoint label is a template from the client's bounded set.
  for (const s of webex) assert.match(s.labels.endpoint, /^(other|(\/[a-z_]+)(\/(\{id\}|me|join|login|token|end))*)$/, s.labels.endpoint);
  // Guest tokens were issued when the guests signed in.
  assert.ok(value(m, 'guest_portal_token_refreshes_total', { kind: 'guest', outcome: 'success' }) >= 2);
});

test('an open event stream shows in the live-streams gauge until it closes; deliveries are counted', async () => {
  const before = await scrape();
  assert.equal(value(before, 'guest_portal_sse_streams'), 0);
  const stream = await openEvents(world.portal, b.cookie);
  streams.push(stream);
  assert.equal(stream.status, 200, stream.body);
  await waitFor(async () => value(await scrape(), 'guest_portal_sse_streams') === 1, 5000, 'the gauge at 1');
  const m = await scrape();
  assert.equal(value(m, 'guest_portal_http_requests_total', { route: '/api/v1/events', status: '200' }),
    value(before, 'guest_portal_http_requests_total', { route: '/api/v1/events', status: '200' }) + 1);
  const posted = await a.post(`/api/v1/rooms/${space.id}/messages`, { json: { text: 'to the stream' } });
  assert.equal(posted.status, 201, show(posted));
  await stream.waitFor((e) => e.event === 'message.created' && e.data.messageId === posted.json.id, 8000);
  const delivered = value(await scrape(), 'guest_portal_events_delivered_total');
  assert.ok(delivered >= value(before, 'guest_portal_events_delivered_total') + 1, `delivered ${delivered}`);
  stream.close();
  await waitFor(async () => value(await scrape(), 'guest_portal_sse_streams') === 0, 5000, 'the gauge back at 0');
});

test('sign-in failures and throttles are counted; no name, username, password or secret appears', async () => {
  const failure = { kind: 'guest', outcome: 'failure' };
  const throttled = { kind: 'guest', outcome: 'throttled' };
  const before = await scrape();
  // From an address of its own (through the trusted proxy), so that the throttle leaves 127.0.0.1 alone.
  const from = { 'x-forwarded-for': '203.0.113.77' };
  const wrong = await world.portal.call('POST', '/api/v1/session',
    { json: { username: A.username, password: 'not-the-password-1' }, headers: from });
  assertError(wrong, 401, 'invalid_credentials');
  assert.equal(value(await scrape(), 'guest_portal_sign_ins_total', failure),
    value(before, 'guest_portal_sign_ins_total', failure) + 1);
  let refused;
  for (let attempt = 0; attempt < 30 && !refused; attempt++) {
    const r = await world.portal.call('POST', '/api/v1/session',
      { json: { username: A.username, password: `wrong-${attempt}-xx` }, headers: from });
    if (r.status === 429) refused = r;
  }
  assert.ok(refused, 'no 429 after 30 wrong passwords');
  const m = await scrape();
  assert.ok(value(m, 'guest_portal_sign_ins_total', throttled) >= value(before, 'guest_portal_sign_ins_total', throttled) + 1);
  assert.ok(value(m, 'guest_portal_sign_ins_total', { kind: 'guest', outcome: 'success' }) >= 2);
  for (const word of [A.username, B.username, A.displayName, B.displayName, 'Amelia', 'Scrapewood', A.password,
    B.password, a.cookie, b.cookie, space.title, '203.0.113.77']) {
    assert.ok(!m.text.includes(word), `/metrics shows ${word}`);
  }
  world.secrets.assertAbsentFrom(m.text, '/metrics');
});

test('without METRICS_TOKEN, /metrics is refused to a client that is not on loopback', async () => {
  const r = await world.portal.call('GET', '/metrics', { headers: { 'x-forwarded-for': '198.51.100.7' } });
  assertError(r, 403, 'metrics_loopback_only');
  assert.ok(!r.text.includes('guest_portal_'), 'a refusal carries metrics');
  // A token is no key when none is configured.
  const bearer = await world.portal.call('GET', '/metrics',
    { headers: { 'x-forwarded-for': '198.51.100.7', authorization: `Bearer ${METRICS_TOKEN}` } });
  assertError(bearer, 403, 'metrics_loopback_only');
});

test('with METRICS_TOKEN, /metrics needs the bearer token, from any address', async () => {
  const portal = await startPortal({
    emulator: world.emulator, refreshToken: world.refreshToken,
    extra: { TRUSTED_PROXIES: '127.0.0.1', METRICS_TOKEN },
  });
  const none = await portal.call('GET', '/metrics');
  assertError(none, 401, 'metrics_token_required');
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="metrics"');
  const wrong = await portal.call('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
  assertError(wrong, 401, 'metrics_token_required');
  assert.ok(!wrong.text.includes(METRICS_TOKEN), 'the refusal echoes the token');
  const m = await scrape(portal, { authorization: `Bearer ${METRICS_TOKEN}`, 'x-forwarded-for': '198.51.100.7' });
  assert.ok(!m.text.includes(METRICS_TOKEN), '/metrics shows its token');
  assert.ok(value(m, 'guest_portal_http_requests_total', { route: '/metrics', status: '401' }) >= 2);
  await portal.stop();
  const log = portal.log.stderr + portal.log.stdout;
  assert.ok(!log.includes(METRICS_TOKEN), 'the token is in the log');
});

test('nginx, configured as shipped, does not pass /metrics on', async (t) => {
  if (!fs.existsSync(NGINX)) {
    t.skip('nginx is not installed');
    return;
  }
  const lb = await startNginx({ portals: [world.portal] });
  const healthz = await lb.call('GET', '/healthz');
  assert.equal(healthz.status, 200, show(healthz));
  // Also spelt so that only a decoding proxy sees /metrics in it.
  for (const target of ['/metrics', '/metrics?x=1', '/%6detrics', '//metrics']) {
    const r = await lb.call('GET', target);
    assert.equal(r.status, 404, `${target}: ${show(r)}`);
    assert.ok(!r.text.includes('guest_portal_'), `${target} reached the portal`);
  }
  await lb.stop();
});

test('the portal log holds no secret (checked after the portal stops)', async () => {
  await world.assertLogClean();
});
