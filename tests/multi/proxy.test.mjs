// The deployment files themselves (docs/deployment.md): nginx accepts the production site file, the
// documentation quotes the files the tests use as they are, and the systemd unit is valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, makeTempDir, portalBinary } from '../lib/harness.mjs';
import { checkSiteConfig, SITE_TEMPLATE, PROXY_SNIPPET } from '../lib/multi.mjs';

const UNIT = path.join(REPO_ROOT, 'deploy/systemd/guest-portal@.service');
const DOC = path.join(REPO_ROOT, 'docs/deployment.md');

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
