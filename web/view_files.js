// Files: the images root as the server sees it (GET /api/v1/files), with
// sizes, times and SHA-256 digests (computed on request, then remembered by
// the server), uploads for administrators (PUT /api/v1/files, streamed by
// the browser with progress), and pickFile(), the dialog the image editor
// uses to fill its kernel and initrd fields.
import { get, qs, csrfToken } from './api.js';
import { h, modal, toast, timeText, emptyRow } from './ui.js';

export function fmtSize(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n, i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const join = (dir, name) => (dir ? `${dir}/${name}` : name);
const isoOf = (ms) => new Date(ms).toISOString();

// "a/b" as links: root / a / b.
function crumbs(path, go) {
  const parts = path ? path.split('/') : [];
  const out = [h('button', { type: 'button', class: 'link', text: 'images root', onclick: () => go('') })];
  parts.forEach((p, i) => {
    out.push(h('span', { class: 'muted', text: ' / ' }));
    const to = parts.slice(0, i + 1).join('/');
    out.push(i === parts.length - 1 ? h('span', { class: 'mono', text: p })
      : h('button', { type: 'button', class: 'link mono', text: p, onclick: () => go(to) }));
  });
  return h('div', { class: 'crumbs', role: 'navigation', 'aria-label': 'Folder' }, out);
}

// The digest cell: known, or a button that asks the server to compute it.
function shaCell(dir, e) {
  const td = h('td', { class: 'mono sha' });
  if (e.type !== 'file') return td;
  const show = (sha) => td.replaceChildren(h('span', { title: sha, text: sha.slice(0, 16) + '…', 'data-sha': sha }));
  if (e.sha256) show(e.sha256);
  else {
    const b = h('button', { type: 'button', class: 'secondary small', text: 'Compute',
      'aria-label': `Compute the SHA-256 of ${e.name}`,
      onclick: async () => {
        b.disabled = true;
        b.textContent = 'Hashing…';
        try {
          show((await get('/files/sha256' + qs({ path: join(dir, e.name) }))).sha256);
        } catch (err) {
          b.disabled = false;
          b.textContent = 'Compute';
          toast(err.message, 'error');
        }
      } });
    td.append(b);
  }
  return td;
}

// Uploads file to DIR/NAME with progress; resolves with the entry, rejects
// with the server's message.  XMLHttpRequest: fetch() has no upload progress.
function uploadFile(path, file, overwrite, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('PUT', '/api/v1/files' + qs({ path, overwrite: overwrite ? 1 : '' }));
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    const t = csrfToken();
    if (t) x.setRequestHeader('X-CSRF-Token', t);
    x.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch (e) { body = null; }
      if (x.status === 201) resolve(body);
      else reject(new Error((body && body.error) || `HTTP ${x.status}`));
    };
    x.onerror = () => reject(new Error('the upload was interrupted'));
    x.send(file);
  });
}

function uploadForm(dir, done) {
  const input = h('input', { type: 'file', id: 'files-upload', 'aria-label': 'File to upload' });
  const over = h('input', { type: 'checkbox', id: 'files-overwrite' });
  const bar = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const msg = h('span', { class: 'field-error', role: 'alert' });
  const btn = h('button', { type: 'button', class: 'primary small', text: 'Upload', id: 'files-upload-btn',
    onclick: async () => {
      const f = input.files[0];
      if (!f) { msg.textContent = 'Choose a file first.'; return; }
      msg.textContent = '';
      btn.disabled = true;
      bar.hidden = false;
      try {
        await uploadFile(join(dir, f.name), f, over.checked, (p) => { bar.value = p; });
        toast(`${f.name} uploaded to ${dir || 'the images root'}`);
        done();
      } catch (e) {
        msg.textContent = e.message;
      } finally {
        btn.disabled = false;
        bar.hidden = true;
      }
    } });
  return h('div', { class: 'toolbar upload' },
    h('div', { class: 'tool' }, h('label', { for: 'files-upload', text: `Upload into ${dir || 'the images root'}` }), input),
    h('label', { class: 'check-label' }, over, ' Replace an existing file'),
    btn, bar, msg);
}

// A directory's table; onFile(path) makes file names clickable (the picker).
async function listing(dir, go, { onFile } = {}) {
  const tbody = h('tbody');
  const r = await get('/files' + qs({ path: dir }));
  for (const e of r.entries) {
    const path = join(dir, e.name);
    const name = e.type === 'dir'
      ? h('button', { type: 'button', class: 'link mono', text: e.name + '/', onclick: () => go(path) })
      : onFile && e.type === 'file'
        ? h('button', { type: 'button', class: 'link mono pick', text: e.name, 'data-path': path, onclick: () => onFile(path) })
        : h('span', { class: 'mono', text: e.name + (e.type === 'symlink' ? ' (symlink: not served)' : '') });
    tbody.append(h('tr', { 'data-name': e.name },
      h('td', {}, name),
      h('td', { class: 'num', text: e.type === 'file' ? fmtSize(e.size) : '' }),
      h('td', {}, timeText(isoOf(e.modified))),
      onFile ? null : shaCell(dir, e)));
  }
  if (!r.entries.length) tbody.append(emptyRow(4, 'This folder is empty.'));
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'grid files' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Size' }), h('th', { text: 'Modified' }),
      onFile ? null : h('th', { text: 'SHA-256' }))), tbody));
  return { table, info: r };
}

export function filesView(ctx) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const dir = (params.get('path') || '').replace(/^\/+|\/+$/g, '');
  const go = (p) => { location.hash = '#/files' + (p ? '?' + new URLSearchParams({ path: p }) : ''); };
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  const el = h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'Files' }),
      h('p', { class: 'lede', text: 'The images root: what /images/ serves and images name as kernel and initrds.' }))),
    crumbs(dir, go), body);
  const load = async () => {
    try {
      const { table, info } = await listing(dir, go);
      const up = ctx.canWrite && info.upload ? uploadForm(dir, load) : null;
      const note = ctx.canWrite && !info.upload
        ? h('p', { class: 'hint', text: 'Uploads are off on this server ([images] upload = off).' }) : null;
      body.replaceChildren(...[up, note, table].filter(Boolean));
    } catch (e) {
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: e.message }));
    }
  };
  load();
  return { el };
}

// A dialog to choose a file under the images root; resolves with its path
// (relative to the root), or null when closed.
export function pickFile(title, start = '') {
  return new Promise((resolve) => {
    let picked = null;
    const content = h('div', { class: 'picker' });
    const dlg = modal(title, content, { wide: true });
    const show = async (dir) => {
      try {
        const { table } = await listing(dir, show, { onFile: (p) => { picked = p; dlg.close(); } });
        content.replaceChildren(crumbs(dir, show), table);
      } catch (e) {
        content.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: e.message }));
      }
    };
    dlg.addEventListener('close', () => resolve(picked));
    show(start.includes('/') ? start.slice(0, start.lastIndexOf('/')) : '');
  });
}

// The image editor's buttons: pick the kernel, add an initrd.  Each change
// is announced as an input event, so the preview follows.
export function imageFileButtons(kernel, initrds) {
  const changed = (el) => el.dispatchEvent(new Event('input', { bubbles: true }));
  return h('div', { class: 'field wide pick-files' },
    h('div', { class: 'actions left' },
      h('button', { type: 'button', class: 'secondary small', text: 'Choose kernel from files…', id: 'pick-kernel',
        onclick: async () => {
          const p = await pickFile('Choose the kernel', kernel.value.trim());
          if (p) { kernel.value = p; changed(kernel); }
        } }),
      h('button', { type: 'button', class: 'secondary small', text: 'Add initrd from files…', id: 'pick-initrd',
        onclick: async () => {
          const p = await pickFile('Add an initrd', kernel.value.trim());
          if (p) { initrds.value = (initrds.value.trim() ? initrds.value.trim() + '\n' : '') + p; changed(initrds); }
        } })));
}
