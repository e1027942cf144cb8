// The image editor's GRUB configuration template: the preview, switched to
// the GRUB format, shows the unsaved template rendered for the machine
// ({{mac}} filled in, $bootherd_images set), saving stores it (checked in
// the SERVER's state), and clearing it stores none.
// Env: BASE_URL, ARTIFACTS, API_TOKEN, ADMIN_USER/ADMIN_PASS, IMAGE (an
// image without a GRUB template).
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const IMAGE = env('IMAGE');
const TPL = 'echo grub-for-{{mac}}\nlinux $bootherd_images/x/vmlinuz\nboot';

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  await page.goto(`${BASE}/#/images`);
  const row = page.locator(`tr[data-image="${IMAGE}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Edit' }).click();
  const tpl = page.getByLabel('GRUB configuration template (optional)');
  await tpl.fill(TPL);
  await page.locator('#preview-mac').selectOption('52:54:00:00:00:01');
  await page.locator('#preview-format').selectOption('grub');
  const preview = page.locator('#preview-out');
  await step('the GRUB preview shows the rendered template', () =>
    preview.filter({ hasText: 'echo grub-for-52:54:00:00:00:01' }).waitFor({ timeout: 5000 }));
  const text = await preview.textContent();
  check('the preview sets $bootherd_images before it', /set bootherd_images=.*\necho grub-for-/.test(text), text);
  await page.locator('#preview-format').selectOption('ipxe');
  await step('the iPXE preview does not use it', () =>
    preview.filter({ hasText: '#!ipxe' }).waitFor({ timeout: 5000 }));
  check('no GRUB template in the iPXE preview', !(await preview.textContent()).includes('grub-for-'));
  await shot(page, `image-grub-01-editor-${IMAGE}`);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.toast', { hasText: `Image ${IMAGE} saved` }).waitFor();
  const saved = await until(async () => {
    const im = await apiGet(`/images/${IMAGE}`);
    return im.grub_script === TPL ? im : false;
  });
  check('server: grub_script saved', !!saved);

  await row.getByRole('button', { name: 'Edit' }).click();
  check('the editor shows the saved template', (await tpl.inputValue()) === TPL);
  await tpl.fill('');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.toast', { hasText: `Image ${IMAGE} saved` }).first().waitFor();
  const cleared = await until(async () => {
    const im = await apiGet(`/images/${IMAGE}`);
    return im.grub_script === null ? im : false;
  });
  check('server: an empty template stores none', !!cleared);
  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));
});
