// Bulk assign, the image filter and adopting discovered machines, driven
// through the Machines page; every outcome is checked in the SERVER's state
// (REST API), not only on screen.  Run by tests/browser/run.sh, which seeds:
// for each width its own machines, under BULK_NET (default 52:54:00:2a):
//   BULK_NET:00:01..06  managed, no image
//   BULK_NET:00:07      managed, image $IMAGE2
//   BULK_NET:01:01..02  discovered (they fetched their boot script)
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, IMAGE, IMAGE2,
//      BULK_NET, VIEWPORT_WIDTH (optional).
import { env, check, step, shot, until, apiGet, machine, login, run } from './lib.mjs';

const IMAGE = env('IMAGE');
const IMAGE2 = env('IMAGE2');
const NET = process.env.BULK_NET || '52:54:00:2a';
const managed = [1, 2, 3, 4, 5, 6, 7].map((i) => `${NET}:00:0${i}`);
const found = [`${NET}:01:01`, `${NET}:01:02`];
const all = managed.concat(found);
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;

const tableMacs = (page) => page.$$eval('table.machines tbody tr[data-mac]', (rs) => rs.map((r) => r.dataset.mac).sort());
const sameSet = (a, b) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const images = async (macs) => Promise.all(macs.map(async (m) => (await machine(m)).image));
const states = async (macs) => Promise.all(macs.map(async (m) => (await machine(m)).state));

async function serverMacs(query) {
  const r = await apiGet('/machines?limit=1000&' + query);
  return r.machines.map((m) => m.mac).sort();
}

// Ticks exactly the given rows (clearing any selection first).
async function selectRows(page, macs) {
  const clear = page.locator('.bulkbar').getByRole('button', { name: 'Clear selection' });
  if (await clear.isVisible()) await clear.click();
  for (const m of macs) await page.locator(`tr[data-mac="${m}"]`).getByLabel(`Select ${m}`).check();
}

// Picks a bulk choice by its visible label and presses the bulk bar's
// primary button (its name changed with the fix; the test must run on both).
// The button is pressed even when the choice is missing, as a user would:
// what the server then holds is the point of the test.
async function bulkApply(page, label) {
  await step(`the bulk list has "${label}"`,
    () => page.locator('#m-bulk-image').selectOption({ label }, { timeout: 3000 }));
  await page.locator('.bulkbar button.primary').click({ timeout: 3000 });
}

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(env('BASE_URL') + '/#/machines');
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();

  // ---- the image filter ----
  const filterOpts = await page.$$eval('#m-image option', (os) => os.map((o) => o.value));
  check('the Image filter lists every image', filterOpts.includes(IMAGE) && filterOpts.includes(IMAGE2),
    JSON.stringify(filterOpts));
  const want2 = await serverMacs('image=' + IMAGE2);
  if (await step('filter by image ' + IMAGE2, () => page.locator('#m-image').selectOption(IMAGE2, { timeout: 3000 }))) {
    const shown = await until(async () => { const t = await tableMacs(page); return sameSet(t, want2) && t; });
    check(`filter by ${IMAGE2} shows exactly the server's machines with it (${want2.length})`, !!shown,
      JSON.stringify(await tableMacs(page)));
    await page.locator('#m-image').selectOption('');
  }

  // ---- select all on the page: managed and discovered alike ----
  await page.locator('#m-search').fill(NET);
  check('search lists the 7 managed and 2 discovered test machines',
    !!(await until(async () => sameSet(await tableMacs(page), all))), JSON.stringify(await tableMacs(page)));
  await page.locator('table.machines thead input[type=checkbox]').check();
  check('select all: 9 selected', (await page.locator('.bulk-count').textContent()) === '9 selected');
  const bulkOpts = await page.$$eval('#m-bulk-image option', (os) => os.map((o) => o.textContent));
  check('the bulk list offers every image and an explicit "no image"',
    bulkOpts.includes(IMAGE) && bulkOpts.includes(IMAGE2) && bulkOpts.some((t) => /no image/i.test(t)),
    JSON.stringify(bulkOpts));
  check('the bulk list starts on no choice (nothing happens by default)',
    (await page.locator('#m-bulk-image').inputValue()) === '' &&
    (await page.locator('.bulkbar button.primary').isDisabled()));

  // ---- bulk assign: confirmation names the count; discovered left alone ----
  await step('bulk assign ' + IMAGE + ' to the selection', () => bulkApply(page, IMAGE));
  const dlg = page.locator('dialog[open]');
  if (await step('a confirmation opens', () => dlg.waitFor({ timeout: 3000 }))) {
    const text = await dlg.textContent();
    check('the confirmation names the image and the 7 managed machines', text.includes(`Assign image ${IMAGE} to 7 machines`), text);
    check('adopting the 2 discovered machines is an unticked option',
      text.includes('Also adopt the 2 discovered machines') && !(await dlg.getByRole('checkbox').isChecked()));
    await shot(page, `bulk-confirm-${W}`);
    await dlg.getByRole('button', { name: 'Assign' }).click();
    await page.locator('.toast', { hasText: '7 machines now boot' }).waitFor();
  }
  check(`server: the 7 managed machines boot ${IMAGE}`,
    !!(await until(async () => (await images(managed)).every((i) => i === IMAGE))),
    JSON.stringify(await images(managed)));
  check('server: the discovered machines were not adopted', (await states(found)).every((s) => s === 'discovered'),
    JSON.stringify(await states(found)));

  // ---- adopting discovered machines is explicit ----
  await page.reload();
  await page.locator('#m-search').fill(`${NET}:01`);
  await until(async () => sameSet(await tableMacs(page), found));
  await selectRows(page, found);
  await step('bulk assign to the discovered machines', () => bulkApply(page, IMAGE));
  if (await step('a confirmation opens (discovered only)', () => dlg.waitFor({ timeout: 3000 }))) {
    check('without the box ticked there is nothing to assign',
      await dlg.getByRole('button', { name: 'Assign' }).isDisabled());
    await dlg.getByRole('checkbox').check();
    await dlg.getByRole('button', { name: 'Assign' }).click();
    await page.locator('.toast', { hasText: '2 adopted' }).waitFor();
  }
  check(`server: ticking "also adopt" adopted both discovered machines with ${IMAGE}`,
    !!(await until(async () => (await states(found)).every((s) => s === 'assigned') &&
      (await images(found)).every((i) => i === IMAGE))), JSON.stringify(await states(found)));

  // ---- unassigning is its own choice, confirmed with its count ----
  await page.locator('#m-search').fill(`${NET}:00`);
  await until(async () => sameSet(await tableMacs(page), managed));
  const three = managed.slice(0, 3);
  await selectRows(page, three);
  await step('choose "no image" for 3 machines', () => bulkApply(page, 'No image (unassign)'));
  if (await step('an unassign confirmation opens', () => dlg.waitFor({ timeout: 3000 }))) {
    check('it names the count', (await dlg.textContent()).includes('Unassign 3 machines'));
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await dlg.waitFor({ state: 'detached' });
  }
  check('server: Cancel changed nothing', (await images(three)).every((i) => i === IMAGE));
  await step('confirm the unassign', async () => {
    await page.locator('.bulkbar button.primary').click();
    await dlg.getByRole('button', { name: 'Unassign 3 machines' }).click({ timeout: 3000 });
    await page.locator('.toast', { hasText: '3 machines unassigned' }).waitFor();
  });
  check('server: the 3 machines are unassigned',
    !!(await until(async () => (await states(three)).every((s) => s === 'unassigned') &&
      (await images(three)).every((i) => i === null))), JSON.stringify(await states(three)));
  check(`server: the other 4 still boot ${IMAGE}`, (await images(managed.slice(3))).every((i) => i === IMAGE));

  // ---- the image filter against the server's list ----
  await page.locator('#m-search').fill('');
  const want = await serverMacs('image=' + IMAGE);
  if (await step('filter by image ' + IMAGE, () => page.locator('#m-image').selectOption(IMAGE, { timeout: 3000 }))) {
    check(`filter by ${IMAGE} shows exactly the server's ${want.length} machines with it`,
      !!(await until(async () => sameSet(await tableMacs(page), want))), JSON.stringify(await tableMacs(page)));
    await shot(page, `bulk-filtered-${W}`);
  }
  check('no JavaScript errors in the console', consoleErrors.length === 0, consoleErrors.join(' | '));
}, { width: W });
