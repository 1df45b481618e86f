// The guest's change-password page in headless Chromium, by keyboard only: an administrator creates a
// guest with a generated password that must be changed; the guest signs in, lands on /password, sees
// the rules before typing, gets each invalid field marked and focused, changes the password and then
// uses the guest page; later the guest reaches the page again from "Change password". axe-core finds
// no serious violation in light and dark mode, at 375 px and 1280 px.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorld, show } from '../lib/harness.mjs';
import { assertAccessible, launchBrowser, newContext, requireBinaries, screenshot, stopAll } from './lib.mjs';

let world;
let browser;
let ctx;
let page;
let guest;
const chosen = 'my-own-password-42';

// Presses Tab until the element with `id` has the focus (at most 20 times).
async function tabTo(id) {
  for (let i = 0; i < 20; i += 1) {
    if (await page.evaluate((wanted) => document.activeElement?.id === wanted, id)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`#${id} is not reachable with Tab`);
}

async function focusedId() {
  return page.evaluate(() => document.activeElement?.id);
}

before(async () => {
  requireBinaries();
  world = await startWorld();
  browser = await launchBrowser();
  const r = await world.admin.post('/api/v1/guests', {
    json: { username: 'pia', displayName: 'Pia Park', generatePassword: true, mustChangePassword: true },
  });
  assert.equal(r.status, 201, show(r));
  guest = r.json;
  ctx = await newContext(browser);
  page = await ctx.newPage();
});

after(async () => {
  if (ctx) await ctx.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  await stopAll();
});

describe('change password page', () => {
  test('a forced change after sign-in, by keyboard: rules first, invalid fields marked and focused', async () => {
    await page.goto(world.portal.url('/'));
    await tabTo('username');
    await page.keyboard.type(guest.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(guest.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/password');

    await page.locator('#forced').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#guest-name').textContent(), 'Pia Park');
    // The rules are there before anything is typed, with the server's numbers.
    assert.match(await page.locator('#new-password-rules').textContent(), /At least 8 characters, at most\s+1024/);
    assert.equal(await page.locator('#new-password').getAttribute('maxlength'), '1024');
    assert.equal(await focusedId(), 'current-password');
    assert.equal(await page.locator('#password-cancel').isVisible(), false, 'a forced change offers a way around it');
    await assertAccessible(page, 'forced change, light');

    // Too short: marked and focused without asking the server.
    await page.keyboard.type(guest.password);
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await page.keyboard.press('Enter');
    await page.locator('#new-password-error').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#new-password').getAttribute('aria-invalid'), 'true');
    assert.equal(await focusedId(), 'new-password');
    assert.match(await page.locator('#password-error').textContent(), /at least 8 characters/);

    // A wrong current password: the server says so and the page marks that field.
    ctx.expectFailedRequests(400);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('not-my-password');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(chosen);
    await page.keyboard.press('Tab');
    await page.keyboard.type(chosen);
    await page.keyboard.press('Enter');
    await page.locator('#current-password-error').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#current-password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#new-password').getAttribute('aria-invalid'), null, 'a stale mark stayed');
    assert.equal(await focusedId(), 'current-password');
    assert.equal(await page.locator('#current-password-error').textContent(), 'The current password is not right.');
    await screenshot(page, 'password-invalid');
    await assertAccessible(page, 'forced change with errors, light');

    // Right this time: on to the guest page, which works.
    await page.keyboard.press('Control+A');
    await page.keyboard.type(guest.password);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/guest');
    await page.locator('#spaces-heading').waitFor({ state: 'visible' });
    await page.locator('#main:not([aria-busy])').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#page-error').isVisible(), false);
    assert.equal(await page.locator('#guest-name').textContent(), 'Pia Park');

    const after = await world.admin.get(`/api/v1/guests/${guest.id}`);
    assert.equal(after.json.mustChangePassword, false, show(after));
    const old = await world.portal.call('POST', '/api/v1/session', { json: { username: 'pia', password: guest.password } });
    assert.equal(old.status, 401, show(old));
    const signIn = await world.portal.call('POST', '/api/v1/session', { json: { username: 'pia', password: chosen } });
    assert.equal(signIn.status, 200, show(signIn));
  });

  test('the guest page links to a voluntary change that can go back; accessible in dark mode and at 375 px', async () => {
    await page.goto(world.portal.url('/guest'));
    await page.locator('#main:not([aria-busy])').waitFor({ state: 'attached' });
    await tabTo('change-password');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/password');
    await page.locator('#main:not([aria-busy])').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#forced').isVisible(), false);
    assert.equal(await page.locator('#password-cancel').isVisible(), true);
    await assertAccessible(page, 'voluntary change, light, 1280 px');

    await page.emulateMedia({ colorScheme: 'dark' });
    await assertAccessible(page, 'voluntary change, dark, 1280 px');
    await page.setViewportSize({ width: 375, height: 800 });
    await assertAccessible(page, 'voluntary change, dark, 375 px');
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(sideways, false, 'the page scrolls sideways at 375 px');
    await page.emulateMedia({ colorScheme: 'light' });
    await assertAccessible(page, 'voluntary change, light, 375 px');
    await screenshot(page, 'password-voluntary-375');

    await tabTo('password-cancel');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/guest');
    ctx.assertClean();
  });
});
