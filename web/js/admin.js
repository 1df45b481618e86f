// The admin console: the AppAdmin's Webex connection, guests, allowed pairs, spaces, the pool of
// meeting hosts, import and the activity (audit) log.
import { loadActivity, wireActivity } from './activity.js';
import { api, ApiError } from './api.js';
import { announce, busy, byId, el, formatTime } from './dom.js';
import { goHome, sessionWithRole, wireSignOut } from './page.js';

const state = {
  guests: [],
  savedPairs: [], // as the server has them, each [idA, idB] with idA < idB
  pairs: [], // as edited on the page
  spaces: [],
  hosts: { mode: '', items: [], stats: {} },
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

// --- meeting hosts --------------------------------------------------------------------------------

const kHostModes = {
  adhoc: 'Mode: ad hoc meetings. For each meeting the portal lends a free host, who starts a Webex meeting in the guests\' space and leaves it when the meeting ends.',
  'space-pool': 'Mode: space pool. Each meeting borrows a whole Webex space owned by a licensed user; the portal adds the guests for the meeting and removes them afterwards.',
};

const kTokenWarnings = {
  warn: 'Its Webex sign-in ends soon: send the connect link so it connects again.',
  critical: 'Its Webex sign-in ends in a few days: send the connect link so it connects again now.',
  expired: 'It cannot host meetings until it connects again.',
};

function hostName(host) {
  if (host.kind === 'space') return host.displayName || host.spaceId || 'Webex space';
  if (host.displayName && host.email && host.displayName !== host.email) return `${host.displayName} (${host.email})`;
  return host.email || host.displayName || 'Host';
}

function leaseSpace(lease) {
  if (lease.roomTitle) return lease.roomTitle;
  const space = state.spaces.find((s) => s.id === lease.roomId);
  return space ? spaceTitle(space) : 'a space';
}

// The State cell: not connected (with the link to send), free, or lent to a space; and a warning
// when its Webex sign-in is near its end.
function hostState(host) {
  const parts = [];
  const lease = host.lease;
  if (!host.connected) {
    parts.push(el('span', { className: 'status status-pending', text: 'Not connected' }));
    parts.push(el('p', { className: 'hint host-note', text: host.email
      ? `${host.email} connects by opening this link and signing in to Webex with that account:`
      : 'It connects by opening this link and signing in to Webex:' }));
  } else if (lease) {
    const since = lease.since ? formatTime(lease.since) : '';
    const where = leaseSpace(lease);
    let text = `In a meeting for ${where}`;
    if (lease.state === 'starting') text = `Starting a meeting for ${where}`;
    else if (lease.state === 'ending') text = `Ending the meeting for ${where}`;
    parts.push(el('span', { className: `status status-leased lease-${lease.state || 'live'}`, text }));
    if (since) parts.push(el('span', { className: 'host-since' }, ' since ', el('time', { datetime: lease.since, text: since })));
  } else if (host.tokenWarning === 'expired') {
    parts.push(el('span', { className: 'status status-pending', text: 'Webex sign-in expired' }));
  } else {
    parts.push(el('span', { className: 'status status-free', text: 'Free' }));
  }
  const warning = host.connected ? kTokenWarnings[host.tokenWarning] : null;
  if (warning) {
    parts.push(el('p', { className: `host-warning warning-${host.tokenWarning}`, text: warning }));
  }
  if (host.connectUrl && (!host.connected || warning)) {
    parts.push(el('p', { className: 'host-link' }, el('a', { className: 'mono', href: host.connectUrl, text: host.connectUrl })));
  }
  return parts;
}

function renderHosts() {
  const { mode, items, stats } = state.hosts;
  byId('hosts-mode').textContent = kHostModes[mode] || 'A meeting needs a licensed Webex host: the portal lends one from this pool to a space for as long as its meeting lasts.';
  const count = (n) => (Number.isFinite(Number(n)) ? String(Number(n)) : '–');
  byId('hosts-free').textContent = count(stats.free);
  byId('hosts-leased').textContent = count(stats.leased);
  const exhausted = Number(stats.exhausted);
  byId('hosts-exhausted').textContent = Number.isFinite(exhausted) ? `${exhausted} time${exhausted === 1 ? '' : 's'}` : '–';
  const body = byId('hosts-table').tBodies[0];
  body.replaceChildren(
    ...items.map((host) => {
      const name = hostName(host);
      return el('tr', { dataset: { hostId: host.id } },
        el('td', {},
          el('span', { className: 'host-name', text: name }),
          host.kind === 'space' && host.spaceId && host.displayName
            ? el('span', { className: 'hint mono host-space-id', text: host.spaceId }) : null),
        el('td', { className: 'host-state' }, hostState(host)),
        el('td', { className: 'row-actions' },
          host.connectUrl && (!host.connected || kTokenWarnings[host.tokenWarning])
            ? el('button', {
              type: 'button',
              'aria-label': `Copy link to connect ${name}`,
              text: 'Copy link',
              onclick: (event) => copyConnectLink(host, event.currentTarget),
            })
            : null,
          el('button', { type: 'button', className: 'danger', 'aria-label': `Remove ${name}`, text: 'Remove', onclick: () => confirmRemoveHost(host) })));
    }),
  );
  byId('hosts-empty').hidden = items.length > 0;
  const spacePool = mode === 'space-pool';
  byId('add-host-email-field').hidden = spacePool;
  byId('add-host-space-field').hidden = !spacePool;
  byId('add-host-title-field').hidden = !spacePool;
}

async function loadHosts() {
  const data = await api('GET', '/api/v1/hosts');
  state.hosts = {
    mode: data && typeof data.mode === 'string' ? data.mode : '',
    items: data && Array.isArray(data.items) ? data.items : [],
    stats: data && data.stats && typeof data.stats === 'object' ? data.stats : {},
  };
  renderHosts();
}

// The clipboard API where the browser allows it (a secure context); else a selected, off-screen
// copy of the text and the older copy command.
async function copyText(text) {
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

async function copyConnectLink(host, button) {
  const status = byId('hosts-status');
  const copied = await copyText(host.connectUrl);
  button.focus();
  if (copied) announce(status, `Copied the connect link of ${hostName(host)}. Send it to them; it works once they sign in to Webex with ${host.email || 'their account'}.`, 'success');
  else announce(status, `The link could not be copied here. Select the link in the table and copy it: ${host.connectUrl}`, 'error');
}

async function confirmRemoveHost(host) {
  const status = byId('hosts-status');
  const name = hostName(host);
  const ok = await confirmDialog(
    `Remove ${name} from the meeting pool? Guests' meetings can no longer use it${host.kind === 'space' ? '' : ', and its stored Webex sign-in is deleted'}.`,
    'Remove host');
  if (!ok) return;
  try {
    await api('DELETE', `/api/v1/hosts/${encodeURIComponent(host.id)}`);
    await loadHosts();
    announce(status, `Removed ${name}.`, 'success');
    byId('hosts-heading').focus();
  } catch (error) {
    if (handleFatal(error)) return;
    if (error instanceof ApiError && error.status === 409) {
      announce(status, `${name} is in a meeting right now and cannot be removed. Try again once the meeting has ended.`, 'error');
      loadHosts().catch(() => {});
      return;
    }
    announce(status, `${name} was not removed: ${error.message}`, 'error');
  }
}

function wireHosts() {
  const refresh = byId('hosts-refresh');
  refresh.addEventListener('click', () => busy(refresh, async () => {
    // Said first, so that "up to date" always means this refresh has arrived.
    announce(byId('hosts-status'), 'Refreshing the pool…', 'info');
    try {
      await loadHosts();
      announce(byId('hosts-status'), 'The pool is up to date.', 'info');
    } catch (error) {
      if (!handleFatal(error)) announce(byId('hosts-status'), `The pool could not be loaded: ${error.message}`, 'error');
    }
  }));

  const form = byId('add-host-form');
  const status = byId('add-host-status');
  const button = byId('add-host');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const spacePool = state.hosts.mode === 'space-pool';
    const input = byId(spacePool ? 'new-host-space' : 'new-host-email');
    const value = input.value.trim();
    input.removeAttribute('aria-invalid');
    let problem = '';
    if (!value) problem = spacePool ? 'Enter the id of a Webex space.' : 'Enter the email of a licensed Webex user.';
    else if (!spacePool && !/^[^\s@]+@[^\s@]+$/.test(value)) problem = 'Enter an email address, such as host@example.com.';
    if (problem) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      announce(status, problem, 'error');
      return;
    }
    await busy(button, async () => {
      try {
        const title = byId('new-host-title').value.trim();
        let body = { email: value };
        if (spacePool) body = title ? { spaceId: value, title } : { spaceId: value };
        const host = await api('POST', '/api/v1/hosts', { body });
        input.value = '';
        byId('new-host-title').value = '';
        await loadHosts();
        const next = host && !host.connected ? ' Copy its connect link from the table and send it to them.' : '';
        announce(status, `Added ${host ? hostName(host) : value}.${next}`, 'success');
        input.focus();
      } catch (error) {
        if (handleFatal(error)) return;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        if (error instanceof ApiError && error.status === 409) announce(status, `${value} is already in the pool.`, 'error');
        else announce(status, error.message, 'error');
      }
    });
  });
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
  for (const id of ['guests-heading', 'pairs-heading', 'spaces-heading', 'hosts-heading', 'import-heading', 'activity-heading']) byId(id).tabIndex = -1;
  wireSignOut();
  wireAddGuest();
  wireEdit();
  wirePairs();
  wireHosts();
  wireImport();
  wireActivity({ onError: handleFatal });
  const results = await Promise.allSettled([loadStatus(), loadGuests(), loadPairs(), loadSpaces(), loadHosts()]);
  // Leases name their space by id when the portal gives no title: the spaces may have come second.
  if (state.hosts.items.some((h) => h.lease)) renderHosts();
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failed.some(handleFatal)) return;
  if (failed.length) announce(byId('page-error'), `Part of the console could not be loaded: ${failed[0].message}`, 'error');
  byId('main').removeAttribute('aria-busy');
  // Last, once the sections above have their size: its scrolling loads pages as its end comes into view.
  await loadActivity();
}

main();
