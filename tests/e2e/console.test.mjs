// The admin console against the real portal with 10,000 guests and 50,000 allowed pairs: how fast the
// first screen is usable, search, the confirmation that lists the spaces a save would close (and that
// Cancel changes nothing), the per-guest view and Explain, generated sign-in details that work, the
// journeys by keyboard alone, axe-core in light and dark mode at phone and desktop widths, and no
// sideways scrolling at 320 px.
//
// Seeding 10,000 guests through the API would hash 10,000 passwords (Argon2id at its minimum cost is
// tens of milliseconds each); the guests are written straight into the stopped portal's SQLite
// database instead, all with the password hash of one guest made through the API, and the portal is
// started again on it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { assertAccessible, launchBrowser, newContext, screenshot, startPortalWorld, stopAll } from './lib.mjs';
import { Client, adminClient, restartPortal, show } from '../lib/harness.mjs';
import { seedSql } from '../lib/console-seed.mjs';

const SEEDED = 10000; // guests in all
const SEEDED_PAIRS = 50000;
const PEOPLE = {
  ann: { username: 'ann', displayName: 'Ann Archer', password: 'Ann-pass-1234' },
  ben: { username: 'ben', displayName: 'Ben Baker', password: 'Ben-pass-1234' },
  cleo: { username: 'cleo', displayName: 'Cleo Clark', password: 'Cleo-pass-1234' },
};

let world;
let portal;
let admin;
let browser;
let space;
const contexts = [];

async function adminPage({ width = 1280, height = 900, colorScheme = 'light', permissions = [] } = {}) {
  const ctx = await newContext(browser, { viewport: { width, height }, colorScheme, permissions });
  contexts.push(ctx);
  await ctx.addCookies([{ name: 'gp_session', value: admin.cookie, url: portal.url('/') }]);
  const page = await ctx.newPage();
  page.ctx = ctx;
  return page;
}

// The first page of guests shown and the search box enabled: the console's first screen is usable.
async function firstScreen(page) {
  await page.waitForFunction(() => {
    const rows = document.querySelectorAll('#guests-table tbody tr').length;
    const search = document.getElementById('guests-search');
    return rows === 50 && search && !search.disabled;
  }, null, { polling: 'raf', timeout: 10000 });
  return page.evaluate(() => performance.now());
}

// Tab (Shift+Tab with back) until the element with `id` has the focus; fails after `max` presses.
async function tabTo(page, id, { back = false, max = 60 } = {}) {
  for (let i = 0; i < max; i += 1) {
    if (await page.evaluate((want) => document.activeElement && document.activeElement.id === want, id)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`#${id} not reached by ${back ? 'Shift+Tab' : 'Tab'} in ${max} presses`);
}

before(async () => {
  world = await startPortalWorld();
  portal = world.portal;
  world.admin = await adminClient(portal, world.emulator);
  for (const person of Object.values(PEOPLE)) Object.assign(person, await createGuest(person));
  let r = await world.admin.patch('/api/v1/policy/pairs', { json: { add: [[PEOPLE.ann.id, PEOPLE.ben.id], [PEOPLE.ben.id, PEOPLE.cleo.id]] } });
  assert.equal(r.status, 200, show(r));
  // Ann opens a space with Ben: removing their pair closes it.
  const ann = await world.signIn(PEOPLE.ann);
  r = await ann.post('/api/v1/rooms', { json: { memberIds: [PEOPLE.ben.id], title: 'Ann and Ben plan' } });
  assert.equal(r.status, 201, show(r));
  space = r.json;

  await portal.stop();
  const out = execFileSync('sqlite3', [path.join(portal.dir, 'portal.db')], { input: seedSql({ guests: SEEDED, pairs: SEEDED_PAIRS, existing: Object.keys(PEOPLE).length, hashFrom: 'ann' }), encoding: 'utf8' });
  assert.deepEqual(out.trim().split('\n').map(Number), [SEEDED, SEEDED_PAIRS + 2], out);
  portal = await restartPortal(portal);
  world.portal = portal;
  admin = new Client(portal, world.admin.cookie);
  await admin.refreshCsrf();
  browser = await launchBrowser();
});

async function createGuest(person) {
  const r = await world.admin.post('/api/v1/guests', { json: person });
  assert.equal(r.status, 201, show(r));
  world.secrets.add(`password of ${person.username}`, person.password);
  return r.json;
}

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  await stopAll();
});

describe('admin console with 10,000 guests and 50,000 pairs', () => {
  test('the first screen shows the first page of guests and the counts of both lists', async (t) => {
    const page = await adminPage();
    const times = [];
    await page.goto(portal.url('/admin'));
    await firstScreen(page); // warms the browser's cache of the page's files, as a returning administrator has it
    for (let i = 0; i < 3; i += 1) {
      await page.reload();
      times.push(Math.round(await firstScreen(page)));
    }
    // Where the time of the last load went, for the report when the target is missed.
    const requests = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => `${e.name.replace(/^https?:\/\/[^/]+/, '')} ${Math.round(e.startTime)}–${Math.round(e.responseEnd)} ms`));
    times.sort((a, b) => a - b);
    // Reported, not asserted: the target is checked by bench/portal/console.mjs on a quiet machine,
    // never by a test that shares the cores with others.
    t.diagnostic(`first screen usable after ${times.join(', ')} ms (median ${times[1]} ms); requests of the last load:\n${requests.join('\n')}`);
    assert.equal(await page.locator('#guests-count').textContent(), `(${SEEDED.toLocaleString('en-US')})`);
    assert.equal(await page.locator('#pairs-count').textContent(), `(${(SEEDED_PAIRS + 2).toLocaleString('en-US')})`);
    assert.match(await page.locator('#guests-page').textContent(), /^Page 1 of 200$/);
    page.ctx.assertClean();
  });

  test('search by keyboard finds one guest among 10,000; the status filter and sorting go to the portal', async () => {
    const page = await adminPage();
    await page.goto(portal.url('/admin'));
    await firstScreen(page);
    await page.locator('body').focus();
    await tabTo(page, 'guests-search');
    await page.keyboard.type('user07342');
    const rows = page.locator('#guests-table tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('#guests-table tbody tr').length === 1);
    assert.equal(await rows.first().getAttribute('data-username'), 'user07342');
    await page.locator('#guests-summary').getByText('1 guest matches.').waitFor();
    // By display name, then only the disabled ones (every tenth seeded guest is disabled).
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Seeded Guest 0734');
    await page.locator('#guests-summary').getByText('10 guests match.').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'guests-status-filter');
    await page.locator('#guests-status-filter').selectOption('disabled');
    await page.locator('#guests-summary').getByText('1 guest matches.').waitFor();
    assert.equal(await rows.first().getAttribute('data-username'), 'user07349');
    await page.locator('#guests-status-filter').selectOption('all');
    await page.locator('#guests-table').getByRole('columnheader', { name: 'Username' }).getByRole('button').press('Enter');
    await page.waitForFunction(() => document.querySelector('#guests-table tbody tr')?.dataset.username === 'user07349');
    assert.equal(await page.locator('#guests-table th[data-sort="username"]').getAttribute('aria-sort'), 'descending');
    page.ctx.assertClean();
  });

  test('a save that closes a space asks first, listing it; Cancel and Escape change nothing', async () => {
    const page = await adminPage();
    await page.goto(portal.url('/admin'));
    await firstScreen(page);
    await page.getByLabel('Search pairs by name or username').fill('Ann Archer');
    const remove = page.getByRole('button', { name: `Remove pair ${PEOPLE.ann.displayName} and ${PEOPLE.ben.displayName}` });
    await remove.click();
    const save = page.getByRole('button', { name: 'Save pairs' });
    await save.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.getByText('1 space will close:').waitFor();
    const listed = await dialog.locator('.closing-spaces li').allInnerTexts();
    assert.equal(listed.length, 1, listed.join('\n'));
    assert.match(listed[0], /^Ann and Ben plan — /);
    for (const person of [PEOPLE.ann, PEOPLE.ben]) assert.ok(listed[0].includes(person.displayName), `members not listed: ${listed[0]}`);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-cancel', 'Cancel is not the first choice');
    await assertAccessible(page, 'confirmation dialog');
    await screenshot(page, 'console-confirm');
    // Tab stays in the dialog.
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => document.getElementById('confirm-dialog').contains(document.activeElement)), 'focus left the dialog');
    }
    await page.keyboard.press('Escape');
    await page.locator('#pairs-status').getByText('Nothing was saved.').waitFor();
    const pairsOf = async () => {
      const r = await admin.get(`/api/v1/policy/pairs?guest=${PEOPLE.ann.id}`);
      assert.equal(r.status, 200, show(r));
      return r.json.items.map((p) => p.b.id);
    };
    const spaceOf = async () => {
      const r = await admin.get('/api/v1/spaces');
      assert.equal(r.status, 200, show(r));
      return r.json.items.find((s) => s.id === space.id);
    };
    assert.deepEqual(await pairsOf(), [PEOPLE.ben.id], 'Escape removed the pair');
    assert.equal((await spaceOf()).closedAt, undefined, 'Escape closed the space');

    await save.focus();
    await page.keyboard.press('Enter');
    await dialog.getByText('1 space will close:').waitFor();
    await page.keyboard.press('Enter'); // on Cancel
    await page.locator('#pairs-status').getByText('Nothing was saved.').waitFor();
    assert.deepEqual(await pairsOf(), [PEOPLE.ben.id], 'Cancel removed the pair');
    assert.equal((await spaceOf()).closedAt, undefined, 'Cancel closed the space');

    await save.focus();
    await page.keyboard.press('Enter');
    await dialog.getByText('1 space will close:').waitFor();
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'confirm-ok');
    await page.keyboard.press('Enter');
    await page.locator('#pairs-status').getByText('Closed 1 space: Ann and Ben plan.').waitFor();
    assert.deepEqual(await pairsOf(), [], 'the pair is still there');
    assert.ok((await spaceOf()).closedAt, 'the space is still open');
    page.ctx.assertClean();
  });

  test('the guest view: whom Ben reaches, his spaces and activity, and why Ann and Ben cannot talk', async () => {
    const page = await adminPage();
    await page.goto(portal.url('/admin'));
    await firstScreen(page);
    await page.getByRole('button', { name: `View ${PEOPLE.ben.displayName} (ben)` }).click();
    const view = page.locator('#guest-view');
    await view.locator('#guest-view-heading').getByText(`${PEOPLE.ben.displayName} (ben)`).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'guest-view-heading');
    await view.locator('#guest-view-contacts li').first().waitFor();
    assert.deepEqual(await view.locator('#guest-view-contacts li').evaluateAll((items) => items.map((li) => li.dataset.guestId)), [PEOPLE.cleo.id]);
    await view.locator('#guest-view-spaces').getByText('Ann and Ben plan').waitFor();
    await view.locator('#guest-view-spaces').getByText(/^Closed/).waitFor();
    assert.ok(await view.locator('#guest-view-activity li').count() >= 1, 'no activity shown');
    await page.getByLabel('Other guest').fill(`${PEOPLE.ann.displayName} (ann)`);
    await page.getByRole('button', { name: 'Explain' }).click();
    await view.locator('#explain-result').getByText(`${PEOPLE.ben.displayName} and ${PEOPLE.ann.displayName} cannot talk:`).waitFor();
    await view.locator('#explain-result li[data-code="no_pair"]').waitFor();
    await view.locator('#explain-result').getByText('Spaces they share (1):').waitFor();
    await assertAccessible(page, 'guest view');
    await screenshot(page, 'console-guest-view');
    page.ctx.assertClean();
  });

  test('adding a guest by keyboard with a generated password: the copied details sign the guest in', async () => {
    const page = await adminPage({ permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(portal.url('/admin'));
    await firstScreen(page);
    await page.locator('#add-guest-heading').evaluate((h) => { h.tabIndex = -1; h.focus(); });
    await tabTo(page, 'new-display-name');
    await page.keyboard.type('Dora Diaz');
    await page.keyboard.press('Tab');
    await page.keyboard.type('dora');
    await tabTo(page, 'new-generate');
    await page.keyboard.press('Space');
    assert.equal(await page.locator('#new-password').isDisabled(), true);
    await tabTo(page, 'add-guest');
    await page.keyboard.press('Enter');
    await page.locator('#credentials-card').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'credentials-heading');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'credentials-copy');
    await page.keyboard.press('Enter');
    await page.locator('#credentials-status').getByText('Copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const details = Object.fromEntries(copied.split('\n').filter((l) => l.includes(': ')).map((l) => l.split(': ')));
    assert.equal(details.Portal, portal.url('/'));
    assert.equal(details.Username, 'dora');
    assert.match(details.Password, /^\S{16,}$/, copied);
    world.secrets.add('generated password of dora', details.Password);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // Done
    assert.equal(await page.locator('#credentials-card').isHidden(), true);

    // The guest signs in with exactly what was copied.
    const guestCtx = await newContext(browser);
    contexts.push(guestCtx);
    const guest = await guestCtx.newPage();
    await guest.goto(details.Portal);
    await guest.getByLabel('Username').fill(details.Username);
    await guest.getByLabel('Password').fill(details.Password);
    await guest.getByLabel('Password').press('Enter');
    await guest.waitForURL(portal.url('/guest'));
    await guest.locator('#guest-name').getByText('Dora Diaz').waitFor();
    guestCtx.assertClean();
    page.ctx.assertClean();
  });

  for (const colorScheme of ['light', 'dark']) {
    for (const width of [375, 1280]) {
      test(`axe finds nothing serious in ${colorScheme} mode at ${width} px`, async () => {
        const page = await adminPage({ width, height: 800, colorScheme });
        await page.goto(portal.url('/admin'));
        await firstScreen(page);
        await page.locator('#activity-table tbody tr').first().waitFor();
        await assertAccessible(page, `admin console, ${colorScheme}, ${width} px`);
        await screenshot(page, `console-${colorScheme}-${width}`);
        const signIn = await (await newContext(browser, { viewport: { width, height: 800 }, colorScheme })).newPage();
        contexts.push(signIn.context());
        await signIn.goto(portal.url('/'));
        await signIn.locator('#signin-form').waitFor();
        await assertAccessible(signIn, `sign-in page, ${colorScheme}, ${width} px`);
        page.ctx.assertClean();
      });
    }
  }

  test('nothing scrolls sideways at 320 px', async () => {
    const page = await adminPage({ width: 320, height: 700 });
    await page.goto(portal.url('/admin'));
    await firstScreen(page);
    await page.getByRole('button', { name: `View ${PEOPLE.ben.displayName} (ben)` }).click();
    await page.locator('#guest-view-contacts li').first().waitFor();
    const overflow = () => page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth }));
    let { scroll, client } = await overflow();
    assert.ok(scroll <= client, `the console is ${scroll} px wide in a ${client} px window`);
    await screenshot(page, 'console-320');
    page.ctx.assertClean();
    // The sign-in page as someone without a session sees it (a signed-in administrator is sent on).
    const ctx = await newContext(browser, { viewport: { width: 320, height: 700 } });
    contexts.push(ctx);
    const signIn = await ctx.newPage();
    await signIn.goto(portal.url('/'));
    await signIn.locator('#signin-form').waitFor();
    ({ scroll, client } = await signIn.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, client: document.scrollingElement.clientWidth })));
    assert.ok(scroll <= client, `the sign-in page is ${scroll} px wide in a ${client} px window`);
    ctx.assertClean();
  });
});
