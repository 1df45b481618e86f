// WEB_ROOT: the folder the portal serves its pages and static files from. A folder without index.html
// stops the start with one line naming the key, before anything is created.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, portalEnv, runPortal, show, startPortal, stopAll } from '../lib/harness.mjs';

after(stopAll);

test('the folder WEB_ROOT names is served', async () => {
  const web = makeTempDir('gp-webroot-');
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>configured root</title>');
  mkdirSync(path.join(web, 'css'));
  writeFileSync(path.join(web, 'css', 'app.css'), 'body { color: rebeccapurple }');
  const portal = await startPortal({ extra: { WEB_ROOT: web } });
  const index = await portal.call('GET', '/');
  assert.equal(index.status, 200, show(index));
  assert.equal(index.text, '<!doctype html><title>configured root</title>');
  const css = await portal.call('GET', '/static/css/app.css');
  assert.equal(css.status, 200, show(css));
  assert.equal(css.text, 'body { color: rebeccapurple }');
  // The checkout's own pages are not reachable through it.
  const guest = await portal.call('GET', '/guest');
  assert.equal(guest.status, 404, show(guest));
});

test('a WEB_ROOT without index.html stops the start with one line, and creates nothing', () => {
  const dir = makeTempDir();
  const empty = makeTempDir('gp-webroot-empty-');
  for (const root of [empty, path.join(empty, 'missing')]) {
    const env = portalEnv({ dir, port: 0, extra: { WEB_ROOT: root } });
    const served = runPortal(['serve'], env);
    assert.equal(served.status, 1, `serve: ${served.stdout}${served.stderr}`);
    assert.equal(served.stderr, `guest-portal: WEB_ROOT: ${root} has no index.html (the portal's web/ folder)\n`);
    // check says it on its line for the web root, and goes no further.
    const checked = runPortal(['check'], env);
    assert.equal(checked.status, 1, `check: ${checked.stdout}${checked.stderr}`);
    assert.ok(checked.stdout.split('\n').includes(`FAIL web root: WEB_ROOT: ${root} has no index.html (the portal's web/ folder)`),
      checked.stdout);
    assert.match(checked.stdout, /^skip key file: /m);
  }
  // Neither the database nor the key was made.
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(existsSync(path.join(dir, 'portal.db')), false);
});
