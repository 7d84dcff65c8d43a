// Starts a real `dcrc demo` on a fresh SQLite file and a real Chromium for the tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = join(here, '..', 'screenshots');
export const PASSWORD = 'dcrc-demo-2026';

/** Runs the dcrc binary (DCRC_BIN, default target/debug/dcrc) until it prints its URL.
 * 400 customers per dealer give the demo agent a realistic day of callbacks. */
export async function startServer() {
  const bin = process.env.DCRC_BIN || join(here, '..', '..', 'target', 'debug', 'dcrc');
  const dir = mkdtempSync(join(tmpdir(), 'dcrc-e2e-'));
  const child = spawn(bin, ['--database', `sqlite://${join(dir, 'e2e.db')}`, 'demo', '--listen', '127.0.0.1:0', '--customers-per-dealer', '400'], {
    env: { ...process.env, DCRC_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dcrc did not start:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = output.match(/DCRC is serving on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`dcrc exited with ${code}:\n${output}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function startBrowser() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/** Logs in through the form. */
export async function login(page, base, username, password = PASSWORD) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
}

export async function logout(page) {
  await page.click('header form[action="/logout"] button');
  await page.waitForURL(/\/login$/);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Starts the demo server and a browser before a file's tests and stops both after them;
 * the returned object holds `server` and `browser` once they run. */
export function demo() {
  const d = {};
  before(async () => {
    d.server = await startServer();
    d.browser = await startBrowser();
  });
  after(async () => {
    await d.browser?.close();
    d.server?.stop();
  });
  return d;
}
