// The admin console: the AppAdmin's Webex connection, guests (found, sorted and paged by the portal),
// one guest's view, allowed pairs, spaces, the pool of meeting hosts, import and the activity log.
import { loadActivity, wireActivity } from './activity.js';
import { api, ApiError } from './api.js';
import { announce, busy, byId, el, formatTime } from './dom.js';
import {
  applyLimits, clearField, confirmDialog, copyText, guestLabel, guestPicker, handleFatal, limits, markField,
  nameOf, names, plural, remember, trapFocus,
} from './console-shared.js';
import { loadHosts, renderHosts, hostsState, setSpaceTitles, wireHosts } from './hosts.js';
import { changePairs, forgetGuest, loadPairs, wirePairs } from './pairs.js';
import { sessionWithRole, wireSignOut } from './page.js';

const kPageSize = 50;

const state = {
  guests: { query: '', status: 'all', sort: 'username', order: 'asc', offset: 0, items: [], total: 0, counts: null },
  selected: new Map(), // id → guest, kept across pages
  spaces: [],
  viewing: null, // the guest whose view is open
};

// --- AppAdmin banner ------------------------------------------------------------------------------

const kWarnings = {
  none: { kind: 'ok', text: '' },
  warn: { kind: 'warn', text: 'The Webex sign-in ends soon. Sign in with Webex again before then so guests can keep signing in.' },
  critical: { kind: 'critical', text: 'The Webex sign-in ends in a few days. Sign in with Webex again now, or guests will not be able to sign in.' },
  expired: { kind: 'critical', text: 'The Webex sign-in has expired. Guests cannot sign in until an administrator signs in with Webex again.' },
};

function renderStatus(status) {
  const banner = byId('appadmin-banner');
  const appAdmin = (status && status.appAdmin) || { signedIn: false, warning: 'expired' };
  const warning = kWarnings[appAdmin.warning] ? appAdmin.warning : 'none';
  const text = byId('appadmin-text');
  text.replaceChildren();
  if (appAdmin.signedIn || appAdmin.email) {
    const who = appAdmin.displayName ? `${appAdmin.displayName} (${appAdmin.email})` : appAdmin.email;
    text.append('Webex actions run as ', el('strong', { text: who || 'unknown' }), '.');
    if (warning !== 'none') text.append(' ', el('strong', { className: 'warning-text', text: kWarnings[warning].text }));
  } else {
    text.append(el('strong', { text: 'No administrator is signed in to Webex.' }),
      ' Guests cannot sign in until one does.');
  }
  const expiry = byId('appadmin-expiry');
  if (appAdmin.refreshExpiresAt) {
    expiry.textContent = `Webex sign-in valid until ${formatTime(appAdmin.refreshExpiresAt)}.`;
    expiry.hidden = false;
  } else {
    expiry.hidden = true;
  }
  const needsSignIn = !appAdmin.signedIn || warning !== 'none';
  banner.dataset.level = appAdmin.signedIn ? kWarnings[warning].kind : 'critical';
  banner.classList.toggle('notice-ok', banner.dataset.level === 'ok');
  banner.classList.toggle('notice-warn', banner.dataset.level === 'warn');
  banner.classList.toggle('notice-critical', banner.dataset.level === 'critical');
  banner.setAttribute('role', banner.dataset.level === 'critical' ? 'alert' : 'status');
  byId('appadmin-reauth').hidden = !needsSignIn;
  byId('appadmin-reauth-link').textContent = appAdmin.signedIn || appAdmin.email ? 'Sign in with Webex again' : 'Sign in with Webex';
}

async function loadStatus() {
  renderStatus(await api('GET', '/api/v1/admin/status'));
}

// --- dates ----------------------------------------------------------------------------------------

// "2027-01-31T23:59:59Z" → "2027-01-31" (the UTC day, as the expiry's date input shows it).
const isoDay = (iso) => (typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : '');

function formatDay(iso) {
  const day = isoDay(iso);
  if (!day) return '';
  const date = new Date(`${day}T12:00:00Z`);
  return date.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
}

// --- guests ---------------------------------------------------------------------------------------

const kStatusWords = { all: 'All', active: 'Active', disabled: 'Disabled' };

function renderCounts() {
  const { counts } = state.guests;
  if (!counts) return;
  byId('guests-count').textContent = `(${Number(counts.all).toLocaleString()})`;
  for (const option of byId('guests-status-filter').options) {
    const n = Number(counts[option.value]);
    option.textContent = Number.isFinite(n) ? `${kStatusWords[option.value]} (${n.toLocaleString()})` : kStatusWords[option.value];
  }
}

function statusCell(guest) {
  const parts = [el('span', { className: `status status-${guest.disabled ? 'disabled' : 'active'}`, text: guest.disabled ? 'Disabled' : 'Active' })];
  if (guest.expiresAt) {
    parts.push(el('span', { className: 'hint cell-note' }, guest.disabled ? 'Expiry ' : 'Expires ',
      el('time', { datetime: guest.expiresAt, text: formatDay(guest.expiresAt) })));
  }
  if (guest.mustChangePassword) parts.push(el('span', { className: 'hint cell-note', text: 'Must change password' }));
  return parts;
}

function renderGuests() {
  const g = state.guests;
  const body = byId('guests-table').tBodies[0];
  body.replaceChildren(
    ...g.items.map((guest) => {
      const label = guestLabel(guest);
      return el('tr', { dataset: { guestId: guest.id, username: guest.username } },
        el('td', { className: 'col-select' }, el('input', {
          type: 'checkbox',
          'aria-label': `Select ${label}`,
          checked: state.selected.has(guest.id),
          onchange: (event) => {
            if (event.currentTarget.checked) state.selected.set(guest.id, guest);
            else state.selected.delete(guest.id);
            renderSelection();
          },
        })),
        el('td', { className: 'mono', text: guest.username }),
        el('td', { text: guest.displayName }),
        el('td', {}, statusCell(guest)),
        el('td', {}, guest.createdAt ? el('time', { datetime: guest.createdAt, text: formatDay(guest.createdAt) }) : ''),
        el('td', { className: 'num', text: Number.isFinite(guest.pairCount) ? String(guest.pairCount) : '' }),
        el('td', { className: 'row-actions' },
          el('button', { type: 'button', 'aria-label': `View ${label}`, text: 'View', dataset: { action: 'view' }, onclick: () => openView(guest.id) }),
          el('button', { type: 'button', 'aria-label': `Edit ${label}`, text: 'Edit', dataset: { action: 'edit' }, onclick: () => openEdit(guest) }),
          el('button', {
            type: 'button',
            'aria-label': `${guest.disabled ? 'Enable' : 'Disable'} ${label}`,
            text: guest.disabled ? 'Enable' : 'Disable',
            dataset: { action: 'toggle' },
            onclick: (event) => toggleDisabled(guest, event.currentTarget),
          }),
          el('button', { type: 'button', className: 'danger', 'aria-label': `Delete ${label}`, text: 'Delete', dataset: { action: 'delete' }, onclick: () => confirmDelete(guest) })));
    }),
  );
  const filtered = g.query !== '' || g.status !== 'all';
  const empty = byId('guests-empty');
  empty.hidden = g.items.length > 0;
  empty.textContent = filtered ? 'No guest matches. Try another search or status.' : 'No guests yet. Add one below or import a file.';
  const from = g.total ? g.offset + 1 : 0;
  const to = g.offset + g.items.length;
  let summary = '';
  if (filtered) summary = `${plural(g.total, 'guest')} match${g.total === 1 ? 'es' : ''}`;
  else summary = plural(g.total, 'guest');
  if (g.total > g.items.length) summary += `; showing ${from.toLocaleString()}–${to.toLocaleString()}`;
  byId('guests-summary').textContent = `${summary}.`;
  const pages = Math.max(1, Math.ceil(g.total / kPageSize));
  byId('guests-page').textContent = pages > 1 ? `Page ${Math.floor(g.offset / kPageSize) + 1} of ${pages}` : '';
  byId('guests-prev').disabled = g.offset === 0;
  byId('guests-next').disabled = to >= g.total;
  for (const th of byId('guests-table').tHead.querySelectorAll('th[data-sort]')) {
    if (th.dataset.sort === g.sort) th.setAttribute('aria-sort', g.order === 'asc' ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
  }
  renderCounts();
  renderSelection();
}

let guestsAsked = 0;
async function loadGuests() {
  const g = state.guests;
  const ask = ++guestsAsked;
  const params = new URLSearchParams({ sort: g.sort, order: g.order, offset: String(g.offset), limit: String(kPageSize) });
  if (g.query) params.set('query', g.query);
  if (g.status !== 'all') params.set('status', g.status);
  const data = await api('GET', `/api/v1/guests?${params}`);
  if (ask !== guestsAsked) return false;
  g.items = data && Array.isArray(data.items) ? data.items : [];
  g.total = data && Number.isFinite(data.total) ? data.total : g.items.length;
  g.counts = data && data.counts && typeof data.counts === 'object' ? data.counts : g.counts;
  g.items.forEach(remember);
  if (g.items.length === 0 && g.offset > 0) {
    g.offset = Math.max(0, g.offset - kPageSize);
    return loadGuests();
  }
  renderGuests();
  return true;
}

// Focus back on a row's button after its list was redrawn (or on the heading when the row is gone).
function focusRow(id, action) {
  const button = document.querySelector(`#guests-table tr[data-guest-id="${CSS.escape(id)}"] button[data-action="${action}"]`);
  (button || byId('guests-heading')).focus();
}

function wireGuestList() {
  const status = byId('guests-status');
  const fail = (error) => handleFatal(error) || announce(status, `The guest list could not be loaded: ${error.message}`, 'error');
  const search = byId('guests-search');
  let timer = null;
  const reload = () => {
    state.guests.offset = 0;
    return loadGuests().catch(fail);
  };
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.guests.query = search.value.trim();
      reload();
    }, 200);
  });
  byId('guests-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    state.guests.query = search.value.trim();
    reload();
  });
  byId('guests-status-filter').addEventListener('change', (event) => {
    state.guests.status = event.currentTarget.value;
    reload();
  });
  for (const th of byId('guests-table').tHead.querySelectorAll('th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const g = state.guests;
      if (g.sort === th.dataset.sort) g.order = g.order === 'asc' ? 'desc' : 'asc';
      else {
        g.sort = th.dataset.sort;
        g.order = 'asc';
      }
      reload();
    });
  }
  const page = (delta, id) => () => {
    state.guests.offset = Math.max(0, state.guests.offset + delta * kPageSize);
    loadGuests().then(() => (byId(id).disabled ? byId('guests-heading') : byId(id)).focus()).catch(fail);
  };
  byId('guests-prev').addEventListener('click', page(-1, 'guests-prev'));
  byId('guests-next').addEventListener('click', page(1, 'guests-next'));
  byId('select-page').addEventListener('change', (event) => {
    for (const guest of state.guests.items) {
      if (event.currentTarget.checked) state.selected.set(guest.id, guest);
      else state.selected.delete(guest.id);
    }
    renderGuests();
  });
}

// Everything that shows guests: the list, the pairs (names), the spaces (names), the open view.
async function refreshAll() {
  await Promise.all([loadGuests(), loadPairs(), loadSpaces()]);
  if (state.viewing) await loadView(state.viewing).catch(() => {});
}

// --- checks on the page, with the portal's limits ------------------------------------------------

function checkDisplayName(value) {
  if (!value) return 'Enter a display name.';
  if ([...value].length > limits.displayNameMax) return `Display name must be at most ${limits.displayNameMax} characters.`;
  return '';
}

function checkUsername(value) {
  if (!value) return 'Enter a username.';
  if (value.length < limits.usernameMin || value.length > limits.usernameMax) {
    return `Username must be ${limits.usernameMin}–${limits.usernameMax} characters long.`;
  }
  if (!/^[a-z0-9._-]+$/.test(value)) return "Username may contain only a–z, 0–9, '.', '_' and '-'.";
  return '';
}

function checkPassword(value, { required }) {
  if (!value) return required ? 'Enter a password, or tick Generate a password.' : '';
  if ([...value].length < limits.passwordMin) return `Password must be at least ${limits.passwordMin} characters.`;
  if ([...value].length > limits.passwordMax) return `Password must be at most ${limits.passwordMax} characters.`;
  return '';
}

function checkExpiry(value) {
  if (!value) return '';
  if (value < new Date().toISOString().slice(0, 10)) return 'The expiry date must be today or later.';
  return '';
}

// Marks each [input, problem] with a problem; focuses the first. True when there was none.
function markProblems(pairs, status) {
  const problems = pairs.filter(([, problem]) => problem);
  for (const [input] of pairs) clearField(input);
  for (const [input, problem] of problems) markField(input, problem);
  if (problems.length) {
    announce(status, problems.length === 1 ? problems[0][1] : `Please correct ${problems.length} fields: ${problems.map(([, p]) => p).join(' ')}`, 'error');
    problems[0][0].focus();
  }
  return problems.length === 0;
}

// A refusal from the portal: the field it names (if any) is marked and focused.
function markRefusal(error, fields, status) {
  let input = null;
  if (error instanceof ApiError) {
    input = fields[error.field] || (error.code === 'username_taken' ? fields.username : null);
  }
  if (input) {
    markField(input, error.message);
    input.focus();
  }
  announce(status, error.message, 'error');
}

// --- sign-in details hand-off ---------------------------------------------------------------------

let credentials = null;

function showCredentials(guest, password) {
  credentials = { url: `${window.location.origin}/`, username: guest.username, password, name: guest.displayName };
  byId('credentials-name').textContent = guest.displayName;
  byId('credentials-url').textContent = credentials.url;
  byId('credentials-username').textContent = guest.username;
  byId('credentials-password').textContent = password;
  byId('credentials-note').hidden = !guest.mustChangePassword;
  announce(byId('credentials-status'), '');
  byId('credentials-card').hidden = false;
  byId('credentials-heading').focus();
}

function hideCredentials() {
  credentials = null;
  byId('credentials-password').textContent = '';
  byId('credentials-card').hidden = true;
}

function wireCredentials() {
  byId('credentials-copy').addEventListener('click', async () => {
    if (!credentials) return;
    const text = `Guest Portal sign-in for ${credentials.name}\nPortal: ${credentials.url}\nUsername: ${credentials.username}\nPassword: ${credentials.password}\n`;
    const copied = await copyText(text);
    announce(byId('credentials-status'), copied
      ? 'Copied. Paste them into a message to the guest.'
      : 'They could not be copied here. Select the details above and copy them.', copied ? 'success' : 'error');
    byId('credentials-copy').focus();
  });
  byId('credentials-done').addEventListener('click', () => {
    const username = credentials && credentials.username;
    hideCredentials();
    const row = username && document.querySelector(`#guests-table tr[data-username="${CSS.escape(username)}"] button[data-action="edit"]`);
    (row || byId('new-display-name')).focus();
  });
}

// --- add a guest ----------------------------------------------------------------------------------

function wireAddGuest() {
  const form = byId('add-guest-form');
  const status = byId('add-guest-status');
  const button = byId('add-guest');
  const fields = {
    displayName: byId('new-display-name'),
    username: byId('new-username'),
    password: byId('new-password'),
    expiresAt: byId('new-expires'),
  };
  const generate = byId('new-generate');
  generate.addEventListener('change', () => {
    fields.password.disabled = generate.checked;
    if (generate.checked) {
      fields.password.value = '';
      clearField(fields.password);
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const displayName = fields.displayName.value.trim();
    const username = fields.username.value.trim();
    const password = fields.password.value;
    const expires = fields.expiresAt.value;
    const ok = markProblems([
      [fields.displayName, checkDisplayName(displayName)],
      [fields.username, checkUsername(username)],
      [fields.password, generate.checked ? '' : checkPassword(password, { required: true })],
      [fields.expiresAt, checkExpiry(expires)],
    ], status);
    if (!ok) return;
    const body = { displayName, username };
    if (generate.checked) body.generatePassword = true;
    else body.password = password;
    if (byId('new-must-change').checked) body.mustChangePassword = true;
    if (expires) body.expiresAt = expires;
    await busy(button, async () => {
      try {
        const guest = remember(await api('POST', '/api/v1/guests', { body }));
        form.reset();
        fields.password.disabled = false;
        announce(status, `Added ${guest.displayName} (${guest.username}).`, 'success');
        await loadGuests().catch(() => {});
        showCredentials(guest, guest.password || password);
      } catch (error) {
        if (!handleFatal(error)) markRefusal(error, fields, status);
      }
    });
  });
}

// --- disable, enable, delete: asking first when spaces would close -------------------------------

async function setDisabled(guest, disabled) {
  const path = `/api/v1/guests/${encodeURIComponent(guest.id)}`;
  if (disabled) {
    const preview = await api('PATCH', `${path}?dryRun=true`, { body: { disabled: true } });
    const closing = preview && Array.isArray(preview.spacesClosed) ? preview.spacesClosed : [];
    if (closing.length) {
      const ok = await confirmDialog(
        `Disable ${guestLabel(guest)}? They are signed out at once and cannot sign in until enabled again.`,
        'Disable and close spaces', { spaces: closing });
      if (!ok) return false;
    }
  }
  await api('PATCH', path, { body: { disabled } });
  return true;
}

async function toggleDisabled(guest, button, { status = byId('guests-status') } = {}) {
  await busy(button, async () => {
    try {
      const done = await setDisabled(guest, !guest.disabled);
      if (!done) {
        announce(status, `${guest.displayName} was not changed.`, 'info');
        button.focus();
        return;
      }
      await refreshAll();
      announce(status, `${guest.displayName} is now ${guest.disabled ? 'enabled' : 'disabled'}.`, 'success');
    } catch (error) {
      if (!handleFatal(error)) announce(status, error.message, 'error');
    }
  });
  if (button.isConnected) button.focus();
  else focusRow(guest.id, 'toggle');
}

async function confirmDelete(guest) {
  const status = byId('guests-status');
  const path = `/api/v1/guests/${encodeURIComponent(guest.id)}`;
  try {
    let spaces = [];
    let pairsNote = null;
    try {
      const preview = await api('DELETE', `${path}?dryRun=true`);
      spaces = preview && Array.isArray(preview.spacesClosed) ? preview.spacesClosed : [];
      if (preview && Number.isFinite(preview.pairsRemoved) && preview.pairsRemoved > 0) {
        pairsNote = el('p', { text: `${plural(preview.pairsRemoved, 'allowed pair')} with them will be removed.` });
      }
    } catch (error) {
      // A portal without dry runs still gets the plain question.
      if (!(error instanceof ApiError) || ![400, 404, 405].includes(error.status) || error.code === 'not_found') throw error;
    }
    const ok = await confirmDialog(
      `Delete ${guest.displayName} (${guest.username})? They are signed out at once and removed from every space. This cannot be undone.`,
      'Delete guest', { spaces, extra: pairsNote });
    if (!ok) {
      focusRow(guest.id, 'delete');
      return;
    }
    await api('DELETE', path);
    state.selected.delete(guest.id);
    forgetGuest(guest.id);
    if (state.viewing === guest.id) closeView();
    await refreshAll();
    announce(status, `Deleted ${guest.displayName} (${guest.username}).`, 'success');
    byId('guests-heading').focus();
  } catch (error) {
    if (!handleFatal(error)) announce(status, error.message, 'error');
  }
}

// --- edit (display name, password, expiry, must-change) ------------------------------------------

let editing = null;

function openEdit(guest, { generate = false } = {}) {
  editing = guest;
  byId('edit-username').textContent = guest.username;
  byId('edit-display-name').value = guest.displayName;
  byId('edit-password').value = '';
  byId('edit-password').disabled = generate;
  byId('edit-generate').checked = generate;
  byId('edit-must-change').checked = Boolean(guest.mustChangePassword);
  byId('edit-expires').value = isoDay(guest.expiresAt);
  for (const id of ['edit-display-name', 'edit-password', 'edit-expires']) clearField(byId(id));
  announce(byId('edit-status'), '');
  byId('edit-dialog').showModal();
  byId(generate ? 'edit-save' : 'edit-display-name').focus();
}

function wireEdit() {
  const dialog = byId('edit-dialog');
  const form = byId('edit-form');
  const save = byId('edit-save');
  const fields = { displayName: byId('edit-display-name'), password: byId('edit-password'), expiresAt: byId('edit-expires') };
  byId('edit-generate').addEventListener('change', (event) => {
    fields.password.disabled = event.currentTarget.checked;
    if (event.currentTarget.checked) fields.password.value = '';
  });
  trapFocus(dialog);
  byId('edit-cancel').addEventListener('click', () => dialog.close('cancel'));
  dialog.addEventListener('close', () => {
    if (editing && dialog.returnValue !== 'saved') focusRow(editing.id, 'edit');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!editing) return;
    const displayName = fields.displayName.value.trim();
    const password = fields.password.value;
    const generate = byId('edit-generate').checked;
    const expires = fields.expiresAt.value;
    const ok = markProblems([
      [fields.displayName, checkDisplayName(displayName)],
      [fields.password, generate ? '' : checkPassword(password, { required: false })],
      [fields.expiresAt, expires && expires !== isoDay(editing.expiresAt) ? checkExpiry(expires) : ''],
    ], byId('edit-status'));
    if (!ok) return;
    const body = {};
    if (displayName !== editing.displayName) body.displayName = displayName;
    if (generate) body.generatePassword = true;
    else if (password) body.password = password;
    const mustChange = byId('edit-must-change').checked;
    if (mustChange !== Boolean(editing.mustChangePassword)) body.mustChangePassword = mustChange;
    if (expires !== isoDay(editing.expiresAt)) body.expiresAt = expires || null;
    if (Object.keys(body).length === 0) {
      dialog.close('cancel');
      return;
    }
    const guest = editing;
    await busy(save, async () => {
      try {
        const updated = remember(await api('PATCH', `/api/v1/guests/${encodeURIComponent(guest.id)}`, { body }));
        dialog.close('saved');
        await loadGuests().catch(() => {});
        if (state.viewing === guest.id) await loadView(guest.id).catch(() => {});
        const newPassword = updated.password || (body.password ? password : '');
        announce(byId('guests-status'), `Saved ${updated.displayName} (${updated.username})${newPassword ? '; the new password is in force' : ''}.`, 'success');
        if (newPassword) showCredentials(updated, newPassword);
        else focusRow(guest.id, 'edit');
      } catch (error) {
        if (!handleFatal(error)) markRefusal(error, fields, byId('edit-status'));
      }
    });
  });
}

// --- bulk actions ---------------------------------------------------------------------------------

function renderSelection() {
  const count = state.selected.size;
  byId('bulk-bar').hidden = count === 0;
  byId('bulk-count').textContent = `${plural(count, 'guest')} selected`;
  const onPage = state.guests.items.filter((g) => state.selected.has(g.id)).length;
  const all = byId('select-page');
  all.checked = onPage > 0 && onPage === state.guests.items.length;
  all.indeterminate = onPage > 0 && onPage < state.guests.items.length;
}

const kBulkWords = {
  disable: { verb: 'Disable', done: 'disabled', ok: 'Disable' },
  enable: { verb: 'Enable', done: 'enabled', ok: 'Enable' },
  allow: { verb: 'Allow', done: 'paired', ok: 'Allow' },
};

async function runBulk(action, button, picker) {
  const status = byId('guests-status');
  const ids = [...state.selected.keys()];
  if (!ids.length) return;
  const body = { action, ids };
  let partner = null;
  if (action === 'allow') {
    clearField(byId('bulk-with'));
    try {
      partner = await picker.resolve();
    } catch (error) {
      if (!handleFatal(error)) announce(status, error.message, 'error');
      return;
    }
    if (!partner) {
      markField(byId('bulk-with'), 'Pick the guest whom the selected guests may reach.');
      byId('bulk-with').focus();
      return;
    }
    body.with = partner.id;
  }
  await busy(button, async () => {
    try {
      const preview = await api('POST', '/api/v1/guests/bulk?dryRun=true', { body });
      const spaces = preview && Array.isArray(preview.spacesClosed) ? preview.spacesClosed : [];
      const changed = preview && Number.isFinite(preview.changed) ? preview.changed : ids.length;
      const words = kBulkWords[action];
      let message = `${words.verb} ${plural(ids.length, 'selected guest')}? ${plural(changed, 'guest')} will change.`;
      if (action === 'allow') {
        const added = preview && Array.isArray(preview.added) ? preview.added.length : 0;
        message = `Allow ${plural(ids.length, 'selected guest')} to reach ${guestLabel(partner)}? ${plural(added, 'new pair')} will be added.`;
      }
      if (action === 'disable') message += ' Disabled guests are signed out at once.';
      const ok = await confirmDialog(message, spaces.length ? `${words.ok} and close spaces` : words.ok, { spaces });
      if (!ok) {
        announce(status, 'Nothing was changed.', 'info');
        button.focus();
        return;
      }
      const result = await api('POST', '/api/v1/guests/bulk', { body });
      const done = result && Number.isFinite(result.changed) ? result.changed : changed;
      state.selected.clear();
      await refreshAll();
      let text = action === 'allow'
        ? `Added ${plural(Array.isArray(result.added) ? result.added.length : 0, 'pair')} with ${partner.displayName}.`
        : `${plural(done, 'guest')} ${words.done}.`;
      const closed = result && Array.isArray(result.spacesClosed) ? result.spacesClosed : [];
      if (closed.length) text += ` Closed ${plural(closed.length, 'space')}.`;
      announce(status, text, 'success');
      byId('guests-heading').focus();
    } catch (error) {
      if (!handleFatal(error)) announce(status, error.message, 'error');
    }
  });
}

function wireBulk() {
  const picker = guestPicker(byId('bulk-with'), byId('bulk-with-options'), api);
  byId('bulk-disable').addEventListener('click', (e) => runBulk('disable', e.currentTarget, picker));
  byId('bulk-enable').addEventListener('click', (e) => runBulk('enable', e.currentTarget, picker));
  byId('bulk-allow').addEventListener('click', (e) => runBulk('allow', e.currentTarget, picker));
  byId('bulk-clear').addEventListener('click', () => {
    state.selected.clear();
    renderGuests();
    byId('guests-search').focus();
  });
}

// --- one guest's view: whom they reach, their spaces, recent activity, and Explain ----------------

function closeView() {
  state.viewing = null;
  byId('guest-view').hidden = true;
}

function renderView(data) {
  const guest = remember(data.guest);
  const status = byId('guest-view-status');
  byId('guest-view-heading').textContent = `${guest.displayName} (${guest.username})`;
  const summary = [guest.disabled ? 'Disabled.' : 'Active.'];
  if (guest.expiresAt) summary.push(`Expires ${formatDay(guest.expiresAt)}.`);
  if (guest.mustChangePassword) summary.push('Must change password at next sign-in.');
  if (guest.createdAt) summary.push(`Added ${formatDay(guest.createdAt)}.`);
  byId('guest-view-summary').textContent = summary.join(' ');

  // Named by the view's heading (the region is labelled with the guest's name), unlike the list's
  // row buttons, which say whom they act on.
  const toggle = el('button', {
    type: 'button',
    text: guest.disabled ? 'Enable' : 'Disable',
    onclick: (event) => toggleDisabled(guest, event.currentTarget, { status }),
  });
  byId('guest-view-actions').replaceChildren(
    el('button', { type: 'button', text: 'Reset password', onclick: () => openEdit(guest, { generate: true }) }),
    el('button', { type: 'button', text: 'Edit', onclick: () => openEdit(guest) }),
    toggle);

  const contacts = Array.isArray(data.contacts) ? data.contacts : [];
  byId('guest-view-contacts-heading').textContent = `Can reach (${contacts.length})`;
  byId('guest-view-contacts').replaceChildren(...(contacts.length ? contacts.map((c) => {
    remember(c);
    return el('li', { dataset: { guestId: c.id } },
      `${c.displayName} (${c.username})`,
      c.disabled ? el('span', { className: 'tag tag-muted', text: 'disabled: cannot talk now' }) : null, ' ',
      el('button', {
        type: 'button',
        className: 'small',
        text: 'Remove pair',
        'aria-label': `Remove pair ${guest.displayName} and ${c.displayName}`,
        onclick: (event) => removeContact(guest, c, event.currentTarget),
      }));
  }) : [el('li', { className: 'hint', text: 'Nobody: this guest is in no allowed pair.' })]));

  const spaces = Array.isArray(data.spaces) ? data.spaces : [];
  const open = spaces.filter((s) => !s.closedAt).length;
  byId('guest-view-spaces-heading').textContent = `Spaces (${open} open, ${spaces.length - open} closed)`;
  byId('guest-view-spaces').replaceChildren(...(spaces.length ? spaces.map((s) => el('li', { dataset: { spaceId: s.id } },
    el('strong', { text: s.title || 'Untitled space' }),
    ` — ${(s.members || []).map((m) => m.displayName).join(', ')}. `,
    s.closedAt ? el('span', { className: 'status status-closed', text: `Closed ${formatTime(s.closedAt)}` }) : el('span', { className: 'status status-open', text: 'Open' }),
    s.lastActivity ? el('span', { className: 'hint' }, ' · last activity ', el('time', { datetime: s.lastActivity, text: formatTime(s.lastActivity) })) : null))
    : [el('li', { className: 'hint', text: 'No spaces yet.' })]));

  const activity = Array.isArray(data.activity) ? data.activity : [];
  byId('guest-view-activity').replaceChildren(...(activity.length ? activity.map((a) => el('li', {},
    el('time', { datetime: a.time || a.at || '', text: formatTime(a.time || a.at) }), ' ',
    el('span', { className: 'mono', text: a.action || '' }), ` by ${a.actor || 'unknown'}`,
    a.outcome ? ` — ${a.outcome}` : '', a.detail ? `: ${a.detail}` : ''))
    : [el('li', { className: 'hint', text: 'Nothing recorded yet.' })]));
}

async function loadView(id) {
  const data = await api('GET', `/api/v1/guests/${encodeURIComponent(id)}/overview`);
  if (state.viewing !== id) return;
  renderView(data);
}

async function openView(id) {
  state.viewing = id;
  byId('explain-result').replaceChildren();
  byId('explain-other').value = '';
  clearField(byId('explain-other'));
  announce(byId('guest-view-status'), '');
  byId('guest-view').hidden = false;
  byId('guest-view-heading').textContent = `${nameOf(id)}: loading…`;
  try {
    await loadView(id);
  } catch (error) {
    if (!handleFatal(error)) announce(byId('guest-view-status'), `This guest could not be loaded: ${error.message}`, 'error');
  }
  byId('guest-view-heading').focus();
}

async function removeContact(guest, contact, button) {
  const status = byId('guest-view-status');
  await busy(button, async () => {
    try {
      const result = await changePairs({ remove: [[guest.id, contact.id]] },
        { what: `Removing the pair ${guest.displayName} – ${contact.displayName}`, okText: 'Remove pair and close spaces' });
      if (!result) {
        announce(status, 'Nothing was changed.', 'info');
        return;
      }
      const closed = Array.isArray(result.spacesClosed) ? result.spacesClosed.length : 0;
      await refreshAll();
      announce(status, `${guest.displayName} and ${contact.displayName} are no longer an allowed pair.${closed ? ` Closed ${plural(closed, 'space')}.` : ''}`, 'success');
    } catch (error) {
      if (!handleFatal(error)) announce(status, error.message, 'error');
    }
  });
  byId('guest-view-contacts-heading').tabIndex = -1;
  byId('guest-view-contacts-heading').focus();
}

function renderExplain(data) {
  const parts = [];
  const a = data.a || {};
  const b = data.b || {};
  parts.push(el('p', { className: 'message', dataset: { kind: data.allowed ? 'success' : 'error' },
    text: data.allowed ? `${a.displayName} and ${b.displayName} may open spaces together.` : `${a.displayName} and ${b.displayName} cannot talk:` }));
  const reasons = Array.isArray(data.reasons) ? data.reasons : [];
  if (reasons.length) parts.push(el('ul', { className: 'reasons' }, ...reasons.map((r) => el('li', { dataset: { code: r.code }, text: r.message }))));
  const spaces = Array.isArray(data.spaces) ? data.spaces : [];
  parts.push(el('p', { className: 'hint', text: spaces.length ? `Spaces they share (${spaces.length}):` : 'They share no space.' }));
  if (spaces.length) {
    parts.push(el('ul', { className: 'plain-list' }, ...spaces.map((s) => el('li', {},
      el('strong', { text: s.title || 'Untitled space' }), s.closedAt ? ` — closed ${formatTime(s.closedAt)}` : ' — open'))));
  }
  byId('explain-result').replaceChildren(...parts);
}

function wireView() {
  byId('guest-view-close').addEventListener('click', () => {
    const id = state.viewing;
    closeView();
    focusRow(id, 'view');
  });
  const picker = guestPicker(byId('explain-other'), byId('explain-options'), api);
  const button = byId('explain-submit');
  byId('explain-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(button, async () => {
      const input = byId('explain-other');
      clearField(input);
      try {
        const other = await picker.resolve();
        if (!other || other.id === state.viewing) {
          markField(input, other ? 'Choose another guest than this one.' : 'Pick a guest from the suggestions.');
          input.focus();
          return;
        }
        const params = new URLSearchParams({ a: state.viewing, b: other.id });
        renderExplain(await api('GET', `/api/v1/policy/explain?${params}`));
      } catch (error) {
        if (!handleFatal(error)) {
          markField(input, error.message);
          input.focus();
        }
      }
    });
  });
}

// --- spaces ---------------------------------------------------------------------------------------

function spaceTitle(space) {
  return space.title || (space.memberIds || []).map(nameOf).join(', ') || 'Untitled space';
}

function renderSpaces() {
  const body = byId('spaces-table').tBodies[0];
  body.replaceChildren(
    ...state.spaces.map((space) => {
      const closed = Boolean(space.closedAt);
      return el('tr', { dataset: { spaceId: space.id }, className: closed ? 'closed' : undefined },
        el('td', { text: spaceTitle(space) }),
        el('td', { text: (space.memberIds || []).map(nameOf).join(', ') }),
        el('td', {}, el('span', {
          className: `status status-${closed ? 'closed' : 'open'}`,
          text: closed ? `Closed ${formatTime(space.closedAt)}` : 'Open',
        })),
        el('td', {}, space.lastActivity ? el('time', { datetime: space.lastActivity, text: formatTime(space.lastActivity) }) : ''));
    }),
  );
  byId('spaces-empty').hidden = state.spaces.length > 0;
  byId('spaces-count').textContent = `(${state.spaces.length.toLocaleString()})`;
}

// Spaces name their members by id: guests not seen yet are looked up, all together, once per id.
const lookedUp = new Set();
async function loadSpaces() {
  const data = await api('GET', '/api/v1/spaces');
  state.spaces = data && Array.isArray(data.items) ? data.items : [];
  const unknown = state.spaces.flatMap((s) => s.memberIds || []).filter((id) => !names.has(id) && !lookedUp.has(id));
  if (unknown.length) {
    const ids = [...new Set(unknown)];
    ids.forEach((id) => lookedUp.add(id));
    if (ids.length <= 25) {
      // A few: one small request each (a deleted guest answers 404 and stays unnamed).
      await Promise.all(ids.map((id) => api('GET', `/api/v1/guests/${encodeURIComponent(id)}`).then(remember, () => null)));
    } else {
      const all = await api('GET', '/api/v1/guests');
      (all && Array.isArray(all.items) ? all.items : []).forEach(remember);
    }
  }
  renderSpaces();
}

// --- import ---------------------------------------------------------------------------------------

function importType(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv';
  if (name.endsWith('.json') || file.type === 'application/json') return 'application/json';
  return null;
}

// A partial import (something skipped) is a warning, not a success: the skipped entries follow.
function renderImport(report) {
  const created = Array.isArray(report.created) ? report.created : [];
  const skipped = Array.isArray(report.skipped) ? report.skipped : [];
  const kind = skipped.length === 0 ? 'success' : created.length === 0 && !report.pairsAdded ? 'error' : 'warn';
  const lead = { success: 'Imported.', warn: 'Imported partly: some entries were skipped.', error: 'Nothing was imported.' }[kind];
  const parts = [
    el('p', { className: 'message', dataset: { kind } },
      el('strong', { text: lead }), ' ',
      `Created ${created.length} guest${created.length === 1 ? '' : 's'}`,
      created.length ? `: ${created.join(', ')}` : '',
      `. Added ${report.pairsAdded || 0} pair${report.pairsAdded === 1 ? '' : 's'}. Skipped ${skipped.length}.`),
  ];
  if (skipped.length) {
    parts.push(el('ul', { className: 'skipped' },
      ...skipped.map((s) => el('li', {},
        el('strong', { text: s.username || String(s.entry) }), ` — ${s.reason}`))));
  }
  byId('import-result').replaceChildren(...parts);
}

function wireImport() {
  const button = byId('import-submit');
  byId('import-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = byId('import-result');
    const file = byId('import-file').files[0];
    if (!file) {
      result.replaceChildren(el('p', { className: 'message', dataset: { kind: 'error' }, text: 'Choose a guests.json or CSV file first.' }));
      byId('import-file').focus();
      return;
    }
    const contentType = importType(file);
    if (!contentType) {
      result.replaceChildren(el('p', { className: 'message', dataset: { kind: 'error' }, text: 'The file must end in .json or .csv.' }));
      return;
    }
    await busy(button, async () => {
      try {
        const text = await file.text();
        const report = await api('POST', '/api/v1/guests/import', { raw: text, contentType });
        renderImport(report || {});
        await refreshAll();
      } catch (error) {
        if (!handleFatal(error)) {
          result.replaceChildren(el('p', { className: 'message', dataset: { kind: 'error' }, text: `Import failed: ${error.message}` }));
        }
      }
    });
  });
}

// --- page -----------------------------------------------------------------------------------------

async function main() {
  // The first page of guests is asked for at once, beside the session check: it is what the
  // administrator came for. A visitor without an admin session is sent away by the session check.
  const first = loadGuests();
  first.catch(() => {});
  const session = await sessionWithRole('admin');
  if (!session) return;
  const admin = session.admin || {};
  byId('admin-name').textContent = admin.displayName ? `${admin.displayName} (${admin.email})` : admin.email || 'Administrator';
  for (const id of ['guests-heading', 'pairs-heading', 'spaces-heading', 'hosts-heading', 'import-heading', 'activity-heading']) byId(id).tabIndex = -1;
  setSpaceTitles((id) => {
    const space = state.spaces.find((s) => s.id === id);
    return space ? spaceTitle(space) : null;
  });
  wireSignOut();
  wireGuestList();
  wireAddGuest();
  wireCredentials();
  wireEdit();
  wireBulk();
  wireView();
  wirePairs({ onSaved: () => Promise.all([loadSpaces(), loadGuests()]).then(() => (state.viewing ? loadView(state.viewing) : null)) });
  wireHosts();
  wireImport();
  wireActivity({ onError: handleFatal });
  // The rest once the first screen is there (the search box usable), so that it does not wait
  // behind them; the spaces then find their members' names among the guests already shown.
  const firstResult = await Promise.allSettled([first]);
  byId('guests-search').disabled = false;
  const info = api('GET', '/api/v1/info').then(applyLimits).catch(() => {});
  const results = [...firstResult, ...await Promise.allSettled([loadStatus(), loadPairs(), loadSpaces(), loadHosts(), info])];
  // Leases name their space by id when the portal gives no title: the spaces may have come second.
  if (hostsState.items.some((h) => h.lease)) renderHosts();
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failed.some(handleFatal)) return;
  if (failed.length) announce(byId('page-error'), `Part of the console could not be loaded: ${failed[0].message}`, 'error');
  byId('main').removeAttribute('aria-busy');
  // Last, once the sections above have their size: its scrolling loads pages as its end comes into view.
  await loadActivity();
}

main();
