// Failures are first-class: a machine whose initrd is missing (run.sh made
// it fetch its script, its kernel, then get a 404 for the initrd) shows as
// "failing" with the reason in the machines list (and under the "failing"
// filter), its Last boot pills show only the stages that ran with the
// failed one red, the dashboard's Errors card lists it from its status, its
// page says why; the image naming the missing file shows "broken" in the
// list and its warnings in the editor, and saving a new image whose kernel
// is missing keeps the editor open with the warning — checked against the
// server's state.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, FAIL_MAC (the
//      failing machine), FAIL_IMAGE (its image, initrd FAIL_INITRD missing).
import { env, check, step, shot, until, apiGet, machine, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const MAC = env('FAIL_MAC');
const IMAGE = env('FAIL_IMAGE');
const INITRD = env('FAIL_INITRD');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;
const NOKERNEL = `nokernel-${W}`;
const text = async (loc) => (await loc.textContent().catch(() => '')) || '';

run(async (page, consoleErrors) => {
  const m = await machine(MAC);
  check('the server says the machine is failing at its initrd',
    m.status === 'failing' && m.failure && m.failure.stage === 'initrd' && m.failure.outcome === 'not-found',
    JSON.stringify([m.status, m.failure]));
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));

  // ---- the list: badge, reason, pills of the stages that ran ----
  await page.goto(`${BASE}/#/machines?q=${MAC}`);
  const row = page.locator(`table.machines tbody tr[data-mac="${MAC}"]`);
  await row.waitFor();
  check('the row shows "failing"', (await text(row.locator('.badge.failing'))) === 'failing');
  const reason = await text(row.locator('.fail-reason'));
  check('the row gives the reason', reason.includes('initrd not-found') && reason.includes(INITRD), reason);
  const pills = await row.locator('.timeline .step[data-stage]').evaluateAll((ps) =>
    ps.map((p) => `${p.dataset.stage}:${p.classList.contains('failed') ? 'failed' : 'ok'}`));
  check('Last boot: only the stages that ran, the failed one red',
    pills.join(' ') === 'script:ok kernel:ok initrd:failed', pills.join(' '));
  const red = await row.locator('.timeline .step.failed').evaluate((e) => getComputedStyle(e).backgroundColor).catch(() => '');
  check('the failed pill is red', /^rgb\((1[5-9]\d|2\d\d), \d{1,2}, \d{1,2}\)$/.test(red), red);
  await shot(page, `failures-list-${W}`);

  // ---- the "failing" filter: exactly the server's failing machines ----
  await page.goto(`${BASE}/#/machines`);
  await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
  await page.selectOption('#m-state', 'failing');
  const want = (await apiGet('/machines?status=failing&limit=1000')).machines.map((x) => x.mac).sort();
  const got = await until(async () => {
    const macs = (await page.locator('table.machines tbody tr[data-mac]').evaluateAll((rs) => rs.map((r) => r.dataset.mac))).sort();
    return macs.join(' ') === want.join(' ') ? macs : false;
  }, 5000);
  check('the failing filter lists the server\'s failing machines', !!got && want.includes(MAC), `want ${want.join(' ')}`);
  check('the filter is in the URL', (await page.evaluate(() => location.hash)).includes('state=failing'));

  // ---- the dashboard's Errors card, from the machines' status ----
  await page.goto(`${BASE}/#/`);
  const card = page.locator('#dash-errors');
  const listed = await until(async () => (await card.locator(`tr[data-mac="${MAC}"]`).count()) === 1, 8000);
  check('the dashboard Errors card lists the failing machine', listed);
  const line = await text(card.locator(`tr[data-mac="${MAC}"]`));
  check('with its reason', line.includes('initrd not-found') && line.includes(INITRD), line);
  check('and a link to its page', (await card.locator(`a[href="#/machines/${MAC}"]`).count()) === 1);
  await shot(page, `failures-dashboard-${W}`);

  // ---- the machine's page ----
  await page.goto(`${BASE}/#/machines/${MAC}`);
  await page.locator('main h1').waitFor();
  check('its page says failing with the reason', await until(async () =>
    (await text(page.locator('.lede .fail-reason'))).includes('initrd not-found'), 5000));
  const res = await until(async () => text(page.locator('#mp-attempts tbody tr.attempt').first().locator('.badge.failing')), 5000);
  check('its newest attempt failed at the initrd', res === 'initrd not-found', res);
  const failedStep = await text(page.locator('#mp-attempts tbody tr.attempt').first().locator('li.step-item.failed'));
  check('the failed step is marked, with its outcome', failedStep.includes('initrd') && failedStep.includes('not-found'), failedStep);

  // ---- images: broken in the list, the warnings in the editor ----
  await page.goto(`${BASE}/#/images`);
  const irow = page.locator(`tr[data-image="${IMAGE}"]`);
  await irow.waitFor();
  check('the image shows "broken" in the list', (await text(irow.locator('.badge.failing'))) === 'broken');
  await irow.getByRole('button', { name: 'Edit' }).click();
  const warn = await until(async () => text(page.locator('#image-warnings')), 4000);
  check('the editor says which file is missing', (warn || '').includes(`initrd ${INITRD} does not exist`), warn);
  await shot(page, `failures-image-editor-${W}`);

  // A new image whose kernel is missing: saved, and the editor stays open
  // with the warning.
  await page.goto(`${BASE}/#/images`);
  await page.getByRole('button', { name: 'New image' }).click();
  await page.locator('input[name="name"]').fill(NOKERNEL);
  await page.locator('input[name="kernel"]').fill('nowhere/vmlinuz');
  await step('create the image', () => page.getByRole('button', { name: 'Create image' }).click());
  const w2 = await until(async () => text(page.locator('#image-warnings')), 5000);
  check('saving an image with a missing kernel warns', (w2 || '').includes('kernel nowhere/vmlinuz does not exist'), w2);
  const saved = await until(() => apiGet('/images/' + NOKERNEL), 4000);
  check('the server stored it, broken', saved && saved.broken === true, JSON.stringify(saved && saved.warnings));

  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
