// Headless-Chromium test of the bootherd web UI (playwright-core driving
// Debian's /usr/bin/chromium).  Run by tests/browser/run.sh, which starts
// bootherd, creates the users and an image, and makes a machine
// "discovered" by fetching its boot script first.
//
// Env: BASE_URL, ADMIN_USER/ADMIN_PASS, VIEWER_USER/VIEWER_PASS, MAC, IMAGE,
//      ARTIFACTS (screenshot directory).
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (k) => {
  if (!process.env[k]) throw new Error(`missing env ${k}`);
  return process.env[k];
};
const BASE = env('BASE_URL');
const ART = env('ARTIFACTS');
// SETUP_ONLY=1: the server has no users yet; check that the UI says how to
// create one (there is no default password), then stop.
const SETUP_ONLY = process.env.SETUP_ONLY === '1';
const MAC = SETUP_ONLY ? '' : env('MAC');
const IMAGE = SETUP_ONLY ? '' : env('IMAGE');
mkdirSync(ART, { recursive: true });

// The API as the test's token (API_TOKEN), to set up and check state.
async function api(method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${env('API_TOKEN')}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res.json();
}

let passed = 0;
let failed = 0;
function check(desc, ok, extra = '') {
  if (ok) {
    passed++;
    console.log(`  ok   ${desc}`);
  } else {
    failed++;
    console.log(`  FAIL ${desc}${extra ? ': ' + extra : ''}`);
  }
}

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true });
}

// No horizontal scrolling at the page's width (1280 px), and no table
// wider than its (clipping) frame.
async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth &&
    [...document.querySelectorAll('.table-wrap')].every((w) => w.scrollWidth <= w.clientWidth + 1));
}

async function bootScript() {
  const res = await fetch(`${BASE}/boot/${MAC}.ipxe`);
  return res.text();
}

async function login(page, user, pass) {
  await page.goto(BASE + '/');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('nav a[aria-current="page"]');
}

const userDir = mkdtempSync(join(tmpdir(), 'bootherd-chromium-'));
const ctx = await chromium.launchPersistentContext(userDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 860 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const consoleErrors = [];
try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(15000);
  page.on('console', (m) => {
    // HTTP errors the tests provoke (401, 422) are logged by the browser too.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  if (SETUP_ONLY) {
    await page.goto(BASE + '/');
    const setup = page.locator('.setup');
    await setup.waitFor();
    check('with no users the login page says how to create one',
      (await setup.textContent()).includes('bootherd user add'));
    await shot(page, '00-no-users');
    throw 'done';
  }

  // ---- login ----
  await page.goto(BASE + '/');
  await page.getByLabel('User name').waitFor();
  await shot(page, '01-login');
  await page.getByLabel('User name').fill(env('ADMIN_USER'));
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  const loginErr = page.locator('.form-error');
  await loginErr.filter({ hasText: /wrong/ }).waitFor();
  check('a wrong password is refused with a message', /wrong user name or password/.test(await loginErr.textContent()));
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  check('logged in: dashboard shown', (await page.locator('h1').textContent()) === 'Dashboard');
  await page.locator('.stat').first().waitFor();
  await page.waitForTimeout(300);
  await shot(page, '02-dashboard');
  check('dashboard fits 1280 px', await fitsWidth(page));

  // ---- adopt the discovered machine with an image ----
  const before = await bootScript();
  check('before adoption the machine gets the wait-and-retry script', /has no image assigned/.test(before));
  await page.locator('nav').getByRole('link', { name: 'Discovered' }).click();
  const row = page.locator(`tr[data-mac="${MAC}"]`);
  await row.waitFor();
  await shot(page, '03-discovered');
  check('discovered page fits 1280 px', await fitsWidth(page));
  await row.getByLabel(`Image for ${MAC}`).selectOption(IMAGE);
  await row.getByRole('button', { name: 'Adopt' }).click();
  await page.locator('.toast', { hasText: `${MAC} adopted` }).waitFor();
  await shot(page, '04-adopted');
  await row.waitFor({ state: 'detached' });
  check('adopted machine left the discovered list', (await page.locator(`tr[data-mac="${MAC}"]`).count()) === 0);
  const after = await bootScript();
  check('its /boot/<mac>.ipxe changed', after !== before);
  check(`its script now boots image ${IMAGE}`, after.includes(`image ${IMAGE} for ${MAC}`), after.slice(0, 200));

  // ---- machines: the pool, inline image dropdown ----
  await page.locator('nav').getByRole('link', { name: 'Machines' }).click();
  const mrow = page.locator(`tr[data-mac="${MAC}"]`);
  await mrow.waitFor();
  check('machine listed as assigned', (await mrow.locator('.badge').textContent()) === 'assigned');
  check('image dropdown shows the image', (await mrow.getByLabel(`Image for ${MAC}`).inputValue()) === IMAGE);
  await shot(page, '05-machines');
  check('machines page fits 1280 px', await fitsWidth(page));
  // Edit with a bad address: the API's error appears next to the IP field.
  // Secure Boot is on first: the dialog's save must keep it.
  await api('PATCH', '/machines/' + MAC, { secure_boot: true });
  await mrow.getByRole('button', { name: 'Edit' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Reserved IPv4 address').fill('999.1.1.1');
  await dlg.getByRole('button', { name: 'Save' }).click();
  const ipErr = dlg.locator('[data-field="ip"] .field-error');
  await ipErr.filter({ hasText: /IPv4/ }).waitFor();
  check('API validation error shown next to its field', /not an IPv4 address/.test(await ipErr.textContent()));
  await shot(page, '06-machine-edit-error');
  await dlg.getByLabel('Reserved IPv4 address').fill('');
  await dlg.getByLabel('Hostname').fill('node-01');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator(`tr[data-mac="${MAC}"] td`, { hasText: 'node-01' }).waitFor();
  check('edit saved the hostname', true);
  const edited = await api('GET', '/machines/' + MAC);
  check('the edit dialog kept Secure Boot on', edited.secure_boot === true, JSON.stringify(edited));
  await api('PATCH', '/machines/' + MAC, { secure_boot: false });

  // ---- images: editor with live preview ----
  await page.locator('nav').getByRole('link', { name: 'Images' }).click();
  await page.locator(`tr[data-image="${IMAGE}"]`).getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Preview the script for machine').selectOption(MAC);
  const preview = page.locator('#preview-out');
  await preview.filter({ hasText: 'node-01' }).or(preview.filter({ hasText: `image ${IMAGE}` })).first().waitFor();
  await page.getByLabel('Kernel command line').fill('console=ttyS0 quiet hostname={{hostname}}');
  await preview.filter({ hasText: 'quiet' }).waitFor();
  check('live preview follows unsaved edits', (await preview.textContent()).includes('quiet'));
  await page.getByLabel('iPXE script template (optional)').fill('#!ipxe\necho {{nope}}\n');
  const perr = page.locator('.preview .field-error');
  await perr.filter({ hasText: /nope/ }).waitFor();
  check('template error shown in the preview', /unknown template variable/.test(await perr.textContent()));
  await page.getByLabel('iPXE script template (optional)').fill('');
  await preview.filter({ hasText: 'quiet' }).waitFor();
  await page.waitForTimeout(400);
  await shot(page, '07-image-editor');
  check('images page fits 1280 px', await fitsWidth(page));
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByRole('button', { name: 'New image' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Bad Name');
  await page.getByLabel('Kernel', { exact: true }).fill('x/vmlinuz');
  await page.getByRole('button', { name: 'Create image' }).click();
  const nameErr = page.locator('[data-field="name"] .field-error');
  await nameErr.filter({ hasText: /invalid image name/ }).waitFor();
  check('new image: name error shown next to the name field', true);

  // ---- leases and events ----
  await page.locator('nav').getByRole('link', { name: 'Leases' }).click();
  await page.locator('h1', { hasText: 'Leases' }).waitFor();
  await page.waitForTimeout(400);
  await shot(page, '08-leases');
  await page.locator('nav').getByRole('link', { name: 'Events' }).click();
  await page.locator('table.events tbody tr').first().waitFor();
  await page.waitForTimeout(300);
  await shot(page, '09-events');
  check('events list the boot contact', (await page.locator('table.events').textContent()).includes(MAC));
  check('events page fits 1280 px', await fitsWidth(page));

  // ---- log out; a viewer cannot change anything ----
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('User name').waitFor();
  await login(page, env('VIEWER_USER'), env('VIEWER_PASS'));
  await page.locator('nav').getByRole('link', { name: 'Machines' }).click();
  await page.locator(`tr[data-mac="${MAC}"]`).waitFor();
  check('viewer sees no image dropdown or edit buttons',
    (await page.locator('select.inline').count()) === 0 && (await page.getByRole('button', { name: 'Edit' }).count()) === 0);
  await shot(page, '10-viewer-machines');
  check('no JavaScript errors in the console', consoleErrors.length === 0, consoleErrors.join(' | '));
} catch (e) {
  if (e === 'done') {
    /* SETUP_ONLY finished */
  } else {
  failed++;
  console.log(`  FAIL unexpected: ${e.stack || e}`);
  try {
    const p = ctx.pages()[0];
    if (p) await p.screenshot({ path: join(ART, 'failure.png'), fullPage: true });
  } catch (e2) { /* best effort */ }
  }
} finally {
  await ctx.close();
  rmSync(userDir, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
