// Short notices in a corner of the page ("New message in Planning"). A toast never takes focus: it is a
// role="status" region that screen readers read out politely; it goes away by itself, but not while
// the pointer or the keyboard is on it.
import { byId, el } from './dom.js';

const kShowMs = 8000;
const kMaxToasts = 3;

// Shows a toast; `key` replaces an earlier toast with the same key (one per space). `onOpen` runs
// when the toast is clicked, and the toast goes.
export function showToast({ key, heading, body, onOpen }) {
  const container = byId('toasts');
  for (const old of container.querySelectorAll('.toast')) {
    if (key && old.dataset.key === key) old.remove();
  }
  while (container.children.length >= kMaxToasts) container.firstElementChild.remove();

  const toast = el('div', { className: 'toast', role: 'status', dataset: { key: key || '' } });
  container.append(toast);

  let timer = null;
  const dismiss = () => {
    clearTimeout(timer);
    toast.remove();
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(dismiss, kShowMs);
  };
  toast.addEventListener('mouseenter', () => clearTimeout(timer));
  toast.addEventListener('mouseleave', arm);
  toast.addEventListener('focusin', () => clearTimeout(timer));
  toast.addEventListener('focusout', (event) => {
    if (!toast.contains(event.relatedTarget)) arm();
  });

  // The content goes in after the empty region is in the page: screen readers announce a change to
  // a live region, not a region that arrives already filled.
  setTimeout(() => {
    toast.append(
      el('button', {
        type: 'button',
        className: 'toast-open',
        onclick: () => {
          dismiss();
          onOpen();
        },
      },
      el('span', { className: 'toast-heading', text: heading }),
      body ? el('span', { className: 'toast-body', text: body }) : null),
      el('button', { type: 'button', className: 'toast-close', 'aria-label': 'Dismiss notification', onclick: dismiss }, '×'),
    );
  }, 50);
  arm();
  return toast;
}

// Removes the toast with `key`, if one is showing (a meeting that ended takes its invitation away).
export function dismissToast(key) {
  for (const toast of byId('toasts').querySelectorAll('.toast')) {
    if (toast.dataset.key === key) toast.remove();
  }
}
