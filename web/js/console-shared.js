// What the admin console's modules share: the session's way out on a 401, the names of guests seen
// so far (spaces and pairs name their members by id), the portal's limits, copying to the clipboard,
// marking an invalid field, and the confirmation dialog that lists the spaces a change would close.
import { ApiError } from './api.js';
import { byId, el } from './dom.js';
import { goHome } from './page.js';

export function handleFatal(error) {
  if (error instanceof ApiError && error.status === 401) {
    goHome();
    return true;
  }
  return false;
}

// id → {id, username, displayName, disabled}, from every guest list, pair and overview answered.
export const names = new Map();

export function remember(guest) {
  if (guest && guest.id) {
    const known = names.get(guest.id) || {};
    names.set(guest.id, { ...known, ...guest });
  }
  return guest;
}

export function nameOf(id) {
  const guest = names.get(id);
  return guest ? guest.displayName || guest.username : 'Unknown guest';
}

export const guestLabel = (guest) => `${guest.displayName} (${guest.username})`;

export const plural = (n, one, many = `${one}s`) => `${Number(n).toLocaleString()} ${n === 1 ? one : many}`;

// The server's limits (GET /api/v1/info `limits`); these defaults are the domain's own.
export const limits = { usernameMin: 3, usernameMax: 64, displayNameMax: 100, passwordMin: 8, passwordMax: 1024 };

// Puts the limits into the inputs' maxlength/minlength and into the hints that show them.
export function applyLimits(info) {
  const given = info && info.limits && typeof info.limits === 'object' ? info.limits : {};
  for (const key of Object.keys(limits)) {
    const value = Number(given[key]);
    if (Number.isInteger(value) && value > 0) limits[key] = value;
  }
  for (const span of document.querySelectorAll('[data-limit]')) {
    if (limits[span.dataset.limit] !== undefined) span.textContent = String(limits[span.dataset.limit]);
  }
  const set = (id, min, max) => {
    const input = document.getElementById(id);
    if (!input) return;
    if (min !== undefined) input.minLength = min;
    if (max !== undefined) input.maxLength = max;
  };
  set('new-display-name', undefined, limits.displayNameMax);
  set('edit-display-name', undefined, limits.displayNameMax);
  set('new-username', limits.usernameMin, limits.usernameMax);
  set('new-password', limits.passwordMin, limits.passwordMax);
  set('edit-password', limits.passwordMin, limits.passwordMax);
}

// Marks `input` invalid with `message` in a line under it (its id + "-error"), linked by
// aria-describedby; clearField undoes it.
export function markField(input, message) {
  input.setAttribute('aria-invalid', 'true');
  const id = `${input.id}-error`;
  let line = document.getElementById(id);
  if (!line) {
    line = el('p', { id, className: 'field-error' });
    const field = input.closest('.field');
    if (field) field.append(line);
    else input.after(line);
  }
  line.textContent = message;
  line.hidden = false;
  const described = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  if (!described.includes(id)) input.setAttribute('aria-describedby', [...described, id].join(' '));
}

export function clearField(input) {
  input.removeAttribute('aria-invalid');
  const line = document.getElementById(`${input.id}-error`);
  if (line) line.hidden = true;
}

// The clipboard API where the browser allows it (a secure context); else a selected, off-screen
// copy of the text and the older copy command.
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, page not focused): try the older way.
  }
  const area = el('textarea', { className: 'visually-hidden', readonly: true, 'aria-hidden': 'true', tabindex: '-1' });
  area.value = text;
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}

// The spaces a change would close, each with its members, as a list for the confirmation dialog.
export function spacesList(spaces) {
  return el('ul', { className: 'closing-spaces' },
    ...spaces.map((space) => el('li', { dataset: { spaceId: space.id } },
      el('strong', { text: space.title || 'Untitled space' }),
      Array.isArray(space.members) && space.members.length
        ? ` — ${space.members.map((m) => m.displayName || nameOf(m.id)).join(', ')}` : '')));
}

// Keeps Tab and Shift+Tab inside a modal dialog: past its last control to its first, and back. (A
// modal <dialog> makes the page behind it inert, but the browser would let the focus leave the page.)
export function trapFocus(dialog) {
  if (dialog.dataset.trapped) return;
  dialog.dataset.trapped = 'true';
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const controls = [...dialog.querySelectorAll('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])')]
      .filter((node) => !node.disabled && node.getClientRects().length > 0);
    if (!controls.length) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
}

// A modal confirmation: resolves true for the OK button, false for Cancel or Escape. A native modal
// <dialog> keeps the keyboard inside it; Cancel has the focus first. `spaces` (SpaceBrief) are listed
// as the spaces the change closes.
export function confirmDialog(message, okText, { spaces = [], extra = null } = {}) {
  const dialog = byId('confirm-dialog');
  byId('confirm-message').textContent = message;
  byId('confirm-ok').textContent = okText;
  const details = byId('confirm-details');
  const parts = [];
  if (spaces.length) {
    parts.push(el('p', { className: 'form-title', text: `${plural(spaces.length, 'space')} will close:` }), spacesList(spaces));
  }
  if (extra) parts.push(extra);
  details.replaceChildren(...parts);
  dialog.returnValue = '';
  trapFocus(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    byId('confirm-cancel').focus();
  });
}

// Guest suggestions for an <input list> from GET /api/v1/guests?query=: the option values are
// "Name (username)", disabled guests marked. resolve() gives the chosen guest (or null).
export function guestPicker(input, datalist, api) {
  const byLabel = new Map();
  const optionValue = (g) => `${guestLabel(g)}${g.disabled ? ' — disabled' : ''}`;
  let timer = null;
  let asked = 0;
  const suggest = async () => {
    const query = input.value.replace(/ — disabled$/, '').trim();
    if (byLabel.has(input.value)) return;
    const ask = ++asked;
    try {
      const params = new URLSearchParams({ query: query.replace(/\s*\([^)]*\)$/, ''), sort: 'displayName', limit: '20' });
      const data = await api('GET', `/api/v1/guests?${params}`);
      if (ask !== asked) return;
      const items = data && Array.isArray(data.items) ? data.items : [];
      datalist.replaceChildren(...items.map((g) => {
        remember(g);
        byLabel.set(optionValue(g), g);
        return el('option', { value: optionValue(g) });
      }));
    } catch {
      // Suggestions are a help; resolve() asks again when the value is submitted.
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener('focus', () => {
    if (!datalist.children.length) suggest();
  }, { once: true });
  return {
    async resolve() {
      const value = input.value.trim();
      if (!value) return null;
      if (byLabel.has(value)) return byLabel.get(value);
      // Typed without picking: "Name (username)" or a username or a name that only one guest has.
      const inParens = /\(([^()]+)\)(?: — disabled)?$/.exec(value);
      const query = inParens ? inParens[1] : value;
      const data = await api('GET', `/api/v1/guests?${new URLSearchParams({ query, limit: '50' })}`);
      const items = data && Array.isArray(data.items) ? data.items : [];
      items.forEach(remember);
      const exact = items.filter((g) => g.username === query.toLowerCase() || g.displayName === query);
      if (exact.length === 1) return exact[0];
      return items.length === 1 ? items[0] : null;
    },
    clear() {
      input.value = '';
    },
  };
}
