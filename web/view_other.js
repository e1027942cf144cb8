// Dashboard, Discovered (adopt with one click), Leases and Events (both
// refreshing).
import { get, post, qs } from './api.js';
import { h, toast, ago, fmtTime, timeline, emptyRow, imageSelect, debounce } from './ui.js';

const REFRESH_MS = 5000;

// Runs fn now and every REFRESH_MS while the page is shown.
function every(fn) {
  fn();
  const t = setInterval(fn, REFRESH_MS);
  return () => clearInterval(t);
}

function isError(ev) {
  return /error|fail|refused|denied|not found/i.test(ev.detail);
}

function eventRow(ev) {
  return h('tr', { class: isError(ev) ? 'err' : '' },
    h('td', { title: ev.time, text: fmtTime(ev.time) }),
    h('td', { class: 'mono' }, h('a', { href: '#/events?mac=' + ev.mac, text: ev.mac })),
    h('td', {}, h('span', { class: 'stage stage-' + ev.stage, text: ev.stage })),
    h('td', { text: ev.detail }),
    h('td', { class: 'mono muted', text: ev.peer }));
}

function eventsTable(tbody) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid events' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Time' }), h('th', { text: 'MAC' }), h('th', { text: 'Stage' }),
      h('th', { text: 'Detail' }), h('th', { text: 'Peer' }))), tbody));
}

export function dashboardView(ctx) {
  const cards = h('div', { class: 'stats' });
  const recent = h('tbody');
  const errors = h('tbody');
  const info = h('p', { class: 'lede' });
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Dashboard' }), info)),
    cards,
    h('div', { class: 'two-col' },
      h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', { text: 'Recent boots' })), eventsTable(recent)),
      h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', { text: 'Errors' })), eventsTable(errors))));

  const stat = (label, value, href, tone) => h('a', { class: 'stat ' + (tone || ''), href },
    h('div', { class: 'stat-value', text: String(value) }), h('div', { class: 'stat-label', text: label }));

  async function load() {
    try {
      const [s, evs] = await Promise.all([get('/status'), get('/events?limit=200')]);
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
      const errs = evs.events.filter(isError).slice(0, 10);
      recent.replaceChildren(...(boots.length ? boots.map(eventRow) : [emptyRow(5, 'No boot activity yet.')]));
      errors.replaceChildren(...(errs.length ? errs.map(eventRow) : [emptyRow(5, 'No errors among recent events.')]));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }
  return { el, stop: every(load) };
}

export function discoveredView(ctx) {
  const tbody = h('tbody');
  let images = [];
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Discovered' }),
      h('p', { class: 'lede', text: 'Machines that tried to network-boot but are not managed yet. They wait and retry; adopt one with an image and it boots that image on its next try.' }))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid discovered' },
      h('thead', {}, h('tr', {}, h('th', { text: 'MAC' }), h('th', { text: 'First seen' }), h('th', { text: 'Last seen' }),
        h('th', { text: 'Last boot' }), h('th', { text: ctx.canWrite ? 'Adopt with image' : '' }))), tbody)));

  function row(m) {
    let action = null;
    if (ctx.canWrite) {
      const sel = imageSelect(images, images.length ? images[0].name : '', { allowNone: false });
      sel.setAttribute('aria-label', `Image for ${m.mac}`);
      const err = h('div', { class: 'field-error', role: 'alert' });
      const btn = h('button', { type: 'button', class: 'primary small', text: 'Adopt', disabled: !images.length,
        onclick: async () => {
          btn.disabled = true;
          err.textContent = '';
          try {
            await post('/discovered/' + encodeURIComponent(m.mac) + '/adopt', { image: sel.value });
            toast(`${m.mac} adopted: boots ${sel.value} on its next try`);
            load();
          } catch (e) {
            err.textContent = e.message;
            btn.disabled = false;
          }
        } });
      action = h('div', { class: 'adopt' }, sel, btn, err);
      if (!images.length) action.append(h('div', { class: 'hint' }, 'Create an image first (', h('a', { href: '#/images', text: 'Images' }), ').'));
    }
    return h('tr', { 'data-mac': m.mac },
      h('td', { class: 'mono', text: m.mac }),
      h('td', { text: fmtTime(m.first_seen) }),
      h('td', { text: ago(m.last_seen) }),
      h('td', {}, timeline(m.last_stage, m.last_stage_at)),
      h('td', {}, action));
  }

  async function load() {
    if (el.contains(document.activeElement) && document.activeElement.tagName === 'SELECT') return;
    try {
      const [imgs, r] = await Promise.all([get('/images'), get('/discovered?limit=500')]);
      images = imgs.images;
      tbody.replaceChildren(...(r.machines.length ? r.machines.map(row)
        : [emptyRow(5, 'No machine is waiting. Machines show up here when they network-boot without being known.')]));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }
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
        h('td', { text: fmtTime(l.starts) }), h('td', { text: fmtTime(l.ends) })))
        : [emptyRow(7, 'No leases. They appear when this server answers DHCP.')]));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }
  stateSel.addEventListener('change', load);
  return { el, stop: every(load) };
}

export function eventsView() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const tbody = h('tbody');
  const mac = h('input', { type: 'search', id: 'e-mac', value: params.get('mac') || '', placeholder: 'any machine', class: 'mono' });
  const err = h('div', { class: 'field-error', role: 'alert' });
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Events' }),
      h('p', { class: 'lede', text: 'Every boot contact, newest first (refreshes every 5 s).' }))),
    h('div', { class: 'toolbar' }, h('div', { class: 'tool' }, h('label', { for: 'e-mac', text: 'MAC address' }), mac, err)),
    eventsTable(tbody));
  async function load() {
    try {
      const r = await get('/events' + qs({ mac: mac.value.trim(), limit: 200 }));
      err.textContent = '';
      tbody.replaceChildren(...(r.events.length ? r.events.map(eventRow) : [emptyRow(5, 'No events.')]));
    } catch (e) {
      if (e.status === 400) err.textContent = e.message;
      else if (e.status !== 401) toast(e.message, 'error');
    }
  }
  mac.addEventListener('input', debounce(load, 300));
  return { el, stop: every(load) };
}
