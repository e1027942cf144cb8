// Machines page at scale: server-side sort on the column headers, filters,
// sort, page size and page in the URL (a reload or a shared link shows the
// same view), jump to a page.  Each view is compared with what the SERVER
// returns for the same query.  Run by tests/browser/run.sh after the other
// tests have seeded ~80 machines.  Every sortable header is clicked both ways.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS.
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const tableMacs = (page) => page.$$eval('table.machines tbody tr[data-mac]', (rs) => rs.map((r) => r.dataset.mac));
const serverMacs = async (query) => (await apiGet('/machines?' + query)).machines.map((m) => m.mac);
const hashParams = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.hash.split('?')[1] || '')));

// Waits until the table shows exactly the server's answer to `query`.
async function showsServer(page, query, desc) {
  const want = await serverMacs(query);
  const got = await until(async () => { const t = await tableMacs(page); return t.join() === want.join() && t; });
  check(desc, !!got && want.length > 0, `want ${want.slice(0, 3).join(' ')}… (${want.length}), shown ${(await tableMacs(page)).slice(0, 3).join(' ')}…`);
}

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));

  // ---- a link with filters and sort opens that view ----
  await page.goto(`${BASE}/#/machines?state=unassigned&sort=-hostname`);
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
  check('the state filter comes from the URL', (await page.locator('#m-state').inputValue()) === 'unassigned');
  await showsServer(page, 'state=unassigned&sort=-hostname&limit=50', 'rows follow ?sort=-hostname (server order)');

  // ---- the column headers sort on the server ----
  if (await step('sort by hostname (header)', () => page.getByRole('button', { name: /^Sort by hostname/ }).click({ timeout: 3000 }))) {
    await showsServer(page, 'state=unassigned&sort=hostname&limit=50', 'hostname header: ascending, as the server sorts');
    check('the URL says sort=hostname', (await hashParams(page)).sort === 'hostname', JSON.stringify(await hashParams(page)));
    check('the header says ascending', (await page.locator('th[aria-sort="ascending"]').count()) === 1);
  }
  await page.locator('#m-state').selectOption('');
  if (await step('sort by last boot (header)', () => page.getByRole('button', { name: /^Sort by Last boot/ }).click({ timeout: 3000 }))) {
    await showsServer(page, 'sort=-last_boot&limit=50', 'last boot header: newest first');
    check('the URL says sort=-last_boot', (await hashParams(page)).sort === '-last_boot');
  }
  await shot(page, 'sort-01-last-boot');

  // ---- search, sort and page size survive a reload ----
  await page.locator('#m-search').fill('3d:01');
  await until(async () => (await hashParams(page)).q === '3d:01');
  if (await step('25 per page', () => page.locator('#m-size').selectOption('25', { timeout: 3000 }))) {
    await showsServer(page, 'q=3d:01&sort=-last_boot&limit=25', 'search + sort, 25 per page');
  }
  const before = await hashParams(page);
  check('the URL holds q, sort and size', before.q === '3d:01' && before.sort === '-last_boot' && before.size === '25',
    JSON.stringify(before));
  await page.reload();
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
  check('after a reload the search is still there', (await page.locator('#m-search').inputValue()) === '3d:01');
  await showsServer(page, 'q=3d:01&sort=-last_boot&limit=25', 'after a reload: same rows, same order');

  // ---- jump to a page ----
  if (await step('jump to page 2', async () => {
    await page.locator('#m-page').fill('2', { timeout: 3000 });
    await page.locator('#m-page').press('Tab');
  })) {
    await showsServer(page, 'q=3d:01&sort=-last_boot&limit=25&offset=25', 'page 2 is the server\'s rows 26–50');
    check('the URL says page=2', (await hashParams(page)).page === '2');
  }
  // ---- every sortable header, both ways, against the server's order ----
  await page.goto(`${BASE}/#/machines`);
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
  const keys = await page.$$eval('table.machines thead button.sort', (bs) => bs.map((b) => b.dataset.sort));
  check('the table has sortable headers', keys.length >= 5, JSON.stringify(keys));
  const sortNow = async () => (await hashParams(page)).sort || 'mac';
  for (const key of keys) {
    for (const click of [1, 2]) {
      const prev = await sortNow();
      if (!(await step(`sort by ${key} (click ${click})`, () =>
        page.locator(`table.machines thead button.sort[data-sort="${key}"]`).click({ timeout: 3000 })))) break;
      // Each click changes the sort: to this column, then reversed.
      const sorted = await until(async () => {
        const s = await sortNow();
        return s !== prev && s.replace(/^-/, '') === key && s;
      }, 4000);
      check(`${key} header: the URL names its sort`, !!sorted, JSON.stringify(await hashParams(page)));
      if (sorted) await showsServer(page, `sort=${sorted}&limit=50`, `${key} header, ${sorted}: the server's order`);
    }
  }

  // An unknown sort column is refused by the API, not ignored.
  const bad = await fetch(`${BASE}/api/v1/machines?sort=bogus`, { headers: { Authorization: `Bearer ${env('API_TOKEN')}` } });
  check('API: ?sort=bogus is a 400', bad.status === 400, String(bad.status));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
