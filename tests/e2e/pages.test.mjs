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
import { REPO_ROOT, assertAccessible, launchBrowser, newContext, screenshot } from './lib.mjs';

const WEB = path.join(REPO_ROOT, 'web');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };
const PAGES = { '/': 'index.html', '/guest': 'guest.html', '/admin': 'admin.html' };

let server;
let origin;
let browser;

// The event stream is served for real (a route cannot stream): tests push events to every page
// connected to it.
const eventStreams = new Set();
let lastEventId = 0;

function pushEvent(type, data) {
  lastEventId += 1;
  for (const res of eventStreams) res.write(`id: ${lastEventId}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}

async function waitForStreams(count) {
  const deadline = Date.now() + 5000;
  while (eventStreams.size < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} event stream(s), have ${eventStreams.size}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Serves the pages and static files like the portal; /api is answered by page.route in each test,
// except the event stream.
function startStaticServer() {
  server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/api/v1/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(': connected\n\n');
      eventStreams.add(res);
      req.on('close', () => eventStreams.delete(res));
      return;
    }
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
// Every call is recorded in `calls` with its method, path, URL, headers and body. The event stream
// goes on to the static server.
async function mockApi(page, handlers) {
  const calls = [];
  await page.route('**/api/v1/**', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const key = `${request.method()} ${url.pathname}`;
    if (key === 'GET /api/v1/events') {
      await route.continue();
      return;
    }
    const call = { key, url, headers: request.headers(), body: request.postData(), bytes: request.postDataBuffer() };
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
// Polls fn until it returns something truthy; fails after 5 s.
async function until(fn, what = 'a condition') {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// A scripted space's messages, oldest first: ID-m0 … one minute apart, every third one Ann's.
function makeMessages(roomId, count) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${roomId}-m${i}`,
    roomId,
    sender: i % 3 === 0 ? { guestId: 'g-a', displayName: 'Ann' } : { guestId: 'g-b', displayName: 'Ben' },
    text: `message ${i}`,
    files: [],
    created: new Date(Date.UTC(2024, 2, 1, 8, 0) + i * 60000).toISOString(),
  }));
}

// One page of `all` (oldest first) as the portal answers it: newest first, and `next` the cursor of
// the next older page (here the id of the page's oldest message).
function pageOf(all, url) {
  const max = Number(url.searchParams.get('max')) || 50;
  const before = url.searchParams.get('before');
  const end = before ? all.findIndex((m) => m.id === before) : all.length;
  const start = Math.max(0, end - max);
  return { items: all.slice(start, end).reverse(), next: start > 0 ? all[start].id : null };
}

const CSRF = 'csrf-token-123';
const HOSTILE = 'Zed <img src=x id=injected>';

const guestSession = { role: 'guest', csrfToken: CSRF, guest: { id: 'g-a', username: 'ann', displayName: 'Ann' } };
const adminSession = { role: 'admin', csrfToken: CSRF, admin: { email: 'admin@example.com', displayName: 'Alex Admin' } };
const noSession = { role: null, csrfToken: null };
const noHosts = { mode: 'adhoc', items: [], stats: { free: 0, leased: 0, exhausted: 0 } };
const noActivity = { items: [], next: null };

before(async () => {
  await startStaticServer();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
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
    // The page's clock is the test's: the countdown is checked without waiting two minutes.
    await page.clock.install();
    await page.goto(`${origin}/`);
    await page.locator('#admin-needed').waitFor({ state: 'visible' });
    // The notice speaks to the administrator about to set up; guests' sign-in comes first, staff's second.
    await page.locator('#admin-needed').getByText('Setting up this portal?').waitFor();
    const order = await page.locator('#guest-heading, #webex-signin').evaluateAll((nodes) => nodes.map((n) => n.id));
    assert.deepEqual(order, ['guest-heading', 'webex-signin']);
    assert.equal(await page.getByRole('link', { name: 'Staff / administrators: sign in with Webex' }).getAttribute('href'), '/auth/webex/login');
    assert.equal(await page.getByLabel('Password').getAttribute('maxlength'), '1024');

    await page.getByLabel('Username').fill('ann');
    await page.getByLabel('Password').fill('secret-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').getByText('Too many sign-in attempts. Please try again in 2 minutes.').waitFor();
    const post = calls.find((c) => c.key === 'POST /api/v1/session');
    assert.deepEqual(JSON.parse(post.body), { username: 'ann', password: 'secret-1' });
    // A live countdown; the typed password stays and the button waits.
    await page.locator('#signin-wait').getByText('You can try again in 2:00.').waitFor();
    assert.equal(await page.getByLabel('Password').inputValue(), 'secret-1', 'the password was cleared by a 429');
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled(), true);
    await page.clock.runFor(61000);
    await page.locator('#signin-wait').getByText('You can try again in 0:59.').waitFor();
    await page.getByLabel('Password').press('Enter');
    assert.equal(calls.filter((c) => c.key === 'POST /api/v1/session').length, 1, 'sent while throttled');
    await page.clock.runFor(60000);
    await page.locator('#signin-wait').getByText('You can try again now.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled(), false);

    answer = error(503, 'app_admin_required', 'The portal needs an administrator.');
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
      'GET /api/v1/guests': () => ({ body: { items: [], total: 0, counts: { all: 0, active: 0, disabled: 0 } } }),
      'GET /api/v1/policy/pairs': () => ({ body: { items: [], total: 0 } }),
      'GET /api/v1/info': () => ({ body: { appAdminReady: true } }),
      'GET /api/v1/spaces': () => ({ body: { items: [] } }),
      'GET /api/v1/hosts': () => ({ body: noHosts }),
      'GET /api/v1/audit': () => ({ body: noActivity }),
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
  test('shows names as text, sends the CSRF token, opens the new space and shows refusals', async () => {
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
      'GET /api/v1/rooms/*': () => ({ body: { items: [], next: null } }),
      'POST /api/v1/rooms': (call) => {
        if (refuse) return error(403, 'pair_not_allowed', 'Not allowed.');
        const body = JSON.parse(call.body);
        const room = { id: 'r-new', title: body.title || 'Ann, Ben', memberIds: ['g-a', ...body.memberIds], lastActivity: '2024-02-01T10:00:00Z' };
        rooms.unshift({ ...room, members: [{ id: 'g-a', displayName: 'Ann' }, { id: 'g-b', displayName: 'Ben' }] });
        return { status: 201, body: room };
      },
    });
    await page.goto(`${origin}/guest`);
    await page.locator('#space-list li').first().waitFor();
    await page.getByRole('button', { name: 'New space' }).click();
    const dialog = page.getByRole('dialog', { name: 'New space' });
    await dialog.locator('#contact-list li').nth(1).waitFor();
    assert.equal(await page.locator('#injected').count(), 0, 'a name was rendered as HTML');
    assert.deepEqual(await page.locator('#contact-list label').allTextContents(), ['Ben', HOSTILE]);

    // Keyboard only: Ben's checkbox, Space to tick it, the title, Enter to submit.
    await dialog.getByLabel('Ben', { exact: true }).focus();
    await page.keyboard.press('Space');
    await dialog.getByLabel('Title (optional)').fill('Planning');
    await dialog.getByLabel('Title (optional)').press('Enter');
    await page.locator('#list-status').getByText('Space created: Planning.').waitFor();
    assert.equal(await dialog.isVisible(), false, 'the dialog stayed open');
    const post = calls.find((c) => c.key === 'POST /api/v1/rooms');
    assert.equal(post.headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(post.body), { title: 'Planning', memberIds: ['g-b'] });
    const items = page.locator('#space-list > li');
    assert.equal(await items.count(), 2);
    assert.equal(await items.first().getAttribute('data-space-id'), 'r-new', 'most recent first');
    assert.equal(await items.first().getAttribute('class'), 'space selected');
    // The new space is open, and the keyboard is in its composer.
    await page.locator('#conversation-title').getByText('Planning').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-text');
    await screenshot(page, 'mock-guest-page');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'mock-guest-page-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });

    refuse = true;
    await page.getByRole('button', { name: 'New space' }).click();
    await dialog.getByLabel(HOSTILE, { exact: true }).check();
    await dialog.getByRole('button', { name: 'Create space' }).click();
    await page.locator('#create-status').getByText('You are not allowed to open a space with everyone you picked.').waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await dialog.isVisible(), false, 'Escape left the dialog open');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/`);
    const signOut = calls.find((c) => c.key === 'DELETE /api/v1/session');
    assert.equal(signOut.headers['x-csrf-token'], CSRF);
    ctx.assertClean();
    await ctx.close();
  });
});

describe('conversation', () => {
  test('pages, read marks, sending, errors, live events, closed spaces, narrow screens, ended sessions', async () => {
    const ctx = await newContext(browser);
    ctx.expectFailedRequests(413, 503);
    const page = await ctx.newPage();
    const members = [{ id: 'g-a', displayName: 'Ann' }, { id: 'g-b', displayName: 'Ben' }];
    const room = (id, title, lastActivity, extra = {}) => ({ id, title, memberIds: ['g-a', 'g-b'], members, lastActivity, unread: false, closed: false, ...extra });
    const rooms = [
      room('r-1', 'Planning', '2024-03-01T10:00:00Z', { unread: true }),
      room('r-2', `Old ${HOSTILE}`, '2024-02-01T10:00:00Z'),
      room('r-3', 'Gone quiet', '2024-01-01T10:00:00Z', { closed: true }),
    ];
    const messages = { 'r-1': makeMessages('r-1', 120), 'r-2': makeMessages('r-2', 3) };
    const r1 = messages['r-1'];
    r1[119] = { ...r1[119], text: 'bold move link', html: '<p><strong>bold</strong> move <a href="https://example.com/x">link</a></p>' };
    r1[118] = { ...r1[118], text: '<img src=x id=injected>' };
    r1[117] = { ...r1[117], text: 'the report', files: [{ id: 'f-1', name: `report ${HOSTILE}.pdf`, contentType: 'application/pdf', size: 1536 }] };
    let session = guestSession;
    let sendAnswer = null;
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: session }),
      'GET /api/v1/info': () => ({ body: { appAdminReady: true } }),
      'GET /api/v1/contacts': () => ({ body: { items: [] } }),
      'GET /api/v1/rooms': () => ({ body: { items: rooms } }),
      'GET /api/v1/rooms/*': (call) => {
        const [, , , , id, what] = call.url.pathname.split('/');
        if (what !== 'messages' || !messages[id]) return error(404, 'not_found', 'No such space.');
        return { body: pageOf(messages[id], call.url) };
      },
      'POST /api/v1/rooms/*': (call) => {
        const [, , , , id, what] = call.url.pathname.split('/');
        if (what === 'read') return { status: 204 };
        if (sendAnswer) return sendAnswer;
        const body = JSON.parse(call.body);
        const message = { id: `${id}-sent${messages[id].length}`, roomId: id, sender: { guestId: 'g-a', displayName: 'Ann' },
          text: body.text ?? body.markdown, files: [], created: new Date().toISOString() };
        if (body.markdown === 'Hello **there**\nsecond line') message.html = '<p>Hello <strong>there</strong><br>second line</p>';
        messages[id].push(message);
        return { status: 201, body: message };
      },
    });
    const spaceIds = () => page.locator('#space-list > li').evaluateAll((items) => items.map((li) => li.dataset.spaceId));
    const shownIds = () => page.locator('#message-list > li').evaluateAll((items) => items.map((li) => li.dataset.messageId));
    const focusedId = () => page.evaluate(() => document.activeElement.id);
    const messageCalls = (id) => calls.filter((c) => c.key === `GET /api/v1/rooms/${id}/messages`);

    await page.goto(`${origin}/guest`);
    await page.locator('#space-list > li').nth(2).waitFor();
    await waitForStreams(1);
    assert.deepEqual(await spaceIds(), ['r-1', 'r-2', 'r-3'], 'most recent activity first');
    assert.match(await page.locator('[data-space-id="r-1"]').getAttribute('class'), /\bunread\b/);
    await page.locator('[data-space-id="r-3"]').getByText('Closed by your organisation').waitFor();
    assert.equal(await page.locator('#injected').count(), 0, 'a title was rendered as HTML');
    await assertAccessible(page, 'guest page with its list');

    // The newest page, newest at the bottom; the newest message is marked read.
    await page.getByRole('button', { name: /^Planning/ }).click();
    const shown = page.locator('#message-list > li');
    await shown.nth(49).waitFor();
    assert.equal(await shown.count(), 50);
    assert.equal(await shown.last().getAttribute('data-message-id'), 'r-1-m119', 'the newest is not at the bottom');
    assert.equal(await focusedId(), 'composer-text', 'opening a space puts the keyboard in its composer');
    const read = await until(() => calls.find((c) => c.key === 'POST /api/v1/rooms/r-1/read'), 'the read mark');
    assert.equal(read.headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(read.body), { messageId: 'r-1-m119' });
    await page.waitForFunction(() => !document.querySelector('[data-space-id="r-1"]').classList.contains('unread'));
    assert.equal(await shown.last().locator('.msg-body strong').textContent(), 'bold', 'html is not rendered');
    assert.equal(await shown.last().locator('.msg-body a').getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await shown.nth(48).locator('.msg-body').textContent(), '<img src=x id=injected>', 'text is not shown as text');
    assert.equal(await page.locator('#injected').count(), 0, 'a message text was rendered as HTML');
    const chip = shown.nth(47).locator('a.file-chip');
    assert.equal(await chip.getAttribute('href'), '/api/v1/rooms/r-1/files/f-1');
    assert.equal(await chip.getAttribute('download'), `report ${HOSTILE}.pdf`);
    assert.match(await chip.textContent(), /report Zed <img src=x id=injected>\.pdf\s*1\.5 KB/);
    await screenshot(page, 'mock-conversation');
    await assertAccessible(page, 'guest page with an open conversation');

    // Scrolling up loads older pages; what the guest was reading stays where it was.
    for (const [anchor, count] of [['r-1-m70', 100], ['r-1-m20', 120]]) {
      const before = await page.evaluate((id) => {
        const scroller = document.getElementById('message-scroller');
        scroller.scrollTop = 0;
        return document.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top;
      }, anchor);
      await shown.nth(count - 1).waitFor();
      await until(async () => !(await page.locator('#message-list').getAttribute('aria-busy')).includes('true'), 'the page to settle');
      const after = await page.evaluate((id) => document.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top, anchor);
      assert.ok(Math.abs(after - before) <= 2, `the reading position moved from ${before} to ${after}`);
    }
    const ids = await shownIds();
    assert.equal(ids.length, 120);
    assert.equal(new Set(ids).size, 120, 'a message is shown twice');
    assert.deepEqual(ids, messages['r-1'].map((m) => m.id), 'messages out of order');
    assert.deepEqual(messageCalls('r-1').map((c) => c.url.searchParams.get('before')), [null, 'r-1-m70', 'r-1-m20']);
    await page.getByText('This is the start of the conversation.').waitFor();

    // Enter sends markdown, Shift+Enter adds a line; the composer keeps the focus.
    await page.keyboard.press('Tab'); // out of the scrolled list and back, as a keyboard user would
    await page.getByLabel('Message', { exact: true }).focus();
    await page.keyboard.type('Hello **there**');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    await page.keyboard.press('Enter');
    await shown.last().locator('strong').getByText('there').waitFor();
    let sent = calls.filter((c) => c.key === 'POST /api/v1/rooms/r-1/messages');
    assert.deepEqual(JSON.parse(sent.at(-1).body), { markdown: 'Hello **there**\nsecond line' });
    assert.equal(sent.at(-1).headers['x-csrf-token'], CSRF);
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), '');
    assert.equal(await focusedId(), 'composer-text');

    // With Markdown off the text goes as text and shows as text.
    await page.getByLabel('Markdown').uncheck();
    await page.getByLabel('Message', { exact: true }).fill('plain <b>text</b>');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await shown.last().getByText('plain <b>text</b>').waitFor();
    sent = calls.filter((c) => c.key === 'POST /api/v1/rooms/r-1/messages');
    assert.deepEqual(JSON.parse(sent.at(-1).body), { text: 'plain <b>text</b>' });

    // A file too large: multipart with the text and the file; the server's message; nothing lost.
    sendAnswer = error(413, 'too_large', 'The file is larger than the 25 MB the portal accepts.');
    await page.getByLabel('Attach a file').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2048, 7) });
    await page.locator('#attachment-name').getByText('big.bin (2.0 KB)').waitFor();
    await page.getByLabel('Message', { exact: true }).fill('see attached');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('alert').getByText('The file is larger than the 25 MB the portal accepts.').waitFor();
    const multipart = calls.filter((c) => c.key === 'POST /api/v1/rooms/r-1/messages').at(-1);
    assert.match(multipart.headers['content-type'], /^multipart\/form-data; boundary=/);
    const parts = multipart.bytes.toString('latin1');
    assert.match(parts, /name="text"\r\n\r\nsee attached\r\n/);
    assert.match(parts, /name="file"; filename="big.bin"\r\nContent-Type: application\/octet-stream\r\n\r\n\x07{2048}\r\n/);
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'see attached', 'a refused message was lost');
    await page.getByRole('button', { name: 'Remove the attached file' }).click();
    assert.equal(await page.locator('#attachment').isHidden(), true);

    // Webex unavailable: how long to wait, from Retry-After.
    sendAnswer = error(503, 'webex_unavailable', 'Webex is not available right now', { 'Retry-After': '30' });
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.getByRole('alert').getByText('Webex is not available right now. Please try again in 30 seconds.').waitFor();
    sendAnswer = null;
    await page.getByLabel('Markdown').check();
    await page.getByLabel('Message', { exact: true }).fill('');

    // A message in another space: a toast that leaves the focus alone, the space on top and unread.
    await page.getByLabel('Message', { exact: true }).focus();
    pushEvent('message.created', { roomId: 'r-2', messageId: 'r-2-x', title: `Old ${HOSTILE}`, senderName: 'Ben', preview: 'are you there?' });
    const toast = page.locator('.toast');
    await toast.getByText('Ben: are you there?').waitFor();
    assert.equal(await toast.getAttribute('role'), 'status');
    assert.equal(await focusedId(), 'composer-text', 'the toast took the focus');
    assert.deepEqual(await spaceIds(), ['r-2', 'r-1', 'r-3']);
    assert.match(await page.locator('[data-space-id="r-2"]').getAttribute('class'), /\bunread\b/);
    assert.equal(await page.locator('#injected').count(), 0, 'a toast rendered a title as HTML');
    await screenshot(page, 'mock-conversation-toast');
    await assertAccessible(page, 'guest page with a toast');
    await page.emulateMedia({ colorScheme: 'dark' });
    await assertAccessible(page, 'guest page with a toast, dark colour scheme');
    await screenshot(page, 'mock-conversation-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await toast.getByRole('button', { name: /^New message in Old/ }).click();
    await page.locator('#conversation-title').getByText(`Old ${HOSTILE}`).waitFor();
    await shown.nth(2).waitFor();
    assert.equal(await toast.count(), 0, 'the toast stayed');

    // A message in the open space appears once, however often it is announced.
    messages['r-2'].push({ id: 'r-2-live', roomId: 'r-2', sender: { guestId: 'g-b', displayName: 'Ben' }, text: 'live one', files: [], created: new Date().toISOString() });
    const fetched = messageCalls('r-2').length;
    pushEvent('message.created', { roomId: 'r-2', messageId: 'r-2-live', title: 'x', senderName: 'Ben', preview: 'live one' });
    pushEvent('message.created', { roomId: 'r-2', messageId: 'r-2-live', title: 'x', senderName: 'Ben', preview: 'live one' });
    await shown.last().getByText('live one').waitFor();
    await until(() => messageCalls('r-2').length >= fetched + 2, 'both announcements to be fetched');
    await until(async () => (await shownIds()).length === 4, 'four messages');
    assert.equal(await toast.count(), 0, 'a toast for the open space');

    // resync: the list and the open space's newest page again.
    const listCalls = calls.filter((c) => c.key === 'GET /api/v1/rooms').length;
    pushEvent('resync', {});
    await until(() => calls.filter((c) => c.key === 'GET /api/v1/rooms').length > listCalls, 'the list to reload');
    await until(() => messageCalls('r-2').length >= fetched + 3, 'the open space to reload');
    await until(async () => (await shownIds()).length === 4, 'four messages after resync');

    // A closed space: the notice, no composer, no messages asked for.
    await page.getByRole('button', { name: /^Gone quiet/ }).click();
    await page.locator('#closed-notice').waitFor();
    assert.equal(await page.locator('#composer').isHidden(), true, 'a closed space has a composer');
    assert.equal(messageCalls('r-3').length, 0);
    await assertAccessible(page, 'guest page with a closed space');

    // The open space is closed while the guest is in it.
    await page.getByRole('button', { name: /^Planning/ }).click();
    await shown.nth(49).waitFor();
    rooms[0] = { ...rooms[0], closed: true };
    pushEvent('room.closed', { roomId: 'r-1', title: 'Planning' });
    await page.locator('#closed-notice').waitFor();
    assert.equal(await page.locator('#composer').isHidden(), true);
    assert.equal(await shown.count(), 0, 'messages of a closed space are shown');

    // 375 px: the list, or the conversation with a way back.
    await page.setViewportSize({ width: 375, height: 740 });
    assert.equal(await page.locator('#list-pane').isHidden(), true, 'the list shows beside the conversation');
    await page.getByRole('button', { name: 'Back to spaces' }).click();
    assert.equal(await page.locator('#conversation').isHidden(), true);
    assert.equal(await page.evaluate(() => document.activeElement.closest('li')?.dataset.spaceId), 'r-1', 'focus is not back on the space');
    await screenshot(page, 'mock-conversation-narrow-list');
    await page.getByRole('button', { name: /^Old/ }).click();
    await shown.nth(3).waitFor();
    assert.equal(await page.locator('#list-pane').isHidden(), true);
    await screenshot(page, 'mock-conversation-narrow');
    await assertAccessible(page, 'narrow conversation');

    // The session ends: the sign-in page says why.
    session = noSession;
    pushEvent('session.ended', { reason: 'disabled' });
    await page.waitForURL(`${origin}/?ended=disabled`);
    await page.getByText('Your account was disabled by your organisation.').waitFor();
    await assertAccessible(page, 'sign-in page after the session ended');
    ctx.assertClean();
    await ctx.close();
  });

  test('any 401 sends the guest to sign-in, which says the session has ended', async () => {
    const ctx = await newContext(browser);
    ctx.expectFailedRequests(401);
    const page = await ctx.newPage();
    let session = guestSession;
    await mockApi(page, {
      'GET /api/v1/session': () => ({ body: session }),
      'GET /api/v1/info': () => ({ body: { appAdminReady: true } }),
      'GET /api/v1/contacts': () => ({ body: { items: [] } }),
      'GET /api/v1/rooms': () => ({ body: { items: [{ id: 'r-1', title: 'Planning', memberIds: [], members: [], lastActivity: null }] } }),
      'GET /api/v1/rooms/*': () => {
        session = noSession;
        return error(401, 'not_signed_in', 'Sign in first.');
      },
    });
    await page.goto(`${origin}/guest`);
    await page.getByRole('button', { name: /^Planning/ }).click();
    await page.waitForURL(`${origin}/?ended=expired`);
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    ctx.assertClean();
    await ctx.close();
  });
});

// The console's side of the guests and policy API, scripted: paging, search, sort, dry runs.
function consoleApi(model, calls) {
  const summary = (id) => {
    const g = model.guests.find((x) => x.id === id) || { username: 'gone', displayName: 'Deleted guest', disabled: true };
    return { id, username: g.username, displayName: g.displayName, disabled: g.disabled };
  };
  const has = (pair) => model.pairs.some((p) => p.includes(pair[0]) && p.includes(pair[1]));
  const closing = (removed) => model.spaces.filter((s) => !s.closedAt && removed.some(([a, b]) => s.memberIds.includes(a) && s.memberIds.includes(b)))
    .map((s) => ({ id: s.id, title: s.title, members: s.memberIds.map((id) => ({ id, displayName: summary(id).displayName })) }));
  return {
    'GET /api/v1/info': () => ({ body: { appAdminReady: true, limits: { usernameMin: 3, usernameMax: 64, displayNameMax: 100, passwordMin: 8, passwordMax: 1024 } } }),
    'GET /api/v1/guests': (call) => {
      const q = (call.url.searchParams.get('query') || '').toLowerCase();
      const status = call.url.searchParams.get('status') || 'all';
      const sort = call.url.searchParams.get('sort') || 'username';
      const order = call.url.searchParams.get('order') || 'asc';
      let items = model.guests.filter((g) => !q || g.username.includes(q) || g.displayName.toLowerCase().includes(q))
        .filter((g) => status === 'all' || (status === 'disabled') === g.disabled);
      items.sort((a, b) => String(a[sort]).localeCompare(String(b[sort])) * (order === 'desc' ? -1 : 1));
      const total = items.length;
      const offset = Number(call.url.searchParams.get('offset') || 0);
      if (call.url.searchParams.has('limit')) items = items.slice(offset, offset + Number(call.url.searchParams.get('limit')));
      const counts = { all: model.guests.length, active: model.guests.filter((g) => !g.disabled).length, disabled: model.guests.filter((g) => g.disabled).length };
      return { body: { items: items.map((g) => ({ ...g, pairCount: model.pairs.filter((p) => p.includes(g.id)).length })), total, counts } };
    },
    'PATCH /api/v1/guests/*': (call) => {
      const id = call.url.pathname.split('/').pop();
      const body = JSON.parse(call.body);
      const guest = { ...model.guests.find((g) => g.id === id), ...body };
      delete guest.generatePassword;
      delete guest.password;
      if (call.url.searchParams.get('dryRun') === 'true') {
        const removed = body.disabled ? model.pairs.filter((p) => p.includes(id)) : [];
        return { body: { dryRun: true, guest, spacesClosed: closing(removed), endsSessions: Boolean(body.disabled) } };
      }
      model.guests = model.guests.map((g) => (g.id === id ? guest : g));
      if (body.disabled) for (const s of closing(model.pairs.filter((p) => p.includes(id)))) model.spaces.find((x) => x.id === s.id).closedAt = '2024-01-02T10:00:00Z';
      return { body: body.generatePassword ? { ...guest, password: 'k7pm-x3rt-9fwq-h2nd' } : guest };
    },
    'DELETE /api/v1/guests/*': (call) => {
      const id = call.url.pathname.split('/').pop();
      const removed = model.pairs.filter((p) => p.includes(id));
      if (call.url.searchParams.get('dryRun') === 'true') {
        return { body: { dryRun: true, spacesClosed: closing(removed), pairsRemoved: removed.length, endsSessions: true } };
      }
      model.guests = model.guests.filter((g) => g.id !== id);
      model.pairs = model.pairs.filter((p) => !p.includes(id));
      return { status: 204 };
    },
    'POST /api/v1/guests': (call) => {
      const body = JSON.parse(call.body);
      if (model.guests.some((g) => g.username === body.username)) {
        return { status: 409, body: { error: { code: 'username_taken', message: 'This username is taken.', field: 'username' } } };
      }
      const guest = { id: `g-${body.username}`, username: body.username, displayName: body.displayName, disabled: false,
        createdAt: '2024-01-05T10:00:00Z', mustChangePassword: Boolean(body.mustChangePassword), expiresAt: body.expiresAt ? `${body.expiresAt}T23:59:59Z` : null };
      model.guests.push(guest);
      return { status: 201, body: body.generatePassword ? { ...guest, password: 'a2bc-d3fg-h4jk-m5np' } : guest };
    },
    'GET /api/v1/policy/pairs': (call) => {
      const q = (call.url.searchParams.get('query') || '').toLowerCase();
      const items = model.pairs.map(([a, b]) => [summary(a), summary(b)].sort((x, y) => x.displayName.localeCompare(y.displayName)))
        .filter(([a, b]) => !q || [a, b].some((g) => g.displayName.toLowerCase().includes(q) || g.username.includes(q)))
        .map(([a, b]) => ({ a, b }));
      return { body: { items, total: items.length } };
    },
    'PATCH /api/v1/policy/pairs': (call) => {
      const body = JSON.parse(call.body);
      const add = (body.add || []).filter((p) => !has(p));
      const remove = (body.remove || []).filter((p) => has(p));
      const spacesClosed = closing(remove);
      const dryRun = call.url.searchParams.get('dryRun') === 'true';
      if (!dryRun) {
        model.pairs = model.pairs.filter((p) => !remove.some(([a, b]) => p.includes(a) && p.includes(b))).concat(add);
        for (const s of spacesClosed) model.spaces.find((x) => x.id === s.id).closedAt = '2024-01-02T10:00:00Z';
      }
      return { body: { dryRun, added: add, removed: remove, closedSpaces: spacesClosed.map((x) => x.id), spacesClosed } };
    },
    'GET /api/v1/spaces': () => ({ body: { items: model.spaces } }),
    'GET /api/v1/guests/*': (call) => {
      const id = call.url.pathname.split('/')[4];
      const guest = model.guests.find((g) => g.id === id);
      const contacts = model.pairs.filter((p) => p.includes(id)).map((p) => summary(p[0] === id ? p[1] : p[0]));
      const spaces = model.spaces.filter((s) => s.memberIds.includes(id))
        .map((s) => ({ id: s.id, title: s.title, members: s.memberIds.map((m) => ({ id: m, displayName: summary(m).displayName })), createdAt: s.lastActivity, lastActivity: s.lastActivity, closedAt: s.closedAt }));
      const activity = calls.filter((c) => c.key.startsWith('PATCH /api/v1/guests/' + id) && !c.url.searchParams.has('dryRun'))
        .map((c, i) => ({ id: `a${i}`, time: '2024-01-03T10:00:00Z', actor: 'admin:admin@example.com', action: 'guest.update', target: id, outcome: 'success' }));
      return { body: { guest, contacts, spaces, activity } };
    },
    'GET /api/v1/policy/explain': (call) => {
      const a = call.url.searchParams.get('a');
      const b = call.url.searchParams.get('b');
      const reasons = [];
      if (!has([a, b])) reasons.push({ code: 'no_pair', message: `${summary(a).displayName} and ${summary(b).displayName} are not an allowed pair.` });
      for (const id of [a, b]) if (summary(id).disabled) reasons.push({ code: 'disabled', guest: id, message: `${summary(id).displayName} is disabled.` });
      return { body: { allowed: reasons.length === 0, a: summary(a), b: summary(b), reasons, spaces: [] } };
    },
  };
}

describe('admin console', () => {
  test('warns about the Webex sign-in, edits, deletes and disables after a preview, saves pairs and imports', async () => {
    const ctx = await newContext(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
    ctx.expectFailedRequests(409);
    const page = await ctx.newPage();
    const model = {
      guests: [
        { id: 'g-a', username: 'ann', displayName: 'Ann', disabled: false, createdAt: '2024-01-01T10:00:00Z', mustChangePassword: false, expiresAt: null },
        { id: 'g-b', username: 'ben', displayName: 'Ben', disabled: false, createdAt: '2024-01-01T11:00:00Z', mustChangePassword: false, expiresAt: '2031-01-31T23:59:59Z' },
        { id: 'g-z', username: 'zed', displayName: HOSTILE, disabled: true, createdAt: '2024-01-01T12:00:00Z', mustChangePassword: false, expiresAt: null },
      ],
      pairs: [['g-a', 'g-b']],
      spaces: [{ id: 's1', title: 'Ann, Ben', memberIds: ['g-a', 'g-b'], lastActivity: '2024-01-01T10:00:00Z' }],
    };
    const calls = [];
    const handlers = {
      ...consoleApi(model, calls),
      'GET /api/v1/session': () => ({ body: adminSession }),
      'GET /api/v1/admin/status': () => ({
        body: { appAdmin: { signedIn: true, email: 'admin@example.com', displayName: 'Alex Admin', warning: 'critical',
          refreshExpiresAt: '2030-01-03T00:00:00Z' }, guestProvider: 'service-app', demo: false },
      }),
      'GET /api/v1/hosts': () => ({ body: noHosts }),
      'GET /api/v1/audit': () => ({ body: noActivity }),
      'POST /api/v1/guests/import': () => ({ body: { created: ['cleo'], pairsAdded: 0, skipped: [{ entry: 2, username: 'ann', reason: 'username taken' }] } }),
    };
    const recorded = await mockApi(page, handlers);
    // The overview's activity reads the calls as they come.
    const live = () => { calls.length = 0; calls.push(...recorded); };
    await page.goto(`${origin}/admin`);
    const banner = page.locator('#appadmin-banner');
    await banner.getByText('Alex Admin (admin@example.com)').waitFor();
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.equal(await page.getByRole('link', { name: 'Sign in with Webex again' }).getAttribute('href'), '/auth/webex/login');
    assert.equal(await page.locator('#injected').count(), 0, 'a name was rendered as HTML');
    await page.locator('#spaces-table tbody tr').first().waitFor();
    // Counts in the headings and the filter; the expiry in the list; limits as the inputs' maxlength.
    await page.locator('#guests-heading').getByText('(3)').waitFor();
    assert.equal(await page.locator('#pairs-heading .count').textContent(), '(1)');
    assert.deepEqual(await page.locator('#guests-status-filter option').allTextContents(), ['All (3)', 'Active (2)', 'Disabled (1)']);
    assert.match(await page.locator('#guests-table tr[data-guest-id="g-b"]').innerText(), /Expires/);
    assert.equal(await page.locator('#new-display-name').getAttribute('maxlength'), '100');
    assert.equal(await page.locator('#new-password').getAttribute('maxlength'), '1024');
    assert.match(await page.locator('#new-password-hint').textContent(), /8–1024 characters/);
    const firstGuests = recorded.find((c) => c.key === 'GET /api/v1/guests');
    assert.equal(firstGuests.url.searchParams.get('limit'), '50');
    await screenshot(page, 'mock-admin-console');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'mock-admin-console-narrow');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Sorting by a column header sends sort/order and marks aria-sort.
    const sortButton = page.locator('#guests-table').getByRole('columnheader', { name: 'Display name' }).getByRole('button');
    await sortButton.click();
    await until(() => page.locator('#guests-table th[data-sort="displayName"]').getAttribute('aria-sort').then((v) => v === 'ascending'), 'aria-sort');
    await sortButton.click();
    await until(() => page.locator('#guests-table th[data-sort="displayName"]').getAttribute('aria-sort').then((v) => v === 'descending'), 'aria-sort descending');
    const sorted = recorded.filter((c) => c.key === 'GET /api/v1/guests').pop();
    assert.equal(sorted.url.searchParams.get('sort'), 'displayName');
    assert.equal(sorted.url.searchParams.get('order'), 'desc');

    // Every invalid field is marked with its own message, before anything is sent.
    await page.locator('#new-display-name').fill('x'.repeat(10));
    await page.locator('#new-username').fill('No Caps');
    await page.locator('#new-password').fill('short');
    await page.getByRole('button', { name: 'Add guest' }).click();
    assert.equal(await page.locator('#new-username').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#new-password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#new-display-name').getAttribute('aria-invalid'), null);
    await page.locator('#new-username-error').getByText("Username may contain only a–z, 0–9, '.', '_' and '-'.").waitFor();
    await page.locator('#new-password-error').getByText('Password must be at least 8 characters.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-username', 'focus is not on the first invalid field');
    // A refusal from the portal marks the field it names.
    await page.locator('#new-username').fill('ann');
    await page.locator('#new-password').fill('long-enough-1');
    await page.getByRole('button', { name: 'Add guest' }).click();
    await page.locator('#new-username-error').getByText('This username is taken.').waitFor();
    assert.equal(await page.locator('#new-password').getAttribute('aria-invalid'), null);
    // Generated password: the card shows it once, with the portal's address; Copy puts it on the clipboard.
    await page.locator('#new-username').fill('dora');
    await page.locator('#new-display-name').fill('Dora');
    await page.locator('#add-guest-form').getByLabel('Generate a password').check();
    assert.equal(await page.locator('#new-password').isDisabled(), true);
    await page.locator('#add-guest-form').getByLabel('Must change password at next sign-in').check();
    await page.getByRole('button', { name: 'Add guest' }).click();
    await page.locator('#credentials-card').getByText('a2bc-d3fg-h4jk-m5np').waitFor();
    const created = JSON.parse(recorded.filter((c) => c.key === 'POST /api/v1/guests').pop().body);
    assert.deepEqual(created, { displayName: 'Dora', username: 'dora', generatePassword: true, mustChangePassword: true });
    assert.equal(await page.locator('#credentials-url').textContent(), `${origin}/`);
    assert.equal(await page.locator('#credentials-note').isVisible(), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'credentials-heading');
    await page.getByRole('button', { name: 'Copy sign-in details' }).click();
    await page.locator('#credentials-status').getByText('Copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /Username: dora\nPassword: a2bc-d3fg-h4jk-m5np/);
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.locator('#credentials-password').textContent(), '', 'the password stays in the page');

    // Edit in the dialog.
    await page.getByRole('button', { name: 'Edit Ben (ben)' }).click();
    await page.getByRole('dialog').getByLabel('Display name').fill('Benjamin');
    await page.getByRole('dialog').getByLabel('New password', { exact: true }).fill('new-pass-1');
    await screenshot(page, 'mock-admin-edit');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.locator('#guests-status').getByText('Saved Benjamin (ben)').waitFor();
    const patch = recorded.find((c) => c.key === 'PATCH /api/v1/guests/g-b');
    assert.equal(patch.headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(patch.body), { displayName: 'Benjamin', password: 'new-pass-1' });
    await page.getByRole('button', { name: 'Done' }).click();

    // Enable the disabled guest: nothing closes, no question.
    await page.getByRole('button', { name: `Enable ${HOSTILE} (zed)` }).click();
    await page.locator('#guests-status').getByText('is now enabled').waitFor();

    // Disabling Ann would close "Ann, Ben": the dialog lists it; Cancel changes nothing.
    await page.getByRole('button', { name: 'Disable Ann (ann)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('1 space will close:').waitFor();
    assert.match(await dialog.locator('.closing-spaces').innerText(), /Ann, Ben — Ann, Benjamin/);
    await assertAccessible(page, 'confirmation dialog');
    // Cancel has the focus; Tab and Shift+Tab stay in the dialog.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel');
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      assert.ok(await page.evaluate(() => document.getElementById('confirm-dialog').contains(document.activeElement)), `${key} left the dialog`);
    }
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#guests-status').getByText('Ann was not changed.').waitFor();
    assert.equal(recorded.filter((c) => c.key === 'PATCH /api/v1/guests/g-a' && !c.url.searchParams.has('dryRun')).length, 0, 'Cancel disabled Ann');
    assert.equal(model.spaces[0].closedAt, undefined);

    // Delete: the preview lists the space and the pair; Escape cancels, the confirm button deletes.
    await page.getByRole('button', { name: 'Delete Ann (ann)' }).click();
    await page.getByRole('dialog').getByText('Delete Ann (ann)?').waitFor();
    await page.getByRole('dialog').getByText('1 allowed pair with them will be removed.').waitFor();
    await page.keyboard.press('Escape');
    assert.equal(recorded.filter((c) => c.key.startsWith('DELETE') && !c.url.searchParams.has('dryRun')).length, 0, 'Escape deleted the guest');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Delete Ann (ann)');
    await page.getByRole('button', { name: 'Delete Ann (ann)' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete guest' }).click();
    await page.locator('#guests-status').getByText('Deleted Ann (ann).').waitFor();
    assert.equal(await page.locator('#guests-table tbody tr').count(), 3);

    // Pairs: pick guests by typing; the same guest twice is refused; add one, take it back.
    await page.getByLabel('First guest').fill('Benjamin (ben)');
    await page.getByLabel('Second guest').fill('Benjamin (ben)');
    await page.getByRole('button', { name: 'Add pair' }).click();
    await page.locator('#pairs-status').getByText('Choose two different guests.').waitFor();
    assert.equal(await page.locator('#pair-second').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Second guest').fill('zed');
    await page.getByRole('button', { name: 'Add pair' }).click();
    await page.getByText('Unsaved changes').first().waitFor();
    await page.getByRole('button', { name: `Remove pair Benjamin and ${HOSTILE}` }).click();
    assert.equal(await page.getByRole('button', { name: 'Save pairs' }).isDisabled(), true);

    // A saved pair removed: the dry run finds the space; Cancel leaves it, confirming closes it.
    model.pairs = [['g-b', 'g-z']];
    model.spaces.push({ id: 's2', title: 'Ben and Zed', memberIds: ['g-b', 'g-z'], lastActivity: '2024-01-01T10:00:00Z' });
    await page.reload();
    await page.getByRole('button', { name: `Remove pair Benjamin and ${HOSTILE}` }).click();
    await page.getByRole('button', { name: 'Save pairs' }).click();
    await page.getByRole('dialog').getByText('1 space will close:').waitFor();
    await page.getByRole('dialog').getByText('Ben and Zed').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#pairs-status').getByText('Nothing was saved.').waitFor();
    assert.deepEqual(model.pairs, [['g-b', 'g-z']]);
    await page.getByRole('button', { name: 'Save pairs' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save and close spaces' }).click();
    await page.locator('#pairs-status').getByText('Saved: 0 pairs allowed, 1 removed; 0 allowed pairs in all. Closed 1 space: Ben and Zed.').waitFor();
    const saved = recorded.filter((c) => c.key === 'PATCH /api/v1/policy/pairs');
    assert.equal(saved.at(-1).headers['x-csrf-token'], CSRF);
    assert.deepEqual(JSON.parse(saved.at(-1).body), { remove: [['g-b', 'g-z']] });
    assert.equal(saved.at(-1).url.searchParams.has('dryRun'), false);
    await page.locator('#spaces-table tr[data-space-id="s2"] td:nth-child(3)').getByText(/^Closed/).waitFor();

    // The per-guest view and Explain.
    live();
    await page.getByRole('button', { name: 'View Benjamin (ben)' }).click();
    await page.locator('#guest-view-heading').getByText('Benjamin (ben)').waitFor();
    await page.locator('#guest-view-contacts').getByText('Nobody').waitFor();
    await page.locator('#guest-view-spaces').getByText('Ben and Zed').waitFor();
    await page.getByLabel('Other guest').fill('zed');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.locator('#explain-result').getByText(`Benjamin and ${HOSTILE} are not an allowed pair.`).waitFor();
    await assertAccessible(page, 'guest view');

    // Import a CSV: sent as text/csv; a partial import is a warning that lists what was skipped.
    await page.getByLabel('File (guests.json or CSV)').setInputFiles({
      name: 'guests.csv', mimeType: 'text/csv', buffer: Buffer.from('username,displayName,password\ncleo,Cleo,pw-cleo-1\n'),
    });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-result').getByText('Created 1 guest: cleo').waitFor();
    await page.locator('#import-result').getByText('username taken').waitFor();
    assert.equal(await page.locator('#import-result .message').getAttribute('data-kind'), 'warn');
    await page.locator('#import-result').getByText('Imported partly').waitFor();
    const imported = recorded.find((c) => c.key === 'POST /api/v1/guests/import');
    assert.equal(imported.headers['content-type'], 'text/csv');
    assert.match(imported.body, /^username,displayName,password\n/);
    await screenshot(page, 'mock-admin-after');
    ctx.assertClean();
    await ctx.close();
  });
});

describe('meetings', () => {
  const inSeconds = (s) => new Date(Date.now() + s * 1000).toISOString();
  const planning = { id: 'r-1', title: 'Planning', memberIds: ['g-a', 'g-b'], lastActivity: '2024-03-01T10:00:00Z',
    members: [{ id: 'g-a', displayName: 'Ann' }, { id: 'g-b', displayName: 'Ben' }] };
  const other = { id: 'r-2', title: 'Other space', memberIds: ['g-a', 'g-b'], lastActivity: '2024-02-01T10:00:00Z',
    members: [{ id: 'g-a', displayName: 'Ann' }, { id: 'g-b', displayName: 'Ben' }] };

  // A guest page whose spaces' meetings are scripted: `meeting` is the live lease (or null) that GET
  // returns; `post` answers POST …/meeting (by default: the live lease, or a new one).
  async function meetingPage(script) {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: guestSession }),
      'GET /api/v1/contacts': () => ({ body: { items: [] } }),
      'GET /api/v1/rooms': () => ({ body: { items: [planning, other] } }),
      'GET /api/v1/rooms/*': (call) => {
        const [, , , , id, what] = call.url.pathname.split('/');
        if (what === 'messages') return { body: { items: [], next: null } };
        if (what === 'meeting' && id === 'r-1' && script.meeting) return { body: script.meeting };
        return error(404, 'not_found', 'No meeting is live in this space.');
      },
      'POST /api/v1/rooms/*': (call) => {
        const path = call.url.pathname;
        if (path.endsWith('/meeting/heartbeat')) {
          if (!script.meeting) return error(404, 'not_found', 'No meeting is live in this space.');
          script.meeting.expiresAt = inSeconds(script.leaseSeconds);
          return { body: { expiresAt: script.meeting.expiresAt } };
        }
        if (path.endsWith('/meeting')) {
          if (script.post) {
            const answer = script.post.shift();
            if (answer) return answer;
          }
          script.meeting = script.meeting || script.newLease();
          return { body: script.meeting };
        }
        return { status: 204 };
      },
      'DELETE /api/v1/rooms/*': () => {
        script.meeting = null;
        return { status: 204 };
      },
      'GET /api/v1/webex/token': () => ({ headers: { 'Cache-Control': 'no-store' }, body: { accessToken: 'guest-token-1', expiresAt: inSeconds(3600) } }),
    });
    const fetched = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`${origin}/guest`);
    await page.locator('#space-list > li').nth(1).waitFor();
    await waitForStreams(1);
    return { ctx, page, calls, fetched };
  }

  const beats = (calls) => calls.filter((c) => c.key === 'POST /api/v1/rooms/r-1/meeting/heartbeat');

  test('start, the pool exhausted, heartbeats, events from others, join, leave and end', async () => {
    const script = {
      meeting: null,
      leaseSeconds: 4.5,
      post: [
        error(503, 'pool_exhausted', 'Every meeting host is busy right now.', { 'Retry-After': '120' }),
        error(503, 'pool_exhausted', 'All hosts are busy. Please try again in 30 seconds.', { 'Retry-After': '30' }),
      ],
      newLease: () => ({ leaseId: 'l-1', mode: 'adhoc', startedAt: new Date().toISOString(), expiresAt: inSeconds(4.5), mediaAvailable: false,
        meeting: { id: 'm-1', meetingNumber: '123456789', webLink: 'https://example.webex.com/meet/x' } }),
    };
    const { ctx, page, calls, fetched } = await meetingPage(script);
    ctx.expectFailedRequests(503);
    const state = page.locator('#meeting-state');
    const live = page.locator('#meeting-live');

    await page.locator('[data-space-id="r-1"] button').click();
    await state.getByText('No meeting in this space.').waitFor();
    assert.equal(await page.locator('#meeting-heading').textContent(), 'Meeting');

    // The pool is exhausted: the portal's words and when to try again.
    await page.getByRole('button', { name: 'Start meeting' }).click();
    await page.locator('#meeting-error').getByText('Every meeting host is busy right now. Please try again in 2 minutes.').waitFor();
    assert.equal(await page.locator('#meeting-error').getAttribute('role'), 'alert');
    // A message that already says when is shown as it is.
    await page.getByRole('button', { name: 'Start meeting' }).click();
    await until(async () => (await page.locator('#meeting-error').textContent()) === 'All hosts are busy. Please try again in 30 seconds.', 'the portal\'s own words');
    assert.equal(await state.textContent(), 'No meeting in this space.');
    await assertAccessible(page, 'meeting panel with the pool exhausted');

    // Started: the demo notice, End, and a heartbeat every third of the time left.
    await page.getByRole('button', { name: 'Start meeting' }).click();
    await page.getByRole('button', { name: 'End meeting' }).waitFor();
    assert.equal(await page.locator('#meeting-error').isHidden(), true, 'the old error stayed');
    assert.match(await state.textContent(), /^You are in the meeting since /);
    await page.locator('#meeting-demo').getByText(/Audio and video need a real Webex connection/).waitFor();
    await live.getByText(/You started a meeting/).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'meeting-leave', 'the keyboard left the panel');
    const post = calls.find((c) => c.key === 'POST /api/v1/rooms/r-1/meeting');
    assert.equal(post.headers['x-csrf-token'], CSRF);
    await until(() => beats(calls).length >= 2, 'two heartbeats');
    assert.equal(beats(calls)[0].headers['x-csrf-token'], CSRF);
    assert.ok(!fetched.some((p) => p.startsWith('/static/vendor/') || p === '/api/v1/webex/token'), 'the SDK or a token was fetched without media');
    await screenshot(page, 'mock-meeting-joined');
    await assertAccessible(page, 'meeting panel in a meeting');

    // Another space: the heartbeat stops, the meeting goes on.
    await page.locator('[data-space-id="r-2"] button').click();
    await state.getByText('No meeting in this space.').waitFor();
    const sent = beats(calls).length;
    await page.waitForTimeout(2500);
    assert.equal(beats(calls).length, sent, 'a heartbeat for a space no longer open');

    // Back: the meeting is on, to join. It ends by timeout (an event).
    await page.locator('[data-space-id="r-1"] button').click();
    await page.getByRole('button', { name: 'Join meeting' }).waitFor();
    assert.match(await state.textContent(), /^A meeting is on since /);
    script.meeting = null;
    pushEvent('meeting.ended', { roomId: 'r-1', leaseId: 'l-1', reason: 'timeout' });
    await page.getByRole('button', { name: 'Start meeting' }).waitFor();
    await live.getByText('The meeting ended: no one kept it open.').waitFor();

    // Someone else starts one: Join, said out loud; a meeting in another space is a toast.
    script.meeting = { ...script.newLease(), leaseId: 'l-2' };
    pushEvent('meeting.started', { roomId: 'r-1', leaseId: 'l-2', startedBy: 'g-b' });
    await page.getByRole('button', { name: 'Join meeting' }).waitFor();
    await live.getByText('Ben started a meeting in this space.').waitFor();
    assert.match(await state.textContent(), /started by Ben\.$/);
    pushEvent('meeting.started', { roomId: 'r-2', leaseId: 'l-3', startedByName: 'Ben' });
    const toast = page.locator('.toast').filter({ hasText: 'Meeting started in Other space' });
    await toast.getByText('Started by Ben. Open the space to join.').waitFor();
    pushEvent('meeting.ended', { roomId: 'r-2', leaseId: 'l-3', reason: 'deleted' });
    await toast.waitFor({ state: 'detached' });

    // Join, Leave (the meeting goes on), Join again, End.
    await page.getByRole('button', { name: 'Join meeting' }).click();
    await live.getByText('You joined the meeting.').waitFor();
    await page.getByRole('button', { name: 'Leave' }).click();
    await page.getByRole('button', { name: 'Join meeting' }).waitFor();
    await live.getByText(/You left the meeting/).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'meeting-start');
    await page.getByRole('button', { name: 'Join meeting' }).click();
    await page.getByRole('button', { name: 'End meeting' }).click();
    await page.getByRole('button', { name: 'Start meeting' }).waitFor();
    await live.getByText('You ended the meeting.').waitFor();
    assert.ok(calls.some((c) => c.key === 'DELETE /api/v1/rooms/r-1/meeting' && c.headers['x-csrf-token'] === CSRF));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'meeting-start');
    // Its own end event changes nothing.
    pushEvent('meeting.ended', { roomId: 'r-1', leaseId: 'l-2', reason: 'deleted' });

    // A heartbeat answered 404: the meeting is over.
    await page.getByRole('button', { name: 'Start meeting' }).click();
    await page.getByRole('button', { name: 'End meeting' }).waitFor();
    script.meeting = null;
    await page.getByRole('button', { name: 'Start meeting' }).waitFor({ timeout: 5000 });
    await live.getByText('The meeting ended.').waitFor();
    ctx.assertClean();
    await ctx.close();
  });

  test('with media: the SDK loads on demand and joins with the guest\'s token; End leaves', async () => {
    const script = {
      meeting: null,
      leaseSeconds: 60,
      newLease: () => ({ leaseId: 'l-9', mode: 'adhoc', startedAt: new Date().toISOString(), expiresAt: inSeconds(60), mediaAvailable: true,
        meeting: { id: 'm-9', meetingNumber: '987654321', webLink: 'https://example.webex.com/meet/y', password: 'pw-1234' } }),
    };
    const ctx = await newContext(browser);
    // A stand-in for the vendored SDK that records what the page asks of it.
    await ctx.route('**/static/vendor/webex-meetings.min.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: `(() => {
        const calls = window.sdkCalls = [];
        const stream = (kind) => ({ outputStream: new MediaStream(), stop: () => calls.push(['stop', kind]) });
        const meeting = {
          passwordStatus: 'REQUIRED',
          handlers: {},
          on(name, fn) { this.handlers[name] = fn; },
          async verifyPassword(p) { calls.push(['verifyPassword', p]); },
          async joinWithMedia(o) { calls.push(['joinWithMedia', Object.keys(o.mediaOptions.localStreams).filter((k) => o.mediaOptions.localStreams[k])]); },
          async leave() { calls.push(['leave']); },
        };
        window.Webex = { init(o) {
          calls.push(['init', o.credentials.access_token]);
          return { ready: false, once(name, fn) { if (name === 'ready') setTimeout(() => { calls.push(['ready']); fn(); }, 20); }, meetings: {
            async register() { calls.push(['register']); },
            async unregister() { calls.push(['unregister']); },
            async create(d) { calls.push(['create', d]); return meeting; },
            mediaHelpers: {
              async createMicrophoneStream() { calls.push(['microphone']); return stream('microphone'); },
              async createCameraStream() { calls.push(['camera']); return stream('camera'); },
            },
          } };
        } };
      })();`,
    }));
    const page = await ctx.newPage();
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: guestSession }),
      'GET /api/v1/contacts': () => ({ body: { items: [] } }),
      'GET /api/v1/rooms': () => ({ body: { items: [planning] } }),
      'GET /api/v1/rooms/*': (call) => (call.url.pathname.endsWith('/messages') ? { body: { items: [], next: null } }
        : script.meeting ? { body: script.meeting } : error(404, 'not_found', 'No meeting is live in this space.')),
      'POST /api/v1/rooms/*': (call) => {
        if (call.url.pathname.endsWith('/heartbeat')) return { body: { expiresAt: inSeconds(60) } };
        script.meeting = script.meeting || script.newLease();
        return { body: script.meeting };
      },
      'DELETE /api/v1/rooms/*': () => {
        script.meeting = null;
        return { status: 204 };
      },
      'GET /api/v1/webex/token': () => ({ headers: { 'Cache-Control': 'no-store' }, body: { accessToken: 'guest-token-1', expiresAt: inSeconds(3600) } }),
    });
    await page.goto(`${origin}/guest`);
    await page.locator('[data-space-id="r-1"] button').click();
    await page.locator('#meeting-state').getByText('No meeting in this space.').waitFor();
    assert.equal(await page.evaluate(() => typeof window.Webex), 'undefined', 'the SDK loaded before a meeting');

    await page.getByRole('button', { name: 'Start meeting' }).click();
    await page.locator('#meeting-live').getByText('Your microphone and camera are on.').waitFor();
    assert.deepEqual(await page.evaluate(() => window.sdkCalls), [
      ['init', 'guest-token-1'], ['ready'], ['register'], ['create', 'https://example.webex.com/meet/y'], ['verifyPassword', 'pw-1234'],
      ['microphone'], ['camera'], ['joinWithMedia', ['microphone', 'camera']],
    ]);
    assert.equal(await page.locator('#meeting-demo').isHidden(), true, 'the demo notice with media');
    assert.equal(await page.locator('#meeting-media').isVisible(), true);
    assert.equal(calls.filter((c) => c.key === 'GET /api/v1/webex/token').length, 1);
    await assertAccessible(page, 'meeting panel with media');

    await page.getByRole('button', { name: 'End meeting' }).click();
    await page.locator('#meeting-live').getByText('You ended the meeting.').waitFor();
    await until(async () => (await page.evaluate(() => window.sdkCalls.length)) >= 12, 'the SDK to be let go');
    assert.deepEqual((await page.evaluate(() => window.sdkCalls)).slice(8),
      [['leave'], ['stop', 'microphone'], ['stop', 'camera'], ['unregister']]);
    assert.equal(await page.locator('#meeting-media').isHidden(), true);

    // An SDK that fails: a plain error, and the meeting stays.
    await page.evaluate(() => { window.Webex.init = () => { throw new Error('no device registration'); }; });
    await page.getByRole('button', { name: 'Start meeting' }).click();
    await page.locator('#meeting-error').getByText(/^Audio and video could not start \(no device registration\)\./).waitFor();
    assert.equal(await page.getByRole('button', { name: 'End meeting' }).isVisible(), true);
    ctx.assertClean();
    await ctx.close();
  });

  test('admin console: the pool, hosts in every state, copy, add and remove', async () => {
    const ctx = await newContext(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
    ctx.expectFailedRequests(409);
    const page = await ctx.newPage();
    const link = 'http://127.0.0.1:5000/auth/webex/host/h-1?key=abc';
    let hosts = {
      mode: 'adhoc',
      stats: { free: 1, leased: 2, exhausted: 3 },
      items: [
        { id: 'h-1', kind: 'person', email: 'new@example.com', displayName: 'new@example.com', connected: false, connectUrl: link },
        { id: 'h-2', kind: 'person', email: 'free@example.com', displayName: 'Fay Free', connected: true, tokenWarning: 'none' },
        { id: 'h-3', kind: 'person', email: 'busy@example.com', displayName: 'Bo Busy', connected: true,
          lease: { leaseId: 'l-1', roomId: 's1', since: '2024-03-01T10:00:00Z', state: 'live' } },
        { id: 'h-4', kind: 'person', email: 'end@example.com', displayName: HOSTILE, connected: true,
          lease: { leaseId: 'l-2', roomId: 's9', roomTitle: 'Wrap-up', since: '2024-03-01T11:00:00Z', state: 'ending' } },
        { id: 'h-5', kind: 'person', email: 'old@example.com', displayName: 'Old Token', connected: true, tokenWarning: 'expired',
          connectUrl: 'http://127.0.0.1:5000/auth/webex/host/h-5?key=def' },
      ],
    };
    const calls = await mockApi(page, {
      'GET /api/v1/session': () => ({ body: adminSession }),
      'GET /api/v1/admin/status': () => ({ body: { appAdmin: { signedIn: true, warning: 'none', email: 'admin@example.com' } } }),
      'GET /api/v1/guests': () => ({ body: { items: [], total: 0, counts: { all: 0, active: 0, disabled: 0 } } }),
      'GET /api/v1/policy/pairs': () => ({ body: { items: [], total: 0 } }),
      'GET /api/v1/info': () => ({ body: { appAdminReady: true } }),
      'GET /api/v1/spaces': () => ({ body: { items: [{ id: 's1', title: 'Ann and Ben', memberIds: [], lastActivity: null }] } }),
      'GET /api/v1/hosts': () => ({ body: hosts }),
      'GET /api/v1/audit': () => ({ body: noActivity }),
      'POST /api/v1/hosts': (call) => {
        const body = JSON.parse(call.body);
        if (hosts.items.some((h) => h.email === body.email || (body.spaceId && h.spaceId === body.spaceId))) {
          return error(409, 'host_exists', 'That host is already in the pool.');
        }
        const host = body.email
          ? { id: 'h-new', kind: 'person', email: body.email, displayName: body.email, connected: false, connectUrl: `${link}&n=1` }
          : { id: 'h-space', kind: 'space', spaceId: body.spaceId, displayName: 'Pool space 1', connected: true };
        hosts = { ...hosts, items: [...hosts.items, host] };
        return { status: 201, body: host };
      },
      'DELETE /api/v1/hosts/*': (call) => {
        const id = call.key.split('/').pop();
        if (hosts.items.find((h) => h.id === id)?.lease) return error(409, 'host_leased', 'The host is lent to a meeting.');
        hosts = { ...hosts, items: hosts.items.filter((h) => h.id !== id) };
        return { status: 204 };
      },
    });
    await page.goto(`${origin}/admin#hosts-heading`);
    const row = (id) => page.locator(`#hosts-table tr[data-host-id="${id}"]`);
    const stateOf = async (id) => (await row(id).locator('td.host-state').innerText()).replace(/\s+/g, ' ').trim();
    await row('h-5').waitFor();
    assert.match(await page.locator('#hosts-mode').textContent(), /^Mode: ad hoc meetings/);
    assert.equal(await page.locator('#hosts-free').textContent(), '1');
    assert.equal(await page.locator('#hosts-leased').textContent(), '2');
    assert.equal(await page.locator('#hosts-exhausted').textContent(), '3 times');
    assert.match(await stateOf('h-1'), /^Not connected new@example\.com connects by opening this link/);
    assert.equal(await row('h-1').locator('a').getAttribute('href'), link);
    assert.equal(await stateOf('h-2'), 'Free');
    assert.match(await stateOf('h-3'), /^In a meeting for Ann and Ben since /);
    assert.match(await stateOf('h-4'), /^Ending the meeting for Wrap-up since /);
    assert.match(await stateOf('h-5'), /^Webex sign-in expired It cannot host meetings until it connects again\. http:/);
    assert.equal(await page.locator('#injected').count(), 0, 'a host name was rendered as HTML');
    assert.deepEqual(await page.locator('#hosts-table button', { hasText: 'Copy link' }).evaluateAll((b) => b.map((x) => x.closest('tr').dataset.hostId)), ['h-1', 'h-5']);
    await screenshot(page, 'mock-admin-hosts');
    await assertAccessible(page, 'admin console, meeting hosts');

    await row('h-1').getByRole('button', { name: 'Copy link to connect new@example.com' }).click();
    await page.locator('#hosts-status').getByText('Copied the connect link of new@example.com.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Copy link');

    // Add: the email is checked on the page, then by the server.
    const email = page.getByLabel('Email of a licensed Webex user');
    await email.fill('not an email');
    await page.getByRole('button', { name: 'Add host' }).click();
    await page.locator('#add-host-status').getByText('Enter an email address, such as host@example.com.').waitFor();
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    assert.equal(calls.filter((c) => c.key === 'POST /api/v1/hosts').length, 0);
    await email.fill('free@example.com');
    await page.getByRole('button', { name: 'Add host' }).click();
    await page.locator('#add-host-status').getByText('free@example.com is already in the pool.').waitFor();
    await email.fill(' Next@Example.com ');
    await page.getByRole('button', { name: 'Add host' }).click();
    await page.locator('#add-host-status').getByText('Added Next@Example.com. Copy its connect link from the table and send it to them.').waitFor();
    await row('h-new').waitFor();
    assert.deepEqual(JSON.parse(calls.filter((c) => c.key === 'POST /api/v1/hosts').at(-1).body), { email: 'Next@Example.com' });
    assert.equal(await email.inputValue(), '');

    // Remove: a lent host is refused with a plain reason; a free one goes after the confirmation.
    await row('h-3').getByRole('button', { name: 'Remove Bo Busy (busy@example.com)' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Remove host' }).click();
    await page.locator('#hosts-status').getByText('Bo Busy (busy@example.com) is in a meeting right now and cannot be removed.', { exact: false }).waitFor();
    await row('h-2').getByRole('button', { name: 'Remove Fay Free (free@example.com)' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal(calls.filter((c) => c.key === 'DELETE /api/v1/hosts/h-2').length, 0, 'Cancel removed the host');
    await row('h-2').getByRole('button', { name: 'Remove Fay Free (free@example.com)' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Remove host' }).click();
    await page.locator('#hosts-status').getByText('Removed Fay Free (free@example.com).').waitFor();
    await row('h-2').waitFor({ state: 'detached' });
    assert.equal(calls.find((c) => c.key === 'DELETE /api/v1/hosts/h-2').headers['x-csrf-token'], CSRF);

    // Space-pool mode: the form asks for a space id.
    hosts = { mode: 'space-pool', stats: { free: 0, leased: 0, exhausted: 0 }, items: [] };
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('#hosts-empty').waitFor({ state: 'visible' });
    assert.match(await page.locator('#hosts-mode').textContent(), /^Mode: space pool/);
    assert.equal(await email.isHidden(), true);
    await page.getByLabel('Webex space id').fill('Y2lzY29zcGFyazovL3VzL1JPT00vcG9vbA');
    await page.getByLabel('Name (optional)').fill('Pool space 1');
    await page.getByRole('button', { name: 'Add host' }).click();
    await page.locator('#add-host-status').getByText('Added Pool space 1.').waitFor();
    assert.deepEqual(JSON.parse(calls.filter((c) => c.key === 'POST /api/v1/hosts').at(-1).body),
      { spaceId: 'Y2lzY29zcGFyazovL3VzL1JPT00vcG9vbA', title: 'Pool space 1' });
    assert.equal(await stateOf('h-space'), 'Free');
    await assertAccessible(page, 'admin console, meeting hosts in space-pool mode');
    ctx.assertClean();
    await ctx.close();
  });
});
