// The service advisor's appointment day, in a real browser and both languages: the day's
// bookings per bay with their free time, a booking into a full bay refused with what was
// typed kept and the next free times offered, and one click on a time books it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, login, shot } from './harness.mjs';

const d = demo();

test('the advisor books into a full bay, is offered the next free times and books one', async () => {
  for (const [locale, full] of [['zh-CN', '这个时间排不下'], ['en', 'That time is full']]) {
    const context = await d.browser.newContext({ viewport: { width: 1366, height: 900 }, locale });
    const page = await context.newPage();
    await login(page, d.server.url, 'advisor');
    await page.goto(`${d.server.url}/customers`);
    const name = (await page.locator('tbody tr:first-child a').first().textContent()).trim();
    // The demo booked the next working day: walk forward to it.
    await page.goto(`${d.server.url}/workshop`);
    for (let i = 0; i < 7 && (await page.locator('li.appointment').count()) === 0; i += 1) {
      await Promise.all([page.waitForURL(/day=/), page.click('#day-next')]);
    }
    assert.ok((await page.locator('li.appointment').count()) > 0, 'the day has bookings');
    assert.match(await page.textContent('#day tbody'), locale === 'en' ? /min free/ : /剩余 \d+ 分钟/);
    await shot(page, `${locale}-advisor-workshop-day`);
    // The body bay is taken 10:00–14:00: 13:00 does not fit.
    await page.fill('#f-customer_id_q', name);
    await page.click('#pick-customer_id');
    await page.waitForSelector('#picker-customer_id input[type=radio]');
    await page.locator('#picker-customer_id input[type=radio]').first().check();
    await page.selectOption('#f-job_type', 'body_repair');
    await page.fill('#f-time', '13:00');
    const asks = locale === 'en' ? 'Dent in the rear door' : '右后门刮擦修复';
    await page.fill('#f-requested_work', asks);
    await page.click('#book-submit');
    await page.waitForSelector('#next-slots');
    assert.match(await page.textContent('.error-summary'), new RegExp(full));
    assert.equal(await page.inputValue('#f-requested_work'), asks, 'what was typed survived');
    assert.ok(await page.isChecked('#picker-customer_id input[type=radio]'), 'the customer survived');
    const slots = page.locator('#next-slots button');
    assert.ok((await slots.count()) > 0, 'next free times offered');
    await shot(page, `${locale}-advisor-workshop-refused`);
    await Promise.all([page.waitForURL(/\/workshop\?day=/), slots.first().click()]);
    const done = (await page.textContent('main .notice.success')).trim();
    assert.match(done, /钣金 1 号/, done);
    assert.match(done, new RegExp(name), done);
    await shot(page, `${locale}-advisor-workshop-booked`);
    await context.close();
  }
});
