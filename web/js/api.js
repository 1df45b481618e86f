// The one way the pages talk to the portal: JSON in and out, the session's CSRF token on every
// state-changing call, and the portal's {"error": {code, message}} turned into a thrown ApiError.

let csrfToken = null;
let onUnauthorized = null;

export class ApiError extends Error {
  constructor(status, code, message, { field, retryAfter } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

const kStateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// `body` is sent as JSON unless `raw` (a string or Blob with its `contentType`, or a FormData, for
// which the browser writes the multipart Content-Type and boundary itself) is given.
export async function api(method, path, { body, raw, contentType } = {}) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (raw !== undefined) {
    payload = raw;
    if (contentType) headers['Content-Type'] = contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (kStateChanging.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The portal cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let data = null;
  if (text && (response.headers.get('Content-Type') || '').includes('json')) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && onUnauthorized) onUnauthorized();
    const error = data && typeof data.error === 'object' && data.error !== null ? data.error : {};
    const retry = Number(response.headers.get('Retry-After'));
    throw new ApiError(
      response.status,
      typeof error.code === 'string' ? error.code : `http_${response.status}`,
      typeof error.message === 'string' && error.message ? error.message : `The portal answered ${response.status}.`,
      { field: error.field, retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined },
    );
  }
  return data;
}

// Reads who is signed in and remembers the CSRF token for later calls.
export async function loadSession() {
  const session = await api('GET', '/api/v1/session');
  csrfToken = session && session.csrfToken ? session.csrfToken : null;
  return session || { role: null, csrfToken: null };
}

// A page whose every call needs a session (the guest page) leaves on the first 401 it gets.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export async function signOut() {
  try {
    await api('DELETE', '/api/v1/session');
  } finally {
    csrfToken = null;
  }
}

// "in 3 minutes", "in 45 seconds": how long to wait after a 429.
export function describeWait(seconds) {
  if (!seconds) return 'in a little while';
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minutes`;
}
