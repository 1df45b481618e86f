// The Debian package: built with CPack from the build tree, unpacked into a clean directory tree with
// dpkg (never into this machine: --root, --unpack, no maintainer script runs there), its files, unit and
// maintainer script checked, and the installed binary run from that tree serving the installed web/.
//
// Needs GP_BUILD_DIR (a configured and built tree: guest-portal and web_vendor) and GP_VERSION (the
// project version); tests/CMakeLists.txt passes both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT,
  freePort,
  makeTempDir,
  portalEnv,
  request,
  show,
  spawnListening,
  stopAll,
} from '../lib/harness.mjs';

const BUILD_DIR = process.env.GP_BUILD_DIR;
const VERSION = process.env.GP_VERSION;

let work; // a temporary directory for everything this file makes
let deb; // the .deb built by cpack
let root; // the clean tree it is unpacked into

function run(file, args, { env = process.env, cwd, timeout = 170000 } = {}) {
  const r = spawnSync(file, args, { env, cwd, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${file} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

function ok(file, args, options) {
  const r = run(file, args, options);
  assert.equal(r.status, 0, `${file} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const mode = (file) => statSync(file).mode & 0o7777;
const inRoot = (...parts) => path.join(root, ...parts);

before(() => {
  assert.ok(BUILD_DIR && existsSync(path.join(BUILD_DIR, 'CPackConfig.cmake')), `GP_BUILD_DIR must be a configured build tree, not ${BUILD_DIR}`);
  assert.ok(VERSION, 'GP_VERSION must name the project version');
  work = makeTempDir('gp-package-');
  // The build tree's install rules, into a staging area of this test's own (the build's products are reused).
  ok('cpack', ['--config', path.join(BUILD_DIR, 'CPackConfig.cmake'), '-G', 'DEB', '-B', path.join(work, 'out')]);
  const debs = readdirSync(path.join(work, 'out')).filter((name) => name.endsWith('.deb'));
  assert.equal(debs.length, 1, `cpack made ${debs.join(', ')}`);
  deb = path.join(work, 'out', debs[0]);

  // A clean root with an empty dpkg database. --unpack puts the files in place and runs no postinst;
  // the package has no preinst. The log would otherwise go to this machine's /var/log/dpkg.log.
  root = path.join(work, 'root');
  for (const dir of ['info', 'updates', 'triggers']) mkdirSync(path.join(root, 'var/lib/dpkg', dir), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(path.join(root, 'var/lib/dpkg/available'), '');
  ok('dpkg', [`--root=${root}`, '--log=/dev/null', '--force-not-root', '--force-depends', '--no-triggers', '--unpack', deb]);
});

after(stopAll);

test('the package is named and versioned after the project and depends on its runtime libraries', () => {
  const field = (name) => ok('dpkg-deb', ['--field', deb, name]).trim();
  assert.equal(field('Package'), 'guest-portal');
  assert.equal(field('Version'), VERSION);
  assert.equal(path.basename(deb), `guest-portal_${VERSION}_${field('Architecture')}.deb`);
  const depends = field('Depends');
  // From dpkg-shlibdeps (the libraries the binary links) and from the maintainer scripts' needs.
  for (const library of ['adduser', 'init-system-helpers', 'libc6', 'libstdc++6', 'libsqlite3-0', 'libpq5', 'libcurl4',
    'libsodium23', 'libssl3', 'libcmark-gfm']) {
    assert.ok(depends.split(', ').some((item) => item === library || item.startsWith(`${library} `) ||
      (library === 'libcmark-gfm' && item.startsWith('libcmark-gfm0'))), `${library} not in Depends: ${depends}`);
  }
  const status = ok('dpkg', [`--root=${root}`, '--status', 'guest-portal']);
  assert.match(status, /^Status: install ok unpacked$/m, status);
  const conffiles = ok('dpkg-deb', ['--info', deb, 'conffiles']);
  assert.equal(conffiles.trim(), '/etc/guest-portal/env.example');
});

test('the server, its web UI with the vendored SDK, migrations, docs and unit are installed in FHS places', () => {
  assert.equal(mode(inRoot('usr/bin/guest-portal')), 0o755);
  for (const file of [
    'usr/share/guest-portal/web/index.html',
    'usr/share/guest-portal/web/guest.html',
    'usr/share/guest-portal/web/css/app.css',
    'usr/share/guest-portal/web/vendor/webex-meetings.min.js',
    'usr/share/guest-portal/migrations/sqlite/0001_initial.sql',
    'usr/share/guest-portal/migrations/postgres/0001_initial.sql',
    'usr/share/doc/guest-portal/copyright',
    'usr/share/doc/guest-portal/README.md',
    'usr/share/doc/guest-portal/deployment.md',
    'usr/share/doc/guest-portal/configuration.md',
    'usr/share/doc/guest-portal/examples/systemd/guest-portal@.service',
    'usr/lib/systemd/system/guest-portal.service',
    // A conffile stays as .dpkg-new until the package is configured (dpkg --unpack stops before).
    'etc/guest-portal/env.example.dpkg-new',
  ]) {
    assert.ok(statSync(inRoot(file)).isFile(), file);
    assert.equal(mode(inRoot(file)), 0o644, `${file} mode ${mode(inRoot(file)).toString(8)}`);
  }
  // The vendored SDK is the build's copy, byte for byte.
  assert.ok(readFileSync(inRoot('usr/share/guest-portal/web/vendor/webex-meetings.min.js'))
    .equals(readFileSync(path.join(REPO_ROOT, 'web/vendor/webex-meetings.min.js'))));
  // The settings themselves are the operator's: the package never ships env.
  assert.equal(existsSync(inRoot('etc/guest-portal/env')), false);
  // The server only.
  const listing = ok('dpkg-deb', ['--contents', deb]);
  for (const absent of ['webex-emulator', 'unit_tests', 'storage_tests', 'bench', '/tests/']) {
    assert.equal(listing.includes(absent), false, `${absent} is in the package:\n${listing}`);
  }
});

test('the unit is hardened, starts only once configured, and systemd-analyze verify accepts it', () => {
  const unit = readFileSync(inRoot('usr/lib/systemd/system/guest-portal.service'), 'utf8');
  for (const line of [
    'ConditionPathExists=/etc/guest-portal/env',
    'EnvironmentFile=/etc/guest-portal/env',
    'User=guest-portal',
    'StateDirectory=guest-portal',
    'StateDirectoryMode=0700',
    'WorkingDirectory=/var/lib/guest-portal',
    'ExecStart=/usr/bin/guest-portal serve',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'NoNewPrivileges=yes',
    'CapabilityBoundingSet=',
    'WantedBy=multi-user.target',
  ]) {
    assert.match(unit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `the unit lacks ${line}`);
  }
  const unitPath = inRoot('usr/lib/systemd/system/guest-portal.service');
  // The tree has no systemd of its own: give it the targets systemd ships (sysinit.target, ...), as on
  // any Debian 12 the package is installed on, so verify can follow the unit's default dependencies.
  const systemdUnits = '/usr/lib/systemd/system';
  for (const name of readdirSync(systemdUnits).filter((n) => n.endsWith('.target'))) {
    copyFileSync(path.join(systemdUnits, name), inRoot('usr/lib/systemd/system', name));
  }
  const verify = run('systemd-analyze', ['verify', `--root=${root}`, unitPath]);
  assert.equal(verify.status, 0, `systemd-analyze verify: ${verify.stdout}${verify.stderr}`);
  assert.equal(verify.stderr.trim(), '', `systemd-analyze verify complained: ${verify.stderr}`);

  // verify checks the ExecStart binary under the root: without it the same unit is refused.
  const bare = path.join(work, 'bare');
  mkdirSync(path.join(bare, 'usr/lib/systemd/system'), { recursive: true });
  for (const name of readdirSync(inRoot('usr/lib/systemd/system'))) {
    copyFileSync(inRoot('usr/lib/systemd/system', name), path.join(bare, 'usr/lib/systemd/system', name));
  }
  const missing = run('systemd-analyze', ['verify', `--root=${bare}`, path.join(bare, 'usr/lib/systemd/system/guest-portal.service')]);
  assert.notEqual(missing.status, 0, `verify accepted a unit whose binary is missing: ${missing.stderr}`);

  // systemd's own rating of the sandbox: "OK" or better (exposure below 2.0 of 10).
  const security = run('systemd-analyze', ['security', '--offline=true', `--root=${root}`, unitPath]);
  const level = security.stdout.match(/Overall exposure level for \S+: (\d+\.\d+) (\S+)/);
  assert.ok(level, `systemd-analyze security: ${security.stdout}${security.stderr}`);
  assert.ok(Number(level[1]) < 2.0, `exposure ${level[1]} ${level[2]}`);
});

test('the installed binary, run from the unpacked tree, serves the installed web/', async () => {
  // Mark the installed copy, so that an answer from the checkout's web/ cannot pass.
  const marker = `<!-- installed copy ${process.pid} -->`;
  appendFileSync(inRoot('usr/share/guest-portal/web/index.html'), marker);
  const state = makeTempDir('gp-package-state-');
  const port = await freePort();
  // As the unit runs it: the state directory as working directory, the default database and key there.
  const env = portalEnv({ dir: state, port, extra: { DATABASE_URL: undefined, SECRET_KEY_FILE: undefined } });
  const { child, origin } = await spawnListening(inRoot('usr/bin/guest-portal'), ['serve'], {
    env, cwd: state, banner: 'guest-portal', name: 'installed guest-portal',
  });
  try {
    const index = await request(`${origin}/`);
    assert.equal(index.status, 200, show(index));
    assert.equal(index.text, readFileSync(inRoot('usr/share/guest-portal/web/index.html'), 'utf8'));
    assert.ok(index.text.endsWith(marker));
    const sdk = await request(`${origin}/static/vendor/webex-meetings.min.js`);
    assert.equal(sdk.status, 200, show(sdk));
    assert.equal(sdk.text, readFileSync(inRoot('usr/share/guest-portal/web/vendor/webex-meetings.min.js'), 'utf8'));
    const health = await request(`${origin}/healthz`);
    assert.equal(health.status, 200, show(health));
    assert.ok(statSync(path.join(state, 'data/portal.db')).isFile(), 'the database is made under the working directory');
    assert.equal(mode(path.join(state, 'data/secret.key')), 0o600);
  } finally {
    child.kill('SIGTERM');
  }
});

test('postinst makes the user and a 0750 root:guest-portal /etc/guest-portal, enables the unit, writes no env', () => {
  const script = ok('dpkg-deb', ['--info', deb, 'postinst']);
  const lint = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: script, encoding: 'utf8' });
  assert.equal(lint.status, 0, `shellcheck: ${lint.stdout}`);

  // Run it with a PATH that holds only recording stand-ins for the commands that change the system
  // (adduser, chown, deb-systemd-helper, ...) and the real mkdir and chmod, which act under DPKG_ROOT.
  const fake = path.join(work, 'postinst-root');
  const bin = path.join(work, 'postinst-bin');
  const calls = path.join(work, 'postinst-calls');
  mkdirSync(fake);
  mkdirSync(bin);
  writeFileSync(calls, '');
  for (const name of ['adduser', 'chown', 'deb-systemd-helper', 'deb-systemd-invoke', 'systemctl', 'getent']) {
    const stub = path.join(bin, name);
    // getent finds no such user (exit 2, as the real one does); the others succeed.
    writeFileSync(stub, `#!/bin/sh\necho "${name} $*" >> "${calls}"\n${name === 'getent' ? 'exit 2' : 'exit 0'}\n`);
    chmodSync(stub, 0o755);
  }
  for (const name of ['mkdir', 'chmod']) symlinkSync(ok('sh', ['-c', `command -v ${name}`]).trim(), path.join(bin, name));
  const postinst = path.join(work, 'postinst');
  writeFileSync(postinst, script);
  const r = run('/bin/sh', [postinst, 'configure', ''], { env: { PATH: bin, DPKG_ROOT: fake } });
  assert.equal(r.status, 0, `postinst: ${r.stdout}${r.stderr}`);
  const recorded = readFileSync(calls, 'utf8').trim().split('\n');
  assert.deepEqual(recorded, [
    'getent passwd guest-portal',
    'adduser --system --group --home /var/lib/guest-portal --no-create-home --gecos Guest Portal guest-portal',
    `chown root:guest-portal ${fake}/etc/guest-portal`,
    'deb-systemd-helper unmask guest-portal.service',
    'deb-systemd-helper --quiet was-enabled guest-portal.service',
    'deb-systemd-helper enable guest-portal.service',
  ]);
  assert.equal(mode(path.join(fake, 'etc/guest-portal')), 0o750);
  assert.deepEqual(readdirSync(path.join(fake, 'etc/guest-portal')), []);
});
