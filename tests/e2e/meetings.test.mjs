// Meetings through the real pages, the real portal and the Webex emulator: the administrator adds a
// meeting host in the console and the host connects through the emulator's Webex sign-in; two
// guests share a space, A starts a meeting (the emulator has no media, so the panel says so while the
// lease runs for real), B's page learns of it and joins, a second space finds the pool exhausted,
// the console shows the host lent and refuses to remove it, and when A ends the meeting B's page is
// told. The panel and the hosts section pass the accessibility check.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectHost, request, setCookie, show, startWorld, waitFor } from '../lib/harness.mjs';
import { assertAccessible, launchBrowser, newContext, requireBinaries, screenshot, stopAll } from './lib.mjs';

const A = { username: 'amy', displayName: 'Amy Archer', password: 'Amy-pass-1234' };
const B = { username: 'bob', displayName: 'Bob Brown', password: 'Bob-pass-1234' };
const C = { username: 'cat', displayName: 'Cat Cole', password: 'Cat-pass-1234' };
const HOST = { displayName: 'Hana Host', email: 'hana.host@example.com' };

let world;
let browser;
const contexts = [];
let adminPage;
let pageA;
let pageB;
let clientA;
let roomId; // A and B
let otherRoomId; // A and C
let vendorRequests = 0;

async function context(options) {
  const ctx = await newContext(browser, options);
  contexts.push(ctx);
  ctx.on('request', (r) => {
    if (r.url().includes('/static/vendor/') || r.url().includes('/api/v1/webex/token')) vendorRequests += 1;
  });
  return ctx;
}

function assertAllClean() {
  for (const ctx of contexts) ctx.assertClean();
}

async function signIn(page, guest) {
  await page.goto(world.portal.url('/'));
  await page.getByLabel('Username').fill(guest.username);
  await page.getByLabel('Password').fill(guest.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(world.portal.url('/guest'));
  await page.locator('#main:not([aria-busy])').waitFor();
}

async function openSpace(page, id) {
  await page.locator(`#space-list > li[data-space-id="${id}"] button.space-select`).click();
  await page.locator('#meeting:not([hidden])').waitFor();
  // The panel has asked the portal whether a meeting is on.
  await page.waitForFunction(() => document.getElementById('meeting-state').textContent !== 'Checking for a meeting…');
}

const panel = (page) => page.locator('#meeting');
const meetingState = (page) => page.locator('#meeting-state').textContent();

// The host row of the console, and its state cell's text.
const hostRow = (page) => page.locator('#hosts-table tbody tr').filter({ hasText: HOST.email });
const hostState = async (page) => (await hostRow(page).locator('td.host-state').innerText()).replace(/\s+/g, ' ').trim();

async function refreshHosts(page) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/v1/hosts')),
    page.getByRole('button', { name: 'Refresh' }).click(),
  ]);
  await page.locator('#hosts-status').getByText('The pool is up to date.').waitFor();
}

// Follows a host's connect link as a browser would, without one (tests/lib/harness.mjs): the portal
// sends it to the emulator's Webex sign-in, the host picks themself there, and the emulator sends it
// back to the portal's callback with the cookie the portal set at the start.
async function connectHostByLink(connectUrl, email) {
  const flow = await connectHost(world.portal, world.emulator, connectUrl, email);
  assert.equal(flow.callback.status, 200, `callback: ${show(flow.callback)}`);
  assert.match(flow.callback.text, /can now host/);
  // Connecting a host signs nobody in.
  assert.equal(setCookie(flow.callback, 'gp_session'), undefined, 'the host connection set a session cookie');
  return flow;
}

before(async () => {
  requireBinaries();
  // A short lease, so pages renew it every 3 s and a page that stops renewing shows within the test.
  world = await startWorld({ portalExtra: { POLL_INTERVAL: '1', MEETING_LEASE_TIMEOUT: '9' } });
  await world.emulator.person(HOST.displayName, HOST.email, true);
  for (const guest of [A, B, C]) Object.assign(guest, await world.createGuest(guest.username, guest.displayName, guest.password));
  await world.setPairs([[A.id, B.id], [A.id, C.id]]);
  clientA = await world.signIn(A);
  const r1 = await clientA.post('/api/v1/rooms', { json: { title: 'Weekly check-in', memberIds: [B.id] } });
  assert.equal(r1.status, 201, show(r1));
  roomId = r1.json.id;
  const r2 = await clientA.post('/api/v1/rooms', { json: { title: 'Second space', memberIds: [C.id] } });
  assert.equal(r2.status, 201, show(r2));
  otherRoomId = r2.json.id;
  browser = await launchBrowser();
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  await stopAll();
});

describe('meetings in the browser', () => {
  test('the administrator adds a host in the console; it shows as not connected, with its connect link', async () => {
    const ctx = await context({ permissions: ['clipboard-read', 'clipboard-write'] });
    adminPage = await ctx.newPage();
    await adminPage.goto(world.portal.url('/'));
    await adminPage.getByRole('link', { name: 'Sign in with Webex' }).click();
    await adminPage.waitForURL((url) => url.href.startsWith(world.emulator.apiUrl));
    await adminPage.getByRole('button', { name: /Alex Admin/ }).click();
    await adminPage.waitForURL(world.portal.url('/admin'));
    await adminPage.locator('#main:not([aria-busy])').waitFor();
    await adminPage.locator('#hosts-empty').waitFor({ state: 'visible' });
    assert.match(await adminPage.locator('#hosts-mode').textContent(), /ad hoc/);

    await adminPage.getByLabel('Email of a licensed Webex user').fill(HOST.email);
    await adminPage.getByRole('button', { name: 'Add host' }).click();
    await adminPage.locator('#add-host-status').getByText(`Added ${HOST.email}.`, { exact: false }).waitFor();
    await hostRow(adminPage).waitFor();
    assert.match(await hostState(adminPage), /^Not connected/);
    const link = hostRow(adminPage).locator('td.host-state a');
    const connectUrl = await link.getAttribute('href');
    assert.ok(connectUrl, 'no connect link');
    assert.equal(await link.textContent(), connectUrl);

    // The same host twice is refused, with the field marked.
    await adminPage.getByLabel('Email of a licensed Webex user').fill(HOST.email);
    ctx.expectFailedRequests(409);
    await adminPage.getByRole('button', { name: 'Add host' }).click();
    await adminPage.locator('#add-host-status').getByText('is already in the pool').waitFor();
    assert.equal(await adminPage.getByLabel('Email of a licensed Webex user').getAttribute('aria-invalid'), 'true');
    await adminPage.getByLabel('Email of a licensed Webex user').fill('');

    await hostRow(adminPage).getByRole('button', { name: `Copy link to connect ${HOST.email}` }).click();
    await adminPage.locator('#hosts-status').getByText('Copied the connect link').waitFor();
    assert.equal(await adminPage.evaluate(() => navigator.clipboard.readText()), connectUrl);
    await screenshot(adminPage, 'meetings-host-not-connected');
    await assertAccessible(adminPage, 'admin console with a host that is not connected');

    await connectHostByLink(connectUrl, HOST.email);
    await refreshHosts(adminPage);
    assert.equal(await hostState(adminPage), 'Free');
    assert.match(await hostRow(adminPage).locator('td').first().textContent(), /Hana Host/);
    assert.equal(await adminPage.locator('#hosts-free').textContent(), '1');
    assert.equal(await hostRow(adminPage).getByRole('button', { name: /Copy/ }).count(), 0, 'a connected host offers its link');
    assertAllClean();
  });

  test('A starts a meeting: the panel says media needs real Webex, and B\'s page is told', async () => {
    pageA = await (await context()).newPage();
    pageB = await (await context()).newPage();
    await signIn(pageA, A);
    await signIn(pageB, B);
    await openSpace(pageA, roomId);
    await openSpace(pageB, roomId);
    assert.equal(await meetingState(pageA), 'No meeting in this space.');
    assert.equal(await meetingState(pageB), 'No meeting in this space.');
    await assertAccessible(pageB, 'guest page with the meeting panel, no meeting');

    await pageA.getByRole('button', { name: 'Start meeting' }).click();
    await pageA.locator('#meeting-demo').waitFor({ state: 'visible' });
    assert.match(await pageA.locator('#meeting-demo').textContent(), /Audio and video need a real Webex connection/);
    await pageA.getByRole('button', { name: 'End meeting' }).waitFor();
    assert.match(await meetingState(pageA), /^You are in the meeting since /);
    assert.match(await pageA.locator('#meeting-live').textContent(), /You started a meeting/);
    assert.equal(await pageA.locator('#meeting-error').isHidden(), true);
    const lease = await clientA.get(`/api/v1/rooms/${roomId}/meeting`);
    assert.equal(lease.status, 200, show(lease));
    assert.equal(lease.json.mediaAvailable, false, 'the emulator has media?');

    // B's page switches to Join without a reload, and says so.
    await pageB.getByRole('button', { name: 'Join meeting' }).waitFor();
    assert.match(await meetingState(pageB), /^A meeting is on since /);
    assert.match(await pageB.locator('#meeting-live').textContent(), /(started a meeting|A meeting started) in this space\./);
    assert.equal(await pageB.locator('#meeting-demo').isHidden(), true);
    await screenshot(pageA, 'meetings-started');
    await screenshot(pageB, 'meetings-b-told');
    await assertAccessible(pageA, 'guest page in a meeting, with the demo notice');
    await assertAccessible(pageB, 'guest page with a meeting to join');
    assert.equal(vendorRequests, 0, 'the Webex SDK or a Webex token was fetched without media');
    // The SDK is there for a portal with real Webex: vendored from npm by the build, served by the portal.
    const sdk = await request(world.portal.url('/static/vendor/webex-meetings.min.js'));
    assert.equal(sdk.status, 200, `the vendored Webex SDK: ${sdk.status}`);
    assert.match(sdk.headers.get('content-type'), /^text\/javascript/);
    assert.match(sdk.text.slice(0, 100), /Webex JS SDK v3\.12\.0/);
    assertAllClean();
  });

  test('the pages keep the meeting alive past the lease timeout with their heartbeats', async () => {
    const before = await clientA.get(`/api/v1/rooms/${roomId}/meeting`);
    assert.equal(before.status, 200, show(before));
    let beats = 0;
    const count = (r) => {
      if (r.url().endsWith(`/api/v1/rooms/${roomId}/meeting/heartbeat`)) beats += 1;
    };
    pageA.on('request', count);
    // Longer than MEETING_LEASE_TIMEOUT: only A's heartbeats keep the lease.
    await pageA.waitForTimeout(10000);
    pageA.off('request', count);
    assert.ok(beats >= 3, `A's page sent ${beats} heartbeats in 10 s for a 9 s lease`);
    const after = await clientA.get(`/api/v1/rooms/${roomId}/meeting`);
    assert.equal(after.status, 200, `the meeting ended while A's page held it: ${show(after)}`);
    assert.equal(after.json.leaseId, before.json.leaseId);
    assert.ok(Date.parse(after.json.expiresAt) > Date.parse(before.json.expiresAt), 'the heartbeats did not move the expiry');
    assertAllClean();
  });

  test('B joins the same meeting; the console shows the host lent and will not remove it', async () => {
    const live = await clientA.get(`/api/v1/rooms/${roomId}/meeting`);
    assert.equal(live.status, 200, show(live));
    const [joined] = await Promise.all([
      pageB.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/api/v1/rooms/${roomId}/meeting`)),
      pageB.getByRole('button', { name: 'Join meeting' }).click(),
    ]);
    assert.equal(joined.status(), 200);
    assert.equal((await joined.json()).leaseId, live.json.leaseId, 'B joined another meeting than A\'s');
    await pageB.getByRole('button', { name: 'End meeting' }).waitFor();
    assert.match(await pageB.locator('#meeting-live').textContent(), /You joined the meeting/);
    assert.equal(await pageB.locator('#meeting-demo').isVisible(), true);

    await refreshHosts(adminPage);
    assert.match(await hostState(adminPage), /^In a meeting for Weekly check-in since /);
    assert.equal(await adminPage.locator('#hosts-leased').textContent(), '1');
    assert.equal(await adminPage.locator('#hosts-free').textContent(), '0');
    await screenshot(adminPage, 'meetings-host-lent');

    contexts[0].expectFailedRequests(409);
    await hostRow(adminPage).getByRole('button', { name: /^Remove / }).click();
    const dialog = adminPage.locator('#confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.match(await dialog.textContent(), /Remove Hana Host/);
    await dialog.getByRole('button', { name: 'Remove host' }).click();
    await adminPage.locator('#hosts-status').getByText('is in a meeting right now and cannot be removed').waitFor();
    await hostRow(adminPage).waitFor();
    assertAllClean();
  });

  test('with the one host lent, a meeting in another space finds the pool exhausted and says when to try again', async () => {
    contexts[1].expectFailedRequests(503);
    await openSpace(pageA, otherRoomId);
    assert.equal(await meetingState(pageA), 'No meeting in this space.');
    await pageA.getByRole('button', { name: 'Start meeting' }).click();
    const error = pageA.locator('#meeting-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent(), /Please try again (in \d+ (seconds?|minutes)|in a little while)\.$/);
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await pageA.getByRole('button', { name: 'Start meeting' }).isEnabled(), true);
    await screenshot(pageA, 'meetings-pool-exhausted');
    await assertAccessible(pageA, 'guest page with the pool exhausted');

    await refreshHosts(adminPage);
    assert.equal(await adminPage.locator('#hosts-exhausted').textContent(), '1 time');
    assertAllClean();
  });

  test('A goes back and ends the meeting; B\'s page is told it ended', async () => {
    // A left the meeting by opening another space; B kept it going.
    await openSpace(pageA, roomId);
    await pageA.getByRole('button', { name: 'Join meeting' }).click();
    await pageA.getByRole('button', { name: 'End meeting' }).click();
    await pageA.getByRole('button', { name: 'Start meeting' }).waitFor();
    assert.equal(await meetingState(pageA), 'No meeting in this space.');
    assert.match(await pageA.locator('#meeting-live').textContent(), /You ended the meeting/);
    assert.equal(await pageA.locator('#meeting-demo').isHidden(), true);

    await pageB.getByRole('button', { name: 'Start meeting' }).waitFor();
    assert.equal(await meetingState(pageB), 'No meeting in this space.');
    assert.match(await pageB.locator('#meeting-live').textContent(), /The meeting ended/);
    assert.equal(await pageB.getByRole('button', { name: 'End meeting' }).isHidden(), true);
    const gone = await clientA.get(`/api/v1/rooms/${roomId}/meeting`);
    assert.equal(gone.status, 404, show(gone));

    // B's page no longer renews a meeting that is over.
    let beats = 0;
    pageB.on('request', (r) => {
      if (r.url().endsWith('/meeting/heartbeat')) beats += 1;
    });
    await pageB.waitForTimeout(4000);
    assert.equal(beats, 0, 'B\'s page sent a heartbeat after the meeting ended');
    await screenshot(pageB, 'meetings-b-ended');

    // The host is free again, and can be removed.
    await waitFor(async () => {
      await refreshHosts(adminPage);
      return (await hostState(adminPage)) === 'Free';
    }, 8000, 'the host to be free again');
    await hostRow(adminPage).getByRole('button', { name: /^Remove / }).click();
    await adminPage.locator('#confirm-dialog').getByRole('button', { name: 'Remove host' }).click();
    await adminPage.locator('#hosts-status').getByText('Removed Hana Host').waitFor();
    await adminPage.locator('#hosts-empty').waitFor({ state: 'visible' });
    await assertAccessible(adminPage, 'admin console, meeting hosts');
    assertAllClean();
  });
});
