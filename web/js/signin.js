// The sign-in page: guest username/password form and the administrators' Webex link.
import { api, ApiError, describeWait, loadSession } from './api.js';
import { announce, busy, byId } from './dom.js';

const kHome = { guest: '/guest', admin: '/admin' };

// Why the guest page sent the browser here (`/?ended=REASON`).
const kEnded = {
  signed_out: 'You have been signed out.',
  disabled: 'Your account was disabled by your organisation.',
  removed: 'Your account was removed by your organisation.',
  password_changed: 'Your password was changed. Please sign in with your new password.',
  account_expired: 'Your account has expired. Please contact your administrator.',
  expired: 'Your session has ended. Please sign in again.',
};

function showEnded() {
  const reason = new URLSearchParams(window.location.search).get('ended');
  if (reason === null) return;
  byId('session-ended-text').textContent = Object.hasOwn(kEnded, reason) ? kEnded[reason] : kEnded.expired;
  byId('session-ended').hidden = false;
}

function messageFor(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'invalid_credentials':
      return 'Wrong username or password.';
    case 'too_many_attempts':
      return `Too many sign-in attempts. Please try again ${describeWait(error.retryAfter)}.`;
    case 'app_admin_required':
      return 'The portal needs an administrator to sign in to Webex. Please contact your administrator.';
    case 'account_disabled':
      return 'This account is disabled. Please contact your administrator.';
    default:
      if (error.status === 429) return `Too many attempts. Please try again ${describeWait(error.retryAfter)}.`;
      return error.message;
  }
}

async function checkSession() {
  try {
    const session = await loadSession();
    if (kHome[session.role]) {
      window.location.replace(kHome[session.role]);
      return true;
    }
  } catch {
    // The form still works; a failed look-up only means no redirect.
  }
  return false;
}

async function checkInfo() {
  try {
    const info = await api('GET', '/api/v1/info');
    byId('admin-needed').hidden = !(info && info.appAdminReady === false);
  } catch {
    // Not knowing is not a reason to warn.
  }
}

function wireForm() {
  const form = byId('signin-form');
  const errorRegion = byId('signin-error');
  const submit = byId('signin-submit');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const username = byId('username').value.trim();
    const password = byId('password').value;
    if (!username || !password) {
      announce(errorRegion, 'Enter your username and password.', 'error');
      (username ? byId('password') : byId('username')).focus();
      return;
    }
    announce(errorRegion, '');
    await busy(submit, async () => {
      try {
        await api('POST', '/api/v1/session', { body: { username, password } });
        window.location.assign('/guest');
      } catch (error) {
        announce(errorRegion, messageFor(error), 'error');
        if (error instanceof ApiError && error.code === 'app_admin_required') byId('admin-needed').hidden = false;
        byId('password').value = '';
        byId('password').focus();
      }
    });
  });
}

showEnded();
wireForm();
if (!(await checkSession())) await checkInfo();
