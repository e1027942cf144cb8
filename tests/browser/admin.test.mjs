// Administration: add a user, make them admin, reset their password,
// create an API token (its secret shown once, in a dialog with a copy
// button), revoke it, remove the user, and see the audit rows; after each
// click the SERVER's state is checked through the API.  A viewer sees no
// Administration page.  Run by tests/browser/run.sh.
// Env: BASE_URL, ARTIFACTS, API_TOKEN (an admin token), ADMIN_USER/ADMIN_PASS,
//      VIEWER_USER/VIEWER_PASS.
import { env, check, step, shot, until, apiGet, login, run } from './lib.mjs';

const BASE = env('BASE_URL');
const W = process.env.VIEWPORT_WIDTH ? Number(process.env.VIEWPORT_WIDTH) : 1280;
const NEW_USER = `carol${W}`; // a user and a token of each width's own
const TOKEN_NAME = `ci-browser-${W}`;

async function serverLogin(user, pass) {
  const res = await fetch(`${BASE}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user, password: pass }) });
  return res.status;
}

async function bearerStatus(token) {
  const res = await fetch(`${BASE}/api/v1/status`, { headers: { Authorization: `Bearer ${token}` } });
  return res.status;
}

const userOf = async (name) => (await apiGet('/users')).users.find((u) => u.name === name);
const tokenOf = async (name) => (await apiGet('/tokens')).tokens.find((t) => t.name === name);
const audited = async (action, object) => (await apiGet(`/audit?object=${encodeURIComponent(object)}&limit=100`))
  .entries.find((e) => e.action === action);

run(async (page, consoleErrors) => {
  await login(page, env('ADMIN_USER'), env('ADMIN_PASS'));
  const nav = page.locator('nav a[data-page="admin"]');
  check('an admin sees Administration in the navigation', (await nav.count()) === 1);
  await nav.click();
  await page.locator('table.users tbody tr[data-user]').first().waitFor();
  const dlg = page.locator('dialog[open]');

  // ---- add a user ----
  await page.getByRole('button', { name: 'Add user' }).click();
  await dlg.getByLabel('User name').fill(NEW_USER);
  await dlg.getByLabel('Password').fill('short');
  await dlg.getByRole('button', { name: 'Add user' }).click();
  await step('a short password is refused in the dialog', () =>
    dlg.locator('.field-error', { hasText: 'password must be' }).waitFor({ timeout: 3000 }));
  check('server: no user from the refused form', !(await userOf(NEW_USER)));
  await dlg.getByLabel('Password').fill('carol-password-1');
  await dlg.getByRole('button', { name: 'Add user' }).click();
  await page.locator(`tr[data-user="${NEW_USER}"]`).waitFor();
  const u1 = await userOf(NEW_USER);
  check('server: the user exists, as a viewer', u1 && u1.role === 'viewer', JSON.stringify(u1));
  check('server: the user can log in', (await serverLogin(NEW_USER, 'carol-password-1')) === 200);

  // ---- role ----
  const row = page.locator(`tr[data-user="${NEW_USER}"]`);
  await row.getByRole('button', { name: 'Make admin' }).click();
  await dlg.getByRole('button', { name: 'Make admin' }).click();
  const u2 = await until(async () => { const u = await userOf(NEW_USER); return u.role === 'admin' && u; });
  check('server: the user is now admin', !!u2);

  // ---- password reset ----
  await row.getByRole('button', { name: 'Reset password' }).click();
  await dlg.getByLabel('New password').fill('carol-password-2');
  await dlg.getByRole('button', { name: 'Set password' }).click();
  await page.locator('.toast', { hasText: `Password of ${NEW_USER} changed` }).waitFor();
  check('server: the old password is refused', (await serverLogin(NEW_USER, 'carol-password-1')) === 401);
  check('server: the new password works', (await serverLogin(NEW_USER, 'carol-password-2')) === 200);

  // ---- a token, shown once ----
  await page.getByRole('button', { name: 'Create token' }).click();
  await dlg.getByLabel('Name').fill(TOKEN_NAME);
  await dlg.getByRole('button', { name: 'Create token' }).click();
  const secretBox = page.locator('#token-secret');
  await secretBox.waitFor();
  const secret = await secretBox.inputValue();
  check('the dialog shows the token secret', /^bht_[0-9a-f]{64}$/.test(secret), secret.slice(0, 8));
  check('with a copy button', (await page.locator('dialog[open]').getByRole('button', { name: 'Copy' }).count()) === 1);
  await shot(page, `admin-01-token-once-${W}`);
  const t1 = await tokenOf(TOKEN_NAME);
  check('server: the token exists (viewer)', t1 && t1.role === 'viewer', JSON.stringify(t1));
  check('server: the shown secret authenticates', (await bearerStatus(secret)) === 200);
  await page.locator('dialog[open]').getByRole('button', { name: 'Copy' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click();
  await page.locator(`tr[data-token="${TOKEN_NAME}"]`).waitFor();
  check('once closed, the secret is nowhere on the page', !(await page.content()).includes(secret.slice(4)));
  check('server: the token list holds no secret', !JSON.stringify(await apiGet('/tokens')).includes(secret.slice(4)));

  // ---- revoke, with a confirmation ----
  const trow = page.locator(`tr[data-token="${TOKEN_NAME}"]`);
  await trow.getByRole('button', { name: 'Revoke' }).click();
  await dlg.getByRole('button', { name: 'Cancel' }).click();
  check('server: Cancel keeps the token', !!(await tokenOf(TOKEN_NAME)));
  await trow.getByRole('button', { name: 'Revoke' }).click();
  await dlg.getByRole('button', { name: 'Revoke' }).click();
  await trow.waitFor({ state: 'detached' });
  check('server: the token is gone', !(await tokenOf(TOKEN_NAME)));
  check('server: the revoked secret is refused (401)', (await bearerStatus(secret)) === 401);

  // ---- the audit log, in the UI and on the server ----
  const me = env('ADMIN_USER');
  for (const [action, object] of [['user.create', NEW_USER], ['user.role', NEW_USER], ['user.password', NEW_USER],
    ['token.create', TOKEN_NAME], ['token.revoke', TOKEN_NAME]]) {
    const e = await audited(action, object);
    check(`server: audit has ${action} ${object} by ${me}`, e && e.actor === me, JSON.stringify(e));
  }
  const roleRow = await audited('user.role', NEW_USER);
  check('server: the role change is recorded before -> after',
    roleRow && roleRow.before.role === 'viewer' && roleRow.after.role === 'admin', JSON.stringify(roleRow));
  const auditRows = page.locator('table.audit tbody tr[data-audit]');
  const shown = await until(async () => {
    const texts = await auditRows.allTextContents();
    return texts.some((t) => t.includes('token.revoke') && t.includes(TOKEN_NAME)) && texts;
  });
  check('the audit table shows the revocation', !!shown);
  check('the audit table shows the role change before → after',
    (shown || []).some((t) => t.includes('user.role') && t.includes('role: viewer → admin')));
  await page.locator('#audit-actor').fill('nobody-at-all');
  await page.locator('#audit-actor').press('Enter');
  await step('filtering by someone else empties the table', () =>
    page.locator('table.audit tbody tr.empty').waitFor({ timeout: 5000 }));
  await page.locator('#audit-actor').fill('');
  await page.locator('#audit-actor').press('Enter');
  await shot(page, `admin-02-audit-${W}`);

  // ---- remove the user, with a confirmation ----
  await row.getByRole('button', { name: 'Remove' }).click();
  await dlg.getByRole('button', { name: 'Remove' }).click();
  await row.waitFor({ state: 'detached' });
  check('server: the user is gone', !(await userOf(NEW_USER)));
  check('server: removal audited', !!(await audited('user.delete', NEW_USER)));

  // ---- the last admin cannot remove themself ----
  await page.locator(`tr[data-user="${me}"]`).getByRole('button', { name: 'Remove' }).click();
  await dlg.getByRole('button', { name: 'Remove' }).click();
  await step('removing the last admin says why', () =>
    page.locator('.toast.error', { hasText: 'last admin' }).waitFor({ timeout: 5000 }));
  check('server: the last admin is still there', !!(await userOf(me)));

  check('no console errors', consoleErrors.length === 0, consoleErrors.join(' | '));

  // ---- a viewer has no Administration ----
  await page.getByRole('button', { name: 'Log out' }).click();
  await login(page, env('VIEWER_USER'), env('VIEWER_PASS'));
  check('a viewer does not see Administration', (await page.locator('nav a[data-page="admin"]').count()) === 0);
  await page.goto(BASE + '/#/admin');
  await page.waitForTimeout(300);
  check('#/admin shows a viewer no user table', (await page.locator('table.users').count()) === 0);
});
