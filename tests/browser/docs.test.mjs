// The README's screenshots, taken last (run.sh, only with DOCS_IMG=<dir>) so
// that they show the pool the other tests left: the Machines page sorted by
// last boot (failing machines with their reason, boots that came in live),
// and the page of a failing machine (its attempts, the failed step in red).
// Env: BASE_URL, ARTIFACTS, ADMIN_USER/ADMIN_PASS, DOCS_IMG, FAIL_MAC.
import { env, check, until, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const DOCS = env('DOCS_IMG');
const MAC = env('FAIL_MAC');

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(`${BASE}/#/machines?sort=-last_boot`);
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
  check('the live stream is up', !!(await until(() => page.evaluate(() => document.documentElement.dataset.live === 'on'))));
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${DOCS}/machines.png` }); // the window: the top of the list

  await page.goto(`${BASE}/#/machines/${MAC}`);
  check('the machine page shows its failure', !!(await until(async () =>
    (await page.locator('#mp-attempts tbody tr.attempt').count()) > 0 &&
    (await page.locator('#mp-script').textContent()).includes('#!ipxe'))));
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${DOCS}/machine.png`, fullPage: true });
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
}, { width: 1280, height: 860 });
