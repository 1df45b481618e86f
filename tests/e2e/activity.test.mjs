// The admin console's Activity section (docs/audit.md) in headless Chromium: it lists the audit log
// newest first, filters it, loads older entries when its end scrolls into view, and with "Load more"
// from the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, launchBrowser, newContext, requireBinaries, screenshot, stopAll } from './lib.mjs';
import { startWorld, show } from '../lib/harness.mjs';

const GUESTS = 12; // 66 pairs among them: 66 policy.allow entries, more than one page (50)
let world;
let browser;
let ctx;
let page;
let guests;

const rows = () => page.locator('#activity-table tbody tr');
const actions = () => page.locator('#activity-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.action));

// Waits until the rows' actions (newest first) satisfy `predicate`, which runs in the page.
async function waitForRows(predicate, what) {
  await page.waitForFunction(predicate, undefined, { timeout: 10000 }).catch(async (error) => {
    throw new Error(`${what}: ${error.message}; rows: ${JSON.stringify(await actions())}`);
  });
}

async function filter({ action = '', actor = '', since = '', until = '' }) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByLabel('Action', { exact: true }).fill(action);
  await page.getByLabel('Actor', { exact: true }).fill(actor);
  await page.getByLabel('From', { exact: true }).fill(since);
  await page.getByLabel('To (included)').fill(until);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
}

before(async () => {
  requireBinaries();
  world = await startWorld();
  const csv = ['username,displayName,password',
    ...Array.from({ length: GUESTS }, (_, i) => `guest${i},Guest ${i},Password-${i}-long`)].join('\n');
  const imported = await world.admin.post('/api/v1/guests/import', { body: csv, contentType: 'text/csv' });
  assert.equal(imported.status, 200, show(imported));
  guests = (await world.admin.get('/api/v1/guests')).json.items;
  const pairs = [];
  for (let i = 0; i < guests.length; i += 1) {
    for (let j = i + 1; j < guests.length; j += 1) pairs.push([guests[i].id, guests[j].id]);
  }
  await world.setPairs(pairs);
  browser = await launchBrowser();
  ctx = await newContext(browser);
  await ctx.addCookies([{ name: 'gp_session', value: world.admin.cookie, url: world.portal.origin }]);
  page = await ctx.newPage();
  await page.goto(world.portal.url('/admin'));
  await waitForRows(() => document.querySelectorAll('#activity-table tbody tr').length > 0, 'the first page');
});

after(async () => {
  if (ctx) await ctx.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  await stopAll();
});

test('Activity lists the newest entries first with their time, actor, action, target, outcome and detail', async () => {
  assert.equal(await rows().count(), 50, 'one page of 50 at first');
  const first = rows().first();
  assert.equal(await first.getAttribute('data-action'), 'policy.allow');
  const cells = await first.locator('td').allTextContents();
  assert.equal(cells[1], 'admin:admin@example.com');
  assert.equal(cells[2], 'policy.allow');
  assert.ok(cells[3].includes(','), `the pair as target: ${cells[3]}`);
  assert.equal(cells[4], 'success');
  // The time is shown in the browser's locale; the element keeps the exact instant.
  const when = await first.locator('time').getAttribute('datetime');
  assert.match(when, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const shown = await first.locator('time').textContent();
  assert.equal(shown, await page.evaluate((iso) => new Date(iso).toLocaleString(undefined,
    { dateStyle: 'medium', timeStyle: 'medium' }), when));
  await page.locator('#activity-more').waitFor({ state: 'visible' });
  await assertAccessible(page, 'the admin console with Activity');
});

test('"Load more" from the keyboard loads the next page', async () => {
  await page.locator('#activity-more').focus();
  await page.keyboard.press('Enter');
  await waitForRows(() => document.querySelectorAll('#activity-table tbody tr').length > 50, 'the second page');
  const all = await actions();
  // Newest first: 66 pairs, the import, the guests it created, the administrator's sign-in.
  assert.equal(all.length, 66 + 1 + GUESTS + 1);
  assert.deepEqual(all.slice(0, 66), Array(66).fill('policy.allow'));
  assert.equal(all[66], 'guest.import');
  assert.deepEqual(all.slice(67, 67 + GUESTS), Array(GUESTS).fill('guest.create'));
  assert.equal(all.at(-1), 'admin.sign_in');
  await page.locator('#activity-more').waitFor({ state: 'hidden' });
  await page.locator('#activity-status').getByText(/that is all/).waitFor();
});

test('filters narrow the list; scrolling to its end loads the next page', async () => {
  await filter({ action: 'guest.import' });
  await waitForRows(() => {
    const trs = document.querySelectorAll('#activity-table tbody tr');
    return trs.length === 1 && trs[0].dataset.action === 'guest.import';
  }, 'the import alone');
  const detail = await rows().first().locator('td').nth(5).textContent();
  assert.match(detail, new RegExp(`^${GUESTS} created, 0 skipped`));

  await filter({ action: 'policy.allow' });
  await waitForRows(() => {
    const trs = [...document.querySelectorAll('#activity-table tbody tr')];
    return trs.length === 50 && trs.every((tr) => tr.dataset.action === 'policy.allow');
  }, 'a first page of pairs');
  await page.locator('#activity-sentinel').scrollIntoViewIfNeeded();
  await waitForRows(() => document.querySelectorAll('#activity-table tbody tr').length === 66,
    'the rest of the pairs, loaded by scrolling');
  assert.deepEqual(await actions(), Array(66).fill('policy.allow'));
  await screenshot(page, 'admin-activity');

  await filter({ actor: 'admin:admin@example.com', action: 'admin.sign_in' });
  await waitForRows(() => {
    const trs = document.querySelectorAll('#activity-table tbody tr');
    return trs.length === 1 && trs[0].dataset.action === 'admin.sign_in';
  }, 'the sign-in');

  // A day before today: nothing yet. Today (in the browser's time zone): everything.
  const today = await page.evaluate(() => {
    const d = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    const day = (x) => `${x.getFullYear()}-${pad(x.getMonth() + 1)}-${pad(x.getDate())}`;
    return { today: day(d), yesterday: day(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1)) };
  });
  await filter({ until: today.yesterday });
  await page.locator('#activity-empty').waitFor({ state: 'visible' });
  assert.equal(await rows().count(), 0);
  await filter({ since: today.today, until: today.today, action: 'guest.import' });
  await waitForRows(() => document.querySelectorAll('#activity-table tbody tr').length === 1, 'today\'s import');

  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await waitForRows(() => document.querySelectorAll('#activity-table tbody tr').length === 50, 'everything again');
  ctx.assertClean();
});
