// Page times at scale (issue 13 item 11): with ~10,000 machines (run.sh
// seeds SCALE_N, hostnames node00000…), the Machines page's list load,
// search, sort and a bulk assign of 1,000 machines, each timed in the page
// with performance.now() from the UI action to the rendered result, RUNS
// times; printed with the median, never asserted (tests assert no timing).
// What is asserted is that each action did what it says, on the server too.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, SCALE_N,
//      IMAGE, IMAGE2, RUNS (default 5).
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const N = Number(env('SCALE_N'));
const RUNS = Number(process.env.RUNS || 5);
const fmt = (n) => n.toLocaleString('en-US');
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const times = {};

function report(what, ms) {
  (times[what] = times[what] || []).push(ms);
}

// In the page: runs act(), then waits (frame by frame, at most 15 s) until
// done() holds; returns the milliseconds between, or -1 on timeout.
async function timed(page, act, done, arg) {
  return page.evaluate(async ([act, done, arg]) => {
    const a = new Function('arg', act), d = new Function('arg', done);
    const t0 = performance.now();
    a(arg);
    while (performance.now() - t0 < 15000) {
      await new Promise((r) => requestAnimationFrame(r));
      if (d(arg)) return performance.now() - t0;
    }
    return -1;
  }, [act, done, arg]);
}

const ROWS = 'document.querySelectorAll("table.machines tbody tr[data-mac]")';

run(async (page, consoleErrors) => {
  const all = await apiGet('/machines?limit=1');
  check(`server: at least ${fmt(N)} machines`, all.total >= N, String(all.total));
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));

  for (let i = 0; i < RUNS; i++) {
    // ---- list load: from another page to the first 50 rows ----
    await page.goto(`${BASE}/#/dashboard`);
    await page.locator('main h1').waitFor();
    const load = await timed(page, 'location.hash = "#/machines"',
      `return ${ROWS}.length >= 50 && /of ${all.total}\\b|of ${fmt(all.total)}\\b/.test(document.querySelector('.pager-range')?.textContent || '')`);
    check(`run ${i + 1}: the list shows 50 rows of ${fmt(all.total)}`, load >= 0);
    report('list load', load);

    // ---- search: a keystroke to the matching rows (debounce included) ----
    const q = `node0${(i % 9) + 1}`;
    const search = await timed(page,
      'const s = document.getElementById("m-search"); s.value = arg; s.dispatchEvent(new Event("input", {bubbles: true}))',
      `const r = ${ROWS}; return r.length > 0 && [...r].every((x) => x.textContent.includes(arg)) && /of 1,?000\\b/.test(document.querySelector('.pager-range')?.textContent || '')`, q);
    check(`run ${i + 1}: search ${q} shows its 1,000 machines`, search >= 0);
    report('search', search);

    // ---- sort: a click on the Hostname header to the re-ordered rows ----
    // Done when the rows are new ones (the table is rebuilt from the
    // server's answer) and the header says how they are sorted.
    await page.evaluate(() => { window.bhFirstRow = document.querySelector('table.machines tbody tr[data-mac]'); });
    const sort = await timed(page,
      '[...document.querySelectorAll("th button")].find((b) => /^Sort by hostname/.test(b.getAttribute("aria-label") || b.textContent)).click()',
      `const r = ${ROWS}; return r.length > 0 && r[0] !== window.bhFirstRow && !!document.querySelector('th[aria-sort]')`);
    check(`run ${i + 1}: the hostname header re-sorts the rows`, sort >= 0);
    report('sort', sort);
  }

  // ---- bulk assign of 1,000: the confirm click to the rendered result ----
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const image = i % 2 ? env('IMAGE2') : env('IMAGE');
    await page.goto(`${BASE}/#/machines?q=node05&size=50`);
    await page.locator('table.machines tbody tr[data-mac]').first().waitFor();
    await until(async () => /of 1,?000\b/.test(await page.locator('.pager-range').textContent()));
    await page.getByLabel('Select all machines on this page').check();
    if (!(await step('select all 1,000 matching', () =>
      page.getByRole('button', { name: 'Select all 1,000 matching' }).click({ timeout: 5000 })))) break;
    const all1000 = await until(async () => (await page.locator('.bulk-count').textContent()).startsWith('1,000 selected'), 15000);
    check(`bulk run ${i + 1}: the bulk bar says 1,000 selected`, !!all1000);
    await page.locator('#m-bulk-image').selectOption(image);
    await page.locator('.bulkbar button.primary').click();
    await page.locator('dialog[open]').waitFor();
    await page.evaluate(() => {
      window.bhToasts = [];
      new MutationObserver(() => document.querySelectorAll('.toast').forEach((t) => window.bhToasts.push(t.textContent)))
        .observe(document.body, { childList: true, subtree: true });
    });
    const dlgText = await page.locator('dialog[open]').textContent();
    const bulk = await timed(page,
      '[...document.querySelectorAll("dialog[open] button")].find((b) => b.textContent.trim() === "Assign").click()',
      `const r = ${ROWS}; return [...document.querySelectorAll(".toast")].some((t) => t.textContent.includes("1,000 machines now boot " + arg)) && r.length > 0 && [...r].every((x) => x.querySelector("select")?.value === arg)`, image);
    check(`bulk run ${i + 1}: 1,000 machines assigned ${image} (toast)`, bulk >= 0,
      dlgText + ' → ' + await page.evaluate(() => [...new Set(window.bhToasts)].join(' | ')));
    report('bulk assign 1,000', bulk);
    const srv = await until(async () => (await apiGet(`/machines?q=node05&image=${image}&limit=1`)).total === 1000);
    check(`server: the 1,000 machines boot ${image}`, !!srv);
  }
  await shot(page, 'scale-01-bulk');

  for (const [what, v] of Object.entries(times))
    console.log(`  (at ${fmt(all.total)} machines, ${what}: ${v.map((x) => Math.round(x)).join(', ')} ms; median ${Math.round(median(v))} ms)`);
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
