// The pages against a scripted API: states the real servers cannot easily be put in (throttling, an
// AppAdmin whose Webex sign-in is about to end, Webex failures), the exact requests the pages send
// (CSRF header, bodies, import content types), and markup in names. web/ is served by a small static
// server with the portal's Content-Security-Policy, so an inline script or style would show up as
// an error. Needs no portal build.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, launchBrowser, newContext, screenshot } from './lib.mjs';

const WEB = path.join(REPO_ROOT, 'web');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };
const PAGES = { '/': 'index.html', '/guest': 'guest.html', '/admin': 'admin.html' };

let server;
let origin;
let browser;

// Serves the pages and static files like the portal; /api is answered by page.route in each test.
function startStaticServer() {
  server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = PAGES[url.pathname];
    if (!file && url.pathname.startsWith('/static/')) file = url.pathname.slice('/static/'.length);
    if (!file || file.split('/').some((s) => s.startsWith('.'))) {
      res.writeHead(404).end('Not found.');
      return;
    }
    try {
      const body = await readFile(path.join(WEB, file));
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Content-Security-Policy': CSP });
      res.end(body);
    } catch {
      res.writeHead(404).end('Not found.');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    origin = `http://127.0.0.1:${server.address().port}`;
    resolve();
  }));
}

// A scripted API: `handlers` maps "METHOD /path" to a function (request) → {status, body, headers}.
// Every call is recorded in `calls` with its method, path, headers and body.
async function mockApi(page, handlers) {
  const calls = [];
  await page.route('**/api/v1/**', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const key = `${request.method()} ${url.pathname}`;
    const call = { key, headers: request.headers(), body: request.postData() };
    calls.push(call);
    const handler = handlers[key] || Object.entries(handlers).find(([k]) => k.endsWith('*') && key.startsWith(k.slice(0, -1)))?.[1];
    const answer = handler ? await handler(call) : { status: 404, body: { error: { code: 'not_found', message: 'No mock.' } } };
    const status = answer.status ?? 200;
    if (status === 204) {
      await route.fulfill({ status });
      return;
    }
    await route.fulfill({ status, headers: answer.headers, contentType: 'application/json', body: JSON.stringify(answer.body ?? {}) });
  });
  return calls;
}

const error = (status, code, message, headers) => ({ status, headers, body: { error: { code, message } } });
const CSRF = 'csrf-token-123';
const HOSTILE = 'Zed <img src=x id=injected>';

const guestSession = { role: 'guest', csrfToken: CSRF, guest: { id: 'g-a', username: 'ann', displayName: 'Ann' } };
const adminSession = { role: 'admin', csrfToken: CSRF, admin: { email: 'admin@example.com', displayName: 'Alex Admin' } };
const noSession = { role: null, csrfToken: null };

before(async () => {
  await startStaticServer();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) await new Promise((resolve) => server.close(resolve));
});

describe('sign-in page', () => {
  test('says when the portal needs an administrator, and explains throttling and 503', async () => {
    const ctx = await newContext(browser);
    ctx.expectFailedRequests(429, 503);
    const page = await ctx.newPage();
    let answer = error(429, 'too_many_attempts', 'Slow down.', { 'Retry-After': '120' });
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: noSession }),
      'GET /api/v1/info': () => ({ body: { demo: false, appAdminReady: false } }),
      'POST /api/v1/session': () => answer,
    });
    await page.goto(`${origin}/`);
    await page.locator('#admin-needed').waitFor({ state: 'visible' });

    await page.getByLabel('Username').fill('ann');
    await page.getByLabel('Password').fill('secret-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').getByText('Too many sign-in attempts. Please try again in 2 minutes.').waitFor();
    const post = calls.find((c) => c.key === 'POST /api/v1/session');
    assert.deepEqual(JSON.parse(post.body), { username: 'ann', password: 'secret-1' });

    answer = error(503, 'app_admin_required', 'The portal needs an administrator.');
    await page.getByLabel('Password').fill('secret-1');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('alert').getByText('The portal needs an administrator to sign in to Webex').waitFor();
    await screenshot(page, 'mock-signin-errors');
    ctx.assertClean();
    await ctx.close();
  });

  test('an existing session goes straight to its page', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await mockApi(page, {
      'GET /api/v1/session': () => ({ body: adminSession }),
      'GET /api/v1/admin/status': () => ({ body: { appAdmin: { signedIn: true, warning: 'none', email: 'admin@example.com' } } }),
      'GET /api/v1/guests': () => ({ body: { items: [] } }),
      'GET /api/v1/policy/pairs': () => ({ body: { pairs: [] } }),
      'GET /api/v1/spaces': () => ({ body: { items: [] } }),
    });
    await page.goto(`${origin}/`);
    await page.waitForURL(`${origin}/admin`);
    ctx.assertClean();
    await ctx.close();
  });

  test('the guest and admin pages send visitors without the right session back to sign-in', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await mockApi(page, {
      'GET /api/v1/session': () => ({ body: guestSession }),
      'GET /api/v1/info': () => ({ body: { appAdminReady: true } }),
    });
    await page.goto(`${origin}/admin`);
    // A guest on /admin → / → /guest (and the mocks of /guest answer 404, shown as an error).
    await page.waitForURL(`${origin}/guest`);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await mockApi(page, { 'GET /api/v1/session': () => ({ body: noSession }), 'GET /api/v1/info': () => ({ body: { appAdminReady: true } }) });
    await page.goto(`${origin}/guest`);
    await page.waitForURL(`${origin}/`);
    await ctx.close();
  });
});

describe('guest page', () => {
  test('shows names as text, sends the CSRF token, selects the new space and shows refusals', async () => {
    const ctx = await newContext(browser);
    ctx.expectFailedRequests(403);
    const page = await ctx.newPage();
    const rooms = [
      { id: 'r-old', title: 'Old chat', memberIds: ['g-a', 'g-z'], lastActivity: '2024-01-01T10:00:00Z',
        members: [{ id: 'g-a', displayName: 'Ann' }, { id: 'g-z', displayName: HOSTILE }] },
    ];
    let refuse = false;
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: guestSession }),
      'DELETE /api/v1/session': () => ({ status: 204 }),
      'GET /api/v1/contacts': () => ({ body: { items: [{ id: 'g-z', displayName: HOSTILE }, { id: 'g-b', displayName: 'Ben' }] } }),
      'GET /api/v1/rooms': () => ({ body: { items: rooms } }),
      'POST /api/v1/rooms': (call) => {
        if (refuse) return error(403, 'pair_not_allowed', 'Not allowed.');
        const body = JSON.parse(call.body);
        const room = { id: 'r-new', title: body.title || 'Ann, Ben', memberIds: ['g-a', ...body.memberIds], lastActivity: '2024-02-01T10:00:00Z' };
        rooms.unshift({ ...room, members: [{ id: 'g-a', displayName: 'Ann' }, { id: 'g-b', displayName: 'Ben' }] });
        return { status: 201, body: room };
      },
    });
    await page.goto(`${origin}/guest`);
    await page.locator('#contact-list li').nth(1).waitFor();
    assert.equal(await page.locator('#injected').count(), 0, 'a name was rendered as HTML');
    assert.deepEqual(await page.locator('#contact-list label').allTextContents(), ['Ben', HOSTILE]);

    // Keyboard only: tab to Ben's checkbox, space to tick it, fill the title, Enter to submit.
    await page.getByLabel('Ben', { exact: true }).focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Title (optional)').fill('Planning');
    await page.getByLabel('Title (optional)').press('Enter');
    await page.locator('#create-status').getByText('Space created: Planning.').waitFor();
    const post = calls.find((c) => c.key === 'POST /api/v1/rooms');
    assert.equal(post.headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(post.body), { title: 'Planning', memberIds: ['g-b'] });
    const items = page.locator('#space-list > li');
    assert.equal(await items.count(), 2);
    assert.equal(await items.first().getAttribute('data-space-id'), 'r-new', 'most recent first');
    assert.equal(await items.first().getAttribute('class'), 'space selected');
    assert.equal(await page.evaluate(() => document.activeElement.closest('li')?.dataset.spaceId), 'r-new');
    await screenshot(page, 'mock-guest-page');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'mock-guest-page-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });

    refuse = true;
    await page.getByLabel(HOSTILE, { exact: true }).check();
    await page.getByRole('button', { name: 'Create space' }).click();
    await page.locator('#create-status').getByText('You are not allowed to open a space with everyone you picked.').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/`);
    const signOut = calls.find((c) => c.key === 'DELETE /api/v1/session');
    assert.equal(signOut.headers['x-csrf-token'], CSRF);
    ctx.assertClean();
    await ctx.close();
  });
});

describe('admin console', () => {
  test('warns about the Webex sign-in, edits, deletes with a confirmation, saves pairs and imports', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    let guests = [
      { id: 'g-a', username: 'ann', displayName: 'Ann', disabled: false },
      { id: 'g-b', username: 'ben', displayName: 'Ben', disabled: false },
      { id: 'g-z', username: 'zed', displayName: HOSTILE, disabled: true },
    ];
    let pairs = [['g-a', 'g-b']];
    const spaces = [{ id: 's1', title: 'Ann, Ben', memberIds: ['g-a', 'g-b'], lastActivity: '2024-01-01T10:00:00Z' }];
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: adminSession }),
      'GET /api/v1/admin/status': () => ({
        body: { appAdmin: { signedIn: true, email: 'admin@example.com', displayName: 'Alex Admin', warning: 'critical',
          refreshExpiresAt: '2030-01-03T00:00:00Z' }, guestProvider: 'service-app', demo: false },
      }),
      'GET /api/v1/guests': () => ({ body: { items: guests } }),
      'PATCH /api/v1/guests/*': (call) => {
        const id = call.key.split('/').pop();
        guests = guests.map((g) => (g.id === id ? { ...g, ...JSON.parse(call.body) } : g));
        return { body: guests.find((g) => g.id === id) };
      },
      'DELETE /api/v1/guests/*': (call) => {
        const id = call.key.split('/').pop();
        guests = guests.filter((g) => g.id !== id);
        pairs = pairs.filter((p) => !p.includes(id));
        return { status: 204 };
      },
      'GET /api/v1/policy/pairs': () => ({ body: { pairs } }),
      'PUT /api/v1/policy/pairs': (call) => {
        pairs = JSON.parse(call.body).pairs;
        const closed = pairs.length === 0 ? ['s1'] : [];
        if (closed.length) spaces[0].closedAt = '2024-01-02T10:00:00Z';
        return { body: { pairs, closedSpaces: closed } };
      },
      'GET /api/v1/spaces': () => ({ body: { items: spaces } }),
      'POST /api/v1/guests/import': () => ({ body: { created: ['cleo'], pairsAdded: 0, skipped: [{ entry: 2, username: 'ann', reason: 'username taken' }] } }),
    });
    await page.goto(`${origin}/admin`);
    const banner = page.locator('#appadmin-banner');
    await banner.getByText('Alex Admin (admin@example.com)').waitFor();
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.equal(await page.getByRole('link', { name: 'Sign in with Webex again' }).getAttribute('href'), '/auth/webex/login');
    assert.equal(await page.locator('#injected').count(), 0, 'a name was rendered as HTML');
    await page.locator('#spaces-table tbody tr').first().waitFor();
    await screenshot(page, 'mock-admin-console');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'mock-admin-console-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Edit in the dialog.
    await page.getByRole('button', { name: 'Edit Ben (ben)' }).click();
    await page.getByRole('dialog').getByLabel('Display name').fill('Benjamin');
    await page.getByRole('dialog').getByLabel('New password').fill('new-pass-1');
    await screenshot(page, 'mock-admin-edit');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.locator('#guests-status').getByText('Saved Benjamin (ben)').waitFor();
    const patch = calls.find((c) => c.key === 'PATCH /api/v1/guests/g-b');
    assert.equal(patch.headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(patch.body), { displayName: 'Benjamin', password: 'new-pass-1' });

    // Enable the disabled guest.
    await page.getByRole('button', { name: `Enable ${HOSTILE} (zed)` }).click();
    await page.locator('#guests-status').getByText('is now enabled').waitFor();

    // Delete: Escape cancels, the confirm button deletes.
    await page.getByRole('button', { name: 'Delete Ann (ann)' }).click();
    await page.getByRole('dialog').getByText('Delete Ann (ann)?').waitFor();
    await page.keyboard.press('Escape');
    assert.equal(calls.filter((c) => c.key.startsWith('DELETE')).length, 0, 'Escape deleted the guest');
    await page.getByRole('button', { name: 'Delete Ann (ann)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete guest' }).click();
    await page.locator('#guests-status').getByText('Deleted Ann (ann).').waitFor();
    assert.equal(await page.locator('#guests-table tbody tr').count(), 2);

    // Pairs: the deleted guest's pair is gone; add one, remove it, save the empty set.
    await page.getByLabel('First guest').selectOption({ label: 'Benjamin (ben)' });
    await page.getByLabel('Second guest').selectOption({ label: 'Benjamin (ben)' });
    await page.getByRole('button', { name: 'Add pair' }).click();
    await page.locator('#pairs-status').getByText('Choose two different guests.').waitFor();
    await page.getByLabel('Second guest').selectOption({ label: `${HOSTILE} (zed)` });
    await page.getByRole('button', { name: 'Add pair' }).click();
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: `Remove pair Benjamin and ${HOSTILE}` }).click();
    assert.equal(await page.getByRole('button', { name: 'Save pairs' }).isDisabled(), true);

    // A pair that was saved and is then removed closes the space.
    pairs = [['g-b', 'g-z']];
    await page.reload();
    await page.getByRole('button', { name: `Remove pair Benjamin and ${HOSTILE}` }).click();
    await page.getByRole('button', { name: 'Save pairs' }).click();
    await page.locator('#pairs-status').getByText('Saved 0 allowed pairs. Closed 1 space: Ann, Ben.').waitFor();
    const put = calls.find((c) => c.key === 'PUT /api/v1/policy/pairs');
    assert.equal(put.headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(put.body), { pairs: [] });
    await page.locator('#spaces-table tbody tr td:nth-child(3)').getByText(/^Closed/).waitFor();

    // Import a CSV: sent as text/csv, the report lists what was skipped.
    await page.getByLabel('File (guests.json or CSV)').setInputFiles({
      name: 'guests.csv', mimeType: 'text/csv', buffer: Buffer.from('username,displayName,password\ncleo,Cleo,pw-cleo-1\n'),
    });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-result').getByText('Created 1 guest: cleo').waitFor();
    await page.locator('#import-result').getByText('username taken').waitFor();
    const imported = calls.find((c) => c.key === 'POST /api/v1/guests/import');
    assert.equal(imported.headers['content-type'], 'text/csv');
    assert.match(imported.body, /^username,displayName,password\n/);
    await screenshot(page, 'mock-admin-after');
    ctx.assertClean();
    await ctx.close();
  });
});
