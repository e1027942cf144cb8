// Live updates: one EventSource on /api/v1/stream (Server-Sent Events, sent
// with the session cookie) shared by every view.  A view asks for its
// refresh with liveEvery(fn, ms, filter): fn runs now, again (debounced)
// whenever a stream message passes filter, and every ms only while the
// stream is down (refused, cut, or an old server): polling is the fallback
// (and once a minute while it is up).
//
// Messages (docs/api.md): {type: 'boot', data: event}, {type: 'machine',
// data: machine}; 'resync' (events were missed) refreshes every view.
// <html data-live="on|off"> shows the stream's state (and tells tests).

const subs = new Set();
let es = null;
let up = false;
let reconnect = null;
let backoff = 5000;
let idle = null;

// Tests (and the curious) can stretch the fallback polling:
// localStorage['bootherd.poll_ms'].
function pollMs(ms) {
  const o = Number(localStorage.getItem('bootherd.poll_ms'));
  return o > 0 ? o : ms;
}

function setUp(v) {
  // Written even when unchanged: a stream refused from the start (429, 503,
  // 404) must show "off" too, not no state at all.
  document.documentElement.dataset.live = v ? 'on' : 'off';
  if (up === v) return;
  up = v;
  for (const s of subs) arm(s);
}

// Polling at the view's pace runs only while the stream is down; while it
// is up a slow refresh (a minute) still catches what no boot event tells
// (another administrator's edits, the CLI).
const SLOW_MS = 60000;
function arm(s) {
  clearInterval(s.timer);
  s.timer = setInterval(() => s.run(), up ? Math.max(pollMs(s.ms), SLOW_MS) : pollMs(s.ms));
}

function dispatch(type, data) {
  let msg;
  try {
    msg = { type, data: data ? JSON.parse(data) : null };
  } catch (e) {
    return;
  }
  for (const s of subs) if (type === 'resync' || !s.filter || s.filter(msg)) s.soon();
}

function connect() {
  if (es || !subs.size || typeof EventSource === 'undefined') return;
  es = new EventSource('/api/v1/stream', { withCredentials: true });
  // After a gap (reconnection without a replay) the views refresh once.
  let first = true;
  es.addEventListener('hello', () => {
    backoff = 5000;
    if (!first) for (const s of subs) s.soon();
    first = false;
    setUp(true);
  });
  for (const t of ['boot', 'machine', 'resync']) es.addEventListener(t, (e) => dispatch(t, e.data));
  es.onerror = () => {
    setUp(false);
    // The browser retries a dropped stream itself (sending Last-Event-ID);
    // a refused one (401, 429, 503) is closed for good: retry later.
    if (es.readyState === EventSource.CLOSED) {
      es = null;
      clearTimeout(reconnect);
      reconnect = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 60000);
    }
  };
}

function disconnect() {
  if (es) es.close();
  es = null;
  clearTimeout(reconnect);
  setUp(false);
}

// Runs fn on every matching message (at most every 250 ms), or every ms
// while the stream is down (the caller runs its first load itself).  fn returning false means "not now"
// (a choice is being made on the page): it is tried again a second later.
// Returns stop().
export function liveEvery(fn, ms, filter) {
  const s = { ms, filter, timer: null, later: null };
  s.run = () => {
    clearTimeout(s.later);
    s.later = null;
    if (fn() === false) s.later = setTimeout(s.run, 1000);
  };
  s.soon = () => {
    if (!s.later) s.later = setTimeout(s.run, 250);
  };
  subs.add(s);
  clearTimeout(idle);
  arm(s);
  connect();
  return () => {
    subs.delete(s);
    clearInterval(s.timer);
    clearTimeout(s.later);
    // A page switch subscribes again at once: keep the stream over it.
    if (!subs.size) idle = setTimeout(disconnect, 2000);
  };
}

// Messages about one MAC (a machine's page; any spelling of it).
const macKey = (s) => decodeURIComponent(String(s)).toLowerCase().replace(/[^0-9a-f]/g, '');
export function forMac(mac) {
  const k = macKey(mac);
  return (m) => !!(m.data && m.data.mac && macKey(m.data.mac) === k);
}
