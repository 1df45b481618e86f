// The guest's page: their spaces on the left (most recent activity first), the open space's
// conversation and meeting panel on the right, a dialog to open a space with people they can reach,
// and the live event stream that keeps all of it current without a reload.
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { announce, busy, byId, el, formatShortTime } from './dom.js';
import { goHome, goHomeEnded, sessionWithRole, wireSignOut } from './page.js';
import {
  closeConversation, initConversation, openConversation, openRoomId, refreshConversation, refreshRoom, roomTitle,
} from './conversation.js';
import { connectEvents } from './events.js';
import { closeMeeting, initMeeting, meetingEnded, meetingStarted, refreshMeeting } from './meeting.js';
import { dismissToast, showToast } from './toasts.js';

const state = { me: null, contacts: [], rooms: [], events: null, leaving: false, roomsRequest: 0 };

// Leaves for the sign-in page, which says why (`signed_out`, `disabled`, `removed`,
// `password_changed`, `expired`).
function leave(reason) {
  if (state.leaving) return;
  state.leaving = true;
  if (state.events) state.events.close();
  closeMeeting();
  goHomeEnded(reason);
}

function isFatal(error) {
  if (error instanceof ApiError && error.code === 'password_change_required') {
    // The administrator asked for a new password while this page was open.
    state.leaving = true;
    window.location.replace('/password');
    return true;
  }
  return state.leaving || (error instanceof ApiError && error.status === 401);
}

// --- the list of spaces --------------------------------------------------------------------------------

function activity(room) {
  const t = Date.parse(room.lastActivity);
  return Number.isNaN(t) ? 0 : t;
}

function memberLine(room) {
  const members = Array.isArray(room.members) ? room.members : [];
  const line = el('p', { className: 'members' });
  const others = members.filter((m) => !state.me || m.id !== state.me.id);
  const mine = members.find((m) => state.me && m.id === state.me.id);
  const parts = [];
  for (const member of others) parts.push(el('span', { className: 'member', text: member.displayName || 'Unknown guest' }));
  if (mine) parts.push(el('span', { className: 'member member-me', text: `${mine.displayName} (you)` }));
  line.append(el('span', { className: 'visually-hidden', text: 'Members: ' }));
  parts.forEach((part, i) => {
    if (i > 0) line.append(', ');
    line.append(part);
  });
  return line;
}

function renderRooms() {
  const openId = openRoomId();
  const rooms = [...state.rooms].sort((a, b) => activity(b) - activity(a));
  const list = byId('space-list');
  const focusedId = list.contains(document.activeElement) ? document.activeElement.closest('li')?.dataset.spaceId : null;
  list.replaceChildren(
    ...rooms.map((room) => {
      const when = formatShortTime(room.lastActivity);
      const open = room.id === openId;
      const classes = ['space'];
      if (open) classes.push('selected');
      if (room.unread && !room.closed) classes.push('unread');
      if (room.closed) classes.push('closed');
      return el('li', { dataset: { spaceId: room.id }, className: classes.join(' ') },
        el('button', {
          type: 'button',
          className: 'space-select',
          'aria-current': open ? 'true' : null,
          onclick: () => openRoom(room.id, { focus: true }),
        },
        el('span', { className: 'space-title', text: roomTitle(room) }),
        room.unread && !room.closed
          ? el('span', { className: 'unread-dot' }, el('span', { className: 'visually-hidden', text: ' (unread)' }))
          : null,
        when ? el('span', { className: 'space-time' },
          el('span', { className: 'visually-hidden', text: 'Last activity ' }),
          el('time', { datetime: room.lastActivity, text: when })) : null,
        room.closed ? el('span', { className: 'space-closed', text: 'Closed by your organisation' }) : null),
        memberLine(room));
    }),
  );
  byId('spaces-empty').hidden = rooms.length > 0;
  if (focusedId) list.querySelector(`li[data-space-id="${CSS.escape(focusedId)}"] button`)?.focus();
}

// Loads the list; a reply overtaken by a later request is dropped.
async function loadRooms() {
  const request = ++state.roomsRequest;
  const data = await api('GET', '/api/v1/rooms');
  if (request !== state.roomsRequest) return;
  state.rooms = data && Array.isArray(data.items) ? data.items : [];
  const openId = openRoomId();
  if (openId) {
    const room = state.rooms.find((r) => r.id === openId);
    if (room) refreshRoom(room);
    else {
      closeConversation();
      showList();
      announce(byId('list-status'), 'That space is no longer available.', 'info');
    }
  }
  renderRooms();
}

function reloadRooms() {
  loadRooms().catch((error) => {
    if (isFatal(error)) return;
    announce(byId('page-error'), `Your spaces could not be reloaded: ${error.message}`, 'error');
  });
}

// --- opening a space ---------------------------------------------------------------------------------------

function showList() {
  byId('main').dataset.view = 'list';
  window.history.replaceState(null, '', window.location.pathname);
}

function openRoom(id, { focus = false } = {}) {
  const room = state.rooms.find((r) => r.id === id);
  if (!room) return;
  byId('main').dataset.view = 'conversation';
  announce(byId('list-status'), '');
  window.history.replaceState(null, '', `#room=${encodeURIComponent(id)}`);
  openConversation(room, { focus });
  renderRooms();
}

function wireBack() {
  byId('back').addEventListener('click', () => {
    const id = openRoomId();
    closeConversation();
    showList();
    renderRooms();
    const button = id && byId('space-list').querySelector(`li[data-space-id="${CSS.escape(id)}"] button`);
    (button || byId('new-space')).focus();
  });
}

const conversationHooks = {
  onRead(roomId) {
    const room = state.rooms.find((r) => r.id === roomId);
    if (room && room.unread) {
      room.unread = false;
      renderRooms();
    }
  },
  onActivity(roomId, created) {
    const room = state.rooms.find((r) => r.id === roomId);
    if (!room || !created || Date.parse(created) <= activity(room)) return;
    room.lastActivity = created;
    renderRooms();
  },
  onRoomGone() {
    reloadRooms();
  },
};

// --- new space -------------------------------------------------------------------------------------------

function renderContacts() {
  const list = byId('contact-list');
  const checked = new Set([...list.querySelectorAll('input:checked')].map((input) => input.value));
  list.replaceChildren(
    ...state.contacts.map((contact) => {
      const id = `contact-${contact.id}`;
      return el('li', {},
        el('input', { type: 'checkbox', id, name: 'memberIds', value: contact.id, checked: checked.has(contact.id) }),
        el('label', { for: id, text: contact.displayName }));
    }),
  );
  const none = state.contacts.length === 0;
  byId('contacts-empty').hidden = !none;
  byId('create-space').disabled = none;
}

async function loadContacts() {
  const data = await api('GET', '/api/v1/contacts');
  state.contacts = (data && Array.isArray(data.items) ? data.items : [])
    .slice()
    .sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)));
  renderContacts();
}

function createMessage(error) {
  if (!(error instanceof ApiError)) return 'The space could not be created. Please try again.';
  if (error.code === 'pair_not_allowed') return 'You are not allowed to open a space with everyone you picked.';
  if (error.status === 502 || error.status === 503) return `Webex is not available right now: ${error.message}`;
  return error.message;
}

function wireCreate() {
  const dialog = byId('new-space-dialog');
  const form = byId('create-space-form');
  const status = byId('create-status');
  const submit = byId('create-space');
  byId('new-space').addEventListener('click', () => {
    announce(status, '');
    dialog.showModal();
  });
  byId('create-cancel').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const memberIds = [...byId('contact-list').querySelectorAll('input:checked')].map((input) => input.value);
    if (memberIds.length === 0) {
      announce(status, 'Pick at least one person for the space.', 'error');
      byId('contact-list').querySelector('input')?.focus();
      return;
    }
    const title = byId('space-title').value.trim();
    announce(status, 'Creating the space…', 'info');
    await busy(submit, async () => {
      try {
        const body = title ? { title, memberIds } : { memberIds };
        const known = new Set(state.rooms.map((r) => r.id));
        const room = await api('POST', '/api/v1/rooms', { body });
        await loadRooms();
        if (!state.rooms.some((r) => r.id === room.id)) state.rooms.unshift({ ...room, members: room.members || [] });
        const shown = state.rooms.find((r) => r.id === room.id);
        for (const input of byId('contact-list').querySelectorAll('input:checked')) input.checked = false;
        byId('space-title').value = '';
        announce(status, '');
        dialog.close();
        openRoom(room.id, { focus: true });
        announce(byId('list-status'), `${known.has(room.id) ? 'You already have this space' : 'Space created'}: ${roomTitle(shown)}.`, 'success');
      } catch (error) {
        if (isFatal(error)) return;
        announce(status, createMessage(error), 'error');
      }
    });
  });
}

// --- live events -------------------------------------------------------------------------------------------

function onMessageCreated(data) {
  if (typeof data.roomId !== 'string') return;
  if (data.roomId === openRoomId()) {
    refreshConversation();
    return;
  }
  const room = state.rooms.find((r) => r.id === data.roomId);
  // What this guest wrote (in another tab) is neither unread nor worth a toast.
  const mine = Boolean(state.me) && data.senderGuestId === state.me.id;
  if (room && mine) {
    room.lastActivity = new Date(Math.max(Date.now(), activity(room) + 1)).toISOString();
    renderRooms();
    return;
  }
  if (room) {
    room.unread = true;
    room.lastActivity = new Date(Math.max(Date.now(), activity(room) + 1)).toISOString();
    renderRooms();
  } else {
    reloadRooms();
  }
  const title = (typeof data.title === 'string' && data.title) || (room ? roomTitle(room) : 'a space');
  const sender = typeof data.senderName === 'string' && data.senderName ? data.senderName : 'Someone';
  const preview = typeof data.preview === 'string' ? data.preview : '';
  showToast({
    key: data.roomId,
    heading: `New message in ${title}`,
    body: preview ? `${sender}: ${preview}` : `From ${sender}`,
    onOpen: async () => {
      // A space this page has not listed yet (its room.created may still be on the way).
      if (!state.rooms.some((r) => r.id === data.roomId)) await loadRooms().catch(() => {});
      openRoom(data.roomId, { focus: true });
    },
  });
}

// The name of who started a meeting, when the event says (by name, or by guest id among the
// space's members).
function starterName(data, room) {
  if (typeof data.startedByName === 'string' && data.startedByName) return data.startedByName;
  const members = room && Array.isArray(room.members) ? room.members : [];
  const member = typeof data.startedBy === 'string' ? members.find((m) => m.id === data.startedBy) : null;
  return member && member.displayName ? member.displayName : '';
}

function onMeetingStarted(data) {
  if (typeof data.roomId !== 'string') return;
  const room = state.rooms.find((r) => r.id === data.roomId);
  const who = starterName(data, room);
  if (data.roomId === openRoomId()) {
    meetingStarted(data, who);
    return;
  }
  if (!room) {
    reloadRooms();
    return;
  }
  // Other people's meetings only: a meeting this guest started in another tab needs no toast.
  if (Boolean(state.me) && typeof data.startedBy === 'string' && data.startedBy === state.me.id) return;
  showToast({
    key: `meeting:${data.roomId}`,
    heading: `Meeting started in ${roomTitle(room)}`,
    body: who ? `Started by ${who}. Open the space to join.` : 'Open the space to join.',
    onOpen: () => openRoom(data.roomId, { focus: true }),
  });
}

function onMeetingEnded(data) {
  if (typeof data.roomId !== 'string') return;
  if (data.roomId === openRoomId()) meetingEnded(data);
  // An invitation to a meeting that is over goes.
  else dismissToast(`meeting:${data.roomId}`);
}

function connect() {
  state.events = connectEvents({
    'message.created': onMessageCreated,
    'room.created': reloadRooms,
    'room.closed': reloadRooms,
    'meeting.started': onMeetingStarted,
    'meeting.ended': onMeetingEnded,
    resync: () => {
      reloadRooms();
      if (openRoomId()) refreshConversation({ reset: true });
      refreshMeeting();
    },
    'session.ended': (data) => leave(data.reason),
  }, {
    onReopen: () => {
      reloadRooms();
      if (openRoomId()) refreshConversation({ reset: true });
      refreshMeeting();
    },
    onSessionGone: () => leave('expired'),
  });
}

// --- start -------------------------------------------------------------------------------------------------

async function main() {
  const session = await sessionWithRole('guest');
  if (!session || !session.guest) {
    if (session) goHome();
    return;
  }
  // A guest who must choose a new password does that first (the portal refuses the rest until then).
  if (session.guest.mustChangePassword) {
    window.location.replace('/password');
    return;
  }
  state.me = session.guest;
  setUnauthorizedHandler(() => leave('expired'));
  byId('guest-name').textContent = session.guest.displayName || session.guest.username;
  wireSignOut({
    beforeSignOut: () => {
      state.leaving = true;
      if (state.events) state.events.close();
      closeMeeting();
    },
  });
  wireCreate();
  wireBack();
  initMeeting({ onRoomGone: () => reloadRooms() });
  initConversation(state.me, conversationHooks);
  connect();
  try {
    await Promise.all([loadContacts(), loadRooms()]);
    const wanted = /^#room=(.+)$/.exec(window.location.hash);
    if (wanted) {
      const id = decodeURIComponent(wanted[1]);
      if (state.rooms.some((r) => r.id === id)) openRoom(id);
      else showList();
    }
  } catch (error) {
    if (isFatal(error)) return;
    announce(byId('page-error'), `Your page could not be loaded: ${error.message}`, 'error');
  } finally {
    byId('main').removeAttribute('aria-busy');
  }
}

main();
