// The guest's change-password page (/password): the forced change an administrator asked for, and a
// voluntary one reached from the guest page. The rules are shown before the guest types; a field the
// portal refuses is marked and focused.
import { api, ApiError, setUnauthorizedHandler } from './api.js';
import { announce, busy, byId } from './dom.js';
import { goHomeEnded, sessionWithRole, wireSignOut } from './page.js';

// The portal's limits (GET /api/v1/info); these defaults are the same numbers.
const limits = { passwordMin: 8, passwordMax: 1024 };

// API field -> [input, its error paragraph].
const kFields = {
  currentPassword: ['current-password', 'current-password-error'],
  newPassword: ['new-password', 'new-password-error'],
  confirmPassword: ['confirm-password', 'confirm-password-error'],
};

function clearMarks() {
  for (const [input, error] of Object.values(kFields)) {
    byId(input).removeAttribute('aria-invalid');
    announce(byId(error), '');
  }
  announce(byId('password-error'), '');
  byId('password-error').classList.remove('visually-hidden');
}

// Marks the field, says what is wrong beside it and in the page's alert, and focuses it.
function markInvalid(field, message) {
  const [input, error] = kFields[field];
  byId(input).setAttribute('aria-invalid', 'true');
  announce(byId(error), message, 'error');
  // Announced by screen readers; seen once, beside the field.
  announce(byId('password-error'), message, 'error');
  byId('password-error').classList.add('visually-hidden');
  byId(input).focus();
}

// What the page can tell before asking the portal; the portal checks the same rules.
function localProblem(current, fresh, confirm) {
  if (!current) return ['currentPassword', 'Enter your current password.'];
  if (new TextEncoder().encode(fresh).length < limits.passwordMin) {
    return ['newPassword', `The new password must be at least ${limits.passwordMin} characters.`];
  }
  if (new TextEncoder().encode(fresh).length > limits.passwordMax) {
    return ['newPassword', `The new password must be at most ${limits.passwordMax} bytes.`];
  }
  if (fresh === current) return ['newPassword', 'The new password must differ from the current one.'];
  if (fresh !== confirm) return ['confirmPassword', 'The two new passwords are not the same.'];
  return null;
}

async function loadLimits() {
  try {
    const info = await api('GET', '/api/v1/info');
    if (info && info.limits) {
      limits.passwordMin = info.limits.passwordMin;
      limits.passwordMax = info.limits.passwordMax;
    }
  } catch {
    // The defaults are the portal's own numbers.
  }
  byId('password-min').textContent = String(limits.passwordMin);
  byId('password-max').textContent = String(limits.passwordMax);
  byId('new-password').minLength = limits.passwordMin;
  byId('new-password').maxLength = limits.passwordMax;
  byId('confirm-password').maxLength = limits.passwordMax;
}

function wireForm() {
  const form = byId('password-form');
  const submit = byId('password-submit');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMarks();
    const currentPassword = byId('current-password').value;
    const newPassword = byId('new-password').value;
    const problem = localProblem(currentPassword, newPassword, byId('confirm-password').value);
    if (problem) {
      markInvalid(...problem);
      return;
    }
    await busy(submit, async () => {
      try {
        await api('POST', '/api/v1/session/password', { body: { currentPassword, newPassword } });
        window.location.assign('/guest');
      } catch (error) {
        if (error instanceof ApiError && Object.hasOwn(kFields, error.field || '')) {
          markInvalid(error.field, error.message);
        } else {
          announce(byId('password-error'), error.message || 'Something went wrong. Please try again.', 'error');
        }
      }
    });
  });
}

async function main() {
  const session = await sessionWithRole('guest');
  if (!session || !session.guest) return;
  setUnauthorizedHandler(() => goHomeEnded('expired'));
  byId('guest-name').textContent = session.guest.displayName || session.guest.username;
  wireSignOut();
  const forced = session.guest.mustChangePassword === true;
  byId('forced').hidden = !forced;
  // A forced change has no way around it; a voluntary one can go back.
  byId('password-cancel').hidden = forced;
  await loadLimits();
  wireForm();
  byId('main').removeAttribute('aria-busy');
  byId('current-password').focus();
}

main();
