// The guest's page: whom they can reach, a form to open a space with them, and their spaces.
import { api, ApiError } from './api.js';
import { announce, busy, byId, el, formatTime } from './dom.js';
import { goHome, sessionWithRole, wireSignOut } from './page.js';

const state = { me: null, contacts: [], rooms: [], selectedId: null };

// A 401 means the session ended (signed out elsewhere, disabled, expired): back to sign-in.
function handleFatal(error) {
  if (error instanceof ApiError && error.status === 401) {
    goHome();
    return true;
  }
  return false;
}

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

function roomTitle(room) {
  if (room.title) return room.title;
  const names = (room.members || []).map((m) => m.displayName).filter(Boolean);
  return names.length ? names.join(', ') : 'Untitled space';
}

function selectRoom(id, { focus = false } = {}) {
  state.selectedId = id;
  for (const item of byId('space-list').children) {
    const selected = item.dataset.spaceId === id;
    item.classList.toggle('selected', selected);
    const button = item.querySelector('button');
    if (selected) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
    if (selected && focus) {
      button.focus();
      item.scrollIntoView({ block: 'nearest' });
    }
  }
}

function renderRooms() {
  const rooms = [...state.rooms].sort((a, b) => String(b.lastActivity || '').localeCompare(String(a.lastActivity || '')));
  byId('space-list').replaceChildren(
    ...rooms.map((room) => {
      const when = formatTime(room.lastActivity);
      return el('li', { dataset: { spaceId: room.id }, className: 'space' },
        el('button', { type: 'button', className: 'space-select', onclick: () => selectRoom(room.id) },
          el('span', { className: 'space-title', text: roomTitle(room) }),
          when ? el('span', { className: 'space-time' }, 'Last activity ', el('time', { datetime: room.lastActivity, text: when })) : null),
        memberLine(room));
    }),
  );
  byId('spaces-empty').hidden = rooms.length > 0;
  if (state.selectedId) selectRoom(state.selectedId);
}

async function loadContacts() {
  const data = await api('GET', '/api/v1/contacts');
  state.contacts = (data && Array.isArray(data.items) ? data.items : [])
    .slice()
    .sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)));
  renderContacts();
}

async function loadRooms() {
  const data = await api('GET', '/api/v1/rooms');
  state.rooms = data && Array.isArray(data.items) ? data.items : [];
  renderRooms();
}

function createMessage(error) {
  if (!(error instanceof ApiError)) return 'The space could not be created. Please try again.';
  if (error.code === 'pair_not_allowed') return 'You are not allowed to open a space with everyone you picked.';
  if (error.status === 502 || error.status === 503) return `Webex is not available right now: ${error.message}`;
  return error.message;
}

function wireCreate() {
  const form = byId('create-space-form');
  const status = byId('create-status');
  const submit = byId('create-space');
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
        if (!state.rooms.some((r) => r.id === room.id)) {
          state.rooms.unshift({ ...room, members: room.members || [] });
          renderRooms();
        }
        const shown = state.rooms.find((r) => r.id === room.id) || room;
        selectRoom(room.id, { focus: true });
        for (const input of byId('contact-list').querySelectorAll('input:checked')) input.checked = false;
        byId('space-title').value = '';
        announce(status, `${known.has(room.id) ? 'You already have this space' : 'Space created'}: ${roomTitle(shown)}.`, 'success');
      } catch (error) {
        if (handleFatal(error)) return;
        announce(status, createMessage(error), 'error');
      }
    });
  });
}

async function main() {
  const session = await sessionWithRole('guest');
  if (!session || !session.guest) {
    if (session) goHome();
    return;
  }
  state.me = session.guest;
  byId('guest-name').textContent = session.guest.displayName || session.guest.username;
  wireSignOut();
  wireCreate();
  try {
    await Promise.all([loadContacts(), loadRooms()]);
  } catch (error) {
    if (handleFatal(error)) return;
    announce(byId('page-error'), `Your page could not be loaded: ${error.message}`, 'error');
  } finally {
    byId('main').removeAttribute('aria-busy');
  }
}

main();
