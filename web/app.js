// bootherd web UI: login, navigation and the page views.  Every change goes
// through the REST API (/api/v1); nothing here needs a build step.
import { get, post, setCsrf, setUnauthorizedHandler } from './api.js';
import { h, field, showError, clearErrors } from './ui.js';
import { machinesView } from './view_machines.js';
import { machineView } from './view_machine.js';
import { imagesView } from './view_images.js';
import { filesView } from './view_files.js';
import { dashboardView, discoveredView, leasesView, eventsView } from './view_other.js';
import { adminView } from './view_admin.js';

const PAGES = [
  { id: 'dashboard', label: 'Dashboard', view: dashboardView },
  { id: 'machines', label: 'Machines', view: machinesView },
  { id: 'discovered', label: 'Discovered', view: discoveredView },
  { id: 'images', label: 'Images', view: imagesView },
  { id: 'files', label: 'Files', view: filesView },
  { id: 'leases', label: 'Leases', view: leasesView },
  { id: 'events', label: 'Events', view: eventsView },
  { id: 'admin', label: 'Administration', view: adminView, admin: true },
];
// The pages this session may see (administration: admins only).
const pagesFor = (s) => PAGES.filter((p) => !p.admin || s.role === 'admin');

const app = document.getElementById('app');
const state = { session: null, cleanup: null };

// Views return {el, stop?}; stop() ends their refresh timers.
function showPage() {
  if (!state.session) return;
  const id = (location.hash.replace(/^#\/?/, '') || 'dashboard').split('?')[0];
  // #/machines/<MAC>: one machine's page, under Machines in the navigation.
  const one = id.match(/^machines\/([^/]+)$/);
  const page = one ? { id: 'machines', label: decodeURIComponent(one[1]), view: (c) => machineView(c, one[1]) }
    : pagesFor(state.session).find((p) => p.id === id) || PAGES[0];
  if (state.cleanup) state.cleanup();
  state.cleanup = null;
  document.querySelectorAll('nav a').forEach((a) => {
    if (a.dataset.page === page.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  const main = document.getElementById('main');
  main.replaceChildren();
  document.title = `${page.label} · bootherd`;
  const ctx = { canWrite: state.session.role === 'admin', session: state.session };
  const v = page.view(ctx);
  main.append(v.el);
  state.cleanup = v.stop || null;
}

function shell() {
  const s = state.session;
  const nav = h('nav', { 'aria-label': 'Main' },
    pagesFor(s).map((p) => h('a', { href: '#/' + p.id, 'data-page': p.id, text: p.label })));
  const logout = h('button', { type: 'button', class: 'secondary small', text: 'Log out',
    onclick: async () => {
      try { await post('/logout'); } catch (e) { /* the session may be gone already */ }
      setCsrf(null);
      state.session = null;
      if (state.cleanup) state.cleanup();
      renderLogin();
    } });
  app.replaceChildren(
    h('aside', { class: 'sidebar' },
      h('div', { class: 'brand' }, h('img', { src: '/ui/favicon.svg', alt: '', width: 28, height: 28 }),
        h('span', { text: 'bootherd' })),
      nav,
      h('div', { class: 'who' },
        h('div', { class: 'who-name', text: s.user }),
        h('div', { class: 'who-role', text: s.role === 'admin' ? 'administrator' : 'viewer (read-only)' }),
        logout)),
    h('main', { id: 'main', tabindex: '-1' }));
  showPage();
}

function renderLogin(message, setup) {
  if (state.cleanup) state.cleanup();
  state.cleanup = null;
  document.title = 'Log in · bootherd';
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'login-card', novalidate: true },
    h('div', { class: 'brand big' }, h('img', { src: '/ui/favicon.svg', alt: '', width: 36, height: 36 }),
      h('span', { text: 'bootherd' })),
    h('p', { class: 'sub', text: 'Network boot control' }),
    setup ? h('div', { class: 'setup', role: 'note' },
      h('strong', { text: 'No users yet. ' }),
      'There is no default password. On the server, create an administrator:',
      h('pre', { text: 'bootherd user add admin\n# type the password, then press Enter' }),
      'then log in here.') : null,
    field('User name', user, { name: 'username' }),
    field('Password', pass, { name: 'password' }),
    h('div', { class: 'form-error', role: 'alert', text: message || '' }),
    h('button', { type: 'submit', class: 'primary', text: 'Log in' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const s = await post('/login', { username: user.value, password: pass.value });
      setCsrf(s.csrf);
      state.session = s;
      if (!location.hash) location.hash = '#/dashboard';
      shell();
    } catch (e) {
      pass.value = '';
      showError(form, e.field ? e : { message: e.message });
    }
  });
  app.replaceChildren(h('div', { class: 'login-wrap' }, form));
}

setUnauthorizedHandler(() => {
  if (!state.session) return;
  state.session = null;
  setCsrf(null);
  renderLogin('Your session has ended. Please log in again.');
});

window.addEventListener('hashchange', showPage);

// "/" focuses the page's search field (as in most consoles), unless the
// user is typing somewhere or a dialog is open.
document.addEventListener('keydown', (ev) => {
  if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey || !state.session) return;
  const t = ev.target;
  if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
  if (document.querySelector('dialog[open]')) return;
  const search = document.querySelector('main input[type="search"]');
  if (!search) return;
  ev.preventDefault();
  search.focus();
  search.select();
});

(async function start() {
  try {
    const s = await get('/session');
    setCsrf(s.csrf || null);
    state.session = s;
    shell();
  } catch (e) {
    renderLogin(null, e.body && e.body.setup_needed);
  }
})();
