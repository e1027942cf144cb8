// Live updates (issue 13 item 6): with the fallback polling stretched to an
// hour (localStorage bootherd.poll_ms), a boot request made with curl shows
// on the open page without a reload, through the live stream
// (GET /api/v1/stream): on the Machines list (the row's "seen"), the
// Discovered page (a new MAC, without resetting an image being chosen), the
// Events page and the Dashboard.  Each is also checked in the SERVER's
// state.  Without the stream the pages would wait an hour: the test fails.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, LIVE_MAC (a
//      managed machine that never booted), LIVE_HOST (its hostname), IMAGE.
import { execFileSync } from 'node:child_process';
import { env, check, step, shot, until, apiGet, machine, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const LIVE_MAC = env('LIVE_MAC');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;
// New MACs next to LIVE_MAC's (xx:00 -> xx:01..03): each width has its own.
const NEW_MACS = [1, 2, 3].map((i) => LIVE_MAC.slice(0, -2) + `0${i}`);

// A machine's boot script request, as iPXE makes it (a curl, not the page).
const boot = (mac) => execFileSync('curl', ['-fsS', '-o', '/dev/null', '--max-time', '5',
  `${BASE}/boot/${mac.replace(/:/g, '-')}.ipxe`]);

async function liveOn(page, what) {
  const on = await until(() => page.evaluate(() => document.documentElement.dataset.live === 'on'), 10000);
  check(`${what}: the live stream is up`, !!on);
}

run(async (page, consoleErrors) => {
  const streams = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/stream')) streams.push(r.url()); });
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  // No polling worth the name: whatever changes on screen came live.
  await page.evaluate(() => localStorage.setItem('bootherd.poll_ms', '3600000'));
  await page.reload();
  await page.waitForSelector('nav a[aria-current="page"]');

  // ---- Machines list: the row of a machine that boots ----
  await page.goto(`${BASE}/#/machines?q=${env('LIVE_HOST')}`);
  const row = page.locator(`table.machines tbody tr[data-mac="${LIVE_MAC}"]`);
  await row.waitFor();
  check('machines: the row says never seen', (await row.textContent()).includes('never seen'));
  await liveOn(page, 'machines');
  boot(LIVE_MAC);
  const seen = await until(async () => !(await row.textContent()).includes('never seen'), 15000);
  check('machines: the row shows the boot without a reload', !!seen, await row.textContent());
  check('server: the machine was seen', (await machine(LIVE_MAC)).last_seen != null);
  await shot(page, `live-01-machines-${W}`);

  // ---- Discovered: a new MAC appears; an image being chosen stays ----
  await page.goto(`${BASE}/#/discovered`);
  const firstSel = page.locator('main table tbody select').first();
  await firstSel.waitFor();
  await firstSel.selectOption(env('IMAGE'));
  const chosenFor = await firstSel.getAttribute('aria-label');
  await page.locator('main h1').click(); // focus away: the page may refresh now
  await liveOn(page, 'discovered');
  boot(NEW_MACS[0]);
  const appeared = await until(async () => (await page.locator('main table tbody').textContent()).includes(NEW_MACS[0]), 15000);
  check('discovered: the new MAC appears without a reload', !!appeared);
  const kept = page.locator(`main table tbody select[aria-label="${chosenFor}"]`);
  check('discovered: the image being chosen is kept', (await kept.count()) === 1 &&
    (await kept.inputValue()) === env('IMAGE'), chosenFor);
  const disc = await apiGet('/discovered?q=' + NEW_MACS[0]);
  check('server: the new MAC is discovered', disc.machines.some((m) => m.mac === NEW_MACS[0]));
  await shot(page, `live-02-discovered-${W}`);

  // ---- Events and Dashboard: the contact is listed ----
  for (const [id, mac, where] of [['events', NEW_MACS[1], 'main table.events tbody'],
    ['dashboard', NEW_MACS[2], 'main table.events tbody']]) {
    await page.goto(`${BASE}/#/${id}`);
    await page.locator('main h1').waitFor();
    await page.waitForTimeout(300); // the first load
    await liveOn(page, id);
    boot(mac);
    const listed = await until(async () => (await page.locator(where).first().textContent()).includes(mac), 15000);
    check(`${id}: the boot is listed without a reload`, !!listed);
    const evs = await apiGet('/events?mac=' + mac);
    check(`server: ${mac} has its boot event`, evs.events.length > 0);
  }
  check('the page used the live stream', streams.length > 0, String(streams.length));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
