// Shared helpers for the webex-emulator black-box tests. Written from docs/emulator.md and
// /work/shared/webex-api.md only; nothing here knows how the emulator is implemented.
// Run one file: WEBEX_EMULATOR=build-emulator/webex-emulator node --test --test-reporter=spec FILE
// (ctest registers every tests/emulator/*.test.mjs that way). Each file starts its own emulator.
import { spawn } from 'node:child_process';
import { createHmac, createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import assert from 'node:assert/strict';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ISO_MS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const INVALID_TOKEN_MESSAGE =
  'The request requires a valid access token set in the Authorization request header.';
export const ROOM_NOT_FOUND_MESSAGE = 'Could not find a room with provided ID.';

// Defaults from docs/emulator.md.
export const DEFAULT_INTEGRATION = { clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret' };
export const DEFAULT_SERVICE_APP = {
  id: 'emulator-service-app',
  clientId: 'emulator-sa-client-id',
  clientSecret: 'emulator-sa-client-secret',
};
export const DEFAULT_GUEST_ISSUER = {
  id: 'emulator-guest-issuer',
  secret: 'ZW11bGF0b3ItZ3Vlc3QtaXNzdWVyLXNlY3JldA==',
};

export function emulatorPath() {
  const path = process.env.WEBEX_EMULATOR;
  if (!path) throw new Error('WEBEX_EMULATOR must name the webex-emulator binary');
  return path;
}

// Starts an emulator on a free port and resolves once it has printed its listening line.
export function startEmulator(extraArgs = [], { timeoutMs = 15000 } = {}) {
  const child = spawn(emulatorPath(), ['--listen', '127.0.0.1:0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 65536) stderr = stderr.slice(-65536);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator did not print its listening line within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited early (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/webex-emulator listening on (http:\/\/([^\s:]+):(\d+))\r?\n/);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const origin = match[1];
      resolve(new Emulator(child, origin, Number(match[3]), () => stderr));
    });
  });
}

export class Emulator {
  constructor(child, origin, port, stderr) {
    this.child = child;
    this.origin = origin;
    this.port = port;
    this.base = `${origin}/v1`;
    this.stderr = stderr;
  }

  // Absolute URL for a path starting with /v1 or /_emulator, or an absolute URL passed through.
  url(path) {
    return /^https?:/.test(path) ? path : `${this.origin}${path}`;
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  // One HTTP call. Options: token (bearer), json (sent as application/json), form (object sent
  // form-encoded), body + contentType (raw), headers, redirect.
  async call(method, path, { token, json, form, body, contentType, headers = {}, redirect = 'manual' } = {}) {
    const h = { ...headers };
    if (token !== undefined) h.authorization = `Bearer ${token}`;
    let payload = body;
    if (json !== undefined) {
      payload = JSON.stringify(json);
      h['content-type'] = 'application/json';
    } else if (form !== undefined) {
      payload = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (contentType !== undefined) h['content-type'] = contentType;
    const started = performance.now();
    const response = await fetch(this.url(path), { method, headers: h, body: payload, redirect });
    const buffer = Buffer.from(await response.arrayBuffer());
    const elapsedMs = performance.now() - started;
    const text = buffer.toString('utf8');
    let parsed;
    const type = response.headers.get('content-type') || '';
    if (type.includes('json') && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.status, headers: response.headers, text, buffer, json: parsed, elapsedMs };
  }

  get(path, opts) { return this.call('GET', path, opts); }
  post(path, opts) { return this.call('POST', path, opts); }
  put(path, opts) { return this.call('PUT', path, opts); }
  del(path, opts) { return this.call('DELETE', path, opts); }

  // Control API helpers; each asserts success so a broken control call fails the test loudly.
  async reset() {
    const r = await this.post('/_emulator/reset');
    assert.equal(r.status, 204, `reset: ${r.status} ${r.text}`);
  }

  async configure(config) {
    const r = await this.put('/_emulator/config', { json: config });
    assert.equal(r.status, 200, `PUT config: ${r.status} ${r.text}`);
    return r.json;
  }

  async advanceClock(seconds) {
    const r = await this.post('/_emulator/clock', { json: { advanceSeconds: seconds } });
    assert.equal(r.status, 200, `clock: ${r.status} ${r.text}`);
    return r.json;
  }

  // Creates a person through the control API; returns the person with its accessToken.
  async person(displayName, { licensed = true, email, accessToken } = {}) {
    const body = {
      displayName,
      email: email ?? `${displayName.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${randomUUID().slice(0, 8)}@example.com`,
      licensed,
    };
    if (accessToken !== undefined) body.accessToken = accessToken;
    const r = await this.post('/_emulator/people', { json: body });
    assert.equal(r.status, 200, `POST /_emulator/people: ${r.status} ${r.text}`);
    assert.equal(typeof r.json.accessToken, 'string');
    assert.equal(typeof r.json.id, 'string');
    return r.json;
  }

  // /v1 helpers that assert 200 and return the body.
  async ok(method, path, opts) {
    const r = await this.call(method, path, opts);
    assert.equal(r.status, 200, `${method} ${path}: ${r.status} ${r.text}`);
    assert.ok(r.json !== undefined, `${method} ${path}: body is not JSON: ${r.text.slice(0, 200)}`);
    return r.json;
  }

  room(token, title, extra = {}) {
    return this.ok('POST', '/v1/rooms', { token, json: { title, ...extra } });
  }

  addMember(token, roomId, personId, extra = {}) {
    return this.ok('POST', '/v1/memberships', { token, json: { roomId, personId, ...extra } });
  }

  message(token, roomId, text) {
    return this.ok('POST', '/v1/messages', { token, json: { roomId, text } });
  }

  stats() {
    return this.ok('GET', '/_emulator/stats');
  }
}

// --- IDs -----------------------------------------------------------------------------------------

export function decodeId(id) {
  assert.equal(typeof id, 'string', `id is not a string: ${id}`);
  assert.match(id, /^[A-Za-z0-9_-]+$/, `id is not unpadded base64url: ${id}`);
  return Buffer.from(id, 'base64url').toString('utf8');
}

// Asserts the id decodes to ciscospark://us/<TYPE>/<uuid> and returns the uuid.
export function idUuid(id, type) {
  const decoded = decodeId(id);
  const match = decoded.match(/^ciscospark:\/\/us\/([A-Z_]+)\/(.+)$/);
  assert.ok(match, `id ${id} decodes to ${decoded}, not ciscospark://us/TYPE/...`);
  assert.equal(match[1], type, `id ${id} decodes to type ${match[1]}`);
  if (type !== 'MEMBERSHIP') assert.match(match[2], UUID_RE, `id ${id} does not end in a uuid: ${decoded}`);
  return match[2];
}

// --- crypto helpers computed by the tests themselves ---------------------------------------------

export function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

// HS256 JWT signed with the base64-decoded secret, as Cisco's SDKs do.
export function signJwt(claims, base64Secret, { header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const head = b64url(JSON.stringify(header));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', Buffer.from(base64Secret, 'base64')).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(sig)}`;
}

export function hmacSha1Hex(raw, secret) {
  return createHmac('sha1', secret).update(raw).digest('hex');
}

export function pkcePair() {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

export function randomSecretBase64() {
  return randomBytes(32).toString('base64');
}

// Signs a JWT for a guest and exchanges it at /v1/jwt/login; returns {token, person}.
export async function jwtGuest(em, issuer, sub, name) {
  const jwt = signJwt({ sub, name, iss: issuer.id, exp: Math.floor(Date.now() / 1000) + 600 }, issuer.secret);
  const login = await em.ok('POST', '/v1/jwt/login', { token: jwt });
  const me = await em.ok('GET', '/v1/people/me', { token: login.token });
  return { token: login.token, person: me };
}

// --- webhook receiver ----------------------------------------------------------------------------

// A node:http server on 127.0.0.1:0 recording every request; `status` decides what it answers.
export async function startReceiver() {
  const receiver = {
    requests: [],
    status: 200,
    waiters: [],
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let json;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
      receiver.requests.push({ method: req.method, url: req.url, headers: req.headers, raw, json });
      res.statusCode = receiver.status;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}/hook`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(resolve);
    });
  receiver.clear = () => {
    receiver.requests.length = 0;
  };
  // Waits until a recorded request satisfies pred; returns it.
  receiver.waitFor = (pred, timeoutMs = 5000, what = 'webhook delivery') =>
    waitFor(() => receiver.requests.find((r) => r.json && pred(r.json, r)), timeoutMs, what);
  return receiver;
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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Parses `Link: <url>; rel="next"` and returns the url, or undefined.
export function nextLink(headers) {
  const link = headers.get('link');
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (m) return m[1];
  }
  return undefined;
}

// Asserts the Webex error body shape and the Trackingid header; returns the body.
export function assertWebexError(r, status, message) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.headers.get('trackingid'), `no Trackingid header on ${status}`);
  assert.ok(r.json, `error body is not JSON: ${r.text.slice(0, 200)}`);
  assert.equal(typeof r.json.message, 'string');
  assert.ok(r.json.message.length > 0);
  assert.ok(Array.isArray(r.json.errors) && r.json.errors.length >= 1, `errors[] missing: ${r.text}`);
  assert.equal(typeof r.json.errors[0].description, 'string');
  assert.equal(typeof r.json.trackingId, 'string');
  assert.ok(r.json.trackingId.length > 0);
  if (message !== undefined) assert.equal(r.json.message, message);
  return r.json;
}
