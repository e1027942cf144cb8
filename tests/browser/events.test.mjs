// The Events page (issue 13 item 3): the whole log without naming a MAC,
// filtered by part of a host name, by stage and by failed steps, paged
// back and forth by id, with the filters in the URL — each view compared
// with the server's answer to the same question (GET /api/v1/events).
// run.sh runs it after the failures test, so machines fail-1.. have a
// failed initrd step.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS.
import { env, check, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;

// The event ids the page shows, top to bottom.
const shown = (page) => page.locator('main table.events tbody tr[data-id]')
  .evaluateAll((rs) => rs.map((r) => Number(r.dataset.id)));
const ids = (r) => r.events.map((e) => e.id);
// Waits until the page shows exactly the server's events for query.
async function showsServer(page, query) {
  let want = [];
  const ok = await until(async () => {
    want = ids(await apiGet('/events' + query));
    const got = await shown(page);
    return got.length === want.length && got.every((id, i) => id === want[i]);
  }, 8000);
  return { ok: !!ok, want };
}

run(async (page, consoleErrors) => {
  // Enough events for two pages of 100 (each new MAC's script fetch is
  // one); they are written a moment later, so wait for them.
  const have = (await apiGet('/events?limit=120')).events.length;
  for (let i = 0; i < 120 - have; i++) {
    const r = await fetch(`${BASE}/boot/52-54-00-ee-${String(W % 100).padStart(2, '0')}-${i.toString(16).padStart(2, '0')}.ipxe`);
    await r.arrayBuffer();
  }
  check('events: the server holds 120 events or more', !!await until(async () =>
    (await apiGet('/events?limit=120')).events.length === 120, 10000));
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));

  // ---- the whole log, no MAC needed ----
  await page.goto(`${BASE}/#/events`);
  await page.locator('main table.events tbody tr[data-id]').first().waitFor();
  let v = await showsServer(page, '?limit=100');
  check('events: the newest 100 of every machine, as the server lists them', v.ok && v.want.length === 100,
    String(v.want.length));

  // ---- by part of a host name ----
  await page.fill('#e-q', 'FAIL-');
  v = await showsServer(page, '?q=fail-&limit=100');
  check('events: part of a host name (any case) lists those machines\' events', v.ok && v.want.length > 0);
  const hosts = await page.locator('main table.events tbody tr[data-id] td:nth-child(3)').allTextContents();
  check('events: each row names its host', hosts.length > 0 && hosts.every((x) => /^fail-\d$/.test(x)), hosts.join(' '));

  // ---- by stage and failed steps, kept in the URL ----
  await page.selectOption('#e-stage', 'initrd');
  await page.check('#e-failed');
  v = await showsServer(page, '?q=fail-&stage=initrd&failed=1&limit=100');
  const failedRows = (await apiGet('/events?q=fail-&stage=initrd&failed=1')).events;
  check('events: stage initrd, failed only: the failed initrd steps', v.ok && failedRows.length > 0 &&
    failedRows.every((e) => e.stage === 'initrd' && e.outcome === 'not-found'), String(failedRows.length));
  const hash = await page.evaluate(() => location.hash);
  check('events: the filters are in the URL', hash.includes('q=FAIL-') && hash.includes('stage=initrd') &&
    hash.includes('failed=1'), hash);
  await shot(page, `events-filtered-${W}`);
  await page.reload();
  v = await showsServer(page, '?q=fail-&stage=initrd&failed=1&limit=100');
  check('events: a reload (or a shared link) keeps the filters', v.ok &&
    (await page.inputValue('#e-stage')) === 'initrd' && (await page.isChecked('#e-failed')));

  // ---- paging: Older and Newer, by id ----
  await page.goto(`${BASE}/#/events?limit=50`);
  v = await showsServer(page, '?limit=50');
  check('events: 50 per page', v.ok && v.want.length === 50);
  const first = v.want;
  await page.getByRole('button', { name: 'Older' }).click();
  v = await showsServer(page, `?limit=50&before=${first[49]}`);
  check('events: Older shows the next 50, every one older', v.ok && v.want.length > 0 && v.want[0] < first[49]);
  await page.getByRole('button', { name: 'Newer' }).click();
  const back = await until(async () => (await shown(page))[49] === first[49], 8000);
  check('events: Newer goes back to the first page', !!back);
  check('events: the page fits its width', await page.evaluate(() =>
    document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1));
  check('no JavaScript errors in the console', consoleErrors.length === 0, consoleErrors.join(' | '));
});
