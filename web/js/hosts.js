// The admin console's Meeting hosts section: the pool, each host's state and connect link, add and
// remove.
import { api, ApiError } from './api.js';
import { announce, busy, byId, el, formatTime } from './dom.js';
import { confirmDialog, copyText, handleFatal } from './console-shared.js';

// The Spaces table's titles, for a lease that names its space only by id (set by admin.js).
let spaceTitleOf = () => null;
export function setSpaceTitles(fn) {
  spaceTitleOf = fn;
}

export const hostsState = { mode: '', items: [], stats: {} };


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
  return spaceTitleOf(lease.roomId) || 'a space';
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

export function renderHosts() {
  const { mode, items, stats } = hostsState;
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

export async function loadHosts() {
  const data = await api('GET', '/api/v1/hosts');
  Object.assign(hostsState, {
    mode: data && typeof data.mode === 'string' ? data.mode : '',
    items: data && Array.isArray(data.items) ? data.items : [],
    stats: data && data.stats && typeof data.stats === 'object' ? data.stats : {},
  });
  renderHosts();
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

export function wireHosts() {
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
    const spacePool = hostsState.mode === 'space-pool';
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
