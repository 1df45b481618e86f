// The meeting panel of the open space: Start (or Join when a meeting is live), the live state, Leave
// and End. The portal leases a licensed host for the meeting (POST …/meeting) and keeps the lease
// while some member's page renews it, so a page that holds the meeting sends a heartbeat; it stops
// when the meeting ends, when the guest leaves or ends it, opens another space or leaves the page.
// Audio and video go through the Webex browser SDK, loaded only when the portal says media is
// available; against the Webex emulator (demo, tests) the panel says that media needs real Webex.
import { api, ApiError, describeWait } from './api.js';
import { announce, busy, byId, formatShortTime } from './dom.js';

const kSdkUrl = '/static/vendor/webex-meetings.min.js';
const kMaxBeatMs = 30000;
const kMinBeatMs = 1000;
const kRetryBeatMs = 5000;
const kSdkStepMs = 30000;

const mt = {
  hooks: {},
  room: null, // the open space
  generation: 0, // moves on when another space opens; late replies for the old one are dropped
  lease: null, // the live meeting of the open space as the portal last described it
  joined: false, // this page holds the meeting: it sends heartbeats (and has media, when available)
  starting: false, // a Start or Join is waiting for the portal, whose answer settles the panel
  ending: false, // so is an End
  startedBy: '', // who started it, when an event said so
  beatTimer: null,
  media: null, // {webex, meeting, streams} while the SDK is in use
  sdk: null, // the promise of the loaded SDK
  endedIds: new Set(), // meetings of the open space known to have ended
};

function meetingPath(roomId, suffix = '') {
  return `/api/v1/rooms/${encodeURIComponent(roomId)}/meeting${suffix}`;
}

function isLease(data) {
  return Boolean(data) && typeof data === 'object' && typeof data.leaseId === 'string' && data.leaseId !== '';
}

// --- what the panel shows --------------------------------------------------------------------------------

function sinceText(lease) {
  const when = formatShortTime(lease.startedAt);
  return when ? ` since ${when}` : '';
}

function render(state) {
  const lease = mt.lease;
  const text = byId('meeting-state');
  const start = byId('meeting-start');
  const leave = byId('meeting-leave');
  const end = byId('meeting-end');
  let line;
  if (state === 'checking') line = 'Checking for a meeting…';
  else if (state === 'starting') line = lease ? 'Joining the meeting…' : 'Starting a meeting…';
  else if (state === 'ending') line = 'Ending the meeting…';
  else if (lease && mt.joined) line = `You are in the meeting${sinceText(lease)}.`;
  else if (lease) line = `A meeting is on${sinceText(lease)}${mt.startedBy ? `, started by ${mt.startedBy}` : ''}.`;
  else line = 'No meeting in this space.';
  if (lease && lease.mode === 'space-pool') {
    line += ' It runs in a Webex space your organisation lends for meetings.';
  }
  text.textContent = line;
  const live = Boolean(lease);
  start.hidden = live && mt.joined;
  start.textContent = live ? 'Join meeting' : 'Start meeting';
  leave.hidden = !(live && mt.joined);
  end.hidden = !(live && mt.joined);
  byId('meeting').dataset.state = live ? (mt.joined ? 'joined' : 'live') : 'none';
  byId('meeting-demo').hidden = !(live && mt.joined && lease.mediaAvailable === false);
  if (!mt.media) byId('meeting-media').hidden = true;
}

// Keeps the keyboard in the panel when the button it was on goes away.
function keepFocus(preferred) {
  const panel = byId('meeting');
  const active = document.activeElement;
  if (active && active !== document.body && !panel.contains(active)) return;
  if (active && panel.contains(active) && !active.hidden && !active.disabled) return;
  const target = [preferred, byId('meeting-start'), byId('meeting-leave')].find((b) => b && !b.hidden);
  if (target) target.focus();
}

function say(message) {
  announce(byId('meeting-live'), message);
}

function showError(message) {
  announce(byId('meeting-error'), message, 'error');
}

// --- heartbeat ---------------------------------------------------------------------------------------------

// A third of the time left before the lease would end, at most 30 s: two beats may fail before the
// portal gives the meeting up. An expiry that looks past already (this computer's clock is ahead of
// the portal's) gets a beat every 5 s rather than one a second.
function beatDelay(lease) {
  const left = Date.parse(lease.expiresAt) - Date.now();
  if (!Number.isFinite(left)) return kMaxBeatMs;
  if (left <= 0) return kRetryBeatMs;
  return Math.max(kMinBeatMs, Math.min(kMaxBeatMs, Math.floor(left / 3)));
}

function scheduleBeat(delay) {
  clearTimeout(mt.beatTimer);
  mt.beatTimer = setTimeout(beat, delay);
}

function stopBeat() {
  clearTimeout(mt.beatTimer);
  mt.beatTimer = null;
}

async function beat() {
  mt.beatTimer = null;
  const room = mt.room;
  const lease = mt.lease;
  if (!room || !lease || !mt.joined) return;
  if (mt.ending) {
    scheduleBeat(kRetryBeatMs); // in case the End fails
    return;
  }
  const gen = mt.generation;
  try {
    const answer = await api('POST', meetingPath(room.id, '/heartbeat'));
    if (gen !== mt.generation || mt.lease !== lease || !mt.joined) return;
    if (answer && typeof answer.expiresAt === 'string') lease.expiresAt = answer.expiresAt;
    scheduleBeat(beatDelay(lease));
  } catch (error) {
    if (gen !== mt.generation || mt.lease !== lease || !mt.joined) return;
    if (error instanceof ApiError && error.status === 404) {
      if (!mt.ending) ended(lease.leaseId, 'The meeting ended.');
      return;
    }
    if (error instanceof ApiError && error.status === 401) return;
    // The portal or the network failed for a moment: try again soon, while the lease still runs.
    scheduleBeat(Math.min(kRetryBeatMs, beatDelay(lease)));
  }
}

// --- media through the Webex SDK -------------------------------------------------------------------------

function loadSdk() {
  if (!mt.sdk) {
    mt.sdk = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = kSdkUrl;
      script.async = true;
      script.addEventListener('load', () => {
        const sdk = window.Webex && (typeof window.Webex.init === 'function' ? window.Webex : window.Webex.default);
        if (sdk && typeof sdk.init === 'function') resolve(sdk);
        else reject(new Error('the Webex SDK did not load as expected'));
      });
      script.addEventListener('error', () => reject(new Error('the Webex SDK could not be loaded')));
      document.head.append(script);
    });
    mt.sdk.catch(() => {
      mt.sdk = null; // the next attempt loads it again
    });
  }
  return mt.sdk;
}

// A step of the SDK that does not finish in time fails, instead of leaving the panel waiting.
function within(promise, message, ms = kSdkStepMs) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function setVideo(id, stream) {
  const node = byId(id);
  node.srcObject = stream || null;
}

// Joins the meeting's audio and video. Only when the portal reports media (a real Webex
// connection); every failure leaves the lease as it is and says what went wrong.
async function joinMedia(lease) {
  const gen = mt.generation;
  const current = () => gen === mt.generation && mt.lease === lease && mt.joined;
  say('Connecting audio and video…');
  const media = { webex: null, meeting: null, streams: [] };
  try {
    const token = await api('GET', '/api/v1/webex/token');
    const Webex = await loadSdk();
    if (!current()) return;
    media.webex = Webex.init({ credentials: { access_token: token.accessToken } });
    mt.media = media;
    // The plugins are attached once the SDK says it is ready; registering the device reaches Webex.
    await within(new Promise((resolve) => {
      if (media.webex.ready) resolve();
      else media.webex.once('ready', resolve);
    }), 'the Webex SDK did not start');
    await within(media.webex.meetings.register(), 'Webex did not answer');
    const destination = lease.mode === 'space-pool'
      ? lease.spaceId
      : lease.meeting && (lease.meeting.webLink || lease.meeting.meetingNumber);
    if (!destination) throw new Error('the portal named no meeting to join');
    media.meeting = await media.webex.meetings.create(destination);
    if (media.meeting.passwordStatus === 'REQUIRED') {
      const password = lease.meeting && lease.meeting.password;
      if (!password) throw new Error('the meeting asks for a password the portal did not give');
      await media.meeting.verifyPassword(password);
    }
    media.meeting.on('media:ready', (event) => {
      if (!event) return;
      if (event.type === 'remoteVideo') setVideo('meeting-remote-video', event.stream);
      if (event.type === 'remoteAudio') setVideo('meeting-remote-audio', event.stream);
    });
    media.meeting.on('media:stopped', (event) => {
      if (!event) return;
      if (event.type === 'remoteVideo') setVideo('meeting-remote-video', null);
      if (event.type === 'remoteAudio') setVideo('meeting-remote-audio', null);
    });
    const helpers = media.webex.meetings.mediaHelpers;
    const microphone = await helpers.createMicrophoneStream({ echoCancellation: true, noiseSuppression: true });
    media.streams.push(microphone);
    let camera;
    try {
      camera = await helpers.createCameraStream({ width: 640, height: 360 });
      media.streams.push(camera);
    } catch {
      camera = undefined; // no camera, or not allowed: audio only
    }
    if (!current()) throw new Error('left');
    if (camera) setVideo('meeting-local-video', camera.outputStream);
    byId('meeting-media').hidden = false;
    await media.meeting.joinWithMedia({ mediaOptions: { localStreams: { microphone, camera } } });
    if (!current()) throw new Error('left');
    say(camera ? 'Your microphone and camera are on.' : 'Your microphone is on; no camera is available.');
  } catch (error) {
    const stale = !current();
    if (mt.media === media) mt.media = null;
    await stopMedia(media);
    if (stale) return;
    byId('meeting-media').hidden = true;
    const reason = error && error.message ? error.message : String(error);
    showError(`Audio and video could not start (${reason}). The meeting stays open: choose Leave, then Join to try again.`);
  }
}

async function stopMedia(media) {
  if (!media) return;
  try {
    if (media.meeting) await media.meeting.leave();
  } catch {
    // Leaving a meeting that never fully started can fail; the streams still stop below.
  }
  for (const stream of media.streams) {
    try {
      stream.stop();
    } catch {
      // already stopped
    }
  }
  try {
    if (media.webex) await media.webex.meetings.unregister();
  } catch {
    // the device registration lapses by itself
  }
}

function leaveMedia() {
  const media = mt.media;
  mt.media = null;
  setVideo('meeting-remote-video', null);
  setVideo('meeting-local-video', null);
  setVideo('meeting-remote-audio', null);
  byId('meeting-media').hidden = true;
  return stopMedia(media);
}

// --- the meeting's life ------------------------------------------------------------------------------------

// This page stops holding the meeting (no more heartbeats, no media); the meeting itself goes on.
function letGo() {
  stopBeat();
  mt.joined = false;
  leaveMedia();
}

// The meeting `leaseId` is over (an event, a 404, End): the panel offers Start again.
function ended(leaseId, message) {
  if (leaseId) mt.endedIds.add(leaseId);
  if (!mt.lease || (leaseId && mt.lease.leaseId !== leaseId)) return;
  letGo();
  mt.lease = null;
  mt.startedBy = '';
  render('idle');
  keepFocus(byId('meeting-start'));
  if (message) say(message);
}

// Takes a lease the portal returned (GET or POST) for the open space.
function adopt(lease) {
  if (mt.lease && mt.lease.leaseId !== lease.leaseId) {
    letGo();
    mt.startedBy = '';
  }
  mt.lease = lease;
}

function startError(error, joining) {
  const what = joining ? 'You could not join the meeting' : 'The meeting could not be started';
  if (!(error instanceof ApiError)) return `${what}. Please try again.`;
  const said = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  // The portal's own words, with when to try again unless they already say it.
  if (error.code === 'pool_exhausted') {
    return /try again/i.test(said) ? said : `${said} Please try again ${describeWait(error.retryAfter)}.`;
  }
  if (error.status === 429 || error.status === 502 || error.status === 503) {
    return `${what}. ${said} Please try again ${describeWait(error.retryAfter)}.`;
  }
  if (error.status === 0) return `${what}. ${said}`;
  return `${what}: ${said}`;
}

async function start() {
  const room = mt.room;
  if (!room || mt.joined) return;
  const gen = mt.generation;
  const joining = Boolean(mt.lease);
  announce(byId('meeting-error'), '');
  render('starting');
  let lease;
  mt.starting = true;
  try {
    lease = await busy(byId('meeting-start'), () => api('POST', meetingPath(room.id)));
  } catch (error) {
    if (gen !== mt.generation) return;
    mt.starting = false;
    render('idle');
    if (error instanceof ApiError && error.status === 401) return;
    if (error instanceof ApiError && error.status === 404) {
      mt.hooks.onRoomGone(room.id);
      return;
    }
    showError(startError(error, joining));
    byId('meeting-start').focus();
    return;
  }
  if (gen !== mt.generation) return;
  mt.starting = false;
  if (!isLease(lease)) {
    render('idle');
    showError('The portal answered without a meeting. Please try again.');
    return;
  }
  const sameMeeting = joining && mt.lease && mt.lease.leaseId === lease.leaseId;
  adopt(lease);
  mt.joined = true;
  render('joined');
  keepFocus(byId('meeting-leave'));
  say(sameMeeting || joining ? 'You joined the meeting.' : 'You started a meeting. The others in this space can join it now.');
  scheduleBeat(beatDelay(lease));
  if (lease.mediaAvailable === true) joinMedia(lease);
}

function leave() {
  if (!mt.lease || !mt.joined) return;
  letGo();
  render('live');
  byId('meeting-start').focus();
  say('You left the meeting. It goes on for the others until someone ends it.');
}

async function end() {
  const room = mt.room;
  const lease = mt.lease;
  if (!room || !lease) return;
  const gen = mt.generation;
  announce(byId('meeting-error'), '');
  render('ending');
  mt.ending = true;
  try {
    await busy(byId('meeting-end'), () => api('DELETE', meetingPath(room.id)));
  } catch (error) {
    if (gen !== mt.generation) return;
    mt.ending = false;
    if (mt.lease !== lease) return;
    if (error instanceof ApiError && error.status === 404) {
      ended(lease.leaseId, 'The meeting had already ended.');
      return;
    }
    render('joined');
    if (error instanceof ApiError && error.status === 401) return;
    showError(`The meeting could not be ended: ${error.message}`);
    return;
  }
  if (gen !== mt.generation) return;
  mt.ending = false;
  ended(lease.leaseId, 'You ended the meeting.');
}

// Asks the portal for the open space's meeting (on opening it, and after missed events).
async function check() {
  const room = mt.room;
  if (!room) return;
  const gen = mt.generation;
  let lease = null;
  try {
    lease = await api('GET', meetingPath(room.id));
  } catch (error) {
    if (gen !== mt.generation) return;
    if (!(error instanceof ApiError) || error.status !== 404) {
      if (!mt.lease) render('idle');
      return; // Start still works; the portal says then whether one is live.
    }
    lease = null;
  }
  if (gen !== mt.generation) return;
  if (!isLease(lease)) {
    if (mt.lease) ended(mt.lease.leaseId, mt.joined ? 'The meeting ended.' : '');
    else render('idle');
    return;
  }
  if (mt.endedIds.has(lease.leaseId)) {
    // An answer from before the meeting's end event.
    if (!mt.lease) render('idle');
    return;
  }
  // The same meeting keeps its object: a heartbeat in flight recognises it by identity.
  if (mt.lease && mt.lease.leaseId === lease.leaseId) Object.assign(mt.lease, lease);
  else adopt(lease);
  render(mt.joined ? 'joined' : 'live');
}

// --- what the page calls --------------------------------------------------------------------------------

// hooks: onRoomGone(roomId).
export function initMeeting(hooks) {
  mt.hooks = hooks;
  byId('meeting-start').addEventListener('click', start);
  byId('meeting-leave').addEventListener('click', leave);
  byId('meeting-end').addEventListener('click', end);
  window.addEventListener('pagehide', () => {
    if (mt.joined) {
      letGo();
      render('live');
    }
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) check();
  });
}

// Shows the panel for `room` (null: no space open). Leaving a space lets its meeting go.
export function openMeeting(room) {
  letGo();
  mt.generation += 1;
  mt.room = room && !room.closed ? room : null;
  mt.lease = null;
  mt.startedBy = '';
  mt.starting = false;
  mt.ending = false;
  mt.endedIds.clear();
  announce(byId('meeting-error'), '');
  announce(byId('meeting-live'), '');
  byId('meeting').hidden = !mt.room;
  if (!mt.room) return;
  render('checking');
  check();
}

// The page is going (sign-out, session ended): stop renewing and drop the media.
export function closeMeeting() {
  openMeeting(null);
}

// meeting.started for the open space. `who` is the starter's name when the event carries one.
export function meetingStarted(data, who) {
  if (!mt.room || data.roomId !== mt.room.id) return;
  if (mt.lease && mt.lease.leaseId === data.leaseId) return;
  // This page's own Start (the event may come before the portal's answer).
  if (mt.starting) return;
  mt.startedBy = who || '';
  say(who ? `${who} started a meeting in this space.` : 'A meeting started in this space.');
  check();
}

const kEndReasons = {
  timeout: 'The meeting ended: no one kept it open.',
  failed: 'The meeting ended: Webex could not keep it going.',
};

// meeting.ended for the open space.
export function meetingEnded(data) {
  if (!mt.room || data.roomId !== mt.room.id) return;
  // This page's own End (the event may come before the portal's answer).
  if (mt.ending && mt.lease && mt.lease.leaseId === data.leaseId) return;
  ended(typeof data.leaseId === 'string' ? data.leaseId : '', kEndReasons[data.reason] || 'The meeting ended.');
}

// The events may have been missed (resync, a new stream): ask the portal again.
export function refreshMeeting() {
  if (mt.room) check();
}
