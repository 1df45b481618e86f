// Shared helpers for the browser end-to-end tests: start a webex-emulator and a guest-portal (through
// tests/lib/harness.mjs, the same launch contract as the integration suite), drive Debian's
// chromium with playwright-core, and keep screenshots in test-results/.
import { accessSync, constants as fsConstants, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { REPO_ROOT, startWorld, stopAll } from '../lib/harness.mjs';

export { REPO_ROOT, stopAll };

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');

// Every wait in these tests is bounded; a page that does not answer fails the test, never hangs it.
export const STEP_TIMEOUT_MS = 10000;

function requireExecutable(file, what, hint) {
  try {
    accessSync(file, fsConstants.X_OK);
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`${what} not found or not executable at ${file}; ${hint}`);
  }
  return file;
}

// Fails at once, naming what is missing, before anything is started.
export function requireBinaries() {
  requireExecutable(process.env.GUEST_PORTAL || path.join(REPO_ROOT, 'build', 'guest-portal'),
    'guest-portal binary', 'build it (cmake --build build) or set GUEST_PORTAL to its path');
  requireExecutable(process.env.WEBEX_EMULATOR || path.join(REPO_ROOT, 'build', 'webex-emulator'),
    'webex-emulator binary', 'build it (cmake --build build) or set WEBEX_EMULATOR to its path');
}

export async function launchBrowser() {
  requireExecutable(CHROMIUM, 'chromium', 'install it with `apt-get install -y chromium` or set CHROMIUM');
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed; run `npm ci` in the repository root');
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
}

// A browser context whose pages fail the test on a script error or a CSP violation (both show up as
// console errors). Call ctx.assertClean() at the end.
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  const expected = [];
  context.on('page', (page) => watchPage(page, problems, expected));
  context.problems = problems;
  // Failed requests the test provokes on purpose (a 401 for a wrong password) log a console error
  // in Chromium; tests list the statuses they expect.
  context.expectFailedRequests = (...statuses) => expected.push(...statuses);
  context.assertClean = () => assert.deepEqual(problems, [], `errors in the pages:\n${problems.join('\n')}`);
  return context;
}

const kNoMeeting = /^(GET \/api\/v1\/rooms\/[^/]+\/meeting|POST \/api\/v1\/rooms\/[^/]+\/meeting\/heartbeat)$/;

function watchPage(page, problems, expected) {
  page.on('pageerror', (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
  // Failed loads are judged from the responses below (with their URLs); other console errors, such
  // as CSP violations, are problems as they are.
  page.on('console', (message) => {
    if (message.type() !== 'error' || message.text().startsWith('Failed to load resource')) return;
    problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    // The emulator's pages and the browser's own favicon probe are not ours to judge.
    if (url.pathname.startsWith('/v1/') || url.pathname === '/favicon.ico') return;
    // "No meeting is live" is a 404 by contract: the answer to a space's meeting or its heartbeat.
    if (response.status() === 404 && kNoMeeting.test(`${response.request().method()} ${url.pathname}`)) return;
    if (response.status() >= 400 && !expected.includes(response.status())) {
      problems.push(`${response.request().method()} ${response.url()} → ${response.status()}`);
    }
  });
}

export async function screenshot(page, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// An emulator with a licensed AppAdmin (Alex Admin, admin@example.com) and a guest-portal configured
// for it by environment, with no administrator signed in yet. Returns {emulator, portal, ...}.
export async function startPortalWorld() {
  requireBinaries();
  return startWorld({ signInAdmin: false });
}

// axe-core (npm, pinned in package-lock.json) run in the page: fails on any serious or critical
// violation, naming the rule and the elements. `page.addScriptTag` would insert axe as an inline
// script, which the portal's Content-Security-Policy refuses; evaluating its source through the
// DevTools protocol leaves the page's CSP in force.
let axeSource;
export async function assertAccessible(page, what) {
  if (!axeSource) {
    try {
      axeSource = readFileSync(path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    } catch {
      throw new Error('axe-core is not installed; run `npm ci` in the repository root');
    }
  }
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${what}: serious or critical accessibility violations:\n` +
    serious.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.join(', ')}`).join('\n'));
  return violations;
}
