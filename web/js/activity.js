// The admin console's Activity section: the audit log (docs/audit.md), newest first, with filters.
// Older entries load as the end of the list scrolls into view (an IntersectionObserver on a sentinel
// below the table), or with the "Load more" button for keyboard users and browsers without one.
import { api } from './api.js';
import { announce, byId, el } from './dom.js';

const kPageSize = 50;

// The actions the portal records, offered as suggestions in the action filter.
const kActions = [
  'admin.sign_in', 'session.sign_in', 'session.sign_out', 'guest.create', 'guest.update', 'guest.delete',
  'guest.import', 'policy.allow', 'policy.revoke', 'space.create', 'space.close', 'membership.add',
  'membership.remove', 'room.delete', 'message.send', 'token.refresh', 'host.add', 'host.remove',
  'host.connect', 'meeting.lease', 'meeting.end', 'meeting.return', 'reconciler.give_up', 'reconciler.stuck',
  'audit.purge',
];

const view = {
  query: '', // the filters as a query string (without max and before)
  next: null, // the cursor of the next page, null when the last page is shown
  loading: false,
  generation: 0, // bumped by every new filter: answers for an older one are dropped
  shown: 0,
  onError: () => false,
  observer: null,
};

// A date input's day as the instant its local midnight begins (the "to" day is included: its end).
function dayStart(value, plusDays = 0) {
  const [year, month, day] = value.split('-').map(Number);
  return new Date(year, month - 1, day + plusDays).toISOString();
}

function filterQuery() {
  const params = new URLSearchParams();
  const action = byId('activity-action').value.trim();
  const actor = byId('activity-actor').value.trim();
  const since = byId('activity-since').value;
  const until = byId('activity-until').value;
  if (action) params.set('action', action);
  if (actor) params.set('actor', actor);
  if (since) params.set('since', dayStart(since));
  if (until) params.set('until', dayStart(until, 1));
  return params.toString();
}

function formatWhen(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function row(entry) {
  const outcome = String(entry.outcome || '');
  return el('tr', { dataset: { id: entry.id, action: entry.action } },
    el('td', {}, el('time', { dateTime: entry.at, text: formatWhen(entry.at) })),
    el('td', { className: 'activity-actor', text: entry.actor }),
    el('td', { className: 'activity-action', text: entry.action }),
    el('td', { className: 'activity-target', text: entry.target || '' }),
    el('td', { className: `status outcome-${outcome.replace(/[^a-z_]/g, '')}`, text: outcome }),
    el('td', { className: 'activity-detail', text: entry.detail || '' }));
}

function renderState() {
  const more = byId('activity-more');
  more.hidden = view.next === null;
  more.disabled = view.loading;
  byId('activity-empty').hidden = view.loading || view.shown > 0;
}

async function loadPage(generation) {
  view.loading = true;
  renderState();
  const status = byId('activity-status');
  announce(status, 'Loading activity…');
  try {
    const before = view.next ? `&before=${encodeURIComponent(view.next)}` : '';
    const data = await api('GET', `/api/v1/audit?max=${kPageSize}${view.query ? `&${view.query}` : ''}${before}`);
    if (generation !== view.generation) return;
    const items = data && Array.isArray(data.items) ? data.items : [];
    byId('activity-table').tBodies[0].append(...items.map(row));
    view.shown += items.length;
    view.next = data && typeof data.next === 'string' ? data.next : null;
    const total = `${view.shown} entr${view.shown === 1 ? 'y' : 'ies'} shown`;
    announce(status, view.next ? `${total}; more load as you scroll.` : `${total}; that is all.`);
  } catch (error) {
    if (generation !== view.generation) return;
    if (!view.onError(error)) announce(status, `Activity could not be loaded: ${error.message}`, 'error');
  } finally {
    if (generation === view.generation) {
      view.loading = false;
      renderState();
      // Observing afresh reports the sentinel's state now: a page too short to push it out of view
      // loads the next one.
      if (view.observer && view.next !== null) {
        view.observer.unobserve(byId('activity-sentinel'));
        view.observer.observe(byId('activity-sentinel'));
      }
    }
  }
}

// Starts over with the filters as the form has them.
export function loadActivity() {
  view.generation += 1;
  view.query = filterQuery();
  view.next = null;
  view.shown = 0;
  byId('activity-table').tBodies[0].replaceChildren();
  return loadPage(view.generation);
}

function loadMore() {
  if (view.loading || view.next === null) return;
  loadPage(view.generation);
}

// `onError(error)` may handle a failure (a lost session) and return true; others are shown here.
export function wireActivity({ onError } = {}) {
  if (onError) view.onError = onError;
  byId('activity-actions').replaceChildren(...kActions.map((action) => el('option', { value: action })));
  byId('activity-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    const since = byId('activity-since').value;
    const until = byId('activity-until').value;
    if (since && until && until < since) {
      announce(byId('activity-status'), 'The "to" date must not be before the "from" date.', 'error');
      byId('activity-until').focus();
      return;
    }
    loadActivity();
  });
  byId('activity-clear').addEventListener('click', () => {
    byId('activity-filters').reset();
    loadActivity();
  });
  byId('activity-more').addEventListener('click', loadMore);
  if ('IntersectionObserver' in window) {
    view.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    }, { rootMargin: '200px 0px' });
    view.observer.observe(byId('activity-sentinel'));
  }
}
