// What the signed-in pages share: the way back to sign-in, the Sign out button, and the session
// check that sends anyone without the page's role back to the sign-in page.
import { loadSession, signOut } from './api.js';
import { busy, byId } from './dom.js';

export function goHome() {
  window.location.replace('/');
}

export function wireSignOut() {
  const button = byId('signout');
  button.addEventListener('click', () => busy(button, async () => {
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
