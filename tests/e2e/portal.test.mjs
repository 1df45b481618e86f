// The whole product through its real pages in headless Chromium: the administrator signs in with
// Webex (the emulator's sign-in page), creates guests and allows pairs; guests sign in, see only
// whom they may reach and open a space; the server refuses what the page does not offer.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, screenshot, startPortalWorld, stopAll } from './lib.mjs';

// B's name carries markup: every page must show it as text.
const GUESTS = {
  a: { username: 'ann.archer', displayName: 'Ann Archer', password: 'Ann-pass-1234' },
  b: { username: 'ben', displayName: 'Ben <b>Baker</b> <img src=x id=injected>', password: 'Ben-pass-1234' },
  c: { username: 'cleo', displayName: 'Cleo Clark', password: 'Cleo-pass-1234' },
};

let world;
let browser;
const contexts = [];
let adminPage;

async function context() {
  const ctx = await newContext(browser);
  contexts.push(ctx);
  return ctx;
}

async function guestSignIn(page, guest) {
  await page.goto(world.portal.url('/'));
  await page.getByLabel('Username').fill(guest.username);
  await page.getByLabel('Password').fill(guest.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

function pairRows(page) {
  return page.locator('#pairs-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.pair).sort());
}

before(async () => {
  world = await startPortalWorld();
  browser = await launchBrowser();
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  await stopAll();
});

describe('guest portal in the browser', () => {
  test('the administrator signs in with Webex, adds three guests and allows two pairs', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    adminPage = page;
    await page.goto(world.portal.url('/'));
    // No administrator yet: the sign-in page says so.
    await page.locator('#admin-needed').waitFor({ state: 'visible' });
    await screenshot(page, 'signin-no-admin');

    await page.getByRole('link', { name: 'Sign in with Webex' }).click();
    await page.waitForURL((url) => url.href.startsWith(world.emulator.apiUrl));
    await page.getByRole('button', { name: /Alex Admin/ }).click();
    await page.waitForURL(world.portal.url('/admin'));
    await page.locator('#appadmin-text').getByText('admin@example.com').waitFor();

    for (const guest of Object.values(GUESTS)) {
      await page.locator('#add-guest-form').getByLabel('Display name').fill(guest.displayName);
      await page.locator('#add-guest-form').getByLabel('Username').fill(guest.username);
      await page.locator('#add-guest-form').getByLabel('Password', { exact: true }).fill(guest.password);
      await page.getByRole('button', { name: 'Add guest' }).click();
      await page.locator(`#guests-table tr[data-username="${guest.username}"]`).waitFor();
      guest.id = await page.locator(`#guests-table tr[data-username="${guest.username}"]`).getAttribute('data-guest-id');
    }
    const names = await page.locator('#guests-table tbody td:nth-child(3)').allTextContents();
    assert.ok(names.includes(GUESTS.b.displayName), `display names as text: ${JSON.stringify(names)}`);
    assert.equal(await page.locator('#injected').count(), 0, 'a display name was rendered as HTML');

    const label = (g) => `${g.displayName} (${g.username})`;
    for (const [x, y] of [[GUESTS.a, GUESTS.b], [GUESTS.b, GUESTS.c]]) {
      await page.getByLabel('First guest').fill(label(x));
      await page.getByLabel('Second guest').fill(label(y));
      await page.getByRole('button', { name: 'Add pair' }).click();
    }
    await page.getByRole('button', { name: 'Save pairs' }).click();
    // Adding pairs closes nothing: no question, saved at once.
    await page.locator('#pairs-status').getByText('Saved: 2 pairs allowed, 0 removed; 2 allowed pairs in all.').waitFor();

    await page.reload();
    await page.locator('#pairs-table tbody tr').nth(1).waitFor();
    assert.deepEqual(await pairRows(page), [
      `${GUESTS.a.displayName} – ${GUESTS.b.displayName}`,
      `${GUESTS.b.displayName} – ${GUESTS.c.displayName}`,
    ]);
    assert.equal(await page.locator('#pairs-dirty').isHidden(), true, 'saved pairs show as unsaved');
    await screenshot(page, 'admin-console');
    ctx.assertClean();
  });

  test('guest A signs in, sees only B, and opens a space with B', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await guestSignIn(page, GUESTS.a);
    await page.waitForURL(world.portal.url('/guest'));
    await page.locator('#guest-name').getByText(GUESTS.a.displayName).waitFor();

    await page.getByRole('button', { name: 'New space' }).click();
    const contacts = page.locator('#contact-list label');
    await contacts.first().waitFor();
    assert.deepEqual(await contacts.allTextContents(), [GUESTS.b.displayName]);

    await page.getByLabel(GUESTS.b.displayName, { exact: true }).check();
    await page.getByRole('button', { name: 'Create space' }).click();
    await page.locator('#list-status').getByText('Space created').waitFor();

    const spaces = page.locator('#space-list > li');
    assert.equal(await spaces.count(), 1);
    const members = await spaces.first().locator('.members').textContent();
    assert.ok(members.includes(GUESTS.a.displayName) && members.includes(GUESTS.b.displayName),
      `members shown: ${members}`);
    assert.equal(await spaces.first().getAttribute('class'), 'space selected', 'the new space is not selected');
    assert.equal(await page.locator('#injected').count(), 0, 'a display name was rendered as HTML');
    await screenshot(page, 'guest-page');

    // Signed in again later, the space is still listed.
    await page.reload();
    await page.locator('#space-list > li').first().waitFor();
    assert.equal(await page.locator('#space-list > li').count(), 1);
    ctx.assertClean();
    ctx.guestPage = page;
  });

  test('the guest page offers no way to pick C, and the API refuses a space with C', async () => {
    const page = contexts[1].guestPage;
    assert.equal(await page.getByLabel(GUESTS.c.displayName).count(), 0, 'C can be picked');
    assert.ok(!(await page.locator('#main').textContent()).includes(GUESTS.c.displayName), 'C is shown');

    contexts[1].expectFailedRequests(403);
    const answer = await page.evaluate(async (memberId) => {
      const session = await (await fetch('/api/v1/session')).json();
      const response = await fetch('/api/v1/rooms', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken },
        body: JSON.stringify({ memberIds: [memberId] }),
      });
      return { status: response.status, body: await response.json() };
    }, GUESTS.c.id);
    assert.equal(answer.status, 403, JSON.stringify(answer));
    assert.equal(answer.body.error.code, 'pair_not_allowed');

    // The administrator sees A's one space, open.
    await adminPage.reload();
    const row = adminPage.locator('#spaces-table tbody tr');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.match(await row.first().locator('td').nth(2).textContent(), /^Open$/);
    contexts[1].assertClean();
  });

  test('revoking A–B closes their space in the admin console', async () => {
    const page = adminPage;
    await page.getByRole('button', { name: `Remove pair ${GUESTS.a.displayName} and ${GUESTS.b.displayName}` }).click();
    await page.locator('#pairs-dirty').waitFor();
    await page.getByRole('button', { name: 'Save pairs' }).click();
    // The portal's dry run names the space that would close, with its members, before anything changes.
    const dialog = page.getByRole('dialog');
    await dialog.getByText('1 space will close:').waitFor();
    assert.match(await dialog.locator('.closing-spaces').innerText(), new RegExp(`${GUESTS.a.displayName}`));
    await dialog.getByRole('button', { name: 'Save and close spaces' }).click();
    await page.locator('#pairs-status').getByText('Closed 1 space').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save pairs' }).isDisabled(), true, 'nothing left to save');
    await page.locator('#spaces-table tbody tr td:nth-child(3)').getByText(/^Closed/).waitFor();
    assert.deepEqual(await pairRows(page), [`${GUESTS.b.displayName} – ${GUESTS.c.displayName}`]);
    await screenshot(page, 'admin-pair-revoked');
    contexts[0].assertClean();

    // A's page, with the space open, turns it into the read-only notice without a reload.
    const guestPage = contexts[1].guestPage;
    await guestPage.locator('#closed-notice').waitFor();
    assert.equal(await guestPage.locator('#composer').isHidden(), true, 'a closed space has a composer');
    await guestPage.locator('#space-list').getByText('Closed by your organisation').waitFor();
    await screenshot(guestPage, 'guest-space-closed');
    contexts[1].assertClean();
  });

  test('a guest with a wrong password sees the error', async () => {
    const ctx = await context();
    ctx.expectFailedRequests(401);
    const page = await ctx.newPage();
    await page.goto(world.portal.url('/'));
    await page.getByLabel('Username').fill(GUESTS.c.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByLabel('Password').press('Enter');
    const error = page.getByRole('alert');
    await error.getByText('Wrong username or password.').waitFor();
    assert.equal(page.url(), world.portal.url('/'));
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the wrong password is left in the field');
    await screenshot(page, 'signin-wrong-password');
    ctx.assertClean();
  });
});
