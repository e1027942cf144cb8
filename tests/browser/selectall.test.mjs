// "Select all N matching" on the Machines page: a bulk action takes every
// machine the filter matches, not only the page on screen.  Run by
// tests/browser/run.sh after images.test.mjs left BIG_N machines
// (52:54:00:5e:..) unassigned, and at other widths on BIG_N machines of
// their own (SA_NET); checked in the SERVER's state.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, IMAGE, BIG_N,
//      SA_NET (default 52:54:00:5e), VIEWPORT_WIDTH (optional).
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const IMAGE = env('IMAGE');
const N = Number(env('BIG_N'));
const fmt = (n) => n.toLocaleString('en-US');
const NET = process.env.SA_NET || '52:54:00:5e';
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;

run(async (page, consoleErrors) => {
  const before = await apiGet(`/machines?q=${NET}&limit=1`);
  check(`server: ${N} machines match the search`, before.total === N, String(before.total));
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(`${env('BASE_URL')}/#/machines?q=${NET}&size=25`);
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
  await page.getByLabel('Select all machines on this page').check();
  if (await step(`"Select all ${fmt(N)} matching"`, () =>
    page.getByRole('button', { name: `Select all ${fmt(N)} matching` }).click({ timeout: 3000 }))) {
    const n = await until(async () => (await page.locator('.bulk-count').textContent()).startsWith(`${fmt(N)} selected`));
    check(`the bulk bar says ${fmt(N)} selected`, !!n, await page.locator('.bulk-count').textContent());
  }
  await page.locator('#m-bulk-image').selectOption(IMAGE);
  await page.locator('.bulkbar button.primary').click();
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  const text = await dlg.textContent();
  check('the confirmation names every matching machine', text.includes(`Assign image ${IMAGE} to ${fmt(N)} machines?`), text);
  await shot(page, `selectall-01-confirm-${W}`);
  const t0 = Date.now();
  await dlg.getByRole('button', { name: 'Assign', exact: true }).click();
  await page.locator('.toast', { hasText: `${fmt(N)} machines now boot ${IMAGE}` }).waitFor({ timeout: 20000 });
  console.log(`  (bulk assign of ${fmt(N)} through the UI: ${Date.now() - t0} ms from the click to the toast)`);
  const after = await until(async () => (await apiGet(`/machines?q=${NET}&image=${IMAGE}&limit=1`)).total === N);
  check(`server: all ${fmt(N)} matching machines now boot ${IMAGE}`, !!after,
    String((await apiGet(`/machines?q=${NET}&image=${IMAGE}&limit=1`)).total));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
}, { width: W });
