// The open space: its messages (newest at the bottom, older pages loaded as the guest scrolls up),
// the composer, the read mark, and its meeting panel (meeting.js). One space is open at a time; a reply that arrives after the guest
// has moved to another space is dropped (the `generation` check).
import { api, ApiError, describeWait } from './api.js';
import { announce, busy, byId, el, formatShortTime, formatSize } from './dom.js';
import { openMeeting } from './meeting.js';

const kPageSize = 50;
const kNearTopPx = 200;
const kNearBottomPx = 48;
const kMaxTextBytes = 7439; // Webex's limit for one message's text or markdown
const kMarkdownKey = 'guest-portal.markdown';
const kReadDelayMs = 400;

const conv = {
  me: null,
  hooks: {},
  room: null,
  generation: 0,
  messages: new Map(), // id → Message
  order: [], // message ids, oldest first: the order on screen
  nodes: new Map(), // id → its <li>
  next: null, // cursor of the next older page; null once the first message is shown
  loaded: false, // the newest page has arrived
  loadingOlder: false,
  olderFailed: false,
  readUpTo: null, // the newest message id this page has marked read in the open space
  readTimer: null,
  drafts: new Map(), // space id → text not sent yet
  sending: false,
};

function roomPath(roomId, suffix = '') {
  return `/api/v1/rooms/${encodeURIComponent(roomId)}${suffix}`;
}

export function roomTitle(room) {
  if (room.title) return room.title;
  const names = (room.members || []).map((m) => m.displayName).filter(Boolean);
  return names.length ? names.join(', ') : 'Untitled space';
}

// --- messages ---------------------------------------------------------------------------------------

function fileChip(roomId, file) {
  const size = formatSize(file.size);
  const name = typeof file.name === 'string' && file.name ? file.name : 'file';
  return el('li', {},
    el('a', { className: 'file-chip', href: roomPath(roomId, `/files/${encodeURIComponent(file.id)}`), download: name },
      el('span', { className: 'visually-hidden', text: 'Download ' }),
      el('span', { className: 'file-name', text: name }),
      size ? el('span', { className: 'file-size', text: size }) : null));
}

function renderMessage(message) {
  const sender = message.sender || {};
  const mine = Boolean(conv.me && sender.guestId && sender.guestId === conv.me.id);
  const files = Array.isArray(message.files) ? message.files.filter((f) => f && f.id) : [];
  let body = null;
  if (typeof message.html === 'string' && message.html) {
    body = el('div', { className: 'msg-body' });
    // The portal renders markdown with an allow-list (no raw HTML, no script URLs, no handlers): the
    // one string this page inserts as HTML. Links open beside the conversation.
    body.innerHTML = message.html;
    for (const link of body.querySelectorAll('a[href]')) {
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
    }
  } else if (typeof message.text === 'string' && message.text) {
    body = el('div', { className: 'msg-body msg-text', text: message.text });
  }
  return el('li', { className: mine ? 'msg msg-mine' : 'msg', dataset: { messageId: message.id } },
    el('p', { className: 'msg-meta' },
      el('span', { className: 'msg-sender', text: sender.displayName || 'Unknown sender' }),
      ' ',
      el('time', { datetime: message.created, text: formatShortTime(message.created) })),
    body,
    files.length ? el('ul', { className: 'files', 'aria-label': 'Files' }, files.map((f) => fileChip(message.roomId || conv.room.id, f))) : null);
}

function createdAt(id) {
  const t = Date.parse(conv.messages.get(id).created);
  return Number.isNaN(t) ? 0 : t;
}

// Adds the messages not shown yet (a page comes newest first) and returns them, oldest first.
// `older`: the page comes before everything shown. Messages are ordered by time; equal times keep the
// order of the pages, which is the portal's.
function merge(items, { older = false } = {}) {
  const fresh = [];
  for (const message of Array.isArray(items) ? items : []) {
    if (!message || typeof message.id !== 'string' || conv.messages.has(message.id)) continue;
    conv.messages.set(message.id, message);
    fresh.push(message);
  }
  if (fresh.length === 0) return fresh;
  fresh.reverse();
  const freshIds = fresh.map((m) => m.id);
  const ids = older ? [...freshIds, ...conv.order] : [...conv.order, ...freshIds];
  const times = new Map(ids.map((id) => [id, createdAt(id)]));
  conv.order = ids.sort((a, b) => times.get(a) - times.get(b));
  placeNodes();
  return fresh;
}

// Puts the message nodes in order, creating the new ones and leaving shown ones where they are (so
// a focused link inside one keeps its focus).
function placeNodes() {
  const list = byId('message-list');
  let cursor = list.firstElementChild;
  for (const id of conv.order) {
    let node = conv.nodes.get(id);
    if (!node) {
      node = renderMessage(conv.messages.get(id));
      conv.nodes.set(id, node);
    }
    if (node === cursor) {
      cursor = cursor.nextElementSibling;
      continue;
    }
    list.insertBefore(node, cursor);
  }
  byId('messages-empty').hidden = !conv.loaded || conv.order.length > 0;
}

function clearMessages() {
  conv.messages.clear();
  conv.nodes.clear();
  conv.order = [];
  conv.next = null;
  conv.loaded = false;
  conv.loadingOlder = false;
  conv.olderFailed = false;
  byId('message-list').replaceChildren();
  byId('messages-empty').hidden = true;
  byId('jump-newest').hidden = true;
}

// --- scrolling ----------------------------------------------------------------------------------------

const scroller = () => byId('message-scroller');

function atBottom() {
  const s = scroller();
  return s.scrollHeight - s.scrollTop - s.clientHeight <= kNearBottomPx;
}

function scrollToBottom() {
  const s = scroller();
  s.scrollTop = s.scrollHeight;
  byId('jump-newest').hidden = true;
}

// The line above the messages: the button for older messages (which keeps the keyboard focus while
// they load), or the start of the conversation.
function updateHistory() {
  const button = byId('load-older');
  const text = byId('history-text');
  const more = conv.loaded && conv.next !== null;
  const hadFocus = document.activeElement === button;
  button.hidden = !more;
  button.setAttribute('aria-disabled', String(conv.loadingOlder));
  if (conv.loadingOlder) button.textContent = 'Loading older messages…';
  else if (conv.olderFailed) button.textContent = 'Older messages could not be loaded. Try again';
  else button.textContent = 'Load older messages';
  let line = '';
  if (!conv.loaded) line = 'Loading messages…';
  else if (!more && conv.order.length > 0) line = 'This is the start of the conversation.';
  text.textContent = line;
  text.hidden = !line;
  byId('message-list').setAttribute('aria-busy', String(!conv.loaded || conv.loadingOlder));
  if (hadFocus && button.hidden) scroller().focus({ preventScroll: true });
}

async function loadOlder() {
  if (!conv.room || conv.room.closed || !conv.loaded || conv.loadingOlder || conv.next === null) return;
  const gen = conv.generation;
  const roomId = conv.room.id;
  conv.loadingOlder = true;
  updateHistory();
  let page;
  try {
    page = await api('GET', roomPath(roomId, `/messages?max=${kPageSize}&before=${encodeURIComponent(conv.next)}`));
  } catch (error) {
    if (gen !== conv.generation) return;
    conv.loadingOlder = false;
    conv.olderFailed = true;
    updateHistory();
    if (error instanceof ApiError && error.status === 404) conv.hooks.onRoomGone(roomId);
    return;
  }
  if (gen !== conv.generation) return;
  // Keep what the guest is reading where it is: measure from the bottom, which does not move.
  const s = scroller();
  const fromBottom = s.scrollHeight - s.scrollTop;
  merge(page && page.items, { older: true });
  conv.next = page && typeof page.next === 'string' && page.next ? page.next : null;
  conv.loadingOlder = false;
  conv.olderFailed = false;
  updateHistory();
  s.scrollTop = s.scrollHeight - fromBottom;
}

// Older pages until the messages fill the view (or the start is reached), so it can be scrolled.
async function fillView() {
  for (let i = 0; i < 10; i += 1) {
    const s = scroller();
    if (!conv.room || conv.next === null || s.scrollHeight > s.clientHeight + kNearTopPx) return;
    const before = conv.order.length;
    await loadOlder();
    if (conv.order.length === before) return;
  }
}

function wireScroller() {
  const s = scroller();
  s.addEventListener('scroll', () => {
    if (s.scrollTop < kNearTopPx) loadOlder();
    if (atBottom()) {
      byId('jump-newest').hidden = true;
      markRead();
    }
  }, { passive: true });
  byId('load-older').addEventListener('click', () => loadOlder());
  byId('jump-newest').addEventListener('click', () => {
    scrollToBottom();
    markRead();
  });
  document.addEventListener('visibilitychange', () => markRead());
}

// --- the newest page ----------------------------------------------------------------------------------

function newestPage(roomId) {
  return api('GET', roomPath(roomId, `/messages?max=${kPageSize}`));
}

// Fetches the newest page and merges it with what is shown. `reset` starts over from it.
async function loadNewest({ reset = false } = {}) {
  if (!conv.room || conv.room.closed) return;
  const gen = conv.generation;
  const roomId = conv.room.id;
  let page;
  try {
    page = await newestPage(roomId);
  } catch (error) {
    if (gen !== conv.generation) return;
    if (error instanceof ApiError && error.status === 404) {
      conv.hooks.onRoomGone(roomId);
      return;
    }
    if (!conv.loaded) {
      const text = byId('history-text');
      text.textContent = `The messages could not be loaded: ${error.message}`;
      text.hidden = false;
    }
    return;
  }
  if (gen !== conv.generation) return;
  const items = page && Array.isArray(page.items) ? page.items : [];
  const next = page && typeof page.next === 'string' && page.next ? page.next : null;
  const first = !conv.loaded;
  // A full page that shares no message with what is shown leaves a gap: start again from it.
  const gap = !first && next !== null && conv.order.length > 0 && !items.some((m) => m && conv.messages.has(m.id));
  if (reset || gap) clearMessages();
  const stick = first || reset || gap || atBottom();
  const wasEmpty = conv.order.length === 0;
  // A space opened without unread messages needs no read mark until something new arrives.
  if (first && !conv.room.unread) conv.readUpTo = items.length ? items[0].id : null;
  conv.loaded = true;
  const fresh = merge(items);
  if (wasEmpty) conv.next = next;
  updateHistory();
  placeNodes();
  if (stick) scrollToBottom();
  const theirs = fresh.filter((m) => !(m.sender && conv.me && m.sender.guestId === conv.me.id));
  if (!wasEmpty && theirs.length) {
    const last = theirs[theirs.length - 1];
    announce(byId('conversation-live'), `New message from ${(last.sender && last.sender.displayName) || 'someone'}.`);
    if (!stick) byId('jump-newest').hidden = false;
  }
  if (fresh.length) conv.hooks.onActivity(roomId, fresh[fresh.length - 1].created);
  if (first || reset || gap) await fillView();
  markRead();
}

// --- read mark ------------------------------------------------------------------------------------------

// Marks the newest message read once the guest can see it: the page is visible and scrolled to the
// bottom of the open space. The mark goes a moment after the newest message shows, so a burst of
// messages costs one request; checks are made again when it goes.
function markRead() {
  clearTimeout(conv.readTimer);
  conv.readTimer = setTimeout(sendReadMark, kReadDelayMs);
}

function sendReadMark() {
  const room = conv.room;
  if (!room || room.closed || conv.order.length === 0) return;
  if (document.visibilityState !== 'visible' || scroller().getClientRects().length === 0 || !atBottom()) return;
  const newest = conv.order[conv.order.length - 1];
  if (newest === conv.readUpTo) return;
  const previous = conv.readUpTo;
  const gen = conv.generation;
  conv.readUpTo = newest;
  conv.hooks.onRead(room.id);
  api('POST', roomPath(room.id, '/read'), { body: { messageId: newest } }).catch(() => {
    // Tried again at the next occasion (a message, a scroll, the page shown again); a space that
    // went away shows up with the list.
    if (gen === conv.generation && conv.readUpTo === newest) conv.readUpTo = previous;
  });
}

// --- composer --------------------------------------------------------------------------------------------

function showAttachment() {
  const input = byId('composer-file');
  const file = input.files && input.files[0];
  byId('attachment').hidden = !file;
  byId('attachment-name').textContent = file ? `${file.name} (${formatSize(file.size)})` : '';
}

function clearAttachment() {
  byId('composer-file').value = '';
  showAttachment();
}

function sendError(error) {
  if (!(error instanceof ApiError)) return 'The message was not sent. Please try again.';
  const said = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  if (error.status === 413) return said;
  if (error.status === 429 || error.status === 502 || error.status === 503) {
    return `The message was not sent. ${said} Please try again ${describeWait(error.retryAfter)}.`;
  }
  if (error.status === 404) return 'The message was not sent: this space is no longer available.';
  return `The message was not sent. ${said}`;
}

async function send() {
  const room = conv.room;
  if (!room || room.closed || conv.sending) return;
  const textarea = byId('composer-text');
  const errorRegion = byId('composer-error');
  const fileInput = byId('composer-file');
  const file = fileInput.files && fileInput.files[0];
  const text = textarea.value.replace(/^\s*\n/, '').trimEnd();
  if (!text.trim() && !file) {
    announce(errorRegion, 'Write a message or attach a file first.', 'error');
    textarea.focus();
    return;
  }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > kMaxTextBytes) {
    announce(errorRegion, `The message is too long: ${bytes} bytes, and at most ${kMaxTextBytes} can be sent.`, 'error');
    return;
  }
  const field = byId('composer-markdown').checked ? 'markdown' : 'text';
  announce(errorRegion, '');
  conv.sending = true;
  const gen = conv.generation;
  try {
    await busy(byId('composer-send'), async () => {
      let message;
      if (file) {
        const form = new FormData();
        if (text.trim()) form.append(field, text);
        form.append('file', file, file.name);
        message = await api('POST', roomPath(room.id, '/messages'), { raw: form });
      } else {
        message = await api('POST', roomPath(room.id, '/messages'), { body: { [field]: text } });
      }
      conv.drafts.delete(room.id);
      if (gen !== conv.generation) return;
      textarea.value = '';
      clearAttachment();
      if (message && typeof message.id === 'string') {
        merge([message]);
        scrollToBottom();
        conv.hooks.onActivity(room.id, message.created);
        markRead();
      }
    });
  } catch (error) {
    if (gen !== conv.generation) return;
    announce(errorRegion, sendError(error), 'error');
    if (error instanceof ApiError && error.status === 404) conv.hooks.onRoomGone(room.id);
  } finally {
    conv.sending = false;
  }
}

function wireComposer() {
  const form = byId('composer');
  const textarea = byId('composer-text');
  const markdown = byId('composer-markdown');
  try {
    markdown.checked = localStorage.getItem(kMarkdownKey) !== 'off';
  } catch {
    // No storage (private mode): markdown stays on.
  }
  markdown.addEventListener('change', () => {
    try {
      localStorage.setItem(kMarkdownKey, markdown.checked ? 'on' : 'off');
    } catch {
      // Only the preference is lost.
    }
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    form.requestSubmit();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  byId('composer-file').addEventListener('change', showAttachment);
  byId('attachment-clear').addEventListener('click', () => {
    clearAttachment();
    byId('composer-file').focus();
  });
}

// --- the open space ---------------------------------------------------------------------------------------

function members(room) {
  const others = (room.members || []).filter((m) => !conv.me || m.id !== conv.me.id).map((m) => m.displayName || 'Unknown guest');
  return others.length ? `With ${others.join(', ')}` : '';
}

function saveDraft() {
  if (!conv.room || conv.room.closed) return;
  const text = byId('composer-text').value;
  if (text) conv.drafts.set(conv.room.id, text);
  else conv.drafts.delete(conv.room.id);
}

function showRoom(room) {
  const title = roomTitle(room);
  byId('conversation-title').textContent = title;
  byId('conversation-members').textContent = members(room);
  scroller().setAttribute('aria-label', `Messages in ${title}`);
  byId('closed-notice').hidden = !room.closed;
  scroller().hidden = Boolean(room.closed);
  byId('composer').hidden = Boolean(room.closed);
  document.title = `${title} — Guest Portal`;
}

// hooks: onRead(roomId), onActivity(roomId, isoTime), onRoomGone(roomId).
export function initConversation(me, hooks) {
  conv.me = me;
  conv.hooks = hooks;
  wireScroller();
  wireComposer();
}

export function openRoomId() {
  return conv.room ? conv.room.id : null;
}

// Shows `room`; `focus` moves the keyboard to the composer (or, in a closed space, its title).
export function openConversation(room, { focus = false } = {}) {
  saveDraft();
  conv.generation += 1;
  conv.room = room;
  conv.readUpTo = null;
  clearMessages();
  byId('conversation-empty').hidden = true;
  byId('conversation-view').hidden = false;
  announce(byId('composer-error'), '');
  showRoom(room);
  openMeeting(room);
  if (room.closed) {
    if (focus) byId('conversation-title').focus();
    return;
  }
  byId('composer-text').value = conv.drafts.get(room.id) || '';
  clearAttachment();
  updateHistory();
  if (focus) byId('composer-text').focus();
  loadNewest();
}

export function closeConversation() {
  saveDraft();
  conv.generation += 1;
  conv.room = null;
  clearMessages();
  openMeeting(null);
  byId('conversation-view').hidden = true;
  byId('conversation-empty').hidden = false;
  document.title = 'Your spaces — Guest Portal';
}

// The room list was reloaded: a space closed meanwhile becomes the read-only notice.
export function refreshRoom(room) {
  if (!conv.room || conv.room.id !== room.id) return;
  if (room.closed && !conv.room.closed) {
    const hadFocus = byId('conversation-view').contains(document.activeElement);
    openConversation(room, { focus: hadFocus });
    return;
  }
  conv.room = room;
  showRoom(room);
}

const refresh = { running: false, again: false, reset: false };

// A new message in the open space: fetch the newest page and merge it. Calls that come while one
// runs (a burst of messages) are folded into one more fetch after it.
export async function refreshConversation({ reset = false } = {}) {
  refresh.reset = refresh.reset || reset;
  if (refresh.running) {
    refresh.again = true;
    return;
  }
  refresh.running = true;
  try {
    do {
      refresh.again = false;
      const resetNow = refresh.reset;
      refresh.reset = false;
      await loadNewest({ reset: resetNow });
    } while (refresh.again);
  } finally {
    refresh.running = false;
  }
}
