// Machines: the pool.  Search and filter, assign an image from a dropdown
// (the core action), bulk assign, edit, remove.
//
// Bulk assign never acts on a default: the image list starts on "Choose…",
// unassigning is its own explicit choice, every bulk change is confirmed
// with its count, and discovered machines in the selection are only adopted
// when the administrator ticks the box that says so.
import { get, post, patch, del, put, qs } from './api.js';
import { liveEvery } from './live.js';
import { failingBadge, attemptTimeline } from './boot_status.js';
import { h, field, secureBootField, modal, confirmDialog, toast, showError, clearErrors, ago, fullTime, badge,
  imageSelect, emptyRow, debounce } from './ui.js';

const PAGE = 50;
const SIZES = [25, 50, 100, 200, 500];
// Columns the server sorts by (GET /machines?sort=); times start newest first.
const NEWEST_FIRST = new Set(['last_seen', 'last_boot', 'first_seen', 'created']);
const NONE = ':none'; // bulk "no image" choice (no image name starts with ':')

export function machinesView(ctx) {
  // selected: MAC -> state of the machine when it was ticked.
  // Filters, sort and page live in the URL (#/machines?q=&state=&image=&sort=&size=&page=),
  // so a view can be bookmarked, shared and survives a reload.
  const url = new URLSearchParams(location.hash.split('?')[1] || '');
  const size0 = Number(url.get('size'));
  const st = { offset: 0, images: [], leases: new Map(), selected: new Map(), pending: new Set(), timer: null,
    sort: url.get('sort') || 'mac', size: SIZES.includes(size0) ? size0 : PAGE, wantImage: url.get('image') || '' };
  st.offset = Math.max(0, (Number(url.get('page')) || 1) - 1) * st.size;
  const search = h('input', { type: 'search', id: 'm-search', placeholder: 'MAC, hostname, IP, notes, image  (press /)',
    'aria-keyshortcuts': '/' });
  const stateSel = h('select', { id: 'm-state' },
    h('option', { value: '', text: 'All states' }),
    ['assigned', 'unassigned', 'discovered', 'failing'].map((s) => h('option', { value: s, text: s })));
  // "failing" is a status (the last boot step failed), not a state.
  const stateQuery = () => (stateSel.value === 'failing' ? { status: 'failing' } : { state: stateSel.value });
  const imageFilter = h('select', { id: 'm-image' }, h('option', { value: '', text: 'All images' }));
  search.value = url.get('q') || '';
  stateSel.value = url.get('state') || '';
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });

  // A sortable column header: click to sort, again to reverse.
  const sorters = [];
  function sortButton(label, key) {
    const b = h('button', { type: 'button', class: 'sort', 'data-sort': key, text: label,
      onclick: () => {
        const asc = st.sort === key, desc = st.sort === '-' + key;
        st.sort = asc ? '-' + key : desc ? key : (NEWEST_FIRST.has(key) ? '-' + key : key);
        st.offset = 0;
        load();
      } });
    sorters.push(b);
    return b;
  }
  function showSort() {
    for (const b of sorters) {
      const key = b.dataset.sort;
      const dir = st.sort === key ? 'ascending' : st.sort === '-' + key ? 'descending' : null;
      b.classList.toggle('asc', dir === 'ascending');
      b.classList.toggle('desc', dir === 'descending');
      b.setAttribute('aria-label', `Sort by ${b.textContent}` + (dir ? ` (now ${dir})` : ''));
      const th = b.closest('th');
      if (dir) th.setAttribute('aria-sort', dir);
      else if (![...th.querySelectorAll('button.sort')].some((x) => x.classList.contains('asc') || x.classList.contains('desc')))
        th.removeAttribute('aria-sort');
    }
  }
  function writeUrl() {
    const p = {};
    if (search.value.trim()) p.q = search.value.trim();
    if (stateSel.value) p.state = stateSel.value;
    if (imageFilter.value) p.image = imageFilter.value;
    if (st.sort !== 'mac') p.sort = st.sort;
    if (st.size !== PAGE) p.size = st.size;
    if (st.offset) p.page = Math.floor(st.offset / st.size) + 1;
    const q = new URLSearchParams(p).toString();
    const want = '#/machines' + (q ? '?' + q : '');
    if (st.stopped) return; // the view was left (e.g. for a machine's page): not ours to rewrite
    if (location.hash !== want) history.replaceState(null, '', want);
  }
  const selAll = h('input', { type: 'checkbox', 'aria-label': 'Select all machines on this page' });
  const bulkImage = h('select', { id: 'm-bulk-image', 'aria-label': 'Image for the selected machines' });
  const bulkCount = h('span', { class: 'bulk-count' });
  const bulkApply = h('button', { type: 'button', class: 'primary small', text: 'Apply…', disabled: true,
    onclick: bulkAssign });
  bulkImage.addEventListener('change', () => { bulkApply.disabled = !bulkImage.value; });
  // "Select all N matching": every machine the filter matches, not only
  // the page on screen (fetched 1,000 at a time, assigned in one request).
  const selMatching = h('button', { type: 'button', class: 'link', id: 'm-select-matching', hidden: true,
    onclick: selectAllMatching });
  const bulk = h('div', { class: 'bulkbar', hidden: true },
    bulkCount, selMatching,
    h('label', { for: 'm-bulk-image', text: 'Set image' }), bulkImage,
    bulkApply,
    h('button', { type: 'button', class: 'secondary small', text: 'Clear selection',
      onclick: () => { st.selected.clear(); load(); } }));

  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: 'Machines' }),
        h('p', { class: 'lede', text: 'Every machine this server knows, and the image each one boots.' })),
      ctx.canWrite ? h('button', { type: 'button', class: 'primary', text: 'Add machine', onclick: () => editMachine(null) }) : null),
    h('div', { class: 'toolbar' },
      h('div', { class: 'tool' }, h('label', { for: 'm-search', text: 'Search' }), search),
      h('div', { class: 'tool' }, h('label', { for: 'm-state', text: 'State' }), stateSel),
      h('div', { class: 'tool' }, h('label', { for: 'm-image', text: 'Image' }), imageFilter)),
    bulk,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid machines' },
        h('thead', {}, h('tr', {},
          ctx.canWrite ? h('th', { class: 'check' }, selAll) : null,
          h('th', {}, sortButton('MAC', 'mac'), ' / ', sortButton('hostname', 'hostname')),
          h('th', {}, sortButton('Image', 'image')),
          h('th', {}, sortButton('IP', 'ip'), ' / lease'),
          h('th', {}, sortButton('State', 'state'), ' / ', sortButton('last seen', 'last_seen')),
          h('th', {}, sortButton('Last boot', 'last_boot')), h('th', { class: 'actions-col', text: '' }))),
        tbody)),
    pager);

  const reload = () => { st.offset = 0; load(); };
  search.addEventListener('input', debounce(reload, 250));
  stateSel.addEventListener('change', reload);
  imageFilter.addEventListener('change', reload);
  selAll.addEventListener('change', () => {
    tbody.querySelectorAll('input[type=checkbox]').forEach((c) => {
      c.checked = selAll.checked;
      if (selAll.checked) st.selected.set(c.dataset.mac, c.dataset.state); else st.selected.delete(c.dataset.mac);
    });
    updateBulk();
  });

  function updateBulk() {
    bulk.hidden = st.selected.size === 0;
    bulkCount.textContent = `${st.selected.size.toLocaleString('en-US')} selected`;
    const more = selAll.checked && st.total > st.selected.size;
    selMatching.hidden = !more;
    if (more) selMatching.textContent = `Select all ${st.total.toLocaleString('en-US')} matching`;
  }

  async function selectAllMatching() {
    selMatching.disabled = true;
    try {
      const f = { q: search.value.trim(), ...stateQuery(), image: imageFilter.value, sort: st.sort };
      for (let off = 0; ; off += 1000) {
        const r = await get('/machines' + qs({ ...f, limit: 1000, offset: off }));
        for (const m of r.machines) st.selected.set(m.mac, m.state);
        if (!r.machines.length || off + r.machines.length >= r.total) break;
      }
      load();
    } catch (e) {
      toast(e.message, 'error');
    } finally {
      selMatching.disabled = false;
    }
  }

  async function bulkAssign() {
    const choice = bulkImage.value;
    if (!choice) return;
    const image = choice === NONE ? null : choice;
    const managed = [...st.selected].filter(([, s]) => s !== 'discovered').map(([m]) => m);
    const found = [...st.selected].filter(([, s]) => s === 'discovered').map(([m]) => m);
    const ok = await confirmBulk(image, managed.length, found.length);
    if (!ok) return;
    const macs = ok.adopt ? managed.concat(found) : managed;
    if (!macs.length) return;
    try {
      const r = await post('/machines/assign', { macs, image, adopt: ok.adopt });
      toast(`${plural(r.assigned, 'machine')} ${image ? 'now boot ' + image : 'unassigned'}` +
        (ok.adopt ? ` (${found.length} adopted)` : found.length ? ` · ${found.length} discovered left as they are` : ''));
      st.selected.clear();
      bulkImage.value = '';
      bulkApply.disabled = true;
      load();
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  // The confirmation names the count and the image; discovered machines are
  // adopted only with the box ticked (never when unassigning).  Resolves to
  // {adopt} or null when cancelled.
  function confirmBulk(image, nManaged, nFound) {
    return new Promise((resolve) => {
      let result = null;
      const adopt = h('input', { type: 'checkbox', id: 'm-bulk-adopt' });
      const what = image ? `Assign image ${image} to ${plural(nManaged, 'machine')}?`
        : `Unassign ${plural(nManaged, 'machine')}? ${nManaged === 1 ? 'It' : 'They'} will wait for a new image on the next boot.`;
      const okBtn = h('button', { type: 'button', class: image ? 'primary' : 'danger',
        text: image ? 'Assign' : `Unassign ${plural(nManaged, 'machine')}`, disabled: nManaged === 0,
        onclick: () => { result = { adopt: adopt.checked }; dlg.close(); } });
      if (image) adopt.addEventListener('change', () => { okBtn.disabled = nManaged === 0 && !adopt.checked; });
      const body = h('div', { class: 'confirm' },
        h('p', { class: 'bulk-what', text: nManaged ? what : 'None of the selected machines is managed yet.' }),
        nFound ? (image
          ? h('label', { class: 'check-line' }, adopt,
            ` Also adopt the ${plural(nFound, 'discovered machine')} in the selection with ${image}`)
          : h('p', { class: 'muted', text: `${plural(nFound, 'discovered machine')} in the selection ` +
            `${nFound === 1 ? 'is' : 'are'} left as ${nFound === 1 ? 'it is' : 'they are'}.` })) : null,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', onclick: () => dlg.close(), text: 'Cancel' }), okBtn));
      const dlg = modal(image ? 'Assign image' : 'Unassign machines', body);
      dlg.addEventListener('close', () => resolve(result));
    });
  }

  async function loadImages() {
    const r = await get('/images');
    st.images = r.images;
    const keep = imageFilter.value;
    // replaceChildren takes nodes, not an array: spread the options.
    imageFilter.replaceChildren(h('option', { value: '', text: 'All images' }),
      ...st.images.map((i) => h('option', { value: i.name, text: i.name })));
    imageFilter.value = st.wantImage || keep;
    st.wantImage = '';
    const keepBulk = bulkImage.value;
    bulkImage.replaceChildren(h('option', { value: '', text: 'Choose…' }),
      ...st.images.map((i) => h('option', { value: i.name, text: i.name })),
      h('option', { value: NONE, text: 'No image (unassign)' }));
    bulkImage.value = keepBulk;
    bulkApply.disabled = !bulkImage.value;
  }

  async function loadLeases() {
    try {
      const r = await get('/leases' + qs({ state: 'bound', limit: 1000 }));
      st.leases = new Map(r.leases.map((l) => [l.mac, l]));
    } catch (e) {
      st.leases = new Map();
    }
  }

  // The core action: pick an image, the machine boots it next time.  Picking
  // only proposes the change (an arrow key on a focused list moves the
  // choice): Save (or Enter) applies it, Cancel (or Escape) puts it back.
  function imageCell(m) {
    if (!ctx.canWrite) return h('td', { text: m.image || '—' });
    const sel = imageSelect(st.images, m.image, { noneLabel: '— none —' });
    sel.setAttribute('aria-label', `Image for ${m.mac}`);
    sel.classList.add('inline');
    const err = h('div', { class: 'field-error', role: 'alert' });
    const save = h('button', { type: 'button', class: 'primary small', text: 'Save', 'aria-label': `Save the new image of ${m.mac}` });
    const cancel = h('button', { type: 'button', class: 'secondary small', text: 'Cancel', 'aria-label': `Cancel the new image of ${m.mac}` });
    const pending = h('span', { class: 'pending', hidden: true }, save, cancel);
    const current = m.image || '';
    const sync = () => {
      const changed = sel.value !== current;
      pending.hidden = !changed;
      sel.classList.toggle('changed', changed);
      if (changed) st.pending.add(m.mac); else st.pending.delete(m.mac);
    };
    const revert = () => { sel.value = current; err.textContent = ''; sync(); };
    sel.addEventListener('change', sync);
    sel.addEventListener('input', sync);
    sel.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && sel.value !== current) { ev.preventDefault(); apply(); }
      if (ev.key === 'Escape' && sel.value !== current) { ev.preventDefault(); revert(); }
    });
    cancel.addEventListener('click', revert);
    save.addEventListener('click', apply);
    async function apply() {
      err.textContent = '';
      sel.disabled = save.disabled = cancel.disabled = true;
      try {
        const updated = await patch('/machines/' + encodeURIComponent(m.mac), { image: sel.value || null });
        st.pending.delete(m.mac);
        toast(updated.image ? `${m.mac} will boot ${updated.image}` : `${m.mac} unassigned`);
        load();
      } catch (e) {
        err.textContent = e.message;
      } finally {
        sel.disabled = save.disabled = cancel.disabled = false;
      }
    }
    return h('td', { class: 'image-cell' }, sel, pending, err);
  }

  function row(m) {
    const lease = st.leases.get(m.mac);
    const ip = m.ip ? h('span', { title: 'reserved address', text: m.ip })
      : lease ? h('span', { class: 'muted', title: `lease until ${lease.ends}`, text: lease.ip + ' (lease)' })
      : h('span', { class: 'muted', text: '—' });
    const check = h('input', { type: 'checkbox', 'data-mac': m.mac, 'data-state': m.state, 'aria-label': `Select ${m.mac}`,
      checked: st.selected.has(m.mac),
      onchange: (ev) => { if (ev.target.checked) st.selected.set(m.mac, m.state); else st.selected.delete(m.mac); updateBulk(); } });
    // The MAC links to the machine's page; a click anywhere else on the row
    // that is not a control opens it too.
    return h('tr', { 'data-mac': m.mac, class: 'clickable',
      onclick: (ev) => {
        if (ev.target.closest('a, button, input, select, textarea, label, .pending')) return;
        if (getSelection && String(getSelection())) return; // selecting text, not opening
        location.hash = '#/machines/' + m.mac;
      } },
      ctx.canWrite ? h('td', { class: 'check' }, check) : null,
      h('td', { class: 'machine-cell' }, h('a', { class: 'mono machine-link', href: '#/machines/' + m.mac, text: m.mac,
        title: `Open ${m.mac}` }),
        h('span', { class: 'host' + (m.hostname ? '' : ' muted'), text: m.hostname || 'no hostname' })),
      imageCell(m),
      h('td', {}, ip),
      h('td', { class: 'state-cell' }, badge(m.state), failingBadge(m),
        h('span', { class: 'seen', title: fullTime(m.last_seen), text: m.last_seen ? 'seen ' + ago(m.last_seen) : 'never seen' })),
      h('td', {}, attemptTimeline(m)),
      h('td', { class: 'row-actions' },
        ctx.canWrite ? h('button', { type: 'button', class: 'link', text: 'Edit', onclick: () => editFresh(m.mac) }) : null,
        ctx.canWrite ? h('button', { type: 'button', class: 'link danger', text: 'Remove', onclick: () => removeMachine(m) }) : null));
  }

  async function load() {
    try {
      if (!st.images.length) await loadImages();
      await loadLeases();
      const r = await get('/machines' + qs({ q: search.value.trim(), ...stateQuery(),
        image: imageFilter.value, sort: st.sort, limit: st.size, offset: st.offset }));
      if (r.total > 0 && st.offset >= r.total) { // past the end (a stale link): the last page
        st.offset = Math.floor((r.total - 1) / st.size) * st.size;
        return load();
      }
      writeUrl();
      showSort();
      st.pending.clear(); // the rows are rebuilt from the server's values
      tbody.replaceChildren(...(r.machines.length ? r.machines.map(row)
        : [emptyRow(7, search.value || stateSel.value || imageFilter.value
          ? 'No machine matches this filter.'
          : 'No machines yet. Machines appear under Discovered when they first try to boot.')]));
      st.total = r.total;
      selAll.checked = r.machines.length > 0 && r.machines.every((m) => st.selected.has(m.mac));
      const from = r.total ? st.offset + 1 : 0, to = st.offset + r.machines.length;
      const pages = Math.max(1, Math.ceil(r.total / st.size)), page = Math.floor(st.offset / st.size) + 1;
      const sizeSel = h('select', { id: 'm-size', 'aria-label': 'Machines per page', class: 'size' },
        SIZES.map((n) => h('option', { value: n, text: `${n} per page` })));
      sizeSel.value = String(st.size);
      sizeSel.addEventListener('change', () => { st.size = Number(sizeSel.value); st.offset = 0; load(); });
      const jump = h('input', { type: 'number', id: 'm-page', min: 1, max: pages, value: page, class: 'page-input',
        'aria-label': `Page (1 to ${pages})` });
      jump.addEventListener('change', () => {
        const n = Math.min(pages, Math.max(1, Math.round(Number(jump.value)) || 1));
        st.offset = (n - 1) * st.size;
        load();
      });
      const go = (off) => { st.offset = off; load(); };
      pager.replaceChildren(h('span', { class: 'pager-range', text: `${from}–${to} of ${r.total}` }), sizeSel,
        h('button', { type: 'button', class: 'secondary small', text: 'First', disabled: st.offset === 0, onclick: () => go(0) }),
        h('button', { type: 'button', class: 'secondary small', text: 'Previous', disabled: st.offset === 0,
          onclick: () => go(Math.max(0, st.offset - st.size)) }),
        h('label', { class: 'page-jump' }, 'Page ', jump, ` of ${pages}`),
        h('button', { type: 'button', class: 'secondary small', text: 'Next', disabled: to >= r.total,
          onclick: () => go(st.offset + st.size) }),
        h('button', { type: 'button', class: 'secondary small', text: 'Last', disabled: to >= r.total,
          onclick: () => go((pages - 1) * st.size) }));
      updateBulk();
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }

  async function removeMachine(m) {
    if (!(await confirmDialog('Remove machine', `Remove ${m.mac}${m.hostname ? ' (' + m.hostname + ')' : ''}? ` +
      'If it boots again it will reappear under Discovered.'))) return;
    try {
      await del('/machines/' + encodeURIComponent(m.mac));
      toast(`${m.mac} removed`);
      load();
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  // The dialog starts from the machine as stored now, not from the list's
  // copy (up to 10 s old): its save replaces every field (PUT), and a stale
  // copy would undo what changed meanwhile.
  async function editFresh(mac) {
    try {
      editMachine(await get('/machines/' + encodeURIComponent(mac)));
    } catch (e) {
      if (e.status !== 401) toast(e.message, 'error');
    }
  }

  function editMachine(m) {
    const isNew = !m;
    const mac = h('input', { name: 'mac', value: m ? m.mac : '', disabled: !isNew, placeholder: '52:54:00:ab:cd:01', class: 'mono' });
    const hostname = h('input', { name: 'hostname', value: m ? m.hostname || '' : '' });
    const image = imageSelect(st.images, m ? m.image : '');
    const ip = h('input', { name: 'ip', value: m ? m.ip || '' : '', placeholder: 'none (pool)' });
    const bootFile = h('input', { name: 'boot_file', value: m ? m.boot_file || '' : '', placeholder: 'by architecture' });
    const netboot = h('input', { type: 'checkbox', name: 'netboot', checked: m ? m.netboot : true });
    const secureBoot = h('input', { type: 'checkbox', name: 'secure_boot', checked: m ? !!m.secure_boot : false });
    const notes = h('textarea', { name: 'notes', rows: 3 });
    notes.value = m ? m.notes || '' : '';
    const form = h('form', { class: 'form-grid', novalidate: true },
      field('MAC address', mac, { name: 'mac', hint: isNew ? 'Any spelling: 52-54-00-AB-CD-01, 525400abcd01 …' : null }),
      field('Hostname', hostname, { name: 'hostname' }),
      field('Image', image, { name: 'image' }),
      field('Reserved IPv4 address', ip, { name: 'ip' }),
      field('Boot file override', bootFile, { name: 'boot_file', hint: 'e.g. snponly.efi; empty = chosen by firmware type' }),
      h('div', { class: 'field check-field', 'data-field': 'netboot' },
        h('label', {}, netboot, ' Network boot enabled'), h('div', { class: 'field-error', role: 'alert' })),
      secureBootField(secureBoot),
      field('Notes', notes, { name: 'notes', wide: true }),
      h('div', { class: 'form-error wide', role: 'alert' }),
      h('div', { class: 'actions wide' },
        h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => dlg.close() }),
        h('button', { type: 'submit', class: 'primary', text: isNew ? 'Add machine' : 'Save' })));
    const dlg = modal(isNew ? 'Add machine' : `Edit ${m.mac}`, form, { wide: true });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const body = { hostname: hostname.value.trim() || null, image: image.value || null,
        ip: ip.value.trim() || null, boot_file: bootFile.value.trim() || null,
        netboot: netboot.checked, secure_boot: secureBoot.checked, notes: notes.value };
      try {
        if (isNew) await post('/machines', { mac: mac.value.trim(), ...body });
        else await put('/machines/' + encodeURIComponent(m.mac), body);
        dlg.close();
        toast(isNew ? 'Machine added' : 'Machine saved');
        load();
      } catch (e) {
        showError(form, e);
      }
    });
  }

  load();
  // Live updates (polling every 10 s while the stream is down), held back
  // while a choice is being made on the page.
  const stopLive = liveEvery(() => {
    if (document.querySelector('dialog[open]') || el.contains(document.activeElement) || st.pending.size) return false;
    load();
  }, 10000);
  return { el, stop: () => { st.stopped = true; stopLive(); } };
}

function plural(n, word) {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
