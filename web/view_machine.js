// One machine's page (#/machines/<MAC>): every admin field editable and
// saved through the API (PUT /machines/<mac>), its boot attempts (grouped by
// the server: GET /machines/<mac>/attempts, as `machine show` prints them),
// its DHCP lease, the boot facts the server keeps, and the
// script it would get now (GET /machines/<mac>/script: rendered without
// recording a contact, unlike /boot/<mac>.ipxe).
import { get, put, del, qs } from './api.js';
import { failingBadge } from './boot_status.js';
import { liveEvery, forMac } from './live.js';
import { h, field, secureBootField, confirmDialog, toast, showError, clearErrors, ago, fullTime, timeText, badge,
  imageSelect, emptyRow } from './ui.js';

const ATTEMPTS = 20; // newest attempts shown

// What an event says about its step, from its structured fields
// (docs/api.md): outcome ("ok" or a failure code) and, for transfers, bytes
// sent of size in duration_ms.
function outcome(e) {
  const code = e.outcome || 'ok';
  return { bytes: e.bytes ?? null, of: e.size ?? null, ms: e.duration_ms ?? null, failed: code !== 'ok', code };
}

function fmtBytes(n) {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function fmtDuration(ms) {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function machineView(ctx, macParam) {
  const mac = decodeURIComponent(macParam);
  const st = { m: null, images: [], timer: null, stopped: false };
  const title = h('h1', { class: 'mac-title', text: mac });
  const sub = h('p', { class: 'lede' });
  const head = h('div', { class: 'page-head' },
    h('div', {}, h('a', { href: '#/machines', class: 'back', text: '← Machines' }), title, sub),
    ctx.canWrite ? h('button', { type: 'button', class: 'danger', text: 'Remove', id: 'mp-remove', onclick: remove }) : null);

  // ---- settings (every admin field) ----
  const hostname = h('input', { name: 'hostname', id: 'mp-hostname' });
  const image = h('select', { id: 'mp-image' });
  const ip = h('input', { name: 'ip', id: 'mp-ip', placeholder: 'none (pool)' });
  const bootFile = h('input', { name: 'boot_file', id: 'mp-boot-file', placeholder: 'by architecture' });
  const netboot = h('input', { type: 'checkbox', name: 'netboot', id: 'mp-netboot' });
  const secureBoot = h('input', { type: 'checkbox', name: 'secure_boot', id: 'mp-secure-boot' });
  const notes = h('textarea', { name: 'notes', id: 'mp-notes', rows: 3 });
  const saveBtn = h('button', { type: 'submit', class: 'primary', text: 'Save', id: 'mp-save' });
  const resetBtn = h('button', { type: 'button', class: 'secondary', text: 'Revert', onclick: () => fill(st.m) });
  const form = h('form', { class: 'form-grid', novalidate: true, id: 'mp-form' },
    field('Hostname', hostname, { name: 'hostname' }),
    field('Image', image, { name: 'image', hint: 'What it boots next time' }),
    field('Reserved IPv4 address', ip, { name: 'ip' }),
    field('Boot file override', bootFile, { name: 'boot_file', hint: 'e.g. snponly.efi; empty = chosen by firmware type' }),
    h('div', { class: 'field check-field', 'data-field': 'netboot' },
      h('label', {}, netboot, ' Network boot enabled'), h('div', { class: 'field-error', role: 'alert' })),
    secureBootField(secureBoot),
    field('Notes', notes, { name: 'notes', wide: true }),
    h('div', { class: 'form-error wide', role: 'alert' }),
    ctx.canWrite ? h('div', { class: 'actions wide' }, resetBtn, saveBtn) : null);
  if (!ctx.canWrite) form.querySelectorAll('input, select, textarea').forEach((c) => { c.disabled = true; });
  form.addEventListener('submit', save);

  // ---- facts, lease, attempts, script ----
  const facts = h('dl', { class: 'facts', id: 'mp-facts' });
  const leaseBody = h('tbody');
  const attemptsBody = h('tbody');
  const attemptsNote = h('p', { class: 'muted small-note' });
  const script = h('pre', { class: 'script-preview', id: 'mp-script', 'aria-live': 'polite', text: 'Loading…' });
  const scriptErr = h('div', { class: 'field-error', role: 'alert' });

  const card = (t, id, ...body) => h('section', { class: 'card', id },
    h('div', { class: 'card-head' }, h('h2', { text: t })), ...body);
  const el = h('section', { class: 'page machine-page' },
    head,
    h('div', { class: 'mp-cols' },
      card('Settings', 'mp-settings', h('div', { class: 'card-body' }, form)),
      h('div', { class: 'mp-side' },
        card('Boot facts', 'mp-facts-card', h('div', { class: 'card-body' }, facts)),
        card('Lease', 'mp-lease', h('div', { class: 'table-wrap' },
          h('table', { class: 'grid' },
            h('thead', {}, h('tr', {}, ['IP', 'State', 'Subnet', 'Since', 'Until'].map((x) => h('th', { text: x })))),
            leaseBody))))),
    card('Boot attempts', 'mp-attempts',
      h('div', { class: 'table-wrap' },
        h('table', { class: 'grid attempts' },
          h('thead', {}, h('tr', {}, ['Started', 'Duration', 'Steps', 'Result'].map((x) => h('th', { text: x })))),
          attemptsBody)),
      attemptsNote),
    card('Boot script it would get now', 'mp-script-card',
      h('div', { class: 'card-body' },
        h('p', { class: 'muted', text: 'Rendered from its current settings, without counting as a contact.' }),
        scriptErr, script)));

  function fill(m) {
    hostname.value = m.hostname || '';
    image.replaceChildren(...imageSelect(st.images, m.image, { noneLabel: '— none —' }).children);
    if (m.image && !st.images.some((i) => i.name === m.image)) image.append(h('option', { value: m.image, text: m.image + ' (missing)' }));
    image.value = m.image || '';
    ip.value = m.ip || '';
    bootFile.value = m.boot_file || '';
    netboot.checked = !!m.netboot;
    secureBoot.checked = !!m.secure_boot;
    notes.value = m.notes || '';
    clearErrors(form);
  }

  function showHead(m) {
    title.textContent = m.mac;
    document.title = `${m.hostname || m.mac} · bootherd`;
    sub.replaceChildren(badge(m.state), ' ', failingBadge(m) || '', ' ', h('span', { class: m.hostname ? '' : 'muted', text: m.hostname || 'no hostname' }),
      ' · ', m.image ? `boots ${m.image}` : h('span', { class: 'muted', text: 'no image' }));
  }

  function showFacts(m, lastDhcp) {
    const row = (k, v) => [h('dt', { text: k }), h('dd', {}, v)];
    const client = lastDhcp && lastDhcp.detail.match(/^(\S+)\s+(\S+)\s+ip=(\S+)\s+file=(\S*)/);
    facts.replaceChildren(
      ...row('State', badge(m.state)),
      ...row('First seen', timeText(m.first_seen)),
      ...row('Last seen', m.last_seen ? h('span', {}, timeText(m.last_seen), h('span', { class: 'muted', text: ` (${ago(m.last_seen)})` })) : 'never'),
      ...row('Last stage', m.last_stage ? h('span', {}, h('strong', { text: m.last_stage }), ' ', timeText(m.last_stage_at))
        : h('span', { class: 'muted', text: 'never booted' })),
      ...row('Last server', m.last_server || h('span', { class: 'muted', text: '—' })),
      ...row('Firmware / client', client ? client[2] : h('span', { class: 'muted', text: 'not recorded' })),
      ...row('Boot file (DHCP)', client && client[4] ? h('span', { class: 'mono', text: client[4] }) : h('span', { class: 'muted', text: 'not recorded' })),
      ...row('Added', timeText(m.created)));
  }

  function showLeases(leases) {
    leaseBody.replaceChildren(...(leases.length ? leases.map((l) => h('tr', {},
      h('td', { class: 'mono', text: l.ip }), h('td', {}, h('span', { class: 'badge lease-' + l.state, text: l.state })), h('td', { text: l.subnet }),
      h('td', {}, timeText(l.starts)), h('td', {}, timeText(l.ends))))
      : [emptyRow(5, 'No DHCP lease for this machine.')]));
  }

  function stepChip(e) {
    const o = outcome(e);
    const what = [e.stage, o.bytes !== null ? fmtBytes(o.bytes) + (o.of !== null && o.of !== o.bytes ? ' of ' + fmtBytes(o.of) : '') : '',
      o.ms !== null ? fmtDuration(o.ms) : '', o.failed ? o.code : ''].filter(Boolean).join(' · ');
    return h('li', { class: 'step-item' + (o.failed ? ' failed' : ''), 'data-stage': e.stage,
      title: `${fullTime(e.time)} from ${e.peer}${e.server ? ' (server ' + e.server + ')' : ''}` },
    h('span', { class: 'step-name', text: what }), ' ', h('span', { class: 'step-detail mono', text: e.detail }));
  }

  // The server's attempts (newest first, events oldest first in each; the
  // failed step and the furthest stage decided there, core/boot_attempts.h).
  function showAttempts(r) {
    const atts = r.attempts;
    attemptsBody.replaceChildren(...(atts.length ? atts.map((a) => {
      const f = a.failure;
      const result = f ? h('span', { class: 'badge failing', text: `${f.stage} ${f.outcome}` })
        : h('span', { text: a.reached ? `reached ${a.reached}` : a.events[a.events.length - 1].stage });
      return h('tr', { class: 'attempt' + (f ? ' err' : '') },
        h('td', {}, timeText(a.start)),
        h('td', { text: a.events.length > 1 ? fmtDuration(a.duration_ms) : '—' }),
        h('td', {}, h('ol', { class: 'steps' }, a.events.map(stepChip))),
        h('td', {}, result));
    }) : [emptyRow(4, 'No boot recorded for this machine.')]));
    const n = `${atts.length} attempt${atts.length === 1 ? '' : 's'}`;
    attemptsNote.textContent = r.more ? `Its newest ${n}; older ones are not shown.` : `${n}.`;
  }

  async function loadScript() {
    try {
      const r = await get(`/machines/${encodeURIComponent(mac)}/script`);
      script.textContent = r.script;
      scriptErr.textContent = '';
    } catch (e) {
      script.textContent = '';
      scriptErr.textContent = e.message;
    }
  }

  // Everything but the form (which keeps what is being typed).
  async function refresh() {
    const m = await get('/machines/' + encodeURIComponent(mac));
    const [att, ls] = await Promise.all([
      get(`/machines/${encodeURIComponent(mac)}/attempts` + qs({ limit: ATTEMPTS })).catch(() => ({ attempts: [], more: false })),
      get('/leases' + qs({ mac, limit: 20 })).catch(() => ({ leases: [] })),
    ]);
    if (st.stopped) return m;
    showHead(m);
    const newestFirst = att.attempts.flatMap((a) => [...a.events].reverse());
    showFacts(m, newestFirst.find((e) => e.stage === 'dhcp' && / ip=/.test(e.detail)));
    showLeases(ls.leases);
    showAttempts(att);
    return m;
  }

  async function load() {
    try {
      const [imgs, m] = await Promise.all([get('/images'), refresh()]);
      st.images = imgs.images;
      st.m = m;
      fill(m);
      loadScript();
    } catch (e) {
      if (e.status === 404) {
        el.replaceChildren(head, h('p', { class: 'form-error', role: 'alert', text: `No machine ${mac}: ${e.message}` }));
      } else if (e.status !== 401) toast(e.message, 'error');
    }
  }

  async function save(ev) {
    ev.preventDefault();
    clearErrors(form);
    const body = { hostname: hostname.value.trim() || null, image: image.value || null,
      ip: ip.value.trim() || null, boot_file: bootFile.value.trim() || null,
      netboot: netboot.checked, secure_boot: secureBoot.checked, notes: notes.value };
    saveBtn.disabled = true;
    try {
      st.m = await put('/machines/' + encodeURIComponent(mac), body);
      fill(st.m);
      toast('Machine saved');
      await refresh();
      loadScript();
    } catch (e) {
      showError(form, e);
    } finally {
      saveBtn.disabled = false;
    }
  }

  async function remove() {
    const m = st.m || { mac };
    if (!(await confirmDialog('Remove machine', `Remove ${m.mac}${m.hostname ? ' (' + m.hostname + ')' : ''}? ` +
      'If it boots again it will reappear under Discovered.'))) return;
    try {
      await del('/machines/' + encodeURIComponent(mac));
      toast(`${mac} removed`);
      location.hash = '#/machines';
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  load();
  // This machine's boot progress as it happens (polling every 10 s while
  // the live stream is down).
  const stopLive = liveEvery(() => {
    if (document.querySelector('dialog[open]')) return false;
    refresh().catch(() => {});
  }, 10000, forMac(mac));
  return { el, stop: () => { st.stopped = true; stopLive(); } };
}
