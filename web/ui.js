// Small DOM helpers: element builder (text only, never innerHTML with data),
// field errors, modal dialogs, toasts, time formatting, boot-stage timeline.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let idSeq = 0;
export const uid = (p) => `${p}-${++idSeq}`;

// A labelled form field: label + control + an error slot the API's
// {"field": ...} lands in.
export function field(label, control, opts = {}) {
  if (!control.id) control.id = uid('f');
  const err = h('div', { class: 'field-error', id: control.id + '-err', role: 'alert' });
  control.setAttribute('aria-describedby', err.id);
  const wrap = h('div', { class: 'field' + (opts.wide ? ' wide' : ''), 'data-field': opts.name || '' },
    h('label', { for: control.id, text: label }), control,
    opts.hint ? h('div', { class: 'hint', text: opts.hint }) : null, err);
  return wrap;
}

// The per-machine Secure Boot switch, shared by the machine page and the
// list's edit dialog: every form that saves a machine (PUT) must carry it,
// or a save would switch it off.
export function secureBootField(control) {
  return h('div', { class: 'field check-field', 'data-field': 'secure_boot' },
    h('label', {}, control, ' Secure Boot'),
    h('div', { class: 'hint', text: 'UEFI x86-64 PXE gets the signed chain (shim → GRUB), not iPXE; the image\'s kernel must be signed by a key shim trusts' }),
    h('div', { class: 'field-error', role: 'alert' }));
}

export function clearErrors(root) {
  root.querySelectorAll('.field-error').forEach((e) => (e.textContent = ''));
  root.querySelectorAll('.invalid').forEach((e) => e.classList.remove('invalid'));
  const f = root.querySelector('.form-error');
  if (f) f.textContent = '';
}

// Shows an ApiError next to the field it names, else in the form's banner.
export function showError(root, err) {
  const name = err.field;
  const slot = name && root.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (slot) {
    slot.querySelector('.field-error').textContent = err.message;
    const ctl = slot.querySelector('input, select, textarea');
    if (ctl) {
      ctl.classList.add('invalid');
      ctl.focus();
    }
    return;
  }
  const banner = root.querySelector('.form-error');
  if (banner) banner.textContent = err.message;
  else toast(err.message, 'error');
}

export function toast(msg, kind = 'ok') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status' });
    document.body.append(box);
  }
  const t = h('div', { class: 'toast ' + kind, text: msg });
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 7000 : 3500);
}

// A modal <dialog>; resolves when closed.  body: element; actions built by caller.
export function modal(title, body, { wide = false } = {}) {
  const dlg = h('dialog', { class: 'modal' + (wide ? ' wide' : ''), 'aria-label': title },
    h('header', {}, h('h2', { text: title }),
      h('button', { class: 'icon', type: 'button', 'aria-label': 'Close', onclick: () => dlg.close(), text: '×' })),
    body);
  document.body.append(dlg);
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  return dlg;
}

export function confirmDialog(title, message, okLabel = 'Remove', danger = true) {
  return new Promise((resolve) => {
    let result = false;
    const body = h('div', { class: 'confirm' }, h('p', { text: message }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => dlg.close(), text: 'Cancel' }),
        h('button', { type: 'button', class: danger ? 'danger' : 'primary',
          onclick: () => { result = true; dlg.close(); }, text: okLabel })));
    const dlg = modal(title, body);
    dlg.addEventListener('close', () => resolve(result));
  });
}

// Today: the time; this year: day and time; else the full date.  Always
// with the time zone it is shown in ("14:03:12 UTC", "Dec 3 09:12:40 CET").
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const now = new Date();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit',
    timeZoneName: 'short' });
  if (d.toDateString() === now.toDateString()) return time;
  const opts = { month: 'short', day: 'numeric' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return `${d.toLocaleDateString(undefined, opts)} ${time}`;
}

// The full date, time and zone, for titles.
export function fullTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric',
    hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
}

// A <time> element: the short form with its zone, the full one as its title.
export function timeText(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  return h('time', { datetime: iso, title: fullTime(iso), text: fmtTime(iso) });
}

export function ago(iso) {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const STAGES = ['dhcp', 'tftp', 'script', 'kernel', 'initrd'];

// dhcp → tftp → script → kernel → initrd, with every stage up to the
// machine's last one filled in.
export function timeline(lastStage, when) {
  const idx = STAGES.indexOf(lastStage);
  const wrap = h('div', { class: 'timeline', title: lastStage ? `last: ${lastStage} ${ago(when)}` : 'never booted',
    'aria-label': lastStage ? `last boot stage ${lastStage}` : 'never booted' });
  STAGES.forEach((s, i) => {
    wrap.append(h('span', { class: 'step' + (i <= idx ? ' done' : '') + (i === idx ? ' last' : ''), text: s }));
  });
  if (lastStage && idx < 0) wrap.append(h('span', { class: 'step last done', text: lastStage }));
  return wrap;
}

export function badge(state) {
  return h('span', { class: 'badge ' + state, text: state });
}

export function imageSelect(images, value, { allowNone = true, noneLabel = '— none —', id } = {}) {
  const sel = h('select', { id });
  if (allowNone) sel.append(h('option', { value: '', text: noneLabel }));
  for (const im of images) sel.append(h('option', { value: im.name, text: im.name }));
  sel.value = value || '';
  return sel;
}

export function emptyRow(cols, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: cols, text }));
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
