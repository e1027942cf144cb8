// The Discovered page: newest first, a count, search and paging, and the 5 s
// refresh never resetting a choice being made (image, host name).  The
// outcome of Adopt is checked in the SERVER's state.  Run by
// tests/browser/run.sh, which seeds DISC_N discovered machines
// DISC_NET:01.. (for each width its own DISC_NET, default 52:54:00:3d:00)
// with first_seen one minute apart (the highest MAC newest).  While the page is open the test makes one more machine
// discovered (LATE_MAC fetches its boot script): it must appear on top.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, IMAGE2, DISC_N,
//      LATE_MAC, DISC_NET and VIEWPORT_WIDTH (optional).
import { env, check, step, shot, until, apiGet, machine, login, run } from './lib.mjs';

const IMAGE2 = env('IMAGE2');
const N = Number(env('DISC_N'));
const LATE = env('LATE_MAC');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;
const NET = process.env.DISC_NET || '52:54:00:3d:00';
const mac = (i) => `${NET}:${i.toString(16).padStart(2, '0')}`;
const rowsShown = (page) => page.$$eval('table.discovered tbody tr[data-mac]', (rs) => rs.map((r) => r.dataset.mac));

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(env('BASE_URL') + '/#/discovered');
  await page.locator('table.discovered tbody tr[data-mac]').first().waitFor();

  const server = await apiGet('/discovered?limit=1000');
  const seeded = server.machines.filter((m) => m.mac.startsWith(NET + ':'));
  check(`server: the ${N} seeded machines are discovered`, seeded.length === N, String(seeded.length));
  check('server: GET /discovered is newest first',
    seeded.every((m, i) => m.mac === mac(N - i)), seeded.slice(0, 3).map((m) => m.mac).join(' '));

  // ---- newest first, count, paging ----
  const shown = await rowsShown(page);
  check('the rows are the server\'s first 50, in its order (newest first)',
    shown.join() === server.machines.slice(0, 50).map((m) => m.mac).join(), shown.slice(0, 3).join(' '));
  check('a page holds 50 rows', shown.length === 50, String(shown.length));
  const countText = async () => (await page.locator('#d-count').textContent({ timeout: 3000 })).trim();
  await step('a count is shown', async () => {
    const t = await countText();
    check(`the count says ${server.total} waiting`, t.startsWith(`${server.total} waiting`), t);
  });
  await shot(page, `disc-01-newest-first-${W}`);
  if (await step('Next page', () => page.locator('.pager').getByRole('button', { name: 'Next' }).click({ timeout: 3000 }))) {
    const p2 = await until(async () => { const r = await rowsShown(page); return r[0] !== shown[0] && r; });
    const want = server.machines.slice(50, 100).map((m) => m.mac);
    check('page 2 lists the server\'s machines 51–100', p2 && p2.join() === want.join(), JSON.stringify(p2 && p2.slice(0, 3)));
    await page.locator('.pager').getByRole('button', { name: 'Previous' }).click();
    await until(async () => (await rowsShown(page))[0] === shown[0]);
  }

  // ---- search ----
  if (await step('search', () => page.locator('#d-search').fill(NET.slice(9) + ':1', { timeout: 3000 }))) {
    const want = server.machines.filter((m) => m.mac.startsWith(NET + ':1')).map((m) => m.mac);
    const got = await until(async () => { const r = await rowsShown(page); return r.join() === want.join() && r; });
    check(`search shows exactly the ${want.length} matching machines, newest first`, !!got,
      JSON.stringify(await rowsShown(page)));
    check('the count follows the search', (await countText()).startsWith(`${want.length} waiting`), await countText());
    await page.locator('#d-search').fill('');
    await until(async () => (await rowsShown(page)).length === 50);
  }

  // ---- a choice being made survives the refresh ----
  const target = mac(N - 1); // second row; the late machine will push it down
  const row = page.locator(`tr[data-mac="${target}"]`);
  const hostname = 'adopted-' + W;
  await row.getByLabel(`Image for ${target}`).selectOption(IMAGE2);
  await step('type a host name', () => row.getByLabel(`Hostname for ${target}`).fill(hostname, { timeout: 3000 }));
  await page.locator('h1').click(); // focus leaves the row, as when reading the page
  await fetch(`${env('BASE_URL')}/boot/${LATE}.ipxe`); // a new machine tries to boot
  const late = await until(async () => (await rowsShown(page))[0] === LATE, 15000);
  check('a machine discovered meanwhile appears at the top (refresh ran)', !!late);
  await page.waitForTimeout(5500); // and one more refresh
  check('the chosen image survived the refresh',
    (await row.getByLabel(`Image for ${target}`).inputValue()) === IMAGE2);
  await step('the host name survived the refresh', async () => {
    const v = await row.getByLabel(`Hostname for ${target}`).inputValue({ timeout: 3000 });
    check('the typed host name survived the refresh', v === hostname, v);
  });
  await shot(page, `disc-02-choice-kept-${W}`);
  await row.getByRole('button', { name: 'Adopt' }).click();
  await page.locator('.toast', { hasText: `${target} adopted` }).waitFor();
  const m = await until(async () => { const x = await machine(target); return x.state === 'assigned' && x; });
  check(`server: adopted with the chosen image ${IMAGE2}`, m && m.image === IMAGE2, JSON.stringify(m && m.image));
  check('server: adopted with the typed host name', m && m.hostname === hostname, JSON.stringify(m && m.hostname));
  check('the adopted machine left the list', await until(async () => !(await rowsShown(page)).includes(target)));

  // ---- a duplicate host name is refused, in place ----
  const other = mac(N - 2);
  const orow = page.locator(`tr[data-mac="${other}"]`);
  await orow.getByLabel(`Image for ${other}`).selectOption(IMAGE2);
  if (await step('type a taken host name', () => orow.getByLabel(`Hostname for ${other}`).fill(hostname, { timeout: 3000 }))) {
    await orow.getByRole('button', { name: 'Adopt' }).click();
    const msg = await until(async () => (await orow.locator('.field-error').textContent()).trim());
    check('a taken host name is refused with a message', /already used/.test(msg || ''), msg);
    check('server: that machine is still discovered', (await machine(other)).state === 'discovered');
  }
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
}, { width: W });
