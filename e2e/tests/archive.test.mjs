// The customer archive in a real browser: search by a phone's last four digits, open
// the customer 360, reveal the number (audited) and create a customer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, login, shot } from './harness.mjs';

const d = demo();

test('an agent finds a customer, opens the 360 and reveals the number', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, d.server.url, 'agent');
  await page.goto(`${d.server.url}/customers`);
  await shot(page, 'zh-customers');
  const masked = await page.locator('tbody tr:first-child td:nth-child(2)').textContent();
  assert.match(masked, /^1\d\d\*\*\*\*\d{4}$/);
  const last4 = masked.slice(-4);
  await page.fill('#customer-search input[name=q]', last4);
  await Promise.all([page.waitForURL(/q=/), page.click('#customer-search button[type=submit]')]);
  const phones = await page.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.ok(phones.length >= 1 && phones.some((p) => p.endsWith(last4)), `rows for ${last4}: ${phones}`);
  await page.click('tbody tr:first-child a');
  await page.waitForSelector('ol.timeline li');
  assert.ok((await page.locator('ol.timeline li').count()) >= 2, 'a sale and its history');
  assert.match(await page.textContent('#phones'), /\*\*\*\*/);
  await shot(page, 'zh-customer-360');
  await page.click('#reveal');
  const href = await page.getAttribute('#phones a.phone', 'href');
  assert.match(href, /^tel:1\d{10}$/);
  await shot(page, 'zh-customer-360-revealed');
  await context.close();
});

test('a new customer is filed from the form, and a second with the same number is caught', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en' });
  const page = await context.newPage();
  await login(page, d.server.url, 'custmgr');
  await page.goto(`${d.server.url}/customers/new`);
  await page.fill('#new-customer input[name=name]', '测试客户');
  await page.fill('#new-customer input[name=phone]', '+86 139 0000 0001');
  await Promise.all([page.waitForURL(/\/customers\/\d+$/), page.click('#new-customer button[type=submit]')]);
  assert.equal(await page.textContent('h1 >> nth=0').then((t) => t.includes('测试客户')), true);
  await shot(page, 'en-customer-360');
  await page.goto(`${d.server.url}/customers/new`);
  await page.fill('#new-customer input[name=name]', '测试客户二');
  await page.fill('#new-customer input[name=phone]', '13900000001');
  await page.click('#new-customer button[type=submit]');
  await page.waitForSelector('.notice.error');
  assert.match(await page.textContent('main'), /already/);
  await shot(page, 'en-customer-duplicate');
  await context.close();
});

test('an information maintainer imports an owner list and sees the reconciliation', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'dcrc-e2e-import-'));
  const file = join(dir, '车主名单.csv');
  writeFileSync(file, '\ufeff客户姓名,手机号,车牌号\n导入一,13700000001,粤A10001\n导入二,13700000002,粤A1\n导入三,13700000003,\n');
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, d.server.url, 'info');
  await page.goto(`${d.server.url}/imports`);
  await page.setInputFiles('#new-import input[name=file]', file);
  // The columns as recognised, on a form with the first rows; then the import.
  await Promise.all([page.waitForSelector('#import-mapping'), page.click('#new-import button[type=submit]')]);
  assert.equal(await page.inputValue('#col-0'), 'name');
  assert.equal(await page.inputValue('#col-1'), 'phone');
  assert.match(await page.textContent('#mapping'), /13700000001/);
  await shot(page, 'zh-import-mapping');
  await Promise.all([page.waitForURL(/\/imports\/\d+$/), page.click('#confirm-import')]);
  await page.waitForSelector('#import-status[data-status=done]', { timeout: 30_000 });
  assert.equal(await page.textContent('#rows-read'), '3');
  assert.equal(await page.textContent('#rows-inserted'), '2');
  assert.equal(await page.textContent('#rows-rejected'), '1');
  assert.match(await page.textContent('main'), /车牌/);
  await shot(page, 'zh-import-done');
  await context.close();
});
