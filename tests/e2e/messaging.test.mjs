// Messaging through the real pages, the real portal and the Webex emulator: two guests in two
// browsers, one space. A sends text, markdown and a file; B sees them arrive without reloading (a
// toast while the space is not open, the conversation itself when it is) and downloads the file;
// hostile messages stay inert; the composer works by keyboard alone and on a 375 px screen; older
// messages load on scrolling up; disabling B sends B's page to sign-in with the reason.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startWorld, show } from '../lib/harness.mjs';
import { assertAccessible, launchBrowser, newContext, requireBinaries, screenshot, stopAll } from './lib.mjs';

// B's name carries markup: it must show as text in messages, toasts and lists.
const A = { username: 'amy', displayName: 'Amy Archer', password: 'Amy-pass-1234' };
const B = { username: 'bob', displayName: 'Bo <b>Brown</b> <img src=x id=injected>', password: 'Bo-pass-1234' };

let world;
let browser;
const contexts = [];
let pageA;
let pageB;
let roomId;

async function context(options) {
  const ctx = await newContext(browser, options);
  contexts.push(ctx);
  return ctx;
}

async function signIn(page, guest) {
  await page.goto(world.portal.url('/'));
  await page.getByLabel('Username').fill(guest.username);
  await page.getByLabel('Password').fill(guest.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(world.portal.url('/guest'));
  await page.locator('#main:not([aria-busy])').waitFor();
}

const composer = (page) => page.getByLabel('Message', { exact: true });
const shown = (page) => page.locator('#message-list > li');
const shownIds = (page) => shown(page).evaluateAll((items) => items.map((li) => li.dataset.messageId));
const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

// Sends from A's open conversation, as text or as markdown, and waits until A's page shows it.
async function sendFromA(text, { markdown }) {
  const before = await shown(pageA).count();
  await pageA.getByLabel('Markdown').setChecked(markdown);
  await composer(pageA).fill(text);
  await composer(pageA).press('Enter');
  await shown(pageA).nth(before).waitFor();
  assert.equal(await composer(pageA).inputValue(), '', 'the composer was not emptied');
}

before(async () => {
  requireBinaries();
  world = await startWorld({ portalExtra: { POLL_INTERVAL: '1' } });
  Object.assign(A, await world.createGuest(A.username, A.displayName, A.password));
  Object.assign(B, await world.createGuest(B.username, B.displayName, B.password));
  await world.setPairs([[A.id, B.id]]);
  browser = await launchBrowser();
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
  await stopAll();
});

describe('messaging in the browser', () => {
  test('A and B sign in; A opens a space with B, which appears on B\'s page without a reload', async () => {
    pageA = await (await context()).newPage();
    pageB = await (await context()).newPage();
    await pageA.goto(world.portal.url('/'));
    await assertAccessible(pageA, 'sign-in page');
    await signIn(pageA, A);
    await signIn(pageB, B);
    // A flag that a reload would lose: every later check on B runs on this same document.
    await pageB.evaluate(() => { window.sameDocument = true; });
    assert.equal(await pageB.locator('#space-list > li').count(), 0);

    await pageA.getByRole('button', { name: 'New space' }).click();
    await pageA.getByLabel(B.displayName, { exact: true }).check();
    await pageA.getByLabel('Title (optional)').fill('Plans');
    await pageA.getByRole('button', { name: 'Create space' }).click();
    await pageA.locator('#list-status').getByText('Space created: Plans.').waitFor();
    await pageA.locator('#conversation-title').getByText('Plans').waitFor();
    assert.equal(await focusedId(pageA), 'composer-text', 'the new space is not ready to write in');
    roomId = await pageA.locator('#space-list > li').first().getAttribute('data-space-id');

    await pageB.locator(`#space-list > li[data-space-id="${roomId}"]`).waitFor();
    assert.equal(await pageB.locator('#conversation-view').isHidden(), true, 'B\'s page opened the space by itself');
    assert.equal(await pageB.locator('#injected').count(), 0, 'a name was rendered as HTML');
    await assertAccessible(pageA, 'guest page with an open conversation');
    await assertAccessible(pageB, 'guest page with the list');
    contexts[0].assertClean();
    contexts[1].assertClean();
  });

  test('B gets a toast while the space is not open, and the messages live once it is', async () => {
    await pageB.locator('#new-space').focus();
    await sendFromA('Hello Bo, plain text with *stars*', { markdown: false });

    const toast = pageB.locator('.toast');
    await toast.getByText(/Hello Bo, plain text/).waitFor();
    assert.equal(await toast.getAttribute('role'), 'status');
    assert.match(await toast.textContent(), /New message in Plans/);
    assert.match(await toast.textContent(), /Amy Archer/);
    assert.equal(await focusedId(pageB), 'new-space', 'the toast took the focus');
    assert.match(await pageB.locator(`[data-space-id="${roomId}"]`).getAttribute('class'), /\bunread\b/);
    await screenshot(pageB, 'messaging-toast');

    await toast.getByRole('button', { name: /^New message in Plans/ }).click();
    await shown(pageB).first().waitFor();
    assert.equal(await shown(pageB).first().locator('.msg-body').textContent(), 'Hello Bo, plain text with *stars*');
    assert.equal(await shown(pageB).first().locator('.msg-sender').textContent(), A.displayName);
    // Shown means read: the list loses the marker, and so does the server's list.
    await pageB.waitForFunction((id) => !document.querySelector(`[data-space-id="${id}"]`).classList.contains('unread'), roomId);
    const client = await world.signIn(B);
    await (async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const r = await client.get('/api/v1/rooms');
        assert.equal(r.status, 200, show(r));
        const item = r.json.items.find((room) => room.id === roomId);
        if (item && item.unread === false) return;
        if (Date.now() > deadline) throw new Error(`the read mark did not reach the server: ${JSON.stringify(item)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // The space is open on B: markdown arrives rendered, with no reload and no toast.
    await sendFromA('**bold** and _slanted_', { markdown: true });
    await shown(pageB).nth(1).locator('.msg-body strong').getByText('bold').waitFor();
    assert.equal(await shown(pageB).nth(1).locator('.msg-body em').textContent(), 'slanted');
    assert.equal(await pageB.locator('.toast').count(), 0, 'a toast for the open space');

    // B answers; A sees it once.
    await composer(pageB).fill('Hi Amy');
    await composer(pageB).press('Enter');
    await shown(pageA).nth(2).getByText('Hi Amy').waitFor();
    for (const page of [pageA, pageB]) {
      const ids = await shownIds(page);
      assert.equal(ids.length, 3, `messages shown: ${ids}`);
      assert.equal(new Set(ids).size, 3, 'a message is shown twice');
    }
    assert.equal(await shown(pageA).nth(2).locator('.msg-sender').textContent(), B.displayName);
    assert.equal(await pageA.locator('#injected').count(), 0, 'a name was rendered as HTML');
    assert.equal(await pageB.evaluate(() => window.sameDocument), true, 'B\'s page was reloaded');
    await screenshot(pageA, 'messaging-conversation');
    await assertAccessible(pageB, 'guest page with messages');
    contexts[0].assertClean();
    contexts[1].assertClean();
  });

  test('a file A sends downloads on B with the same bytes', async () => {
    const bytes = randomBytes(3000);
    await pageA.getByLabel('Attach a file').setInputFiles({ name: 'field-notes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await pageA.locator('#attachment-name').getByText('field-notes.bin (2.9 KB)').waitFor();
    await sendFromA('the notes', { markdown: false });
    assert.equal(await pageA.locator('#attachment').isHidden(), true, 'the attachment stayed after sending');

    const chip = shown(pageB).last().locator('a.file-chip');
    await chip.waitFor();
    assert.match(await chip.textContent(), /field-notes\.bin\s*2\.9 KB/);
    const [download] = await Promise.all([pageB.waitForEvent('download'), chip.click()]);
    assert.equal(download.suggestedFilename(), 'field-notes.bin');
    const got = await readFile(await download.path());
    assert.ok(got.equals(bytes), `the download differs: ${got.length} bytes`);
    contexts[0].assertClean();
    contexts[1].assertClean();
  });

  test('hostile messages, as text and as markdown, show as text or inert, and nothing runs', async () => {
    const dialogs = [];
    for (const page of [pageA, pageB]) {
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        dialog.dismiss().catch(() => {});
      });
    }
    const payloads = [
      '<img src=x onerror="window.xssRan=1;alert(1)">',
      '<script>window.xssRan=1;alert(1)</script>',
      '[x](javascript:alert(1))',
    ];
    const before = await shown(pageB).count();
    for (const payload of payloads) await sendFromA(payload, { markdown: false });
    for (const payload of payloads) await sendFromA(payload, { markdown: true });
    await shown(pageB).nth(before + 5).waitFor();

    for (const page of [pageA, pageB]) {
      const items = shown(page);
      const count = await items.count();
      // Sent as text: exactly the characters typed.
      for (const [i, payload] of payloads.entries()) {
        assert.equal(await items.nth(count - 6 + i).locator('.msg-body').textContent(), payload);
      }
      const report = await page.evaluate(() => {
        const list = document.getElementById('message-list');
        const handlers = [...list.querySelectorAll('*')].filter((node) => [...node.attributes].some((a) => /^on/i.test(a.name)));
        return {
          scripts: list.querySelectorAll('script').length,
          images: list.querySelectorAll('img').length,
          handlers: handlers.map((node) => node.outerHTML),
          scriptLinks: [...list.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')).filter((href) => /^\s*javascript:/i.test(href)),
          ran: window.xssRan === 1,
        };
      });
      assert.deepEqual(report, { scripts: 0, images: 0, handlers: [], scriptLinks: [], ran: false }, 'a payload is live');
    }
    // Whatever the markdown link became, following it runs nothing.
    const link = shown(pageB).last().locator('a');
    if (await link.count()) await link.first().click({ modifiers: ['Shift'] }).catch(() => {});
    assert.equal(await pageB.evaluate(() => window.xssRan === 1), false);
    assert.deepEqual(dialogs, [], 'a dialog was opened');
    contexts[0].assertClean();
    contexts[1].assertClean();
  });

  test('by keyboard alone: Tab to the space, Enter opens it, type, Enter sends', async () => {
    await pageB.goto(world.portal.url('/guest'));
    await pageB.locator('#space-list > li').first().waitFor();
    const visited = [];
    for (let i = 0; i < 30; i += 1) {
      await pageB.keyboard.press('Tab');
      const where = await pageB.evaluate(() => {
        const node = document.activeElement;
        return { id: node.id, space: node.closest('li')?.dataset.spaceId || null, outline: getComputedStyle(node).outlineStyle };
      });
      visited.push(where.id || where.space);
      assert.notEqual(where.outline, 'none', `no visible focus on ${JSON.stringify(where)}`);
      if (where.space === roomId) break;
    }
    assert.equal(visited.at(-1), roomId, `the space was not reached by Tab: ${visited.join(' → ')}`);
    await pageB.keyboard.press('Enter');
    await shown(pageB).first().waitFor();
    assert.equal(await focusedId(pageB), 'composer-text');
    await pageB.keyboard.type('typed by keyboard');
    await pageB.keyboard.press('Shift+Enter');
    await pageB.keyboard.type('on two lines');
    await pageB.keyboard.press('Enter');
    await shown(pageA).last().getByText(/typed by keyboard\s+on two lines/).waitFor();
    // From the composer, Tab reaches the other controls in order, and Send.
    const order = [];
    for (let i = 0; i < 4; i += 1) {
      await pageB.keyboard.press('Tab');
      order.push(await focusedId(pageB));
    }
    assert.deepEqual(order, ['composer-markdown', 'composer-file', 'composer-send', order[3]], `focus order: ${order}`);
    contexts[0].assertClean();
    contexts[1].assertClean();
  });

  test('375 px wide: the list, then the conversation with a way back', async () => {
    await pageB.setViewportSize({ width: 375, height: 740 });
    await pageB.goto(world.portal.url('/guest'));
    const space = pageB.locator(`#space-list > li[data-space-id="${roomId}"] button`);
    await space.waitFor();
    assert.equal(await pageB.locator('#conversation').isHidden(), true, 'the conversation shows beside the list');
    assert.ok(await pageB.evaluate(() => document.documentElement.scrollWidth <= 375), 'the page scrolls sideways');
    await screenshot(pageB, 'messaging-narrow-list');
    await space.click();
    await shown(pageB).first().waitFor();
    assert.equal(await pageB.locator('#list-pane').isHidden(), true, 'the list shows beside the conversation');
    const box = await composer(pageB).boundingBox();
    assert.ok(box && box.y + box.height <= 740, `the composer is off screen: ${JSON.stringify(box)}`);
    await composer(pageB).fill('from a phone');
    await pageB.getByRole('button', { name: 'Send' }).click();
    await shown(pageA).last().getByText('from a phone').waitFor();
    await screenshot(pageB, 'messaging-narrow-conversation');
    await assertAccessible(pageB, 'guest page at 375 px');
    await pageB.getByRole('button', { name: 'Back to spaces' }).click();
    await space.waitFor();
    assert.equal(await pageB.locator('#conversation').isHidden(), true);
    await pageB.setViewportSize({ width: 1280, height: 900 });
    contexts[1].assertClean();
  });

  test('scrolling up loads older messages, with none twice and the reading position kept', async () => {
    const client = await world.signIn(A);
    for (let i = 0; i < 65; i += 1) {
      const r = await client.post(`/api/v1/rooms/${roomId}/messages`, { json: { text: `bulk ${i}` } });
      assert.equal(r.status, 201, show(r));
    }
    // Every message of the space, newest first, through the API.
    const all = [];
    let cursor = null;
    do {
      const r = await client.get(`/api/v1/rooms/${roomId}/messages?max=50${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, show(r));
      all.push(...r.json.items.map((m) => m.id));
      cursor = r.json.next;
    } while (cursor);
    assert.ok(all.length >= 75, `only ${all.length} messages in the space`);

    await pageB.goto(world.portal.url('/guest'));
    await pageB.locator(`#space-list > li[data-space-id="${roomId}"] button`).click();
    await shown(pageB).last().getByText('bulk 64').waitFor();
    const scroller = pageB.locator('#message-scroller');
    for (let round = 0; round < 5; round += 1) {
      if (await pageB.getByText('This is the start of the conversation.').isVisible()) break;
      const count = await shown(pageB).count();
      const anchor = await shown(pageB).first().getAttribute('data-message-id');
      const top = await scroller.evaluate((node, id) => {
        node.scrollTop = 0;
        return document.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top;
      }, anchor);
      await shown(pageB).nth(count).waitFor();
      await pageB.locator('#message-list[aria-busy="false"]').waitFor();
      const after = await pageB.evaluate((id) => document.querySelector(`[data-message-id="${id}"]`).getBoundingClientRect().top, anchor);
      assert.ok(Math.abs(after - top) <= 2, `the reading position moved from ${top} to ${after}`);
    }
    await pageB.getByText('This is the start of the conversation.').waitFor();
    const ids = await shownIds(pageB);
    assert.equal(new Set(ids).size, ids.length, 'a message is shown twice');
    assert.deepEqual(ids, [...all].reverse(), 'the conversation is not every message, oldest first');
    contexts[1].assertClean();
  });

  test('when the administrator disables B, B\'s page goes to sign-in and says why', async () => {
    contexts[1].expectFailedRequests(401);
    const r = await world.admin.patch(`/api/v1/guests/${B.id}`, { json: { disabled: true } });
    assert.equal(r.status, 200, show(r));
    await pageB.waitForURL(world.portal.url('/?ended=disabled'));
    await pageB.getByText('Your account was disabled by your organisation.').waitFor();
    await screenshot(pageB, 'messaging-disabled');
    await assertAccessible(pageB, 'sign-in page after the account was disabled');
    contexts[0].assertClean();
    contexts[1].assertClean();
  });
});
