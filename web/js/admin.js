// The admin console: the AppAdmin's Webex connection, guests, allowed pairs, spaces and import.
import { api, ApiError } from './api.js';
import { announce, busy, byId, el, formatTime } from './dom.js';
import { goHome, sessionWithRole, wireSignOut } from './page.js';

const state = {
  guests: [],
  savedPairs: [], // as the server has them, each [idA, idB] with idA < idB
  pairs: [], // as edited on the page
  spaces: [],
};

function handleFatal(error) {
  if (error instanceof ApiError && error.status === 401) {
    goHome();
    return true;
  }
  return false;
}

const guestById = (id) => state.guests.find((g) => g.id === id);
const nameOf = (id) => {
  const guest = guestById(id);
  return guest ? guest.displayName || guest.username : 'Deleted guest';
};
const guestLabel = (guest) => `${guest.displayName} (${guest.username})`;

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

// --- guests ---------------------------------------------------------------------------------------

function renderGuests() {
  const body = byId('guests-table').tBodies[0];
  body.replaceChildren(
    ...state.guests.map((guest) => {
      const label = guestLabel(guest);
      return el('tr', { dataset: { guestId: guest.id, username: guest.username } },
        el('td', { className: 'mono', text: guest.username }),
        el('td', { text: guest.displayName }),
        el('td', {}, el('span', { className: `status status-${guest.disabled ? 'disabled' : 'active'}`, text: guest.disabled ? 'Disabled' : 'Active' })),
        el('td', { className: 'row-actions' },
          el('button', { type: 'button', 'aria-label': `Edit ${label}`, text: 'Edit', onclick: () => openEdit(guest) }),
          el('button', {
            type: 'button',
            'aria-label': `${guest.disabled ? 'Enable' : 'Disable'} ${label}`,
            text: guest.disabled ? 'Enable' : 'Disable',
            onclick: (event) => toggleDisabled(guest, event.currentTarget),
          }),
          el('button', { type: 'button', className: 'danger', 'aria-label': `Delete ${label}`, text: 'Delete', onclick: () => confirmDelete(guest) })));
    }),
  );
  byId('guests-empty').hidden = state.guests.length > 0;
  renderPairSelects();
  renderPairs();
  renderSpaces();
}

async function loadGuests() {
  const data = await api('GET', '/api/v1/guests');
  state.guests = data && Array.isArray(data.items) ? data.items : [];
  renderGuests();
}

function wireAddGuest() {
  const form = byId('add-guest-form');
  const status = byId('add-guest-status');
  const button = byId('add-guest');
  const fields = { displayName: byId('new-display-name'), username: byId('new-username'), password: byId('new-password') };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      displayName: fields.displayName.value.trim(),
      username: fields.username.value.trim(),
      password: fields.password.value,
    };
    for (const input of Object.values(fields)) input.removeAttribute('aria-invalid');
    const missing = Object.entries(body).find(([, value]) => !value);
    if (missing) {
      fields[missing[0]].setAttribute('aria-invalid', 'true');
      fields[missing[0]].focus();
      announce(status, 'Fill in display name, username and password.', 'error');
      return;
    }
    await busy(button, async () => {
      try {
        const guest = await api('POST', '/api/v1/guests', { body });
        form.reset();
        await loadGuests();
        announce(status, `Added ${guest.displayName} (${guest.username}).`, 'success');
        fields.displayName.focus();
      } catch (error) {
        if (handleFatal(error)) return;
        const field = error instanceof ApiError && fields[error.field] ? fields[error.field]
          : error instanceof ApiError && error.code === 'username_taken' ? fields.username : null;
        if (field) {
          field.setAttribute('aria-invalid', 'true');
          field.focus();
        }
        announce(status, error.message, 'error');
      }
    });
  });
}

async function toggleDisabled(guest, button) {
  const status = byId('guests-status');
  await busy(button, async () => {
    try {
      await api('PATCH', `/api/v1/guests/${encodeURIComponent(guest.id)}`, { body: { disabled: !guest.disabled } });
      await Promise.all([loadGuests(), loadSpaces()]);
      announce(status, `${guest.displayName} is now ${guest.disabled ? 'enabled' : 'disabled'}.`, 'success');
      document.querySelector(`#guests-table tr[data-guest-id="${CSS.escape(guest.id)}"] button:nth-of-type(2)`)?.focus();
    } catch (error) {
      if (!handleFatal(error)) announce(status, error.message, 'error');
    }
  });
}

function confirmDialog(message, okText) {
  const dialog = byId('confirm-dialog');
  byId('confirm-message').textContent = message;
  byId('confirm-ok').textContent = okText;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

async function confirmDelete(guest) {
  const status = byId('guests-status');
  const ok = await confirmDialog(
    `Delete ${guest.displayName} (${guest.username})? They are signed out at once and removed from every space. This cannot be undone.`,
    'Delete guest');
  if (!ok) return;
  try {
    await api('DELETE', `/api/v1/guests/${encodeURIComponent(guest.id)}`);
    await Promise.all([loadGuests(), loadPairs({ keepEdits: true }), loadSpaces()]);
    announce(status, `Deleted ${guest.displayName} (${guest.username}).`, 'success');
    byId('guests-heading').focus();
  } catch (error) {
    if (!handleFatal(error)) announce(status, error.message, 'error');
  }
}

let editing = null;

function openEdit(guest) {
  editing = guest;
  byId('edit-username').textContent = guest.username;
  byId('edit-display-name').value = guest.displayName;
  byId('edit-password').value = '';
  announce(byId('edit-status'), '');
  byId('edit-dialog').showModal();
  byId('edit-display-name').focus();
}

function wireEdit() {
  const dialog = byId('edit-dialog');
  const form = byId('edit-form');
  const save = byId('edit-save');
  byId('edit-cancel').addEventListener('click', () => dialog.close('cancel'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!editing) return;
    const displayName = byId('edit-display-name').value.trim();
    const password = byId('edit-password').value;
    if (!displayName) {
      announce(byId('edit-status'), 'The display name cannot be empty.', 'error');
      byId('edit-display-name').focus();
      return;
    }
    const body = {};
    if (displayName !== editing.displayName) body.displayName = displayName;
    if (password) body.password = password;
    if (Object.keys(body).length === 0) {
      dialog.close('cancel');
      return;
    }
    await busy(save, async () => {
      try {
        const updated = await api('PATCH', `/api/v1/guests/${encodeURIComponent(editing.id)}`, { body });
        dialog.close('saved');
        await loadGuests();
        announce(byId('guests-status'), `Saved ${updated.displayName} (${updated.username})${password ? '; the new password is in force' : ''}.`, 'success');
      } catch (error) {
        if (!handleFatal(error)) announce(byId('edit-status'), error.message, 'error');
      }
    });
  });
}

// --- allowed pairs --------------------------------------------------------------------------------

const pairKey = ([a, b]) => `${a}\u0000${b}`;
const normalise = ([a, b]) => (a < b ? [a, b] : [b, a]);

function dirty() {
  const saved = new Set(state.savedPairs.map(pairKey));
  return state.pairs.length !== saved.size || state.pairs.some((p) => !saved.has(pairKey(p)));
}

function renderPairSelects() {
  for (const id of ['pair-first', 'pair-second']) {
    const select = byId(id);
    const previous = select.value;
    select.replaceChildren(
      el('option', { value: '', text: 'Choose a guest' }),
      ...state.guests.map((g) => el('option', { value: g.id, text: guestLabel(g) })),
    );
    if (state.guests.some((g) => g.id === previous)) select.value = previous;
  }
}

function sortedPairs() {
  return [...state.pairs].sort((p, q) => {
    const a = `${nameOf(p[0])} ${nameOf(p[1])}`;
    const b = `${nameOf(q[0])} ${nameOf(q[1])}`;
    return a.localeCompare(b);
  });
}

function renderPairs() {
  const body = byId('pairs-table').tBodies[0];
  const saved = new Set(state.savedPairs.map(pairKey));
  body.replaceChildren(
    ...sortedPairs().map((pair) => {
      const [a, b] = [...pair].sort((x, y) => nameOf(x).localeCompare(nameOf(y)));
      const fresh = !saved.has(pairKey(pair));
      return el('tr', { dataset: { pair: `${nameOf(a)} – ${nameOf(b)}` }, className: fresh ? 'unsaved' : undefined },
        el('td', { text: nameOf(a) }),
        el('td', {}, nameOf(b), fresh ? el('span', { className: 'tag', text: 'not saved' }) : null),
        el('td', { className: 'row-actions' },
          el('button', {
            type: 'button',
            'aria-label': `Remove pair ${nameOf(a)} and ${nameOf(b)}`,
            text: 'Remove',
            onclick: () => removePair(pair),
          })));
    }),
  );
  byId('pairs-empty').hidden = state.pairs.length > 0;
  const isDirty = dirty();
  byId('pairs-dirty').hidden = !isDirty;
  byId('save-pairs').disabled = !isDirty;
  byId('revert-pairs').disabled = !isDirty;
}

function removePair(pair) {
  const key = pairKey(pair);
  state.pairs = state.pairs.filter((p) => pairKey(p) !== key);
  renderPairs();
  announce(byId('pairs-status'), `Removed ${nameOf(pair[0])} – ${nameOf(pair[1])}. Save to apply.`, 'info');
  byId('add-pair').focus();
}

async function loadPairs({ keepEdits = false } = {}) {
  const data = await api('GET', '/api/v1/policy/pairs');
  const hadEdits = keepEdits && dirty();
  state.savedPairs = (data && Array.isArray(data.pairs) ? data.pairs : []).map(normalise);
  if (hadEdits) {
    const known = new Set(state.guests.map((g) => g.id));
    state.pairs = state.pairs.filter(([a, b]) => known.has(a) && known.has(b));
  } else {
    state.pairs = state.savedPairs.map((p) => [...p]);
  }
  renderPairs();
}

function wirePairs() {
  const status = byId('pairs-status');
  byId('add-pair-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const first = byId('pair-first').value;
    const second = byId('pair-second').value;
    if (!first || !second) {
      announce(status, 'Choose two guests.', 'error');
      byId(first ? 'pair-second' : 'pair-first').focus();
      return;
    }
    if (first === second) {
      announce(status, 'Choose two different guests.', 'error');
      byId('pair-second').focus();
      return;
    }
    const pair = normalise([first, second]);
    if (state.pairs.some((p) => pairKey(p) === pairKey(pair))) {
      announce(status, `${nameOf(first)} and ${nameOf(second)} are already allowed.`, 'info');
      return;
    }
    state.pairs.push(pair);
    renderPairs();
    announce(status, `Added ${nameOf(first)} – ${nameOf(second)}. Save to apply.`, 'info');
    byId('pair-second').value = '';
    byId('pair-second').focus();
  });

  byId('revert-pairs').addEventListener('click', () => {
    state.pairs = state.savedPairs.map((p) => [...p]);
    renderPairs();
    announce(status, 'Changes discarded.', 'info');
  });

  const save = byId('save-pairs');
  // busy() re-enables the button; renderPairs() then disables it again when nothing is left to save.
  save.addEventListener('click', () => busy(save, async () => {
    const titles = new Map(state.spaces.map((s) => [s.id, spaceTitle(s)]));
    try {
      const result = await api('PUT', '/api/v1/policy/pairs', { body: { pairs: state.pairs } });
      state.savedPairs = (result && Array.isArray(result.pairs) ? result.pairs : state.pairs).map(normalise);
      state.pairs = state.savedPairs.map((p) => [...p]);
      const closed = result && Array.isArray(result.closedSpaces) ? result.closedSpaces : [];
      await loadSpaces();
      for (const space of state.spaces) if (!titles.has(space.id)) titles.set(space.id, spaceTitle(space));
      renderPairs();
      const count = state.savedPairs.length;
      let message = `Saved ${count} allowed pair${count === 1 ? '' : 's'}.`;
      if (closed.length > 0) {
        const names = closed.map((id) => titles.get(id) || id).join('; ');
        message += ` Closed ${closed.length} space${closed.length === 1 ? '' : 's'}: ${names}.`;
      } else {
        message += ' No space had to be closed.';
      }
      announce(status, message, 'success');
    } catch (error) {
      if (!handleFatal(error)) announce(status, `Not saved: ${error.message}`, 'error');
    }
  }).then(renderPairs));

  window.addEventListener('beforeunload', (event) => {
    if (dirty()) event.preventDefault();
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
}

async function loadSpaces() {
  const data = await api('GET', '/api/v1/spaces');
  state.spaces = data && Array.isArray(data.items) ? data.items : [];
  renderSpaces();
}

// --- import ---------------------------------------------------------------------------------------

function importType(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv';
  if (name.endsWith('.json') || file.type === 'application/json') return 'application/json';
  return null;
}

function renderImport(report) {
  const created = Array.isArray(report.created) ? report.created : [];
  const skipped = Array.isArray(report.skipped) ? report.skipped : [];
  const parts = [
    el('p', { className: 'message', dataset: { kind: 'success' } },
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
        await loadGuests();
        await loadPairs({ keepEdits: true });
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
  const session = await sessionWithRole('admin');
  if (!session) return;
  const admin = session.admin || {};
  byId('admin-name').textContent = admin.displayName ? `${admin.displayName} (${admin.email})` : admin.email || 'Administrator';
  for (const id of ['guests-heading', 'pairs-heading', 'spaces-heading', 'import-heading']) byId(id).tabIndex = -1;
  wireSignOut();
  wireAddGuest();
  wireEdit();
  wirePairs();
  wireImport();
  const results = await Promise.allSettled([loadStatus(), loadGuests(), loadPairs(), loadSpaces()]);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failed.some(handleFatal)) return;
  if (failed.length) announce(byId('page-error'), `Part of the console could not be loaded: ${failed[0].message}`, 'error');
  byId('main').removeAttribute('aria-busy');
}

main();
