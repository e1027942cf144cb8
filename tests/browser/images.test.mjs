// Images page at scale: each image's machine count is the server's (not a
// count over the first page of machines), and deleting an image in use
// offers "unassign N machines and delete", checked in the SERVER's state.
// Run by tests/browser/run.sh, which assigns BIG_N machines
// (BIG_NET:..:.., default 52:54:00:5e) to image BIG_IMAGE, more than one
// page of 1,000 (at each width its own image and machines).
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, BIG_IMAGE, BIG_N,
//      BIG_NET, VIEWPORT_WIDTH (optional).
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const IMG = env('BIG_IMAGE');
const N = Number(env('BIG_N'));
const NET = process.env.BIG_NET || '52:54:00:5e';
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;

run(async (page, consoleErrors) => {
  const server = await apiGet(`/machines?image=${IMG}&limit=1`);
  check(`server: ${N} machines use ${IMG}`, server.total === N, String(server.total));
  const listed = (await apiGet('/images')).images.find((i) => i.name === IMG);
  check('API: GET /images counts them', listed && listed.machines === N, JSON.stringify(listed && listed.machines));

  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(`${BASE}/#/images`);
  const row = page.locator(`tr[data-image="${IMG}"]`);
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  check(`the Images page shows ${N.toLocaleString('en-US')} machines for ${IMG}`,
    cells.some((t) => t.trim() === N.toLocaleString('en-US')), JSON.stringify(cells));
  await shot(page, `images-01-counts-${W}`);

  await row.getByRole('button', { name: 'Delete' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  const text = await dlg.textContent();
  check('the dialog names the server\'s count', text.includes(`assigned to ${N.toLocaleString('en-US')} machines`), text);
  if (await step('"Unassign N machines and delete"', () =>
    dlg.getByRole('button', { name: `Unassign ${N.toLocaleString('en-US')} machines and delete` }).click({ timeout: 3000 }))) {
    await page.locator('.toast', { hasText: `Image ${IMG} deleted` }).waitFor();
  }
  const gone = await until(async () => {
    const r = await fetch(`${BASE}/api/v1/images/${IMG}`, { headers: { Authorization: `Bearer ${env('API_TOKEN')}` } });
    return r.status === 404;
  });
  check('server: the image is gone', !!gone);
  const left = await apiGet(`/machines?state=unassigned&q=${NET}&limit=1`);
  check(`server: its ${N} machines are unassigned`, left.total === N, String(left.total));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
