// Shared plumbing for the browser tests: launch Debian's Chromium through
// playwright-core, log in, record checks, take screenshots, and read the
// server's state through the REST API (a bearer token), so that a test
// asserts what the server stored, not only what the page shows.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const env = (k) => {
  if (!process.env[k]) throw new Error(`missing env ${k}`);
  return process.env[k];
};

export const BASE = env('BASE_URL');
export const ART = env('ARTIFACTS');
mkdirSync(ART, { recursive: true });

let passed = 0;
let failed = 0;

export function check(desc, ok, extra = '') {
  if (ok) {
    passed++;
    console.log(`  ok   ${desc}`);
  } else {
    failed++;
    console.log(`  FAIL ${desc}${extra ? ': ' + extra : ''}`);
  }
  return ok;
}

// Runs one UI step; an exception (a control that is not there, a dialog
// that never opens) is a failed check, and the test goes on to assert the
// server's state, which is what matters.
export async function step(desc, fn) {
  try {
    await fn();
    return true;
  } catch (e) {
    check(desc, false, String(e.message || e).split('\n')[0]);
    return false;
  }
}

export async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true });
}

// Polls fn (async, returns truthy when done) for up to ms; returns its last
// value.  Bounded in time: never loops forever.
export async function until(fn, ms = 8000) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    try {
      v = await fn();
    } catch (e) {
      v = false;
    }
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// GET /api/v1/PATH as the test's token; returns the parsed JSON.
export async function apiGet(path) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    headers: { Authorization: `Bearer ${env('API_TOKEN')}`, Accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.json();
}

// METHOD /api/v1/PATH with a JSON body as the test's token; returns the
// parsed JSON.
export async function apiSend(method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${env('API_TOKEN')}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

export async function machine(mac) {
  return apiGet('/machines/' + mac);
}

export async function login(page, user, pass) {
  await page.goto(BASE + '/');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForSelector('nav a[aria-current="page"]');
}

// Launches Chromium with a fresh profile, runs body(page, consoleErrors),
// reports and exits with the number of failures.  The window is 1,280 px
// wide unless the test or VIEWPORT_WIDTH says otherwise (run.sh runs some
// flows at 1,920, 1,024 and 400 px too).
const ENV_WIDTH = Number(process.env.VIEWPORT_WIDTH) || 1280;
export async function run(body, { width = ENV_WIDTH, height = 860, colorScheme = 'light' } = {}) {
  const userDir = mkdtempSync(join(tmpdir(), 'bootherd-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width, height },
    colorScheme,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const consoleErrors = [];
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(10000);
    page.on('console', (m) => {
      // HTTP errors the tests provoke (401, 409, 422) are logged by the browser too.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await body(page, consoleErrors);
  } catch (e) {
    failed++;
    console.log(`  FAIL unexpected: ${e.stack || e}`);
    try {
      const p = ctx.pages()[0];
      if (p) await p.screenshot({ path: join(ART, 'failure.png'), fullPage: true });
    } catch (e2) { /* best effort */ }
  } finally {
    await ctx.close();
    rmSync(userDir, { recursive: true, force: true });
  }
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
