// Shared helpers for the black-box suites that drive the real `guest-portal` and `webex-emulator`
// binaries over HTTP (tests/integration, bench/portal). Node 20 built-ins only.
//
// Every process started here is remembered and killed by stopAll() (call it from an `after` hook)
// and, as a last resort, when the Node process exits.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { takeEvents } from './sse.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const INTEGRATION = { clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret' };
export const SERVICE_APP = {
  id: 'emulator-service-app',
  clientId: 'emulator-sa-client-id',
  clientSecret: 'emulator-sa-client-secret',
};
export const ADMIN = { displayName: 'Alex Admin', email: 'admin@example.com' };
export const OUTSIDER = { displayName: 'Mallory Licensed', email: 'mallory@example.com' };

const START_TIMEOUT_MS = 15000;

// --- binaries -------------------------------------------------------------------------------------

// Resolves a binary from its environment variable or the default build dir, and fails with one clear
// message when it is missing (so a test file fails at once instead of hanging).
export function binary(envName, fileName) {
  // Absolute, because the portal runs with its temporary directory as the working directory.
  const candidate = path.resolve(process.env[envName] || path.join(REPO_ROOT, 'build', fileName));
  try {
    accessSync(candidate, fsConstants.X_OK);
    if (!statSync(candidate).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(
      `${fileName} not found or not executable at ${candidate}; build it or set ${envName} to its path`,
    );
  }
  return candidate;
}

export const portalBinary = () => binary('GUEST_PORTAL', 'guest-portal');
export const emulatorBinary = () => binary('WEBEX_EMULATOR', 'webex-emulator');

// --- process bookkeeping --------------------------------------------------------------------------

const live = new Set();
const tempDirs = new Set();

process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.closed = new Promise((resolve) => child.once('close', resolve));
  return child;
}

// Resolves once the process has exited and its output streams are drained ('close'), so a log read
// afterwards is complete.
export async function stopChild(child) {
  const closed = child.closed ?? new Promise((resolve) => child.once('close', resolve));
  if (child.exitCode !== null || child.signalCode !== null) {
    await closed;
    return;
  }
  const exited = closed;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

// Stops every process still running and removes the temporary directories.
export async function stopAll() {
  await Promise.all([...live].map(stopChild));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function makeTempDir(prefix = 'gp-it-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

// Spawns `file args` and resolves with {child, origin, port} once stdout carries `<banner> on URL`.
export function spawnListening(file, args, { env, cwd, banner, name }) {
  const child = track(spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  // stderr is kept as text and, for checks on the bytes themselves (valid UTF-8, no NUL), as bytes.
  const log = { stdout: '', stderr: '', stderrChunks: [] };
  const decoder = new StringDecoder('utf8');
  child.stderr.on('data', (chunk) => {
    log.stderrChunks.push(chunk);
    log.stderr += decoder.write(chunk);
  });
  child.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not print its listening line within ${START_TIMEOUT_MS} ms; stderr: ${log.stderr}`));
    }, START_TIMEOUT_MS);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (code ${code}, signal ${signal}); stderr: ${log.stderr}`));
    };
    child.once('exit', onExit);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${name} could not be started: ${error.message}`));
    });
    const re = new RegExp(`${banner} listening on (https?://([^\\s:/]+):(\\d+))\\r?\\n`);
    child.stdout.on('data', (chunk) => {
      const before = log.stdout;
      log.stdout += chunk;
      if (re.test(before)) return;
      const match = log.stdout.match(re);
      if (!match) return;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      resolve({ child, origin: match[1], port: Number(match[3]), log });
    });
  });
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// --- HTTP -----------------------------------------------------------------------------------------

// One HTTP call with fetch; never follows redirects. Options: json (sent as application/json), form,
// body + contentType (raw), headers, cookie (gp_session value), csrf.
export async function request(url, method = 'GET', { json, form, body, contentType, headers = {}, cookie, csrf } = {}) {
  const h = { ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    h['content-type'] = 'application/json';
  } else if (form !== undefined) {
    payload = new URLSearchParams(form).toString();
    h['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (contentType !== undefined) h['content-type'] = contentType;
  if (cookie !== undefined) h.cookie = cookie.includes('=') ? cookie : `gp_session=${cookie}`;
  if (csrf !== undefined) h['x-csrf-token'] = csrf;
  const started = performance.now();
  const response = await fetch(url, { method, headers: h, body: payload, redirect: 'manual' });
  const buffer = Buffer.from(await response.arrayBuffer());
  const elapsedMs = performance.now() - started;
  const text = buffer.toString('utf8');
  let parsed;
  if ((response.headers.get('content-type') || '').includes('json') && text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: response.status, headers: response.headers, text, json: parsed, elapsedMs, method, url };
}

// Sends raw bytes (a string, written as UTF-8, or a Buffer: for paths and headers fetch would
// normalise, and bytes that are not UTF-8) and resolves with
// {status, headers (lower-case keys), text} once the server closes the connection.
export function rawRequest(port, raw, { timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const head = Buffer.isBuffer(raw) ? raw.subarray(0, 80).toString('latin1') : raw.slice(0, 80);
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(head)}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(raw));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number((lines[0].match(/^HTTP\/1\.[01] (\d{3})/) || [])[1]);
      const headers = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, text: rest.join('\r\n\r\n'), raw: text });
    });
  });
}

// A short description of a response, for assertion messages.
export function show(r) {
  return `${r.method} ${r.url} → ${r.status} ${r.text.slice(0, 400)}`;
}

// Asserts the portal's error shape and status; returns the error object.
export function assertError(r, status, code) {
  assert.equal(r.status, status, `expected ${status}: ${show(r)}`);
  assert.ok(r.json && typeof r.json.error === 'object' && r.json.error !== null, `not an error body: ${show(r)}`);
  assert.equal(typeof r.json.error.code, 'string', `error.code missing: ${show(r)}`);
  assert.equal(typeof r.json.error.message, 'string', `error.message missing: ${show(r)}`);
  assert.ok(r.json.error.message.length > 0, `empty error message: ${show(r)}`);
  if (code !== undefined) assert.equal(r.json.error.code, code, `error code: ${show(r)}`);
  return r.json.error;
}

// The value of the cookie `name` set by a response, or undefined; `raw` is the whole header.
export function setCookie(r, name) {
  const all = typeof r.headers.getSetCookie === 'function' ? r.headers.getSetCookie() : [r.headers.get('set-cookie')];
  for (const raw of all.filter(Boolean)) {
    const match = raw.match(new RegExp(`^\\s*${name}=([^;]*)`));
    if (match) return { value: match[1], raw };
  }
  return undefined;
}

// The gp_session cookie set by a response, or undefined.
export function sessionCookie(r) {
  return setCookie(r, 'gp_session');
}

// Polls fn until it returns a truthy value, or fails after timeoutMs.
export async function waitFor(fn, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// --- emulator -------------------------------------------------------------------------------------

export class Emulator {
  constructor({ child, origin, port, log }) {
    this.child = child;
    this.origin = origin;
    this.port = port;
    this.apiUrl = `${origin}/v1`;
    this.log = log;
  }

  call(method, p, opts) {
    return request(/^https?:/.test(p) ? p : `${this.origin}${p}`, method, opts);
  }

  async control(method, p, json, expected = 200) {
    const r = await this.call(method, p, json === undefined ? {} : { json });
    assert.equal(r.status, expected, `emulator control call: ${show(r)}`);
    return r.json;
  }

  person(displayName, email, licensed = true) {
    return this.control('POST', '/_emulator/people', { displayName, email, licensed });
  }

  configure(config) {
    return this.control('PUT', '/_emulator/config', config);
  }

  resetFaults() {
    return this.configure({ latencyMs: 0, faults: { rate429: 0, rate5xx: 0 } });
  }

  state() {
    return this.control('GET', '/_emulator/state');
  }

  async stats() {
    return (await this.control('GET', '/_emulator/stats')).calls || {};
  }

  resetStats() {
    return this.control('DELETE', '/_emulator/stats', undefined, 204);
  }

  async serviceAppRefreshToken(adminAccessToken) {
    const r = await this.call('POST', `/v1/applications/${SERVICE_APP.id}/token`, {
      headers: { authorization: `Bearer ${adminAccessToken}` },
      json: { clientId: SERVICE_APP.clientId, clientSecret: SERVICE_APP.clientSecret, targetOrgId: 'x' },
    });
    assert.equal(r.status, 200, `Service App token: ${show(r)}`);
    assert.equal(typeof r.json.refresh_token, 'string');
    return r.json.refresh_token;
  }

  stop() {
    return stopChild(this.child);
  }
}

export async function startEmulator(extraArgs = []) {
  const started = await spawnListening(emulatorBinary(), ['--listen', '127.0.0.1:0', ...extraArgs], {
    env: process.env,
    banner: 'webex-emulator',
    name: 'webex-emulator',
  });
  return new Emulator(started);
}

// Sums call counts; `filter` picks keys (a string prefix or a predicate).
export function totalCalls(calls, filter = () => true) {
  const pick = typeof filter === 'string' ? (k) => k.startsWith(filter) : filter;
  return Object.entries(calls).reduce((sum, [k, v]) => (pick(k) ? sum + v : sum), 0);
}

// --- portal ---------------------------------------------------------------------------------------

// The environment of `guest-portal serve` for a given emulator, per the launch contract. With `tls`
// ({cert, key}: PEM file paths) the portal serves HTTPS and PUBLIC_URL is https.
export function portalEnv({ dir, port, emulator, refreshToken, tls, extra = {} }) {
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    DEMO: 'false',
    LISTEN_ADDRESS: `127.0.0.1:${port}`,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `sqlite:${dir}/portal.db`,
    SECRET_KEY_FILE: `${dir}/secret.key`,
    WEBEX_API_URL: emulator ? emulator.apiUrl : 'http://127.0.0.1:9/v1',
    CLIENT_ID: INTEGRATION.clientId,
    CLIENT_SECRET: INTEGRATION.clientSecret,
    ADMIN_EMAILS: ADMIN.email,
    GUEST_PROVIDER: 'service-app',
    SERVICE_APP_CLIENT_ID: SERVICE_APP.clientId,
    SERVICE_APP_CLIENT_SECRET: SERVICE_APP.clientSecret,
    SERVICE_APP_REFRESH_TOKEN: refreshToken ?? 'unused-refresh-token',
    LOG_LEVEL: 'info',
  };
  if (tls) {
    env.TLS_CERT_FILE = tls.cert;
    env.TLS_KEY_FILE = tls.key;
    env.PUBLIC_URL = `https://127.0.0.1:${port}`;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

// Runs a guest-portal command to completion (CLI, config errors); never hangs past timeoutMs.
export function runPortal(args, env, { cwd = env.HOME, timeoutMs = 20000 } = {}) {
  const r = spawnSync(portalBinary(), args, { env, cwd, encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw new Error(`guest-portal ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export class Portal {
  constructor({ child, origin, port, log }, env) {
    this.child = child;
    this.origin = origin;
    this.port = port;
    this.log = log;
    this.env = env;
  }

  url(p) {
    return `${this.origin}${p}`;
  }

  call(method, p, opts) {
    return request(this.url(p), method, opts);
  }

  stop() {
    return stopChild(this.child);
  }
}

export async function startPortal(options) {
  const dir = options.dir ?? makeTempDir();
  const port = await freePort();
  const env = portalEnv({ ...options, dir, port });
  const started = await spawnListening(portalBinary(), ['serve'], {
    env,
    cwd: dir,
    banner: 'guest-portal',
    name: 'guest-portal',
  });
  const portal = new Portal(started, env);
  portal.dir = dir;
  return portal;
}

// A signed-in browser-less client: remembers the gp_session cookie and the CSRF token.
export class Client {
  constructor(portal, cookie, csrf) {
    this.portal = portal;
    this.cookie = cookie;
    this.csrf = csrf;
  }

  call(method, p, opts = {}) {
    const withAuth = { cookie: this.cookie, ...opts };
    if (method !== 'GET' && method !== 'HEAD' && !('csrf' in opts)) withAuth.csrf = this.csrf;
    return this.portal.call(method, p, withAuth);
  }

  get(p, opts) { return this.call('GET', p, opts); }
  post(p, opts) { return this.call('POST', p, opts); }
  put(p, opts) { return this.call('PUT', p, opts); }
  patch(p, opts) { return this.call('PATCH', p, opts); }
  del(p, opts) { return this.call('DELETE', p, opts); }

  async refreshCsrf() {
    const r = await this.get('/api/v1/session');
    assert.equal(r.status, 200, show(r));
    this.csrf = r.json.csrfToken;
    return r.json;
  }
}

// --- sign-in flows --------------------------------------------------------------------------------

// The OAuth code flow up to the callback, without a browser, as the person with `email`: returns
// {login, oauthCookie, page, authorize, callbackUrl, person}. `oauthCookie` is the Cookie header a
// browser would send back to /auth/webex/callback (the gp_oauth cookie /login set), or undefined.
export async function startWebexSignIn(portal, emulator, email, startPath = '/auth/webex/login') {
  const login = await portal.call('GET', startPath);
  assert.equal(login.status, 302, `login: ${show(login)}`);
  const binding = setCookie(login, 'gp_oauth');
  const oauthCookie = binding ? `gp_oauth=${binding.value}` : undefined;
  const authorizeUrl = new URL(login.headers.get('location'));
  assert.equal(`${authorizeUrl.origin}${authorizeUrl.pathname}`, `${emulator.apiUrl}/authorize`,
    `login redirects to ${authorizeUrl}`);
  const page = await emulator.call('GET', authorizeUrl.toString());
  assert.equal(page.status, 200, `authorize page: ${show(page)}`);
  const state = await emulator.state();
  const person = state.people.find((p) => (p.emails || []).includes(email));
  assert.ok(person, `no emulator person with email ${email}`);
  assert.ok(page.text.includes(person.id), 'the sign-in page does not offer this person');
  const form = Object.fromEntries(authorizeUrl.searchParams);
  const authorize = await emulator.call('POST', '/v1/authorize', { form: { ...form, personId: person.id } });
  assert.equal(authorize.status, 302, `authorize: ${show(authorize)}`);
  const callbackUrl = new URL(authorize.headers.get('location'));
  assert.equal(callbackUrl.origin, portal.origin, `authorize redirects to ${callbackUrl}`);
  return { login, oauthCookie, page, authorize, callbackUrl, person };
}

// Runs the OAuth code flow without a browser as the person with `email`, carrying the cookie set by
// /auth/webex/login to the callback as a browser would. Returns every step's response so tests can
// assert on them: {login, oauthCookie, page, authorize, callback, callbackUrl, cookie, person}.
export async function webexSignIn(portal, emulator, email) {
  const started = await startWebexSignIn(portal, emulator, email);
  const callback = await request(started.callbackUrl.toString(), 'GET',
    started.oauthCookie ? { cookie: started.oauthCookie } : {});
  const cookie = sessionCookie(callback);
  return { ...started, callback, cookie };
}

// Completes a meeting host's connect link (its connectUrl) as the person with `email`; returns the
// steps as webexSignIn does (callback: the page the portal shows at the end).
export async function connectHost(portal, emulator, connectUrl, email) {
  const url = new URL(connectUrl);
  const started = await startWebexSignIn(portal, emulator, email, `${url.pathname}${url.search}`);
  const callback = await request(started.callbackUrl.toString(), 'GET',
    started.oauthCookie ? { cookie: started.oauthCookie } : {});
  return { ...started, callback };
}

// Signs the administrator in and returns a Client with the admin session.
export async function adminClient(portal, emulator, email = ADMIN.email) {
  const flow = await webexSignIn(portal, emulator, email);
  assert.equal(flow.callback.status, 302, `callback: ${show(flow.callback)}`);
  assert.ok(flow.cookie && flow.cookie.value, `no gp_session cookie from the callback: ${show(flow.callback)}`);
  const client = new Client(portal, flow.cookie.value);
  client.flow = flow;
  const session = await client.refreshCsrf();
  assert.equal(session.role, 'admin', `session after admin sign-in: ${JSON.stringify(session)}`);
  return client;
}

export function guestSignInRaw(portal, username, password) {
  return portal.call('POST', '/api/v1/session', { json: { username, password } });
}

export async function guestClient(portal, username, password) {
  const r = await guestSignInRaw(portal, username, password);
  assert.equal(r.status, 200, `guest sign-in: ${show(r)}`);
  const cookie = sessionCookie(r);
  assert.ok(cookie && cookie.value, `no gp_session cookie from guest sign-in: ${show(r)}`);
  const client = new Client(portal, cookie.value, r.json.csrfToken);
  if (!client.csrf) await client.refreshCsrf();
  return client;
}

// --- a whole world: emulator, AppAdmin, an outsider, a portal, an admin session -------------------

// Records every secret a test run uses so the portal's log can be checked against them.
export class Secrets {
  constructor() {
    this.values = new Map();
  }

  add(label, value) {
    if (typeof value === 'string' && value.length >= 6) this.values.set(value, label);
    return value;
  }

  // Fails if any recorded secret appears in text.
  assertAbsentFrom(text, where = 'the portal log') {
    const leaked = [];
    for (const [value, label] of this.values) if (text.includes(value)) leaked.push(label);
    assert.deepEqual(leaked, [], `secrets found in ${where}: ${leaked.join(', ')}`);
  }
}

// Runs fn over items, at most `limit` at a time, keeping the order of the results.
export async function bounded(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// The emulator with the administrator (who becomes the AppAdmin) and an outsider, and the Service
// App's refresh token; every secret involved is recorded in `secrets`.
export async function startWebex(secrets) {
  const emulator = await startEmulator();
  const adminPerson = await emulator.person(ADMIN.displayName, ADMIN.email, true);
  const outsiderPerson = await emulator.person(OUTSIDER.displayName, OUTSIDER.email, true);
  secrets.add('admin access token (control API)', adminPerson.accessToken);
  secrets.add('outsider access token (control API)', outsiderPerson.accessToken);
  const refreshToken = await emulator.serviceAppRefreshToken(adminPerson.accessToken);
  secrets.add('Service App refresh token', refreshToken);
  secrets.add('client secret', INTEGRATION.clientSecret);
  secrets.add('Service App client secret', SERVICE_APP.clientSecret);
  return { emulator, adminPerson, outsiderPerson, refreshToken };
}

export async function startWorld({ signInAdmin = true, portalExtra = {} } = {}) {
  const secrets = new Secrets();
  const { emulator, adminPerson: admin, outsiderPerson: outsider, refreshToken } = await startWebex(secrets);
  const portal = await startPortal({ emulator, refreshToken, extra: portalExtra });
  const world = { emulator, portal, adminPerson: admin, outsiderPerson: outsider, refreshToken, secrets };
  if (signInAdmin) {
    world.admin = await adminClient(portal, emulator);
    secrets.add('admin session cookie', world.admin.cookie);
    secrets.add('OAuth code', world.admin.flow.callbackUrl.searchParams.get('code'));
  }
  // Creates a guest through the admin API; returns {id, username, password, displayName, ...}.
  world.createGuest = async (username, displayName = username, password = `pw-${username}-Secret1`) => {
    secrets.add(`password of ${username}`, password);
    const r = await world.admin.post('/api/v1/guests', { json: { username, displayName, password } });
    assert.equal(r.status, 201, `create guest: ${show(r)}`);
    return { ...r.json, password };
  };
  world.signIn = async (guest) => {
    const client = await guestClient(portal, guest.username, guest.password);
    secrets.add(`session cookie of ${guest.username}`, client.cookie);
    return client;
  };
  world.setPairs = async (pairs) => {
    const r = await world.admin.put('/api/v1/policy/pairs', { json: { pairs } });
    assert.equal(r.status, 200, `PUT pairs: ${show(r)}`);
    return r.json;
  };
  // The Webex person id the emulator holds for a guest (after its identity was created).
  world.webexPersonOf = async (guestId) => {
    const r = await world.admin.get(`/api/v1/guests/${guestId}`);
    assert.equal(r.status, 200, show(r));
    assert.equal(typeof r.json.webexPersonId, 'string', `guest has no webexPersonId: ${show(r)}`);
    return r.json.webexPersonId;
  };
  // Stops the portal first so that every line it wrote is in the log, then checks it.
  world.assertLogClean = async () => {
    await portal.stop();
    const log = portal.log.stderr + portal.log.stdout;
    // Buffered lines reach the log at the latest when the portal exits.
    assert.match(log, / info request id=\S+ GET \S+ status=\d{3} /, 'the log holds no access line');
    secrets.assertAbsentFrom(log);
    assert.doesNotMatch(log, /Bearer\s+\S{8,}/i, 'a bearer token appears in the portal log');
  };
  return world;
}

// Everything a process wrote to stderr so far, as bytes (to check them as bytes: valid UTF-8, no NUL).
export function stderrBytes(processWithLog) {
  return Buffer.concat(processWithLog.log.stderrChunks);
}

// --- restarts and asynchronous commands (tests/integration/runtime*.test.mjs) ----------------------

// Kills a portal with SIGKILL (as `kill -9` would: no shutdown, no flush) and resolves once it is gone
// and its output streams are drained.
export async function killPortal(portal) {
  const closed = portal.child.closed ?? new Promise((resolve) => portal.child.once('close', resolve));
  if (portal.child.exitCode === null && portal.child.signalCode === null) portal.child.kill('SIGKILL');
  await closed;
}

// Starts `guest-portal serve` again with a stopped (or killed) portal's environment and working
// directory, so it opens the same database, secret key and listening port. Returns the new Portal.
export async function restartPortal(portal) {
  if (portal.child.exitCode === null && portal.child.signalCode === null) {
    throw new Error('restartPortal: the old portal is still running; stop or kill it first');
  }
  const started = await spawnListening(portalBinary(), ['serve'], {
    env: portal.env,
    cwd: portal.dir,
    banner: 'guest-portal',
    name: 'guest-portal (restarted)',
  });
  const restarted = new Portal(started, portal.env);
  restarted.dir = portal.dir;
  return restarted;
}

// As runPortal, without blocking Node's event loop (so requests in flight keep being served and
// read while the command runs). Resolves with {status, signal, stdout, stderr}; kills the command
// after timeoutMs.
export function runPortalAsync(args, env, { cwd = env.HOME, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(portalBinary(), args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`guest-portal ${args.join(' ')}: ${error.message}`));
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

// The log check of world.assertLogClean for any set of portals (a portal and its restarts): stops
// those still running, then asserts no recorded secret and no bearer token appears in their logs.
export async function assertPortalLogsClean(portals, secrets) {
  await Promise.all(portals.map((p) => p.stop()));
  const log = portals.map((p) => p.log.stderr + p.log.stdout).join('\n');
  secrets.assertAbsentFrom(log, 'the portal logs');
  assert.doesNotMatch(log, /Bearer\s+\S{8,}/i, 'a bearer token appears in a portal log');
  assert.doesNotMatch(log, /ran on the event loop/, 'a database call was made on an event loop');
}

// --- Server-Sent Events ---------------------------------------------------------------------------

// Opens GET /api/v1/events with a session cookie (and Last-Event-ID when given) and collects events:
// {status, headers, events: [{id, event, data (parsed JSON)}], comments, ended, waitFor(pred), close()}.
export function openEvents(portal, cookie, { lastEventId } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { cookie: cookie.includes('=') ? cookie : `gp_session=${cookie}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    const req = http.get({ host: '127.0.0.1', port: portal.port, path: '/api/v1/events', headers }, (res) => {
      const stream = {
        status: res.statusCode,
        headers: res.headers,
        events: [],
        comments: 0,
        ended: false,
        body: '',
        close() {
          req.destroy();
        },
        waitFor(pred, timeoutMs = 5000, what = 'event') {
          return waitFor(() => this.events.find(pred), timeoutMs, what);
        },
        of(type) {
          return this.events.filter((e) => e.event === type);
        },
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        stream.body += chunk.length < 65536 ? chunk : '';
        const taken = takeEvents(buffer + chunk);
        buffer = taken.rest;
        stream.comments += taken.comments;
        stream.events.push(...taken.events);
      });
      res.on('end', () => {
        stream.ended = true;
      });
      res.on('error', () => {
        stream.ended = true;
      });
      resolve(stream);
    });
    req.on('error', reject);
  });
}
