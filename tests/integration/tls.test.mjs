// HTTPS served by the portal itself (TLS_CERT_FILE, TLS_KEY_FILE): pages and the API over TLS with a
// certificate made here, HSTS, plain HTTP on the HTTPS port refused, the certificate reloaded on
// SIGHUP (new connections get the new one, open ones keep theirs, a bad file keeps the old one), and
// files that cannot serve stopping start-up with a line naming the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import {
  makeTempDir, startPortal, stopAll, portalEnv, runPortal, freePort, rawRequest, waitFor,
} from '../lib/harness.mjs';

let dir;
let first;
let second;
let live;  // the paths the portal is configured with, as certbot's live/ names stay the same
let portal;

// A self-signed certificate for 127.0.0.1 with its key, under `name` in the test's folder.
function makeCertificate(name, commonName) {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${commonName}`,
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl req: ${r.stderr}`);
  chmodSync(key, 0o600);
  const pem = readFileSync(cert, 'utf8');
  return { cert, key, pem, keyPem: readFileSync(key, 'utf8'), fingerprint: new X509Certificate(pem).fingerprint256 };
}

function install(certificate) {
  copyFileSync(certificate.cert, live.cert);
  copyFileSync(certificate.key, live.key);
  chmodSync(live.key, 0o600);
}

// One HTTPS request; `ca` is the certificate trusted. Resolves with status, headers, body and the
// fingerprint of the certificate the connection presented.
function get(pathName, { ca, agent = false, port = portal.port } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path: pathName, method: 'GET', ca, agent, timeout: 10000,
    }, (res) => {
      const fingerprint = res.socket.getPeerCertificate().fingerprint256;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, fingerprint, reused: req.reusedSocket }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${pathName} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  dir = makeTempDir('gp-tls-');
  first = makeCertificate('first', 'first.portal.test');
  second = makeCertificate('second', 'second.portal.test');
  live = { cert: path.join(dir, 'fullchain.pem'), key: path.join(dir, 'privkey.pem') };
  install(first);
  portal = await startPortal({ tls: live, extra: { NOTIFY_MODE: 'poll' } });
});

after(stopAll);

test('the portal serves pages and the API over HTTPS, with HSTS, and says https:// when it starts', async () => {
  assert.match(portal.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
  const page = await get('/guest', { ca: first.pem });
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /text\/html/);
  assert.match(page.body, /<html|<!doctype html/i);
  assert.equal(page.headers['strict-transport-security'], 'max-age=31536000');
  assert.equal(page.fingerprint, first.fingerprint);

  const api = await get('/api/v1/session', { ca: first.pem });
  assert.equal(api.status, 200);
  assert.deepEqual(JSON.parse(api.body), { role: null, csrfToken: null });
  assert.equal(api.headers['strict-transport-security'], 'max-age=31536000');

  // A client that does not trust the certificate gets no answer at all.
  await assert.rejects(get('/healthz', { ca: second.pem }), /self[- ]signed|unable to verify|certificate/i);
});

test('plain HTTP sent to the HTTPS port is answered 400 and the server keeps serving', async () => {
  const r = await rawRequest(portal.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(r.status, 400, r.raw);
  assert.equal(JSON.parse(r.text).error.code, 'https_required');
  // A connection that sends nothing is not a problem either: it is closed after the handshake timeout.
  const idle = net.connect(portal.port, '127.0.0.1');
  await new Promise((resolve) => idle.once('connect', resolve));
  const ok = await get('/healthz', { ca: first.pem });
  assert.equal(ok.status, 200);
  idle.destroy();
});

test('SIGHUP: new connections get the new certificate, an open one keeps its own', async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [first.pem, second.pem] });
  try {
    const before = await get('/healthz', { agent });
    assert.equal(before.fingerprint, first.fingerprint);

    install(second);
    portal.child.kill('SIGHUP');
    await waitFor(async () => (await get('/healthz', { ca: second.pem }).catch(() => null))?.fingerprint === second.fingerprint,
      10000, 'a new connection presenting the second certificate');

    const again = await get('/api/v1/session', { agent });
    assert.equal(again.status, 200);
    assert.equal(again.reused, true, 'the kept-alive connection was used again');
    assert.equal(again.fingerprint, first.fingerprint);
  } finally {
    agent.destroy();
  }
  assert.equal(portal.child.exitCode, null, 'the portal is still running');
  await waitFor(() => /SIGHUP: TLS certificate reloaded from /.test(portal.log.stderr + portal.log.stdout), 5000, 'the reload logged');
});

test('SIGHUP with a bad certificate file keeps the current certificate and logs one error line', async () => {
  writeFileSync(live.cert, 'not a certificate\n');
  portal.child.kill('SIGHUP');
  await waitFor(() => /SIGHUP: TLS reload failed/.test(portal.log.stderr + portal.log.stdout), 10000, 'the failed reload logged');
  const log = portal.log.stderr + portal.log.stdout;
  const lines = log.split('\n').filter((line) => line.includes('SIGHUP: TLS reload failed'));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /TLS_CERT_FILE: .*fullchain\.pem is not a PEM certificate/);
  const r = await get('/healthz', { ca: second.pem });
  assert.equal(r.status, 200);
  assert.equal(r.fingerprint, second.fingerprint);

  // A key that does not match the certificate is refused the same way, naming the key file.
  copyFileSync(second.cert, live.cert);
  copyFileSync(first.key, live.key);
  portal.child.kill('SIGHUP');
  await waitFor(() => /TLS_KEY_FILE: .*privkey\.pem does not match the certificate/.test(portal.log.stderr + portal.log.stdout),
    10000, 'the mismatched key logged');
  assert.equal((await get('/healthz', { ca: second.pem })).fingerprint, second.fingerprint);
  for (const secret of [first.keyPem, second.keyPem]) {
    const body = secret.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
    assert.ok(!log.replace(/\s/g, '').includes(body.slice(0, 40)), 'a private key reached the log');
  }
});

test('start-up stops with one line naming the key when a TLS file cannot serve', async () => {
  const port = await freePort();
  const home = makeTempDir('gp-tls-bad-');
  const run = (tls) => runPortal(['serve'], portalEnv({ dir: home, port, tls, extra: { NOTIFY_MODE: 'poll' } }), { timeoutMs: 15000 });
  const garbage = path.join(home, 'garbage.pem');
  writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const cases = [
    [{ cert: path.join(home, 'missing.pem'), key: first.key }, /^guest-portal: TLS_CERT_FILE: \S*missing\.pem cannot be read: No such file or directory$/m],
    [{ cert: garbage, key: first.key }, /^guest-portal: TLS_CERT_FILE: \S*garbage\.pem is not a PEM certificate$/m],
    [{ cert: first.cert, key: path.join(home, 'nokey.pem') }, /^guest-portal: TLS_KEY_FILE: \S*nokey\.pem cannot be read/m],
    [{ cert: first.cert, key: first.cert }, /^guest-portal: TLS_KEY_FILE: \S*first\.crt is not an unencrypted PEM private key$/m],
    [{ cert: first.cert, key: second.key }, /^guest-portal: TLS_KEY_FILE: \S*second\.key does not match the certificate/m],
  ];
  for (const [tls, expected] of cases) {
    const r = run(tls);
    assert.notEqual(r.status, 0, `started with ${JSON.stringify(tls)}`);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stdout, /listening on/);
  }
  const onlyCert = runPortal(['serve'], portalEnv({ dir: home, port, extra: { TLS_CERT_FILE: first.cert, NOTIFY_MODE: 'poll' } }));
  assert.notEqual(onlyCert.status, 0);
  assert.match(onlyCert.stderr, /TLS_KEY_FILE: must be set when TLS_CERT_FILE is \(both or neither\)/);
  const httpUrl = runPortal(['serve'], portalEnv({ dir: home, port, tls: { cert: first.cert, key: first.key }, extra: { PUBLIC_URL: `http://127.0.0.1:${port}` } }));
  assert.notEqual(httpUrl.status, 0);
  assert.match(httpUrl.stderr, /PUBLIC_URL: must be an https:\/\/ URL when TLS_CERT_FILE and TLS_KEY_FILE are set/);
});

test('check loads the TLS files and fails on a key others may read', async () => {
  const home = makeTempDir('gp-tls-check-');
  const port = await freePort();
  const key = path.join(home, 'key.pem');
  copyFileSync(first.key, key);
  chmodSync(key, 0o600);
  const env = portalEnv({ dir: home, port, tls: { cert: first.cert, key }, extra: { NOTIFY_MODE: 'poll' } });
  let r = runPortal(['check'], env);
  assert.match(r.stdout, /^ok {3}tls: the certificate and key .* load and match$/m);
  assert.doesNotMatch(r.stdout, /tls key file/);
  chmodSync(key, 0o644);
  r = runPortal(['check'], env);
  assert.match(r.stdout, new RegExp(`^FAIL tls key file: ${key.replace(/[.]/g, '\\.')} can be read by group or others \\(mode 0644\\); make it the owner's only: chmod 600 `, 'm'));
  assert.match(r.stdout, /^ok {3}tls: /m);
  assert.equal(r.status, 1);

  // serve says the same and starts all the same.
  const served = await startPortal({ dir: home, tls: { cert: first.cert, key }, extra: { NOTIFY_MODE: 'poll' } });
  await waitFor(() => /TLS_KEY_FILE: warning: .* can be read by group or others \(mode 0644\)/.test(served.log.stderr),
    5000, 'the warning from serve');
  assert.equal((await get('/healthz', { ca: first.pem, port: served.port })).status, 200);
  await served.stop();
});
