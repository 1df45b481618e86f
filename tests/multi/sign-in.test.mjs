// Failed sign-ins behind nginx (SPEC §8, docs/deployment.md): with TRUSTED_PROXIES naming nginx, each
// client is counted by its own address (from X-Forwarded-For), so one client guessing passwords is
// slowed down without locking out everyone else who comes through the same nginx; a client that
// reaches an instance directly cannot choose the address it is counted under.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, show } from '../lib/harness.mjs';
import { startCluster } from '../lib/multi.mjs';

let world;
let guest;

before(async () => {
  world = await startCluster();
  guest = await world.createGuest('signin.alice', 'Alice');
});

after(async () => {
  await world?.stop();
});

// One sign-in attempt at `endpoint`, as the client at `address` (what the machine in front of nginx
// would be; here every client is on 127.0.0.1, so the address is what nginx is told it came from).
function attempt(endpoint, username, password, address) {
  const headers = address ? { 'x-forwarded-for': address } : {};
  return request(endpoint.url('/api/v1/session'), 'POST', { json: { username, password }, headers });
}

test('a client guessing through nginx is throttled by its own address; another client is not', async () => {
  const guesser = '203.0.113.7';
  let throttled;
  // Different usernames: only the per-address count can stop it. Each instance counts its own
  // requests, so nginx's round robin spreads the five free failures over both.
  for (let i = 0; i < 20 && !throttled; i++) {
    const r = await attempt(world.lb, `nobody${i}`, 'wrong', guesser);
    if (r.status === 429) throttled = r;
    else assert.equal(r.status, 401, show(r));
  }
  assert.ok(throttled, 'twenty failures from one address were never throttled');
  assert.equal(throttled.json.error.code, 'too_many_attempts', show(throttled));
  assert.ok(Number(throttled.headers.get('retry-after')) >= 1, show(throttled));
  // Another client behind the same nginx signs in at once, on either instance.
  for (let i = 0; i < 2; i++) {
    const r = await attempt(world.lb, guest.username, guest.password, '198.51.100.23');
    assert.equal(r.status, 200, `another client through nginx: ${show(r)}`);
  }
});

test('an instance counts the client nginx names, not what the client wrote into the header', async () => {
  const [A] = world.portals;
  // The guesser's address, as told by a trusted peer (127.0.0.1 stands for nginx): refused at A,
  // whose own count reached the limit in the first test or does now.
  let refused;
  for (let i = 0; i < 12 && !refused; i++) {
    const r = await attempt(A, `stranger${i}`, 'wrong', '192.0.2.50');
    if (r.status === 429) refused = r;
  }
  assert.ok(refused, 'A never throttled 192.0.2.50');
  const other = await attempt(A, guest.username, guest.password, '192.0.2.51');
  assert.equal(other.status, 200, `a different client at A: ${show(other)}`);
  // A client cannot launder its address by adding to the header: the right-most untrusted entry is
  // what nginx (here: the trusted peer) appended.
  const laundered = await attempt(A, guest.username, guest.password, '198.51.100.99, 192.0.2.50');
  assert.equal(laundered.status, 429, `a forged left-hand entry was believed: ${show(laundered)}`);
});

test('the portal logs hold no secret and no database wait on the event loop', async () => {
  await world.assertLogsClean();
});
