// What the signed-in pages share: the way back to sign-in, the Sign out button, and the session
// check that sends anyone without the page's role back to the sign-in page.
import { loadSession, signOut } from './api.js';
import { busy, byId } from './dom.js';

export function goHome() {
  window.location.replace('/');
}

// Why a session ended, as the sign-in page explains it (see signin.js).
export const kEndReasons = new Set(['signed_out', 'disabled', 'removed', 'password_changed', 'account_expired', 'expired']);

// Back to sign-in, which then says why the session ended.
export function goHomeEnded(reason) {
  window.location.replace(`/?ended=${encodeURIComponent(kEndReasons.has(reason) ? reason : 'expired')}`);
}

// `beforeSignOut` runs first (the guest page closes its event stream there, so its own sign-out is
// not reported back to it as a session that ended).
export function wireSignOut({ beforeSignOut } = {}) {
  const button = byId('signout');
  button.addEventListener('click', () => busy(button, async () => {
    if (beforeSignOut) beforeSignOut();
    try {
      await signOut();
    } catch {
      // Signed out or not, the way back is the sign-in page.
    }
    goHome();
  }));
}

// The session when it has `role`; otherwise null, after sending the browser to the sign-in page.
export async function sessionWithRole(role) {
  let session;
  try {
    session = await loadSession();
  } catch {
    goHome();
    return null;
  }
  if (session.role !== role) {
    goHome();
    return null;
  }
  return session;
}
