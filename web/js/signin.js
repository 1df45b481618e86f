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
    // The portal's own limits, when it says them (the page's maxlength values are its defaults).
    const limits = info && info.limits && typeof info.limits === 'object' ? info.limits : {};
    if (Number.isInteger(limits.usernameMax) && limits.usernameMax > 0) byId('username').maxLength = limits.usernameMax;
    if (Number.isInteger(limits.passwordMax) && limits.passwordMax > 0) byId('password').maxLength = limits.passwordMax;
  } catch {
    // Not knowing is not a reason to warn.
  }
}

// "1:05", "0:09": the countdown's clock.
function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// After a 429 the button waits out the portal's Retry-After with a visible countdown; what was typed
// stays, so the guest only has to press Sign in again.
let waitTimer = null;
function startCountdown(seconds) {
  const submit = byId('signin-submit');
  const wait = byId('signin-wait');
  const until = Date.now() + seconds * 1000;
  clearInterval(waitTimer);
  const tick = () => {
    const left = (until - Date.now()) / 1000;
    if (left <= 0) {
      clearInterval(waitTimer);
      waitTimer = null;
      submit.disabled = false;
      wait.textContent = 'You can try again now.';
      return;
    }
    submit.disabled = true;
    wait.textContent = `You can try again in ${clock(left)}.`;
  };
  wait.hidden = false;
  tick();
  waitTimer = setInterval(tick, 250);
}

function wireForm() {
  const form = byId('signin-form');
  const errorRegion = byId('signin-error');
  const submit = byId('signin-submit');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (waitTimer) return;
    const username = byId('username').value.trim();
    const password = byId('password').value;
    for (const id of ['username', 'password']) byId(id).removeAttribute('aria-invalid');
    if (!username || !password) {
      const missing = username ? byId('password') : byId('username');
      missing.setAttribute('aria-invalid', 'true');
      announce(errorRegion, 'Enter your username and password.', 'error');
      missing.focus();
      return;
    }
    announce(errorRegion, '');
    byId('signin-wait').hidden = true;
    let throttled = 0;
    await busy(submit, async () => {
      try {
        await api('POST', '/api/v1/session', { body: { username, password } });
        window.location.assign('/guest');
      } catch (error) {
        announce(errorRegion, messageFor(error), 'error');
        if (error instanceof ApiError && error.code === 'app_admin_required') byId('admin-needed').hidden = false;
        if (error instanceof ApiError && error.status === 429) {
          // Nothing was wrong with what was typed: keep it for the next try.
          throttled = error.retryAfter || 30;
          byId('password').focus();
          return;
        }
        byId('password').value = '';
        byId('password').focus();
      }
    });
    // After busy() has re-enabled the button, so that the countdown keeps it disabled.
    if (throttled) startCountdown(throttled);
  });
}

showEnded();
wireForm();
if (!(await checkSession())) await checkInfo();
