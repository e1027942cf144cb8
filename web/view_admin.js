// Administration (admins only): users (add, role, password reset, remove),
// API tokens (create: the secret is shown once; revoke) and the audit log
// of every change made through the UI, the API or the CLI.
import { get, post, patch, del, qs } from './api.js';
import { h, field, toast, showError, clearErrors, modal, confirmDialog, timeText, emptyRow } from './ui.js';

const AUDIT_PAGE = 50;

// A change as "key: before → after" lines (only the keys that differ);
// a creation or removal shows the whole object.
function changeText(before, after) {
  const show = (v) => (v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));
  if (!before || !after) {
    const o = before || after;
    if (!o) return '';
    // Only what is set: a new machine is its host name and image, not ten empty fields.
    const set = Object.entries(o).filter(([, v]) => v !== null && v !== '' && v !== false &&
      !(Array.isArray(v) && !v.length));
    return (before ? 'was ' : '') + set.map(([k, v]) => `${k}: ${show(v)}`).join(', ');
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${show(before[k])} → ${show(after[k])}`).join(', ') || 'no change';
}

export function adminView(ctx) {
  const users = h('tbody');
  const tokens = h('tbody');
  const audit = h('tbody');
  const pager = h('div', { class: 'pager' });
  const actorIn = h('input', { type: 'search', id: 'audit-actor', placeholder: 'user, token:NAME, cli:USER', class: 'mono' });
  const objectIn = h('input', { type: 'search', id: 'audit-object', placeholder: 'MAC, image, user, token', class: 'mono' });
  const st = { offset: 0 };

  const el = h('section', { class: 'page admin' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: 'Administration' }),
        h('p', { class: 'lede', text: 'Who may use this console and the API, and who changed what.' }))),
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', { text: 'Users' }),
        h('button', { type: 'button', class: 'primary', text: 'Add user', onclick: addUser })),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid users' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Role' }), h('th', { text: 'Created' }),
          h('th', { class: 'actions-col', text: '' }))),
        users))),
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', { text: 'API tokens' }),
        h('button', { type: 'button', class: 'primary', text: 'Create token', onclick: createToken })),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid tokens' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Role' }), h('th', { text: 'Created' }),
          h('th', { text: 'Last used' }), h('th', { class: 'actions-col', text: '' }))),
        tokens))),
    h('div', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', { text: 'Audit log' })),
      h('div', { class: 'card-body' },
        h('div', { class: 'toolbar' },
          h('div', { class: 'tool' }, h('label', { for: 'audit-actor', text: 'Who' }), actorIn),
          h('div', { class: 'tool' }, h('label', { for: 'audit-object', text: 'Object' }), objectIn)),
        h('div', { class: 'table-wrap' }, h('table', { class: 'grid audit' },
          h('thead', {}, h('tr', {}, h('th', { text: 'When' }), h('th', { text: 'Who' }), h('th', { text: 'Action' }),
            h('th', { text: 'Object' }), h('th', { text: 'Change' }))),
          audit)),
        pager)));

  const refreshAll = () => { loadUsers(); loadTokens(); loadAudit(); };
  const fail = (e) => { if (e.status !== 401) toast(e.message, 'error'); };

  async function loadUsers() {
    try {
      const r = await get('/users');
      users.replaceChildren(...(r.users.length ? r.users.map((u) => h('tr', { 'data-user': u.name },
        h('td', {}, h('strong', { text: u.name }), u.name === ctx.session.user ? h('span', { class: 'muted small', text: ' (you)' }) : null),
        h('td', { text: u.role }),
        h('td', {}, timeText(u.created)),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'link', text: u.role === 'admin' ? 'Make viewer' : 'Make admin', onclick: () => setRole(u) }),
          h('button', { type: 'button', class: 'link', text: 'Reset password', onclick: () => resetPassword(u) }),
          h('button', { type: 'button', class: 'link danger', text: 'Remove', onclick: () => removeUser(u) }))))
        : [emptyRow(4, 'No users.')]));
    } catch (e) { fail(e); }
  }

  async function loadTokens() {
    try {
      const r = await get('/tokens');
      tokens.replaceChildren(...(r.tokens.length ? r.tokens.map((t) => h('tr', { 'data-token': t.name },
        h('td', { class: 'mono', text: t.name }),
        h('td', { text: t.role }),
        h('td', {}, timeText(t.created)),
        h('td', {}, t.last_used ? timeText(t.last_used) : h('span', { class: 'muted', text: 'never' })),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'link danger', text: 'Revoke', onclick: () => revokeToken(t) }))))
        : [emptyRow(5, 'No API tokens. Scripts authenticate with one (Authorization: Bearer …).')]));
    } catch (e) { fail(e); }
  }

  async function loadAudit() {
    try {
      const r = await get('/audit' + qs({ actor: actorIn.value.trim(), object: objectIn.value.trim(),
        limit: AUDIT_PAGE, offset: st.offset }));
      audit.replaceChildren(...(r.entries.length ? r.entries.map((e) => h('tr', { 'data-audit': e.id },
        h('td', {}, timeText(e.time)),
        h('td', { class: 'mono', text: e.actor }),
        h('td', { text: e.action }),
        h('td', { class: 'mono', text: e.object }),
        h('td', { class: 'mono change', text: changeText(e.before, e.after) })))
        : [emptyRow(5, 'No changes recorded' + (actorIn.value || objectIn.value ? ' for this filter.' : ' yet.'))]));
      const from = r.total ? st.offset + 1 : 0, to = st.offset + r.entries.length;
      pager.replaceChildren(h('span', { class: 'pager-range', text: `${from}–${to} of ${r.total}` }),
        h('button', { type: 'button', class: 'secondary small', text: 'Newer', disabled: st.offset === 0,
          onclick: () => { st.offset = Math.max(0, st.offset - AUDIT_PAGE); loadAudit(); } }),
        h('button', { type: 'button', class: 'secondary small', text: 'Older', disabled: to >= r.total,
          onclick: () => { st.offset += AUDIT_PAGE; loadAudit(); } }));
    } catch (e) { fail(e); }
  }

  for (const inp of [actorIn, objectIn])
    inp.addEventListener('change', () => { st.offset = 0; loadAudit(); });

  // A small form in a dialog; submit(values) throws ApiError to show.
  function formDialog(title, fields, okLabel, submit) {
    const form = h('form', { class: 'image-form', novalidate: true },
      ...fields.map(([label, ctl, name]) => field(label, ctl, { name })),
      h('div', { class: 'form-error', role: 'alert' }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => dlg.close() }),
        h('button', { type: 'submit', class: 'primary', text: okLabel })));
    const dlg = modal(title, form);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      try {
        await submit();
        dlg.close();
      } catch (e) {
        showError(form, e);
      }
    });
    fields[0][1].focus();
    return dlg;
  }

  const roleSelect = (value) => {
    const sel = h('select', { name: 'role' }, h('option', { value: 'viewer', text: 'viewer (read-only)' }),
      h('option', { value: 'admin', text: 'admin' }));
    sel.value = value;
    return sel;
  };

  function addUser() {
    const name = h('input', { name: 'name', autocomplete: 'off', class: 'mono' });
    const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
    const role = roleSelect('viewer');
    formDialog('Add user', [['User name', name, 'name'], ['Password', pw, 'password'], ['Role', role, 'role']],
      'Add user', async () => {
        await post('/users', { name: name.value.trim(), password: pw.value, role: role.value });
        toast(`User ${name.value.trim()} added`);
        refreshAll();
      });
  }

  async function setRole(u) {
    const to = u.role === 'admin' ? 'viewer' : 'admin';
    if (!(await confirmDialog('Change role', `Make ${u.name} ${to === 'admin' ? 'an admin' : 'a viewer (read-only)'}? ` +
      'Their sessions end; they log in again with the new role.', `Make ${to}`, false))) return;
    try {
      await patch('/users/' + encodeURIComponent(u.name), { role: to });
      toast(`${u.name} is now ${to}`);
      refreshAll();
    } catch (e) { toast(e.message, 'error'); }
  }

  function resetPassword(u) {
    const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
    formDialog(`Reset the password of ${u.name}`, [['New password', pw, 'password']], 'Set password', async () => {
      await patch('/users/' + encodeURIComponent(u.name), { password: pw.value });
      toast(`Password of ${u.name} changed; their sessions ended`);
      refreshAll();
    });
  }

  async function removeUser(u) {
    if (!(await confirmDialog('Remove user', `Remove user ${u.name}? Their sessions end at once.`))) return;
    try {
      await del('/users/' + encodeURIComponent(u.name));
      toast(`User ${u.name} removed`);
      refreshAll();
    } catch (e) { toast(e.message, 'error'); }
  }

  // The secret exists only in this dialog: the server keeps its hash.
  function showSecret(t) {
    const out = h('input', { id: 'token-secret', class: 'mono', readonly: true, value: t.token, 'aria-label': 'Token' });
    const copy = h('button', { type: 'button', class: 'primary', text: 'Copy', onclick: async () => {
      out.select();
      try {
        await navigator.clipboard.writeText(t.token);
      } catch (e) {
        document.execCommand('copy'); // plain HTTP: no Clipboard API
      }
      copy.textContent = 'Copied';
    } });
    const dlg = modal(`Token ${t.name} created`, h('div', { class: 'confirm' },
      h('p', { text: 'Copy the token now: it is shown only once and cannot be recovered. ' +
        'Use it as “Authorization: Bearer <token>”.' }),
      h('div', { class: 'toolbar' }, out, copy),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', text: 'Done', onclick: () => dlg.close() }))),
    { wide: true });
    out.select();
  }

  function createToken() {
    const name = h('input', { name: 'name', autocomplete: 'off', class: 'mono', placeholder: 'deploy' });
    const role = roleSelect('viewer');
    formDialog('Create API token', [['Name', name, 'name'], ['Role', role, 'role']], 'Create token', async () => {
      const t = await post('/tokens', { name: name.value.trim(), role: role.value });
      refreshAll();
      setTimeout(() => showSecret(t), 0); // after this dialog has closed
    });
  }

  async function revokeToken(t) {
    if (!(await confirmDialog('Revoke token', `Revoke token ${t.name}? Scripts using it are refused from now on.`, 'Revoke'))) return;
    try {
      await del('/tokens/' + encodeURIComponent(t.name));
      toast(`Token ${t.name} revoked`);
      refreshAll();
    } catch (e) { toast(e.message, 'error'); }
  }

  refreshAll();
  return { el };
}
