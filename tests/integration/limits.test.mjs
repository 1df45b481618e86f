// The portal at the edge of its file descriptors: every open event stream is a socket. When no
// descriptor is left it must not spin on accept(), and it must serve again once clients leave
// (docs/architecture.md, "Messaging and live events").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir, portalBinary, startWorld, stopAll, waitFor } from '../lib/harness.mjs';

const FILE_LIMIT = 96;
let world;
let wrapperDir;

// CPU seconds the process has used (user + system).
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Opens a GET /api/v1/events on a raw socket; resolves once connected (answered or not).
function openRawStream(port, cookie) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: gp_session=${cookie}\r\n\r\n`);
      resolve(socket);
    });
    socket.on('error', () => resolve(socket));
    socket.on('data', () => {});
  });
}

before(async () => {
  // The portal raises its soft limit to the hard one; the wrapper lowers both.
  wrapperDir = makeTempDir('gp-limits-');
  const wrapper = path.join(wrapperDir, 'guest-portal');
  writeFileSync(wrapper, `#!/bin/sh\nulimit -n ${FILE_LIMIT}\nexec '${portalBinary().replaceAll("'", "'\\''")}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  process.env.GUEST_PORTAL = wrapper;
  world = await startWorld();
});
after(async () => {
  await stopAll();
  rmSync(wrapperDir, { recursive: true, force: true });
});

test('out of descriptors, the portal waits instead of spinning, and serves again once streams close', async () => {
  const guest = await world.createGuest('fdguest', 'FD Guest');
  const client = await world.signIn(guest);
  const limits = readFileSync(`/proc/${world.portal.child.pid}/limits`, 'utf8');
  assert.match(limits, new RegExp(`Max open files\\s+${FILE_LIMIT}\\s+${FILE_LIMIT}`), limits);

  const sockets = [];
  for (let i = 0; i < FILE_LIMIT + 20; i++) sockets.push(await openRawStream(world.portal.port, client.cookie));
  // Give the portal time to take what it can and hit the limit.
  await new Promise((r) => setTimeout(r, 500));
  const pid = world.portal.child.pid;
  const before = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, 2000));
  const used = cpuSeconds(pid) - before;
  assert.ok(used < 0.5, `the portal used ${used.toFixed(2)} s of CPU in 2 s while out of descriptors`);

  for (const socket of sockets) socket.destroy();
  await waitFor(async () => {
    try {
      const r = await world.portal.call('GET', '/healthz');
      return r.status === 200;
    } catch {
      return false;
    }
  }, 10000, '/healthz to answer again');
  assert.match(world.portal.log.stderr + world.portal.log.stdout, /cannot accept connections: /);
});
