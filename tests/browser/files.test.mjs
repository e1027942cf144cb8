// Files and bulk adoption (issue 13 items 8 and 5), asserted in the
// SERVER's state after the clicks: the Files page lists the images root and
// computes a digest; a file is uploaded from the page; a new image gets its
// kernel and initrd from the file picker; the Discovered page adopts 10
// machines at once with a host-name pattern and an address range.  Run by
// tests/browser/run.sh, which seeds BULK_N discovered machines
// BULK_NET:01.. (oldest first; for each width its own BULK_NET and
// BULK_IP_NET), the file demo/vmlinuz and, per width, a file demo/SUM_FILE
// whose digest nobody asked for yet.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, IMAGE, BULK_N,
//      BULK_NET, BULK_IP_NET, SUM_FILE (default vmlinuz), VIEWPORT_WIDTH (optional).
import { createHash } from 'node:crypto';
import { env, check, step, shot, until, apiGet, machine, login, run } from './lib.mjs';

const IMAGE = env('IMAGE');
const N = Number(env('BULK_N'));
const BASE = env('BASE_URL');
const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;
const UP = `initrd-${W}.gz`; // uploaded, then picked as the initrd
const PICKED = `picked-${W}`; // the image made with the picker
const ip = (i) => `${process.env.BULK_IP_NET || '198.18.20'}.${10 + i}`;
const BNET = process.env.BULK_NET || '52:54:00:b0:00';
const mac = (i) => `${BNET}:${i.toString(16).padStart(2, '0')}`;

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));

  // ---- browse, and a digest computed on request ----
  await page.getByRole('link', { name: 'Files' }).click();
  await page.locator('table.files').waitFor();
  await page.getByRole('button', { name: 'demo/' }).click();
  const SUM = process.env.SUM_FILE || 'vmlinuz';
  const row = page.locator(`table.files tr[data-name="${SUM}"]`);
  await row.waitFor();
  const server1 = await apiGet(`/files/sha256?path=demo/${SUM}`);
  await step('compute the digest', () => row.getByRole('button', { name: /Compute/ }).click({ timeout: 3000 }));
  const shown = await until(() => row.locator('[data-sha]').getAttribute('data-sha', { timeout: 500 }));
  check('the page shows the server\'s SHA-256', shown === server1.sha256, String(shown));
  await shot(page, `files-01-listing-${W}`);

  // ---- upload from the page ----
  const content = Buffer.from('initrd from the browser test\n'.repeat(1000));
  await step('choose a file', () => page.locator('#files-upload').setInputFiles(
    { name: UP, mimeType: 'application/gzip', buffer: content }, { timeout: 3000 }));
  await step('upload it', () => page.locator('#files-upload-btn').click({ timeout: 3000 }));
  await step('upload confirmed', () => page.locator('.toast', { hasText: `${UP} uploaded` }).waitFor());
  const listed = await until(async () => (await apiGet('/files?path=demo')).entries.find((e) => e.name === UP));
  check('server: the file is stored with its size', listed && listed.size === content.length, JSON.stringify(listed));
  check('server: its SHA-256 is the content\'s', listed && listed.sha256 === sha(content), listed && listed.sha256);
  await step('the listing shows it', () => page.locator(`table.files tr[data-name="${UP}"]`).waitFor({ timeout: 5000 }));
  // The same name again is refused (no overwrite unless asked).
  await page.locator('#files-upload').setInputFiles({ name: UP, mimeType: 'application/gzip', buffer: Buffer.from('x') });
  await page.locator('#files-upload-btn').click();
  await step('uploading over an existing file says so', () =>
    page.locator('.toolbar.upload .field-error', { hasText: 'overwrite' }).waitFor({ timeout: 5000 }));
  const again = await apiGet('/files?path=demo');
  check('server: the existing file was kept', again.entries.find((e) => e.name === UP).size === content.length);
  // The audit log: the upload by the signed-in user, the refused one not at all.
  const audit = (await apiGet(`/audit?object=${encodeURIComponent(`demo/${UP}`)}`)).entries;
  check('server: the audit log records the upload once, by the user, with its digest',
    audit.length === 1 && audit[0].action === 'file.upload' && audit[0].actor === env('ADMIN_USER') &&
    audit[0].before === null && audit[0].after.sha256 === sha(content), JSON.stringify(audit));
  await shot(page, `files-02-uploaded-${W}`);

  // ---- the image editor picks its files ----
  await page.getByRole('link', { name: 'Images' }).click();
  await page.getByRole('button', { name: 'New image' }).click();
  await page.locator('form.image-form input[name="name"]').fill(PICKED);
  await page.locator('#pick-kernel').click();
  const dlg = page.locator('dialog.modal');
  await dlg.getByRole('button', { name: 'demo/' }).click();
  await dlg.locator('button.pick[data-path="demo/vmlinuz"]').click();
  await until(async () => (await dlg.count()) === 0);
  check('the kernel field holds the picked path',
    (await page.locator('form.image-form input[name="kernel"]').inputValue()) === 'demo/vmlinuz');
  await page.locator('#pick-initrd').click();
  await dlg.locator(`button.pick[data-path="demo/${UP}"]`).click(); // opens in the kernel's folder
  await until(async () => (await dlg.count()) === 0);
  await shot(page, `files-03-picked-${W}`);
  await page.getByRole('button', { name: 'Create image' }).click();
  await step('image created', () => page.locator('.toast', { hasText: `Image ${PICKED} created` }).waitFor());
  const im = await until(async () => { try { return await apiGet('/images/' + PICKED); } catch (e) { return null; } });
  check('server: the image\'s kernel is the picked file', im && im.kernel === 'demo/vmlinuz', JSON.stringify(im && im.kernel));
  check('server: its initrd is the uploaded file', im && im.initrds.join() === `demo/${UP}`, JSON.stringify(im && im.initrds));

  // ---- bulk adopt ----
  await page.getByRole('link', { name: 'Discovered' }).click();
  await page.locator('#d-search').fill(BNET + ':');
  await until(async () => (await page.locator('#d-count').textContent()).startsWith(`${N} waiting`));
  await page.locator('#d-bulk').click();
  const form = page.locator('form.bulk-adopt');
  await form.waitFor();
  await form.locator('#bulk-image').selectOption(IMAGE);
  await form.locator('#bulk-pattern').fill(`bulk${W}-{n:02}`);
  await form.locator('#bulk-ip-from').fill(ip(0));
  await form.locator('#bulk-ip-to').fill(ip(N - 2)); // one address short
  await form.locator('#bulk-submit').click();
  await step('a range too small is explained', () =>
    form.locator('[data-field="ip_to"] .field-error', { hasText: `free addresses for ${N} machines` }).waitFor({ timeout: 5000 }));
  const still = await apiGet(`/discovered?q=${BNET}:`);
  check('server: nothing adopted after the refusal', still.total === N, String(still.total));
  await shot(page, `files-04-bulk-refused-${W}`);
  await form.locator('#bulk-ip-to').fill(ip(N + 20));
  await form.locator('#bulk-submit').click();
  await step('bulk adoption confirmed', () => page.locator('.toast', { hasText: `${N} machines adopted` }).waitFor());
  for (let i = 1; i <= N; i++) {
    const m = await machine(mac(i));
    const want = { state: 'assigned', image: IMAGE, hostname: `bulk${W}-${String(i).padStart(2, '0')}`, ip: ip(i - 1) };
    check(`server: ${mac(i)} is ${want.hostname} at ${want.ip} on ${IMAGE}`,
      m.state === want.state && m.image === want.image && m.hostname === want.hostname && m.ip === want.ip,
      JSON.stringify({ state: m.state, image: m.image, hostname: m.hostname, ip: m.ip }));
  }
  const left = await until(async () => (await page.locator('#d-count').textContent()).startsWith('0 waiting'));
  check('the page shows none left', !!left);
  await shot(page, `files-05-bulk-adopted-${W}`);

  // ---- the machines list finds them by address ----
  await page.goto(`${BASE}/#/machines`);
  await page.locator('#m-search').fill(ip(3));
  const found = await until(async () => {
    const rows = await page.$$eval('table tbody tr[data-mac]', (rs) => rs.map((r) => r.dataset.mac));
    return rows.length === 1 && rows[0] === mac(4) && rows;
  });
  check('search by address finds exactly that machine', !!found);
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
