// The deployment files themselves (docs/deployment.md): nginx accepts the production site file, the
// documentation quotes the files the tests use as they are, the systemd unit is valid, and the portal
// behind nginx still tells its clients apart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { REPO_ROOT, makeTempDir, portalBinary } from '../lib/harness.mjs';
import { startCluster, checkSiteConfig, SITE_TEMPLATE, PROXY_SNIPPET } from '../lib/multi.mjs';

const UNIT = path.join(REPO_ROOT, 'deploy/systemd/guest-portal@.service');
const DOC = path.join(REPO_ROOT, 'docs/deployment.md');

let world;

// POST /api/v1/session through nginx from a given loopback address (the whole of 127/8 is local).
function signInFrom(localAddress, username, password) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username, password });
    const req = http.request({
      host: '127.0.0.1', port: world.lb.port, path: '/api/v1/session', method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  world = await startCluster();
});
after(async () => {
  await world?.stop();
});

test('nginx accepts the production site file as installed (TLS, the redirect, the proxy snippet)', async () => {
  const checked = await checkSiteConfig();
  assert.equal(checked.status, 0, checked.stderr);
});

test('docs/deployment.md quotes the nginx files and the systemd unit exactly as they are', () => {
  const doc = readFileSync(DOC, 'utf8');
  for (const file of [SITE_TEMPLATE, PROXY_SNIPPET, UNIT]) {
    const text = readFileSync(file, 'utf8').trimEnd();
    assert.ok(doc.includes(text), `docs/deployment.md does not quote ${path.relative(REPO_ROOT, file)} as it is`);
  }
});

test('systemd accepts the template unit', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  const dir = makeTempDir('gp-unit-');
  writeFileSync(path.join(dir, 'guest-portal@.service'),
    readFileSync(UNIT, 'utf8').split('/opt/guest-portal/guest-portal').join(portalBinary()));
  writeFileSync(path.join(dir, 'guest-portal.target'),
    readFileSync(path.join(REPO_ROOT, 'deploy/systemd/guest-portal.target'), 'utf8'));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(dir, 'guest-portal@5001.service')],
    { encoding: 'utf8', cwd: dir });
  const complaints = (r.stderr + r.stdout).split('\n')
    .filter((l) => l.trim() && !/Failed to resolve user|user .*guest-portal|No such process|bus/i.test(l));
  assert.equal(r.status === 0 || complaints.length === 0, true, `systemd-analyze verify: ${r.stderr}${r.stdout}`);
});

test('behind nginx, one client\'s failed sign-ins do not hold back another client', async () => {
  const guest = await world.createGuest('wanda', 'Wanda W');
  // The throttle holds an address back for 2 s after its 6th failure at an instance (counted from when
  // the attempt began). Ten failures one after the other from one address give each instance five;
  // then, at once, another client signs in and the failing address tries again. When the retry was not
  // held back, the 2 s had passed (a slow machine): try again from two fresh addresses.
  for (let round = 0; round < 3; round++) {
    const failing = `127.0.0.${2 + 2 * round}`;
    const otherAddress = `127.0.0.${3 + 2 * round}`;
    for (let i = 0; i < 10; i++) {
      const r = await signInFrom(failing, `nobody${round}x${i}`, 'wrong-password');
      assert.ok([401, 429].includes(r.status), `failure ${i + 1} from ${failing}: ${r.status}`);
    }
    const [other, again] = await Promise.all([
      signInFrom(otherAddress, guest.username, guest.password),
      signInFrom(failing, `nobody${round}-more`, 'wrong-password'),
    ]);
    if (again.status !== 429 && other.status === 200) continue;  // the window was missed: inconclusive
    assert.equal(other.status, 200,
      `a client at ${otherAddress} was refused (${other.status}, Retry-After ${other.retryAfter}) for failures from `
      + `${failing}: the portal counts nginx's address, not the client's (X-Forwarded-For / X-Real-IP)`);
    return;
  }
  assert.fail('the failing address was never held back right after its failures: the throttle window was missed three times');
});
