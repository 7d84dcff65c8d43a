// Complaints in a real browser: an agent's call finds a dissatisfied customer, the
// complaint manager files the complaint from the follow-up, handles it and resolves it, the
// agent's closure call finds the customer satisfied, and the complaint is closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, login, logout, shot } from './harness.mjs';

const d = demo();

/** Opens the agent's first queued task of a type and records a call. */
async function call(page, type, outcome, answers) {
  await page.goto(`${d.server.url}/callbacks`);
  const link = page.locator(`table.queue tbody tr[data-type="${type}"] td:nth-child(2) a`).first();
  await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), link.click()]);
  const url = page.url();
  await page.selectOption('#f-outcome', outcome);
  for (const [name, value] of Object.entries(answers)) {
    const field = page.locator(`#attempt-form [name="a.${name}"]`);
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.fill('#attempt-form textarea[name=note]', '客户说保养后仍有异响');
  await Promise.all([page.waitForURL(url), page.click('#record')]);
  return (await page.textContent('main .notice.success')).trim();
}

test('a dissatisfied callback becomes a complaint that a satisfied closure call closes', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();

  // 1. The agent reaches a customer after a repair who is not satisfied.
  await login(page, d.server.url, 'agent');
  const said = await call(page, 'post_repair', 'reached_dissatisfied', { overall: '3', fixed_first_time: 'no' });
  assert.match(said, /已创建“不满意客户跟进”任务，由 .+ 跟进/, said);
  await logout(page);

  // 2. The complaint manager finds the follow-up and files it as a complaint.
  await login(page, d.server.url, 'complaint');
  await page.goto(`${d.server.url}/callbacks`);
  const followUp = page.locator('table.queue tbody tr[data-type="dissatisfaction"] td:nth-child(2) a').first();
  await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), followUp.click()]);
  await Promise.all([page.waitForURL(/\/complaints\/new/), page.click('#file-complaint')]);
  assert.match(await page.inputValue('textarea[name=description]'), /异响/);
  await page.selectOption('select[name=category]', 'repair_quality');
  await page.fill('input[name=title]', '保养后异响未解决');
  await Promise.all([page.waitForURL(/\/complaints\/\d+$/), page.click('#file')]);
  const complaintUrl = page.url();
  assert.equal(await page.getAttribute('#complaint-state', 'data-state'), 'new');
  assert.equal(await page.getAttribute('#resolution-clock', 'data-status'), 'running');

  await page.goto(`${d.server.url}/complaints`);
  const id = complaintUrl.split('/').pop();
  assert.equal(await page.locator(`#board tr[data-complaint="${id}"]`).count(), 1, 'on the board');
  await shot(page, 'zh-complaint-board');

  // 3. A photo of the problem as evidence, then first response, handling, the form,
  // resolved: the customer is asked by a call.
  await page.goto(complaintUrl);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
  await page.setInputFiles('#attachments input[type=file]', { name: '底盘照片.png', mimeType: 'image/png', buffer: png });
  await Promise.all([page.waitForEvent('load'), page.click('#attach')]);
  assert.match(await page.textContent('#attachments'), /底盘照片\.png · image\/png/);
  await Promise.all([page.waitForEvent('load'), page.click('button[data-to="acknowledged"]')]);
  await Promise.all([page.waitForEvent('load'), page.click('button[data-to="in_progress"]')]);
  await page.fill('#handling-form input[name=responsible]', '售后经理 陈晨');
  await page.fill('#handling-form textarea[name=measures]', '免费检查底盘并紧固护板，赠送一次保养');
  await page.check('#handling-form input[name=sign_off]');
  await Promise.all([page.waitForEvent('load'), page.click('#save-form')]);
  await Promise.all([page.waitForEvent('load'), page.click('button[data-to="resolved"]')]);
  assert.equal(await page.getAttribute('#complaint-state', 'data-state'), 'closure_callback');
  assert.match(await page.textContent('main .notice.success'), /结案回访任务已创建，由 .+ 回访客户/);
  // Waiting for its closure call, the only way back is named for what it does.
  assert.equal((await page.textContent('button[data-to="in_progress"]')).trim(), '重开投诉');
  assert.equal(await page.getAttribute('#first-clock', 'data-status'), 'met');
  await shot(page, 'zh-complaint-closure-callback');
  await logout(page);

  // 4. The agent's closure call: the customer is satisfied.
  await login(page, d.server.url, 'agent');
  await call(page, 'complaint_closure', 'reached_satisfied', { resolved: 'yes', overall: '9' });
  await logout(page);

  // 5. The complaint is closed, in time, and shows on the board's closed list.
  await login(page, d.server.url, 'complaint');
  await page.goto(complaintUrl);
  assert.equal(await page.getAttribute('#complaint-state', 'data-state'), 'closed');
  assert.equal(await page.getAttribute('#resolution-clock', 'data-status'), 'met');
  assert.match(await page.textContent('#events'), /结案回访/);
  await shot(page, 'zh-complaint-closed');
  await context.close();
});
