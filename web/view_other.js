// Dashboard, Discovered (adopt with one click), Leases and Events (both
// refreshing).
import { get, post, qs } from './api.js';
import { errorsCard } from './dashboard_errors.js';
import { liveEvery } from './live.js';
import { h, toast, ago, fmtTime, fullTime, timeText, timeline, emptyRow, debounce } from './ui.js';
import { bulkAdoptButton } from './view_discovered_bulk.js';

const REFRESH_MS = 5000;

// Runs fn now, then on live updates (live.js), polling every REFRESH_MS
// only while the stream is down.
function every(fn) {
  fn();
  return liveEvery(fn, REFRESH_MS);
}

// A failed boot step (structured outcome; docs/api.md).
function isError(ev) {
  return !!ev.outcome && ev.outcome !== 'ok';
}

function eventRow(ev) {
  return h('tr', { class: isError(ev) ? 'err' : '', 'data-id': String(ev.id) },
    h('td', { class: 'time-cell' }, timeText(ev.time)),
    h('td', { class: 'mono' }, h('a', { href: '#/machines/' + ev.mac, text: ev.mac })),
    h('td', { text: ev.hostname || '—' }),
    h('td', {}, h('span', { class: 'stage stage-' + ev.stage, text: ev.stage })),
    h('td', { text: ev.detail }),
    h('td', { class: 'mono muted', text: ev.peer }));
}

function eventsTable(tbody) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid events' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Time' }), h('th', { text: 'MAC' }), h('th', { text: 'Host' }),
      h('th', { text: 'Stage' }),
      h('th', { text: 'Detail' }), h('th', { text: 'Peer' }))), tbody));
}

export function dashboardView(ctx) {
  const cards = h('div', { class: 'stats' });
  const recent = h('tbody');
  const errors = errorsCard();
  const info = h('p', { class: 'lede' });
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Dashboard' }), info)),
    cards,
    h('div', { class: 'two-col' },
      h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', { text: 'Recent boots' })), eventsTable(recent)),
      errors.el));

  const stat = (label, value, href, tone) => h('a', { class: 'stat ' + (tone || ''), href },
    h('div', { class: 'stat-value', text: String(value) }), h('div', { class: 'stat-label', text: label }));

  async function load() {
    try {
      const [s, evs] = await Promise.all([get('/status'), get('/events?limit=10'), errors.load()]);
      const c = s.counters;
      info.textContent = `bootherd ${s.version} · up ${ago(s.started).replace(' ago', '')} · ` +
        `signed in as ${ctx.session.user} (${ctx.session.role})`;
      cards.replaceChildren(
        stat('Machines', c.machines.total, '#/machines'),
        stat('Assigned', c.machines.assigned, '#/machines'),
        stat('Discovered, waiting', c.machines.discovered, '#/discovered', c.machines.discovered ? 'attention' : ''),
        stat('Unassigned', c.machines.unassigned, '#/machines'),
        stat('Images', c.images, '#/images'),
        stat('Leases in use', c.leases_in_use, '#/leases'),
        stat('Image downloads now', c.image_transfers_in_flight, '#/events'));
      const boots = evs.events.slice(0, 10);
      recent.replaceChildren(...(boots.length ? boots.map(eventRow) : [emptyRow(6, 'No boot activity yet.')]));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }
  return { el, stop: every(load) };
}

// Discovered: newest first, searchable, counted and paged.  The 5 s refresh
// updates rows in place (kept by MAC), so an image being chosen or a host
// name being typed is never reset under the administrator's hands.
const DISC_PAGE = 50;

export function discoveredView(ctx) {
  const tbody = h('tbody');
  const st = { images: [], offset: 0, rows: new Map(), total: 0 };
  const search = h('input', { type: 'search', id: 'd-search', placeholder: 'MAC or part of one  (press /)',
    'aria-keyshortcuts': '/' });
  const count = h('span', { id: 'd-count', class: 'count', 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Discovered' }),
      h('p', { class: 'lede', text: 'Machines that tried to network-boot but are not managed yet, newest first. They wait and retry; adopt one with an image and it boots that image on its next try.' }))),
    h('div', { class: 'toolbar' },
      h('div', { class: 'tool' }, h('label', { for: 'd-search', text: 'Search' }), search),
      h('div', { class: 'tool count-tool' }, count),
      ctx.canWrite ? h('div', { class: 'tool' }, bulkAdoptButton(() => search.value.trim(), () => st.total, () => load())) : null),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid discovered' },
      h('thead', {}, h('tr', {}, h('th', { text: 'MAC' }), h('th', { text: 'First seen' }), h('th', { text: 'Last seen' }),
        h('th', { text: 'Last boot' }), ctx.canWrite ? h('th', { text: 'Hostname' }) : null,
        h('th', { text: ctx.canWrite ? 'Adopt with image' : '' }))), tbody)),
    pager);

  // The cells a refresh may rewrite; the controls are built once per row.
  function fillInfo(r, m) {
    r.first.replaceChildren(timeText(m.first_seen));
    r.last.textContent = ago(m.last_seen);
    r.last.title = fullTime(m.last_seen);
    r.boot.replaceChildren(timeline(m.last_stage, m.last_stage_at));
  }

  function fillImages(r) {
    if (!r.sel) return;
    const keep = r.sel.value;
    r.sel.replaceChildren(h('option', { value: '', text: 'Choose image…' }),
      ...st.images.map((i) => h('option', { value: i.name, text: i.name })));
    r.sel.value = st.images.some((i) => i.name === keep) ? keep : '';
    r.btn.disabled = !r.sel.value || r.busy;
  }

  function makeRow(m) {
    const r = { first: h('td'), last: h('td'), boot: h('td') };
    let host = null, action = null;
    if (ctx.canWrite) {
      r.sel = h('select', { 'aria-label': `Image for ${m.mac}` });
      r.host = h('input', { type: 'text', class: 'host-input', 'aria-label': `Hostname for ${m.mac}`, placeholder: 'optional' });
      const err = h('div', { class: 'field-error', role: 'alert' });
      r.btn = h('button', { type: 'button', class: 'primary small', text: 'Adopt', disabled: true,
        onclick: async () => {
          r.busy = true;
          r.btn.disabled = true;
          err.textContent = '';
          const body = { image: r.sel.value };
          if (r.host.value.trim()) body.hostname = r.host.value.trim();
          try {
            await post('/discovered/' + encodeURIComponent(m.mac) + '/adopt', body);
            toast(`${m.mac} adopted: boots ${body.image} on its next try`);
            load();
          } catch (e) {
            err.textContent = e.message;
            r.busy = false;
            r.btn.disabled = !r.sel.value;
          }
        } });
      r.sel.addEventListener('change', () => { r.btn.disabled = !r.sel.value || r.busy; });
      host = h('td', {}, r.host);
      action = h('td', {}, h('div', { class: 'adopt' }, r.sel, r.btn), err);
      fillImages(r);
    }
    r.tr = h('tr', { 'data-mac': m.mac }, h('td', { class: 'mono', text: m.mac }), r.first, r.last, r.boot, host,
      action || h('td'));
    fillInfo(r, m);
    return r;
  }

  // Puts the page's rows in order, reusing the existing ones: a row that is
  // still listed is never rebuilt (and, being in place, never moved).
  function render(machines) {
    const want = new Set(machines.map((m) => m.mac));
    for (const [mac, r] of st.rows) {
      if (!want.has(mac)) {
        r.tr.remove();
        st.rows.delete(mac);
      }
    }
    tbody.querySelectorAll('tr.empty').forEach((e) => e.remove());
    let cur = tbody.firstChild;
    for (const m of machines) {
      let r = st.rows.get(m.mac);
      if (r) {
        fillInfo(r, m);
        fillImages(r);
      } else {
        r = makeRow(m);
        st.rows.set(m.mac, r);
      }
      if (r.tr === cur) cur = cur.nextSibling;
      else tbody.insertBefore(r.tr, cur);
    }
    if (!machines.length) {
      tbody.append(emptyRow(6, search.value.trim() ? 'No discovered machine matches this search.'
        : 'No machine is waiting. Machines show up here when they network-boot without being known.'));
    }
  }

  async function load() {
    try {
      const [imgs, r] = await Promise.all([get('/images'),
        get('/discovered' + qs({ q: search.value.trim(), limit: DISC_PAGE, offset: st.offset }))]);
      if (r.total > 0 && st.offset >= r.total) { // the last page emptied: step back
        st.offset = Math.max(0, Math.floor((r.total - 1) / DISC_PAGE) * DISC_PAGE);
        return load();
      }
      st.images = imgs.images;
      st.total = r.total;
      render(r.machines);
      const from = r.total ? st.offset + 1 : 0, to = st.offset + r.machines.length;
      count.textContent = `${r.total} waiting` + (search.value.trim() ? ' (matching)' : '');
      pager.replaceChildren(h('span', { class: 'pager-range', text: `${from}–${to} of ${r.total}` }),
        h('button', { type: 'button', class: 'secondary small', text: 'Previous', disabled: st.offset === 0,
          onclick: () => { st.offset = Math.max(0, st.offset - DISC_PAGE); load(); } }),
        h('button', { type: 'button', class: 'secondary small', text: 'Next', disabled: to >= r.total,
          onclick: () => { st.offset += DISC_PAGE; load(); } }));
      if (ctx.canWrite && !st.images.length && !el.querySelector('.no-images')) {
        pager.prepend(h('span', { class: 'hint no-images' }, 'Create an image first (',
          h('a', { href: '#/images', text: 'Images' }), ') to adopt machines.'));
      }
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }
  search.addEventListener('input', debounce(() => { st.offset = 0; load(); }, 250));
  return { el, stop: every(load) };
}

export function leasesView() {
  const tbody = h('tbody');
  const stateSel = h('select', { id: 'l-state' }, h('option', { value: '', text: 'All states' }),
    ['bound', 'offered', 'released', 'declined', 'expired'].map((s) => h('option', { value: s, text: s })));
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Leases' }),
      h('p', { class: 'lede', text: 'DHCP leases handed out by this server (refreshes every 5 s).' }))),
    h('div', { class: 'toolbar' }, h('div', { class: 'tool' }, h('label', { for: 'l-state', text: 'State' }), stateSel)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid leases' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Address' }), h('th', { text: 'MAC' }), h('th', { text: 'Hostname' }),
        h('th', { text: 'Subnet' }), h('th', { text: 'State' }), h('th', { text: 'Since' }), h('th', { text: 'Until' }))), tbody)));
  async function load() {
    try {
      const r = await get('/leases' + qs({ state: stateSel.value, limit: 1000 }));
      tbody.replaceChildren(...(r.leases.length ? r.leases.map((l) => h('tr', {},
        h('td', { class: 'mono', text: l.ip }), h('td', { class: 'mono', text: l.mac }),
        h('td', { text: l.hostname || '—' }), h('td', { class: 'mono', text: l.subnet }),
        h('td', {}, h('span', { class: 'badge lease-' + l.state, text: l.state })),
        h('td', {}, timeText(l.starts)), h('td', {}, timeText(l.ends))))
        : [emptyRow(7, 'No leases. They appear when this server answers DHCP.')]));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }
  stateSel.addEventListener('change', load);
  return { el, stop: every(load) };
}

// Events: the whole log, newest first, filtered by machine (part of a MAC
// or host name), stage and failures, paged back by id (GET /events
// ?before=: a page never shifts as new events arrive).  Filters live in
// the URL, so a filtered view can be linked.
const EVENT_STAGES = ['dhcp', 'tftp', 'script', 'kernel', 'initrd'];

export function eventsView() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const tbody = h('tbody');
  const search = h('input', { type: 'search', id: 'e-q', value: params.get('q') || params.get('mac') || '',
    placeholder: 'MAC or host name, or part of one' });
  const stage = h('select', { id: 'e-stage' }, h('option', { value: '', text: 'All stages' }),
    ...EVENT_STAGES.map((s) => h('option', { value: s, text: s })));
  stage.value = EVENT_STAGES.includes(params.get('stage')) ? params.get('stage') : '';
  const failed = h('input', { type: 'checkbox', id: 'e-failed' });
  failed.checked = params.get('failed') === '1';
  const size = h('select', { id: 'e-size', 'aria-label': 'Events per page', class: 'size' },
    ...[50, 100, 200, 500].map((n) => h('option', { value: String(n), text: `${n} per page` })));
  size.value = ['50', '100', '200', '500'].includes(params.get('limit')) ? params.get('limit') : '100';
  const err = h('div', { class: 'field-error', role: 'alert' });
  const pager = h('div', { class: 'pager' });
  // pages: the before ids of the pages behind this one (0 = the newest).
  const st = { pages: [], before: 0, next: null };
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Events' }),
      h('p', { class: 'lede', text: 'Every boot step of every machine, newest first (live).' }))),
    h('div', { class: 'toolbar' },
      h('div', { class: 'tool' }, h('label', { for: 'e-q', text: 'Machine' }), search),
      h('div', { class: 'tool' }, h('label', { for: 'e-stage', text: 'Stage' }), stage),
      h('label', { class: 'check-label', for: 'e-failed' }, failed, ' Failed steps only')),
    err, eventsTable(tbody), pager);

  function filters() {
    return { q: search.value.trim(), stage: stage.value, failed: failed.checked ? '1' : '' };
  }
  // The filters in the URL (replaceState: no history entry per keystroke).
  function syncUrl() {
    const f = filters();
    const q = qs({ q: f.q, stage: f.stage, failed: f.failed, limit: size.value === '100' ? '' : size.value });
    history.replaceState(null, '', '#/events' + q);
  }
  async function load() {
    try {
      const r = await get('/events' + qs({ ...filters(), limit: size.value, before: st.before || '' }));
      err.textContent = '';
      st.next = r.next_before;
      const any = filters().q || filters().stage || filters().failed;
      tbody.replaceChildren(...(r.events.length ? r.events.map(eventRow)
        : [emptyRow(6, st.before ? 'No older events.' : any ? 'No event matches these filters.' : 'No events yet.')]));
      const page = st.pages.length + 1;
      pager.replaceChildren(
        h('span', { class: 'pager-range', text: `Page ${page}` + (r.events.length ? ` · ${r.events.length} events` : '') }),
        size,
        h('button', { type: 'button', class: 'secondary small', text: 'Newest', disabled: !st.before,
          onclick: () => { st.pages = []; st.before = 0; load(); } }),
        h('button', { type: 'button', class: 'secondary small', text: 'Newer', disabled: !st.before,
          onclick: () => { st.before = st.pages.pop() || 0; load(); } }),
        h('button', { type: 'button', class: 'secondary small', text: 'Older', disabled: !st.next,
          onclick: () => { st.pages.push(st.before); st.before = st.next; load(); } }));
    } catch (e) {
      if (e.status === 400) err.textContent = e.message;
      else if (e.status !== 401) toast(e.message, 'error');
    }
  }
  // A new filter starts from the newest page.
  function refilter() {
    st.pages = [];
    st.before = 0;
    syncUrl();
    load();
  }
  search.addEventListener('input', debounce(refilter, 300));
  for (const c of [stage, failed, size]) c.addEventListener('change', refilter);
  return { el, stop: every(load) };
}
