// One machine's page (#/machines/<MAC>), opened from the Machines list:
// edits the hostname and image and checks the SERVER's state afterwards; the
// boot attempts table shows the boot run.sh made (its script fetch and its
// kernel download), as the server groups them (GET /machines/MAC/attempts);
// the script preview is what the server renders for it, and showing it
// records no contact; nothing is clipped at 1,024 and 400 px.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS,
//      MP_MAC (a managed machine on image MP_IMAGE that fetched its script
//      and its kernel KERNEL_PATH), MP_IMAGE2 (another image).
import { env, check, step, shot, until, apiGet, apiSend, machine, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const MAC = env('MP_MAC');
const IMAGE2 = env('MP_IMAGE2');
const KERNEL = env('KERNEL_PATH');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;
const NEWHOST = `mp-renamed-${W}`;

async function layoutOk(page, what, w) {
  const r = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    frames: [...document.querySelectorAll('.table-wrap')].map((f) => ({
      over: f.scrollWidth - f.clientWidth, scrolls: ['auto', 'scroll'].includes(getComputedStyle(f).overflowX),
    })),
    // Cards and their contents must not stick out of the window.
    out: [...document.querySelectorAll('main .card, main h1, main form, main pre')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.id || e.tagName),
  }));
  check(`${what}: no horizontal page scrolling at ${w} px`, r.page <= 1, `${r.page} px too wide`);
  check(`${what}: every table fits its frame or scrolls inside it at ${w} px`,
    r.frames.every((f) => f.over <= 1 || f.scrolls), JSON.stringify(r.frames));
  check(`${what}: no card sticks out of the window at ${w} px`, r.out.length === 0, r.out.join(' '));
}

run(async (page, consoleErrors) => {
  // Secure Boot on: a save from the page must keep it (a PUT without it
  // switched it off).
  await apiSend('PATCH', '/machines/' + MAC, { secure_boot: true });
  const before = await machine(MAC);
  check('the machine starts with Secure Boot on', before.secure_boot === true, JSON.stringify(before));
  const evBefore = (await apiGet(`/events?mac=${MAC}&limit=500`)).events;
  check('run.sh made a boot: script and kernel events', evBefore.some((e) => e.stage === 'script') &&
    evBefore.some((e) => e.stage === 'kernel'), JSON.stringify(evBefore.map((e) => e.stage)));

  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(`${BASE}/#/machines?q=${MAC}`);
  const row = page.locator(`table.machines tbody tr[data-mac="${MAC}"]`);
  await row.waitFor();

  // ---- clicking the row (not a control in it) opens the machine's page ----
  await step('click the machine row', () => row.locator('td').last().click({ position: { x: 2, y: 2 }, timeout: 3000 }));
  const opened = await until(async () => (await page.evaluate(() => location.hash)) === `#/machines/${MAC}`, 4000);
  check('a click on the row opens #/machines/<MAC>', opened, await page.evaluate(() => location.hash));
  if (!opened) await page.goto(`${BASE}/#/machines/${MAC}`);
  const h1 = await until(async () => (await page.locator('main h1').textContent()) === MAC, 5000);
  check('the page is titled with the MAC', h1, await page.locator('main h1').textContent().catch(() => ''));
  check('the navigation still marks Machines', (await page.locator('nav a[aria-current="page"]').textContent()) === 'Machines');

  // ---- the page is linkable: a reload shows the same machine ----
  await page.reload();
  await page.locator('main h1').waitFor();
  check('a reload of #/machines/<MAC> shows the machine', (await until(async () =>
    (await page.locator('main h1').textContent()) === MAC, 5000)));

  // ---- the form holds the server's values ----
  const filled = await until(async () => (await page.locator('#mp-hostname').inputValue()) === (before.hostname || '') &&
    (await page.locator('#mp-image').inputValue()) === (before.image || ''), 5000);
  check('the form shows the stored hostname and image', filled,
    `${await page.locator('#mp-hostname').inputValue().catch(() => '?')} / ${await page.locator('#mp-image').inputValue().catch(() => '?')}`);
  check('the form shows Secure Boot on', await page.locator('#mp-secure-boot').isChecked().catch(() => false));

  // ---- boot attempts: the boot run.sh made, grouped ----
  const att = page.locator('#mp-attempts tbody tr.attempt');
  await until(async () => (await att.count()) > 0, 5000);
  const first = att.first();
  const stages = await first.locator('li[data-stage]').evaluateAll((ls) => ls.map((l) => l.dataset.stage)).catch(() => []);
  check('the newest attempt holds the script fetch and the kernel download, in order',
    stages.indexOf('script') >= 0 && stages.indexOf('kernel') > stages.indexOf('script'), JSON.stringify(stages));
  const attText = (await first.textContent().catch(() => '')) || '';
  check('the kernel step names the file it sent', attText.includes(KERNEL), attText);
  check('the attempt shows its start time with a zone', /\b(UTC|GMT|[A-Z]{3,4})\b/.test(
    (await first.locator('td').first().textContent().catch(() => '')) || ''));
  check('the attempt says how far it got', /reached kernel/.test(attText), attText);

  // ---- the script it would get now: what the server renders, no contact ----
  const want = (await apiGet(`/machines/${MAC}/script`)).script;
  const shown = await until(async () => (await page.locator('#mp-script').textContent()) === want && want, 5000);
  check('the script preview is the script the server renders for it', !!shown && want.includes('#!ipxe'),
    (await page.locator('#mp-script').textContent().catch(() => '')).slice(0, 80));
  await page.waitForTimeout(1500); // events are written in batches
  const evAfter = (await apiGet(`/events?mac=${MAC}&limit=500`)).events;
  check('showing the page recorded no boot contact', evAfter.length === evBefore.length,
    `${evBefore.length} events before, ${evAfter.length} after`);

  // ---- facts ----
  const facts = (await page.locator('#mp-facts').textContent().catch(() => '')) || '';
  check('the boot facts show first seen, last seen and last stage', /First seen/.test(facts) && /Last seen/.test(facts) &&
    /kernel/.test(facts), facts);
  check('the lease card is there', (await page.locator('#mp-lease').count()) === 1);
  await shot(page, `machine-page-at-${W}`);

  // ---- edit hostname and image, save, check the server ----
  if (await step('edit hostname and image, Save', async () => {
    await page.locator('#mp-hostname').fill(NEWHOST, { timeout: 3000 });
    await page.locator('#mp-image').selectOption(IMAGE2, { timeout: 3000 });
    await page.locator('#mp-save').click({ timeout: 3000 });
  })) {
    const saved = await until(async () => { const m = await machine(MAC); return m.hostname === NEWHOST && m.image === IMAGE2 && m; });
    check('the server holds the new hostname and image', !!saved,
      JSON.stringify(await machine(MAC).then((m) => [m.hostname, m.image])));
    const after = await machine(MAC);
    check('the other fields are kept (ip, notes, netboot, boot file, Secure Boot)', after.ip === before.ip &&
      after.notes === before.notes && after.netboot === before.netboot && after.boot_file === before.boot_file &&
      after.secure_boot === true, JSON.stringify(after));
    const want2 = (await apiGet(`/machines/${MAC}/script`)).script;
    check('the script preview follows the new image', !!(await until(async () =>
      (await page.locator('#mp-script').textContent()) === want2, 5000)) && want2 !== want);
    check('the heading says the new image', (await page.locator('main .lede').textContent()).includes(IMAGE2));
  }

  // ---- Secure Boot off from the page ----
  if (await step('untick Secure Boot, Save', async () => {
    await page.locator('#mp-secure-boot').uncheck({ timeout: 3000 });
    await page.locator('#mp-save').click({ timeout: 3000 });
  })) {
    const off = await until(async () => (await machine(MAC)).secure_boot === false, 5000);
    check('the server holds Secure Boot off, the rest unchanged', !!off &&
      (await machine(MAC)).hostname === NEWHOST, JSON.stringify(await machine(MAC)));
  }

  // ---- a bad value is refused next to its field, nothing saved ----
  if (await step('type a bad IP, Save', async () => {
    await page.locator('#mp-ip').fill('300.1.2.3', { timeout: 3000 });
    await page.locator('#mp-save').click({ timeout: 3000 });
  })) {
    const err = await until(async () => (await page.locator('[data-field="ip"] .field-error').textContent()).length > 0, 4000);
    check('a bad IP is shown next to its field', !!err);
    check('and not stored', (await machine(MAC)).ip === before.ip);
    await page.getByRole('button', { name: 'Revert' }).click();
  }

  // ---- nothing clipped at 1,024 and 400 px ----
  for (const w of [1024, 400]) {
    await page.setViewportSize({ width: w, height: 800 });
    await page.waitForTimeout(300);
    await layoutOk(page, 'machine page', w);
    await shot(page, `machine-page-${w}`);
  }
  await page.setViewportSize({ width: W, height: 860 });

  // ---- the list's MAC is a link too; back link returns ----
  await page.goto(`${BASE}/#/machines?q=${MAC}`);
  await row.waitFor();
  await step('the MAC link opens the page', () => row.getByRole('link', { name: MAC }).click({ timeout: 3000 }));
  check('the MAC link opens the machine page', !!(await until(async () =>
    (await page.evaluate(() => location.hash)) === `#/machines/${MAC}`, 4000)));
  await page.waitForTimeout(500);
  check('the machines list did not rewrite the machine page URL', (await page.evaluate(() => location.hash)) === `#/machines/${MAC}`);

  // ---- a machine with a DHCP lease (run.sh seeds one for LEASE_MAC) ----
  if (process.env.LEASE_MAC) {
    await page.goto(`${BASE}/#/machines/${process.env.LEASE_MAC}`);
    const lease = await until(async () => /bound/.test(await page.locator('#mp-lease tbody').textContent()) &&
      (await page.locator('#mp-lease tbody').textContent()).includes(process.env.LEASE_IP), 5000);
    check('the lease card shows the machine\'s lease', !!lease, await page.locator('#mp-lease tbody').textContent().catch(() => ''));
  }

  // ---- the attempts are the server's (core/boot_attempts.c, unit-tested
  // there): the page shows GET /machines/<MAC>/attempts, no grouping of its own ----
  await page.goto(`${BASE}/#/machines/${MAC}`);
  const api = await apiGet(`/machines/${MAC}/attempts?limit=20`);
  const wantAtt = api.attempts.map((a) => a.events.map((e) => e.stage).join(','));
  const same = await until(async () => JSON.stringify(await att.evaluateAll((rows) => rows.map((r) =>
    [...r.querySelectorAll('li[data-stage]')].map((l) => l.dataset.stage).join(',')))) === JSON.stringify(wantAtt), 5000);
  check('the page shows the server\'s attempts, newest first, each step in order', !!same && wantAtt.length > 0,
    `${JSON.stringify(await att.evaluateAll((rows) => rows.map((r) =>
      [...r.querySelectorAll('li[data-stage]')].map((l) => l.dataset.stage).join(','))).catch(() => []))} vs ${JSON.stringify(wantAtt)}`);
  check('the page has no grouping code of its own', await page.evaluate(async () => {
    const m = await import('/ui/view_machine.js');
    return !('groupAttempts' in m) && !('attemptFailure' in m);
  }).catch(() => false));

  // ---- an unknown MAC says so ----
  await page.goto(`${BASE}/#/machines/52:54:00:ff:ff:fe`);
  check('an unknown MAC says there is no such machine', !!(await until(async () =>
    /No machine/.test(await page.locator('main').textContent()), 4000)));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
