// The platform end to end, in a real browser: log in, switch language, create a dealer
// and a user, log in as that user and see only that dealer. Screenshots of every page in
// both languages go to e2e/screenshots/ (ignored by git) for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, login, logout, shot, PASSWORD } from './harness.mjs';

const d = demo();

const PAGES = ['/', '/admin/orgs', '/admin/users', '/admin/audit', '/account', '/api/docs'];

test('an administrator logs in, switches language and sees every admin page in both', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith(d.server.url)) outside.push(r.url()); });
  await page.goto(`${d.server.url}/login`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await shot(page, 'zh-login');
  await login(page, d.server.url, 'admin');
  assert.match(await page.textContent('h1'), /您好/);
  for (const path of PAGES) {
    await page.goto(`${d.server.url}${path}`);
    await shot(page, `zh${path === '/' ? '-home' : path.replaceAll('/', '-')}`);
  }
  await page.goto(`${d.server.url}/`);
  await Promise.all([page.waitForLoadState('load'), page.click('a[data-lang=en]')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('h1'), /Hello/);
  for (const path of PAGES) {
    await page.goto(`${d.server.url}${path}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', path);
    await shot(page, `en${path === '/' ? '-home' : path.replaceAll('/', '-')}`);
  }
  await logout(page);
  await shot(page, 'en-login');
  assert.deepEqual(outside, [], 'nothing loads from outside the server');
  await context.close();
});

test('a new dealer and its user: the user sees only that dealer', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, d.server.url, 'admin');
  await page.goto(`${d.server.url}/admin/orgs`);
  await page.click('summary:has-text("新建组织")');
  await page.fill('#new-org input[name=name]', '东莞南城店');
  await page.selectOption('#new-org select[name=kind]', 'dealer');
  await page.selectOption('#new-org select[name=parent_id]', { label: '\u3000\u3000中汽南方' });
  await page.fill('#new-org input[name=code]', 'D-DG01');
  await Promise.all([page.waitForURL(`${d.server.url}/admin/orgs`), page.click('#new-org button[type=submit]')]);
  assert.equal(await page.locator('tr[data-org="东莞南城店"]').count(), 1);

  await page.goto(`${d.server.url}/admin/users`);
  await page.click('summary:has-text("新建用户")');
  await page.fill('#new-user input[name=username]', 'dg.manager');
  await page.fill('#new-user input[name=display_name]', '何经理');
  await page.fill('#new-user input[name=password]', PASSWORD);
  await page.selectOption('#new-user select[name=org_id]', { label: '\u3000\u3000\u3000东莞南城店' });
  await page.check('#new-user input[value=general_manager]');
  await Promise.all([page.waitForURL(`${d.server.url}/admin/users`), page.click('#new-user button[type=submit]')]);
  assert.equal(await page.locator('tr[data-user="dg.manager"]').count(), 1);
  await shot(page, 'zh-users-after-create');
  await logout(page);

  await login(page, d.server.url, 'dg.manager');
  assert.match(await page.textContent('.me-org'), /东莞南城店/);
  await page.goto(`${d.server.url}/admin/orgs`);
  const names = await page.locator('tr[data-org]').evaluateAll((rows) => rows.map((r) => r.dataset.org));
  assert.deepEqual(names, ['东莞南城店']);
  await page.goto(`${d.server.url}/admin/users`);
  const users = await page.locator('tr[data-user]').evaluateAll((rows) => rows.map((r) => r.dataset.user));
  assert.deepEqual(users, ['dg.manager']);
  await shot(page, 'zh-dealer-user-orgs');
  await context.close();
});

test('on a phone the menu folds away behind a button', async () => {
  const context = await d.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, d.server.url, 'agent');
  assert.ok(!(await page.isVisible('nav.side a[href="/account"]')), 'menu folded');
  await shot(page, 'zh-phone-home');
  await page.click('label.menu-button');
  assert.ok(await page.isVisible('nav.side a[href="/account"]'), 'menu opens');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling on a phone (page is ${width}px wide)`);
  await shot(page, 'zh-phone-menu');
  await context.close();
});
