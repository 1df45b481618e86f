// Static files never leave the web root, even through a symlink placed inside it. The portal serves
// the web/ folder beside its binary when there is one, so this suite runs a copy of the binary next to
// a web root of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, portalBinary, startPortal, stopAll, show } from '../lib/harness.mjs';

const OUTSIDE = 'OUTSIDE-THE-WEB-ROOT-7f3a';
let portal;

before(async () => {
  const dir = makeTempDir('gp-static-');
  const binary = path.join(dir, 'guest-portal');
  copyFileSync(portalBinary(), binary);
  chmodSync(binary, 0o755);
  const web = path.join(dir, 'web');
  mkdirSync(web);
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(web, 'inside.txt'), 'inside the root');
  writeFileSync(path.join(dir, 'secret.txt'), OUTSIDE);
  mkdirSync(path.join(dir, 'elsewhere'));
  writeFileSync(path.join(dir, 'elsewhere', 'file.txt'), OUTSIDE);
  symlinkSync(path.join(dir, 'secret.txt'), path.join(web, 'leak.txt'));
  symlinkSync(path.join(dir, 'elsewhere'), path.join(web, 'linked'));
  symlinkSync('inside.txt', path.join(web, 'alias.txt'));
  process.env.GUEST_PORTAL = binary;
  portal = await startPortal({ dir: makeTempDir() });
});

after(stopAll);

test('a file inside the web root is served, also through a symlink that stays inside', async () => {
  for (const name of ['inside.txt', 'alias.txt']) {
    const r = await portal.call('GET', `/static/${name}`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.text, 'inside the root');
  }
});

test('a symlinked file or directory that leads out of the web root is 404 and reveals nothing', async () => {
  for (const target of ['/static/leak.txt', '/static/linked/file.txt']) {
    const r = await portal.call('GET', target);
    assert.equal(r.status, 404, show(r));
    assert.ok(!r.text.includes(OUTSIDE), `the answer to ${target} shows the outside file`);
  }
});
