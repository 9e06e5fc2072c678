// Issue 14's error-rules editor on the Settings screen, in headless Chromium against the
// release binary: the default rules are listed in order; a rule added, given a phrase, the
// "freeze the channel" action and 2 hours, and moved up one place is saved and still there
// after a reload; removing the first rule is saved too. The Rust side then reads the stored
// settings to prove the engine got exactly this list.
//
// usage: node end2end/error_rules.mjs http://127.0.0.1:PORT
import { runCheck } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/error_rules.mjs URL');
  process.exit(2);
}

const rows = '#error-rules tbody tr';

async function open(page) {
  await page.goto(`${url}/settings`);
  await page.waitForSelector('#live-status .bg-emerald-500', { timeout: 30000 });
  await page.waitForSelector(rows);
}

async function phrases(page) {
  return page.$$eval(`${rows} td:nth-child(2) input`, (inputs) => inputs.map((i) => i.value));
}

function expect(what, actual, wanted) {
  if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, wanted ${JSON.stringify(wanted)}`);
  }
}

async function save(page) {
  const saved = page.waitForResponse((r) => r.url().includes('/api/') && r.request().method() === 'POST');
  await page.click('#save-settings');
  expect('save status', (await saved).status(), 200);
}

await runCheck('error rules', async (page) => {
  await open(page);
  expect('defaults', await phrases(page), ['insufficient_quota', 'credit balance is too low',
    'invalid api key', 'account deactivated', 'overloaded', 'rate limit']);

  await page.click('#add-rule');
  const added = page.locator(rows).nth(6);
  await added.locator('td:nth-child(2) input').fill('Account On Hold');
  await added.locator('td:nth-child(2) input').press('Tab');
  await page.locator(rows).nth(6).locator('select').selectOption('freeze_channel');
  const hours = page.locator(rows).nth(6).locator('td:nth-child(4) input');
  await hours.fill('2');
  await hours.press('Tab');
  await page.locator(rows).nth(6).getByRole('button', { name: 'Move up' }).click();
  await save(page);

  await open(page);
  const list = await phrases(page);
  expect('after adding', list[5], 'Account On Hold');
  expect('its action', await page.locator(rows).nth(5).locator('select').inputValue(), 'freeze_channel');
  expect('its hours', await page.locator(rows).nth(5).locator('td:nth-child(4) input').inputValue(), '2');
  expect('moved down', list[6], 'rate limit');

  await page.locator(rows).nth(0).getByRole('button', { name: 'Remove' }).click();
  await save(page);
  await open(page);
  expect('after removing', (await phrases(page))[0], 'credit balance is too low');
  expect('count', (await phrases(page)).length, 6);
});
