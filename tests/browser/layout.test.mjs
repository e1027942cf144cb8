// Layout and keyboard at one viewport width (run.sh runs it at 1,920, 1,024
// and 400 px, and once in dark mode): on every page, a machine's page too,
// no page-wide horizontal scrolling, a table wider than its frame scrolls
// inside it (Edit/Remove reachable), one column on a phone, a row's image
// changes only on an explicit Save (never on a bare arrow key; checked in
// the SERVER's state), "/" focuses the search, every time shown with its zone, dark mode from the system setting.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, VIEWPORT_WIDTH,
//      KBD_MAC (a managed machine without an image, for the keyboard checks),
//      COLOR_SCHEME (light|dark).
import { env, check, step, shot, until, machine, login, run } from './lib.mjs';

const W = Number(env('VIEWPORT_WIDTH'));
const SCHEME = process.env.COLOR_SCHEME || 'light';
const KBD = env('KBD_MAC');
const tag = `${W}${SCHEME === 'dark' ? '-dark' : ''}`;

// Nothing wider than the window; each table fits its frame or scrolls in it.
async function layoutOk(page, what) {
  const r = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    frames: [...document.querySelectorAll('.table-wrap')].map((w) => ({
      over: w.scrollWidth - w.clientWidth, scrolls: ['auto', 'scroll'].includes(getComputedStyle(w).overflowX),
    })),
  }));
  check(`${what}: no horizontal page scrolling at ${W} px`, r.page <= 1, `${r.page} px too wide`);
  check(`${what}: every table fits its frame or scrolls inside it`,
    r.frames.every((f) => f.over <= 1 || f.scrolls), JSON.stringify(r.frames));
}

async function go(page, id) {
  await page.goto(`${env('BASE_URL')}/#/${id}`);
  await page.locator('main h1').waitFor();
  await page.waitForTimeout(400);
}

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));

  // ---- every page: nothing clipped, nothing wider than the window ----
  for (const id of ['dashboard', 'machines', `machines/${KBD}`, 'discovered', 'images', 'leases', 'events']) {
    await go(page, id);
    if (id === 'machines' || id === 'events') await page.locator('main tbody tr').first().waitFor();
    await layoutOk(page, id);
    if (id === 'machines' || id === 'dashboard') await shot(page, `layout-${id}-${tag}`);
    if (id.startsWith('machines/')) await shot(page, `layout-machine-${tag}`);
  }

  // ---- machines: Edit/Remove reachable inside the table frame ----
  await go(page, 'machines');
  const first = page.locator('table.machines tbody tr[data-mac]').first();
  await first.waitFor();
  const reach = await page.evaluate(() => {
    const wrap = document.querySelector('.table-wrap');
    const btn = document.querySelector('table.machines tbody tr[data-mac] .row-actions button');
    if (!btn) return { ok: false, why: 'no Edit button' };
    if (wrap.scrollWidth > wrap.clientWidth && !['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX))
      return { ok: false, why: 'the frame clips the table' };
    btn.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    const b = btn.getBoundingClientRect(), w = wrap.getBoundingClientRect();
    return { ok: b.right <= Math.min(w.right, window.innerWidth) + 1 && b.left >= w.left - 1, b: [b.left, b.right], w: [w.left, w.right] };
  });
  check(`Edit is reachable in the machines table at ${W} px`, reach.ok, JSON.stringify(reach));
  if (await step('Edit opens the machine dialog', () => first.getByRole('button', { name: 'Edit' }).click({ timeout: 3000 }))) {
    await page.locator('dialog[open]').waitFor();
    const fits = await page.evaluate(() => { const d = document.querySelector('dialog[open]').getBoundingClientRect(); return d.left >= 0 && d.right <= window.innerWidth; });
    check('the dialog fits the window', fits);
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
  }

  // ---- single column on a phone; sidebar beside the content otherwise ----
  const box = await page.evaluate(() => {
    const m = document.querySelector('main').getBoundingClientRect();
    const s = document.querySelector('.sidebar').getBoundingClientRect();
    return { mainLeft: m.left, mainWidth: m.width, sideHeight: s.height, vw: window.innerWidth, vh: window.innerHeight };
  });
  if (W <= 500) {
    check('400 px: the content takes the whole width (single column)', box.mainWidth >= 0.95 * box.vw, JSON.stringify(box));
    check('400 px: the navigation is a bar on top, not half the screen', box.sideHeight <= 0.35 * box.vh, JSON.stringify(box));
  } else {
    check(`${W} px: the sidebar is beside the content`, box.mainLeft >= 150, JSON.stringify(box));
  }

  // ---- "/" focuses the search ----
  await page.locator('main h1').click();
  await page.keyboard.press('/');
  check('"/" focuses the machines search', await page.evaluate(() => document.activeElement && document.activeElement.id === 'm-search'));
  const typed = await page.locator('#m-search').inputValue();
  check('"/" is not typed into the search', typed === '', typed);

  // ---- a bare arrow key never reassigns a machine ----
  await page.locator('#m-search').fill(KBD);
  const krow = page.locator(`tr[data-mac="${KBD}"]`);
  await krow.waitFor();
  const before = (await machine(KBD)).image;
  const sel = krow.getByLabel(`Image for ${KBD}`);
  await sel.focus();
  await page.keyboard.press('ArrowDown');
  await page.waitForTimeout(1500);
  const proposed = await sel.inputValue();
  check('ArrowDown moved the choice on screen', proposed !== (before || ''), proposed);
  check('server: ArrowDown on a row\'s image did not change it', (await machine(KBD)).image === before,
    JSON.stringify((await machine(KBD)).image));
  await page.keyboard.press('Escape');
  check('Escape puts the choice back', (await sel.inputValue()) === (before || ''));
  await sel.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab'); // to Save
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
  check('Tab from the changed list reaches Save', focused === 'Save', focused);
  await page.keyboard.press('Enter');
  const after = await until(async () => { const m = await machine(KBD); return m.image === proposed && m; });
  check(`server: Save applied the chosen image (${proposed})`, !!after, JSON.stringify((await machine(KBD)).image));

  // ---- every time is shown with its zone ----
  await go(page, 'events');
  await page.locator('main tbody tr').first().waitFor();
  // The rows may still be a placeholder, or re-rendered by a live update: wait for the times.
  const times = (await until(async () => {
    const t = await page.$$eval('main table time', (ts) => ts.map((x) => x.textContent));
    return t.length > 0 && t;
  }, 5000)) || [];
  const zoned = /(UTC|GMT([+-]\d{1,2}(:\d\d)?)?|[A-Z]{2,5})$/;
  check('event times are shown with their zone', times.length > 0 && times.every((t) => zoned.test(t)),
    JSON.stringify(times.slice(0, 3)));
  await go(page, 'discovered');
  const dtimes = await page.$$eval('main table time', (ts) => ts.map((t) => t.textContent));
  check('discovered: first-seen times with their zone', dtimes.every((t) => zoned.test(t)), JSON.stringify(dtimes.slice(0, 2)));
  await page.locator('main h1').click();
  await page.keyboard.press('/');
  check('"/" focuses the discovered search', await page.evaluate(() => document.activeElement && document.activeElement.id === 'd-search'));

  // ---- colours follow the system setting ----
  await go(page, 'machines');
  const lum = await page.evaluate(() => {
    const l = (c) => {
      const [r, g, b] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    const bodyBg = getComputedStyle(document.getElementById('app').parentElement).backgroundColor;
    return {
      page: l(getComputedStyle(document.documentElement).backgroundColor),
      body: bodyBg,
      panel: l(getComputedStyle(document.querySelector('.table-wrap')).backgroundColor),
      ink: l(getComputedStyle(document.querySelector('main h1')).color),
      input: l(getComputedStyle(document.querySelector('#m-search')).backgroundColor),
    };
  });
  if (SCHEME === 'dark') {
    check('dark mode: dark page, panels and inputs, light text',
      lum.page < 0.2 && lum.panel < 0.2 && lum.input < 0.2 && lum.ink > 0.7, JSON.stringify(lum));
    await shot(page, `layout-machines-${tag}`);
  } else {
    check('light mode: light page and panels, dark text', lum.page > 0.8 && lum.panel > 0.8 && lum.ink < 0.3,
      JSON.stringify(lum));
  }
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
}, { width: W, height: W <= 500 ? 860 : 1000, colorScheme: SCHEME });
