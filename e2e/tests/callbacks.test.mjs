// Callbacks in a real browser: the agent opens today's queue, works three tasks with
// different outcomes (satisfied, no answer, wrong number), and the statistics change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, login, shot } from './harness.mjs';

const d = demo();

/** The numbers on the statistics page: due, on time, and calls by outcome. */
async function stats(page) {
  // This month so far: the default is the last full month.
  await page.goto(`${d.server.url}/callbacks/stats`);
  await Promise.all([page.waitForURL(/from=/), page.click('#range-this-month')]);
  return {
    onTime: Number(await page.textContent('#total-on-time')),
    outcomes: await page.textContent('#outcomes'),
  };
}

/** Opens the first queued task of a type (any type when none given) and records a call. */
async function work(page, outcome, fill) {
  await page.goto(`${d.server.url}/callbacks`);
  const link = page.locator('table.queue tbody tr:not([data-type="info_update"]) td:nth-child(2) a').first();
  await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), link.click()]);
  const url = page.url();
  assert.match(await page.textContent('#script'), /回访|您好/);
  await page.selectOption('#f-outcome', outcome);
  if (fill) await fill(page);
  // The task's page again, saying what happened.
  await Promise.all([page.waitForURL(url), page.click('#record')]);
  assert.match(await page.textContent('main .notice.success'), /已保存/);
  return url;
}

test('an agent works three tasks from the queue and the statistics change', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await login(page, d.server.url, 'agent');
  await page.click('nav a[href="/callbacks"]');
  await page.waitForSelector('table.queue');
  const queued = await page.locator('table.queue tbody tr').count();
  assert.ok(queued >= 3, `the demo agent has work today (${queued} tasks)`);
  await shot(page, 'zh-callbacks-queue');
  const before = await stats(page);

  // 1. Reached and satisfied: every required question answered.
  const first = await work(page, 'reached_satisfied', async (p) => {
    for (const input of await p.locator('#attempt-form input[type=number]').all()) await input.fill('9');
    for (const select of await p.locator('#attempt-form select[name^="a."]').all()) await select.selectOption('yes');
  });
  // 2. No answer: the task stays open for tomorrow and leaves today's queue.
  const second = await work(page, 'no_answer');
  // 3. Wrong number: done, and the phone is marked.
  const third = await work(page, 'wrong_number');
  assert.equal(new Set([first, second, third]).size, 3, 'three different tasks');

  await page.goto(second);
  assert.equal((await page.textContent('#task-state')).trim(), '待回访');
  assert.equal(await page.locator('#attempts li[data-outcome="no_answer"]').count(), 1);
  await page.goto(third);
  assert.equal((await page.textContent('#task-state')).trim(), '已完成');
  await shot(page, 'zh-callback-done');

  const after = await stats(page);
  assert.ok(after.onTime >= before.onTime, `on time ${before.onTime} → ${after.onTime}`);
  assert.match(after.outcomes, /号码错误: \d+/);
  assert.match(after.outcomes, /无人接听: \d+/);
  assert.notEqual(after.outcomes, before.outcomes, 'the outcomes counted the new calls');
  await shot(page, 'zh-callbacks-stats');
  await context.close();
});

test('the work screen speaks English and reveals the number for tel: links', async () => {
  const context = await d.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en' });
  const page = await context.newPage();
  await login(page, d.server.url, 'agent');
  await page.goto(`${d.server.url}/callbacks`);
  await Promise.all([
    page.waitForURL(/\/callbacks\/\d+$/),
    page.locator('table.queue tbody tr td:nth-child(2) a').first().click(),
  ]);
  assert.match(await page.textContent('#numbers'), /\*\*\*\*/);
  await page.click('#reveal');
  assert.match(await page.getAttribute('#numbers a.phone', 'href'), /^tel:\d{7,12}$/);
  await shot(page, 'en-callback-work');
  await context.close();
});
