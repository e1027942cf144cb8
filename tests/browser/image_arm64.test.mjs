// The image editor's ARM64 files: an image gets an arm64 kernel and initrds
// through the form (checked in the SERVER's state), the live preview shows
// the per-architecture choice, and saving another field later keeps them
// (the form PUTs the whole image: a field it did not send would be reset).
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, IMAGE (an
// image without arm64 files).
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const IMAGE = env('IMAGE');
const K64 = `${IMAGE}/arm64/vmlinuz`;
const I64 = [`${IMAGE}/arm64/initrd.gz`, `${IMAGE}/arm64/extra.cpio`];

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(`${BASE}/#/images`);
  const row = page.locator(`tr[data-image="${IMAGE}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('ARM64 kernel (optional)').fill(K64);
  await page.getByLabel('ARM64 initrds (one per line)').fill(I64.join('\n'));
  const preview = page.locator('#preview-out');
  await step('the preview shows the arm64 branch', () =>
    preview.filter({ hasText: 'iseq ${buildarch} arm64' }).waitFor({ timeout: 5000 }));
  check('the preview names the arm64 kernel', (await preview.textContent()).includes(K64));
  await shot(page, `image-arm64-01-editor-${IMAGE}`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.toast', { hasText: `Image ${IMAGE} saved` }).waitFor();
  const saved = await until(async () => {
    const im = await apiGet(`/images/${IMAGE}`);
    return im.kernel_arm64 === K64 ? im : false;
  });
  check('server: kernel_arm64 saved', !!saved, JSON.stringify(saved));
  check('server: initrds_arm64 saved in order', saved && JSON.stringify(saved.initrds_arm64) === JSON.stringify(I64),
    JSON.stringify(saved && saved.initrds_arm64));
  await row.locator('td', { hasText: `arm64: ${K64}` }).waitFor();
  check('the list shows the arm64 kernel', true);

  // Another edit keeps the arm64 files.
  await row.getByRole('button', { name: 'Edit' }).click();
  check('the editor shows the saved arm64 kernel',
    (await page.getByLabel('ARM64 kernel (optional)').inputValue()) === K64);
  await page.getByLabel('Description').fill('edited after arm64');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.toast', { hasText: `Image ${IMAGE} saved` }).first().waitFor();
  const kept = await until(async () => {
    const im = await apiGet(`/images/${IMAGE}`);
    return im.description === 'edited after arm64' ? im : false;
  });
  check('server: a later edit kept kernel_arm64 and initrds_arm64',
    kept && kept.kernel_arm64 === K64 && kept.initrds_arm64.length === 2, JSON.stringify(kept));
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
