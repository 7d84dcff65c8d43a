// The first hour of each role, in a real browser and both languages: each person's home
// shows their work and today's numbers, every action says what happened and what comes
// next, no form loses what was typed, and every page of every role is photographed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, login, shot } from './harness.mjs';

const d = demo();

async function open(user, locale, viewport = { width: 1366, height: 900 }) {
  const context = await d.browser.newContext({ viewport, locale });
  const page = await context.newPage();
  await login(page, d.server.url, user);
  return { context, page };
}

/** The confirmation shown after an action. */
async function confirmation(page) {
  return (await page.textContent('main .notice.success')).trim();
}

test('the agent works three calls and each one says what comes next', async () => {
  for (const [locale, words] of [
    ['zh-CN', { saved: '已保存', next: '下次拨打', followUp: '跟进', done: '任务已完成' }],
    ['en', { saved: 'Saved', next: 'Next call', followUp: 'task was created for', done: 'The task is done' }],
  ]) {
    const { context, page } = await open('agent', locale, { width: 390, height: 844 });
    // Home: the day in numbers, and the next call one tap away.
    for (const id of ['#my-overdue', '#my-due-today', '#my-done-today']) {
      assert.match(await page.textContent(`${id} .value`), /^\d+$/, `${id} on the home page`);
    }
    const doneBefore = Number(await page.textContent('#my-done-today .value'));
    await shot(page, `${locale}-agent-home-390`);
    await page.goto(`${d.server.url}/callbacks?view=mine`);
    const total = await page.locator('table.queue tbody tr').count();
    const groups = await Promise.all(['overdue', 'today', 'soon'].map(async (g) => page.locator(`#group-${g} tbody tr`).count()));
    assert.equal(groups.reduce((a, b) => a + b, 0), total, 'the groups add up to the queue');
    for (const [i, g] of ['overdue', 'today', 'soon'].entries()) {
      assert.match(await page.textContent(`#count-${g}`), new RegExp(`${groups[i]}$`), `${g} count matches its rows`);
    }
    await shot(page, `${locale}-agent-queue-390`);
    await page.locator('table.queue tbody tr:not([data-type="info_update"]) td:nth-child(2) a').first().click();
    await page.waitForURL(/\/callbacks\/\d+$/);

    // 1. No answer: the next attempt's time is said, and 下一条 leads on.
    await page.selectOption('#f-outcome', 'no_answer');
    await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), page.click('#record')]);
    const first = await confirmation(page);
    assert.ok(first.includes(words.saved) && first.includes(words.next), first);
    assert.ok(await page.isVisible('#next-call'), 'the task shows its next call');
    await shot(page, `${locale}-agent-call-no-answer-390`);
    await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), page.click('#next-task')]);

    // 2. Dissatisfied, with a required answer left out: refused, everything kept.
    const second = page.url();
    await page.selectOption('#f-outcome', 'reached_dissatisfied');
    await page.fill('#f-note', locale === 'en' ? 'Noise after the service' : '保养后仍有异响');
    await page.click('#record');
    await page.waitForSelector('.error-summary');
    assert.equal(await page.inputValue('#f-note'), locale === 'en' ? 'Noise after the service' : '保养后仍有异响');
    assert.equal(await page.inputValue('#f-outcome'), 'reached_dissatisfied');
    assert.ok((await page.locator('.field-error[role=alert]').count()) >= 1, 'each error under its field');
    assert.doesNotMatch(await page.textContent('main'), /answers\.|a\.\w+:/, 'no field keys on screen');
    await shot(page, `${locale}-agent-call-refused-390`);
    for (const input of await page.locator('#attempt-form input[type=number]').all()) await input.fill('3');
    for (const select of await page.locator('#attempt-form select[name^="a."]').all()) await select.selectOption('no');
    await Promise.all([page.waitForURL(second), page.click('#record')]);
    const dissatisfied = await confirmation(page);
    assert.ok(dissatisfied.includes(words.followUp), dissatisfied);
    assert.match(await page.textContent('#attempts'), /3 \/ 10/, 'answers as labelled scores');
    await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), page.click('#next-task')]);

    // 3. Satisfied.
    await page.selectOption('#f-outcome', 'reached_satisfied');
    for (const input of await page.locator('#attempt-form input[type=number]').all()) await input.fill('9');
    for (const select of await page.locator('#attempt-form select[name^="a."]').all()) await select.selectOption('yes');
    await Promise.all([page.waitForURL(/\/callbacks\/\d+$/), page.click('#record')]);
    assert.ok((await confirmation(page)).includes(words.done));
    await shot(page, `${locale}-agent-call-done-390`);

    await page.goto(`${d.server.url}/`);
    assert.equal(Number(await page.textContent('#my-done-today .value')), doneBefore + 3, 'done today counts the calls');
    await context.close();
  }
});

test('the complaint manager files a complaint from the 360 page after a refused first try', async () => {
  for (const locale of ['zh-CN', 'en']) {
    const { context, page } = await open('complaint', locale);
    assert.match(await page.textContent('#complaints-breached .value'), /^\d+$/);
    assert.match(await page.textContent('#complaints-at-risk .value'), /^\d+$/);
    await shot(page, `${locale}-complaint-home`);
    // Find a customer with the picker on the blank form, by name.
    await page.goto(`${d.server.url}/customers`);
    const name = (await page.locator('tbody tr:first-child a').first().textContent()).trim();
    await page.goto(`${d.server.url}/complaints/new`);
    await page.fill('#f-customer_id_q', name);
    await page.click('#pick-customer_id');
    await page.waitForSelector('#picker-customer_id input[type=radio]');
    assert.match(await page.textContent('#picker-customer_id .picker-results'), new RegExp(name));
    await shot(page, `${locale}-complaint-picker`);
    // Open that customer's 360 page from the search, and file from there.
    await page.goto(`${d.server.url}/customers?q=${encodeURIComponent(name)}`);
    await Promise.all([page.waitForURL(/\/customers\/\d+$/), page.locator('tbody tr:first-child a').first().click()]);
    await Promise.all([page.waitForURL(/\/complaints\/new\?customer_id=\d+$/), page.click('#file-complaint')]);
    assert.ok(await page.isChecked('#picker-customer_id input[type=radio]'), 'the customer is chosen');
    const text = locale === 'en' ? 'The brakes squeal since the last service.' : '上次保养后刹车一直异响，客户很不满。';
    await page.fill('#f-description', text);
    await page.selectOption('#f-category', { index: 1 });
    await page.click('#file');
    await page.waitForSelector('.error-summary');
    assert.equal(await page.inputValue('#f-description'), text, 'the description survived');
    assert.ok(await page.isChecked('#picker-customer_id input[type=radio]'), 'the customer survived');
    assert.ok(await page.isVisible('#e-title'), 'the error is under the title');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-title', 'the first error has the focus');
    await shot(page, `${locale}-complaint-refused`);
    await page.fill('#f-title', locale === 'en' ? 'Brake noise' : '刹车异响');
    await Promise.all([page.waitForURL(/\/complaints\/\d+$/), page.click('#file')]);
    assert.match(await confirmation(page), /#\d+/);
    await shot(page, `${locale}-complaint-filed`);
    await page.goto(`${d.server.url}/complaints?q=${encodeURIComponent(locale === 'en' ? 'Brake noise' : '刹车异响')}`);
    assert.ok((await page.locator('#board tbody tr').count()) >= 1, 'the board search finds it');
    await shot(page, `${locale}-complaint-board-search`);
    await context.close();
  }
});

test('the information maintainer fixes a wrong number', async () => {
  for (const locale of ['zh-CN', 'en']) {
    const { context, page } = await open('info', locale);
    await shot(page, `${locale}-info-home`);
    await page.goto(`${d.server.url}/customers`);
    await Promise.all([page.waitForURL(/\/customers\/\d+$/), page.locator('tbody tr a').nth(locale === 'en' ? 3 : 2).click()]);
    await Promise.all([page.waitForURL(/\/edit$/), page.click('#edit-customer')]);
    const form = page.locator('form.phone-fix').first();
    // A malformed replacement is refused under its field, with what was typed.
    await form.locator('select[name=status]').selectOption('wrong_number');
    await form.locator('input[name=replacement]').fill('12345');
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('form.phone-fix .field-error');
    assert.equal(await page.locator('form.phone-fix input[name=replacement]').first().inputValue(), '12345');
    await shot(page, `${locale}-info-phone-refused`);
    const fresh = `139${String(Date.now()).slice(-8)}`;
    await page.locator('form.phone-fix input[name=replacement]').first().fill(fresh);
    await Promise.all([page.waitForURL(/\/edit$/), page.locator('form.phone-fix button[type=submit]').first().click()]);
    assert.ok((await confirmation(page)).length > 0);
    assert.match(await page.textContent('form.phone-fix h3'), new RegExp(fresh.slice(-4)));
    await page.goto(page.url().replace(/\/edit$/, ''));
    assert.ok((await page.locator('ol.timeline li[data-kind="phone_status"]').count()) >= 1, 'the change is on the timeline');
    await shot(page, `${locale}-info-customer-360`);
    await context.close();
  }
});

test('the GM reads today\'s compliance and the brand compares dealers on a chart', async () => {
  for (const locale of ['zh-CN', 'en']) {
    const gm = await open('manager', locale);
    assert.match(await gm.page.textContent('#compliance-overall .value'), /%|—/);
    assert.ok(await gm.page.isVisible('#home-compliance svg.chart'), 'per-type chart on the home page');
    assert.ok((await gm.page.locator('#home-types-data tbody tr').count()) >= 1, 'with its data table');
    assert.equal(await gm.page.locator('#home-compliance line.target').count(), 1, 'against the target line');
    await shot(gm.page, `${locale}-gm-home`);
    await gm.context.close();

    const brand = await open('brand', locale);
    const rows = await brand.page.locator('#home-dealers-data tbody tr').count();
    assert.ok(rows >= 2, `the brand ranks its dealers (${rows})`);
    await shot(brand.page, `${locale}-brand-home`);
    await brand.page.goto(`${d.server.url}/callbacks/stats`);
    assert.ok(await brand.page.isVisible('#chart-dealers-data'), 'dealer ranking on the statistics page');
    assert.ok(await brand.page.isVisible('#chart-trend-data'), 'and the 6-month trend');
    await shot(brand.page, `${locale}-brand-callback-stats`);
    await brand.context.close();
  }
});

test('every page of every role, in both languages, shows labels and works', async () => {
  const roles = ['admin', 'brand', 'group', 'manager', 'custmgr', 'agent', 'inspector', 'info', 'complaint', 'sales', 'advisor'];
  for (const locale of ['zh-CN', 'en']) {
    for (const user of roles) {
      const { context, page } = await open(user, locale);
      const links = await page.locator('nav.side a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      // Pages reached from the menu's pages, for those who may open them.
      const extras = { manager: ['/callbacks/stats', '/callbacks/team', '/callbacks/policy', '/complaints/stats', '/complaints/new', '/customers/new'], brand: ['/complaints/stats', '/callbacks/policy'], complaint: ['/complaints/new', '/complaints/stats'] };
      links.push(...(extras[user] || []));
      for (const href of links) {
        const response = await page.goto(`${d.server.url}${href}`);
        assert.equal(response.status(), 200, `${user} ${href}`);
        const main = await page.textContent('main');
        assert.doesNotMatch(main, /即将上线|coming soon/i, `${user} ${href}: nothing "coming soon"`);
        assert.doesNotMatch(main, /\b(login_success|first_response|fixed_first_time)\b/, `${user} ${href}: no codes`);
        await shot(page, `${locale}-${user}${href.replaceAll('/', '-')}`);
      }
      if (user === 'agent') {
        assert.ok(!links.includes('/imports') && !links.includes('/api/docs'), 'agents see only their work');
        const unlisted = await page.goto(`${d.server.url}/nowhere`);
        assert.equal(unlisted.status(), 404);
        assert.ok(await page.isVisible('nav.side'), 'a 404 keeps the navigation');
      }
      const missing = await page.goto(`${d.server.url}/customers/abc`);
      assert.equal(missing.status(), 400);
      assert.ok(await page.isVisible('nav.side'), 'an error page keeps the navigation');
      assert.doesNotMatch(await page.textContent('main'), /Cannot parse/);
      await context.close();
    }
  }
});
