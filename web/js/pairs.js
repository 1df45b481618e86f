// The admin console's Allowed pairs section: the pairs a page at a time (searchable), additions and
// removals kept on the page until Save pairs, and a save that asks first when it closes spaces.
import { api } from './api.js';
import { announce, busy, byId, el } from './dom.js';
import {
  clearField, confirmDialog, guestPicker, handleFatal, markField, nameOf, plural, remember,
} from './console-shared.js';

const kPageSize = 50;
const pairKey = ([a, b]) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
const ordered = ([a, b]) => (a < b ? [a, b] : [b, a]);

const state = {
  query: '',
  offset: 0,
  items: [], // [{a: Summary, b: Summary}]
  total: 0,
  adds: new Map(), // key → [a, b], not saved yet
  removes: new Map(), // key → [a, b], not saved yet
};
let asked = 0;
let afterSave = async () => {};

export const pairsDirty = () => state.adds.size > 0 || state.removes.size > 0;

function pairName([a, b]) {
  const [x, y] = [nameOf(a), nameOf(b)].sort((p, q) => p.localeCompare(q));
  return [x, y];
}

// A dry run of the change, then a confirmation listing the spaces it would close (none: no
// question), then the change. Resolves to the real answer, or null when the administrator cancelled.
export async function changePairs({ add = [], remove = [] }, { okText = 'Save and close spaces', what = 'This change' } = {}) {
  const body = {};
  if (add.length) body.add = add;
  if (remove.length) body.remove = remove;
  const preview = await api('PATCH', '/api/v1/policy/pairs?dryRun=true', { body });
  const closing = preview && Array.isArray(preview.spacesClosed) ? preview.spacesClosed : [];
  if (closing.length) {
    const ok = await confirmDialog(
      `${what} closes ${plural(closing.length, 'space')}. Their members can no longer write in them, and the spaces cannot be reopened.`,
      okText, { spaces: closing });
    if (!ok) return null;
  }
  return api('PATCH', '/api/v1/policy/pairs', { body });
}

function renderPending() {
  const list = byId('pairs-pending-list');
  const rows = [];
  for (const pair of state.adds.values()) {
    const [x, y] = pairName(pair);
    rows.push(el('li', { className: 'pending-add', dataset: { pair: `${x} – ${y}` } },
      `Allow ${x} – ${y} `, el('span', { className: 'tag', text: 'not saved' }), ' ',
      el('button', {
        type: 'button', className: 'small', 'aria-label': `Remove pair ${x} and ${y}`, text: 'Remove',
        onclick: () => {
          state.adds.delete(pairKey(pair));
          render();
          announce(byId('pairs-status'), `${x} – ${y} will not be added.`, 'info');
          byId('pair-first').focus();
        },
      })));
  }
  for (const pair of state.removes.values()) {
    const [x, y] = pairName(pair);
    rows.push(el('li', { className: 'pending-remove', dataset: { pair: `${x} – ${y}` } },
      `Remove ${x} – ${y} `, el('span', { className: 'tag', text: 'not saved' }), ' ',
      el('button', { type: 'button', className: 'small', 'aria-label': `Keep pair ${x} and ${y}`, text: 'Keep', onclick: () => keep(pair) })));
  }
  list.replaceChildren(...rows);
  byId('pairs-pending').hidden = rows.length === 0;
  const dirty = pairsDirty();
  byId('pairs-dirty').hidden = !dirty;
  byId('save-pairs').disabled = !dirty;
  byId('revert-pairs').disabled = !dirty;
}

function keep(pair) {
  state.removes.delete(pairKey(pair));
  render();
  const [x, y] = pairName(pair);
  announce(byId('pairs-status'), `${x} – ${y} stays allowed.`, 'info');
  document.querySelector(`#pairs-table tr[data-key="${CSS.escape(pairKey(pair))}"] button`)?.focus();
}

function renderTable() {
  const body = byId('pairs-table').tBodies[0];
  body.replaceChildren(...state.items.map(({ a, b }) => {
    const pair = ordered([a.id, b.id]);
    const key = pairKey(pair);
    const removing = state.removes.has(key);
    const cell = (g) => el('td', {}, g.displayName, g.disabled ? el('span', { className: 'tag tag-muted', text: 'disabled' }) : null);
    return el('tr', { dataset: { pair: `${a.displayName} – ${b.displayName}`, key }, className: removing ? 'unsaved removing' : undefined },
      cell(a),
      el('td', {}, b.displayName, b.disabled ? el('span', { className: 'tag tag-muted', text: 'disabled' }) : null,
        removing ? el('span', { className: 'tag', text: 'will be removed' }) : null),
      el('td', { className: 'row-actions' }, removing
        ? el('button', { type: 'button', 'aria-label': `Keep pair ${a.displayName} and ${b.displayName}`, text: 'Keep', onclick: () => keep(pair) })
        : el('button', {
          type: 'button',
          'aria-label': `Remove pair ${a.displayName} and ${b.displayName}`,
          text: 'Remove',
          onclick: () => {
            state.removes.set(key, pair);
            render();
            announce(byId('pairs-status'), `Removed ${a.displayName} – ${b.displayName}. Save to apply.`, 'info');
            document.querySelector(`#pairs-table tr[data-key="${CSS.escape(key)}"] button`)?.focus();
          },
        })));
  }));
  const shownFrom = state.total ? state.offset + 1 : 0;
  const shownTo = state.offset + state.items.length;
  byId('pairs-empty').hidden = state.total > 0 || state.query !== '';
  byId('pairs-summary').textContent = state.query
    ? `${plural(state.total, 'pair')} match “${state.query}”${state.total ? `; showing ${shownFrom}–${shownTo}` : ''}.`
    : state.total > kPageSize ? `Showing ${shownFrom}–${shownTo} of ${state.total.toLocaleString()}.` : '';
  const pages = Math.max(1, Math.ceil(state.total / kPageSize));
  byId('pairs-page').textContent = pages > 1 ? `Page ${Math.floor(state.offset / kPageSize) + 1} of ${pages}` : '';
  byId('pairs-prev').disabled = state.offset === 0;
  byId('pairs-next').disabled = shownTo >= state.total;
}

function render() {
  renderTable();
  renderPending();
}

export async function loadPairs() {
  const ask = ++asked;
  const params = new URLSearchParams({ offset: String(state.offset), limit: String(kPageSize) });
  if (state.query) params.set('query', state.query);
  const data = await api('GET', `/api/v1/policy/pairs?${params}`);
  if (ask !== asked) return;
  state.items = data && Array.isArray(data.items) ? data.items : [];
  state.total = data && Number.isFinite(data.total) ? data.total : state.items.length;
  for (const { a, b } of state.items) {
    remember(a);
    remember(b);
  }
  if (!state.query) byId('pairs-count').textContent = `(${state.total.toLocaleString()})`;
  if (state.items.length === 0 && state.offset > 0) {
    state.offset = Math.max(0, state.offset - kPageSize);
    await loadPairs();
    return;
  }
  render();
}

// After a guest is deleted: unsaved changes that name them are dropped.
export function forgetGuest(id) {
  for (const map of [state.adds, state.removes]) {
    for (const [key, pair] of map) if (pair.includes(id)) map.delete(key);
  }
}

export function wirePairs({ onSaved }) {
  afterSave = onSaved;
  const status = byId('pairs-status');
  const first = guestPicker(byId('pair-first'), byId('pair-first-options'), api);
  const second = guestPicker(byId('pair-second'), byId('pair-second-options'), api);
  const button = byId('add-pair');
  byId('add-pair-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(button, async () => {
      const inputs = [byId('pair-first'), byId('pair-second')];
      inputs.forEach(clearField);
      let a;
      let b;
      try {
        [a, b] = await Promise.all([first.resolve(), second.resolve()]);
      } catch (error) {
        if (!handleFatal(error)) announce(status, error.message, 'error');
        return;
      }
      const problems = [];
      if (!a) problems.push([inputs[0], byId('pair-first').value.trim() ? 'No single guest matches this. Pick one from the suggestions.' : 'Choose the first guest.']);
      if (!b) problems.push([inputs[1], byId('pair-second').value.trim() ? 'No single guest matches this. Pick one from the suggestions.' : 'Choose the second guest.']);
      if (a && b && a.id === b.id) problems.push([inputs[1], 'Choose two different guests.']);
      if (problems.length) {
        for (const [input, message] of problems) markField(input, message);
        announce(status, problems.map(([, message]) => message).join(' '), 'error');
        problems[0][0].focus();
        return;
      }
      const pair = ordered([a.id, b.id]);
      const key = pairKey(pair);
      if (state.removes.has(key)) {
        keep(pair);
      } else if (state.items.some((p) => pairKey([p.a.id, p.b.id]) === key) || state.adds.has(key)) {
        announce(status, `${a.displayName} and ${b.displayName} are already allowed.`, 'info');
      } else {
        state.adds.set(key, pair);
        render();
        announce(status, `Added ${a.displayName} – ${b.displayName}. Save to apply.`, 'info');
      }
      second.clear();
      byId('pair-second').focus();
    });
  });

  let searchTimer = null;
  byId('pairs-search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.query = byId('pairs-search').value.trim();
      state.offset = 0;
      loadPairs().catch((error) => handleFatal(error) || announce(status, error.message, 'error'));
    }, 200);
  });
  const page = (delta, focusId) => () => {
    state.offset = Math.max(0, state.offset + delta * kPageSize);
    loadPairs().then(() => byId(focusId).disabled ? byId('pairs-heading').focus() : byId(focusId).focus())
      .catch((error) => handleFatal(error) || announce(status, error.message, 'error'));
  };
  byId('pairs-prev').addEventListener('click', page(-1, 'pairs-prev'));
  byId('pairs-next').addEventListener('click', page(1, 'pairs-next'));

  byId('revert-pairs').addEventListener('click', () => {
    state.adds.clear();
    state.removes.clear();
    render();
    announce(status, 'Changes discarded.', 'info');
    byId('pair-first').focus();
  });

  const save = byId('save-pairs');
  // busy() re-enables the button; render() then disables it again when nothing is left to save.
  save.addEventListener('click', () => busy(save, async () => {
    const add = [...state.adds.values()];
    const remove = [...state.removes.values()];
    try {
      const result = await changePairs({ add, remove }, { what: 'Saving these pairs' });
      if (!result) {
        announce(status, 'Nothing was saved. Your changes are still here.', 'info');
        save.focus();
        return;
      }
      state.adds.clear();
      state.removes.clear();
      const added = Array.isArray(result.added) ? result.added.length : add.length;
      const removed = Array.isArray(result.removed) ? result.removed.length : remove.length;
      const closed = Array.isArray(result.spacesClosed) ? result.spacesClosed : [];
      await loadPairs();
      let message = `Saved: ${plural(added, 'pair')} allowed, ${removed} removed; ${plural(state.total, 'allowed pair')} in all.`;
      if (closed.length) {
        message += ` Closed ${plural(closed.length, 'space')}: ${closed.map((s) => s.title || 'Untitled space').join('; ')}.`;
      } else if (removed) {
        message += ' No space had to be closed.';
      }
      announce(status, message, 'success');
      await afterSave();
    } catch (error) {
      if (!handleFatal(error)) announce(status, `Not saved: ${error.message}`, 'error');
    }
  }).then(render));

  window.addEventListener('beforeunload', (event) => {
    if (pairsDirty()) event.preventDefault();
  });
}
