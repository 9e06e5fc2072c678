// Issue 21's relay balances in headless Chromium against the release binary, over three
// channels the test stored (OpenRouter-shaped with a threshold of 20, DeepSeek-shaped, and one
// whose host answers 500), each served by a local mock:
// 1. Channels: every balance "not checked" at first; each row's Refresh looks it up: 15.00 USD
//    marked low, 110.00 CNY, and "unknown" (never 0) with the reason as its title;
// 2. the edit form: a threshold that is not a number is named; a threshold and a new-api token
//    are saved, the token never appears in the page, the form says one is stored;
// 3. the Dashboard's low-balance card lists the channels under their thresholds;
// 4. screenshots of the Balance column, the form and the card in both languages and themes,
//    axe-core on each, no English on the Chinese pages.
//    Screenshots go to target/screenshots/balance-*.png.
//
// usage: node end2end/balance.mjs http://127.0.0.1:PORT
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/balance.mjs URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const ALLOWED = new Set(['API', 'Switch', 'auto', 'AUTO', 'ms', 'k', 'v1', 'OK', 'UTC', 'URL', 'HTTP']);
const IGNORE = /^(router|deep|broken|custom|sk-)/i;
const TOKEN = 'tok-browser-secret-0001';

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

const row = (page, name) => page.locator('tbody[data-channel]', { hasText: name });

async function refresh(page, name) {
  const done = page.waitForResponse((r) => r.url().includes('refresh_balances'));
  await row(page, name).locator('[data-refresh-balance]').click();
  if ((await done).status() !== 200) throw new Error(`refreshing ${name} failed`);
}

async function openEdit(page, name) {
  // A refetch that lands right after the click (a balance event) redraws the rows closed.
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.waitForTimeout(500);
    if (!(await page.locator('[data-balance-settings]').count())) {
      await row(page, name).locator('[data-edit-button]').click();
    }
    try {
      await page.locator('[data-balance-settings]').waitFor({ timeout: 3000 });
      await page.waitForTimeout(300);
      if (await page.locator('[data-balance-settings]').count()) return;
    } catch {
      // redrawn: try again
    }
  }
  throw new Error(`the edit form of ${name} does not open`);
}

await runCheck('balance', async (page) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await setPrefs(page, url, 'en', 'light');

  // 1. Channels: the figures, looked up by each row's button.
  await page.goto(`${url}/channels`, { waitUntil: 'load' });
  await live(page);
  const never = await page.locator('[data-balance="never"]').count();
  if (never !== 3) throw new Error(`expected 3 balances not checked yet, saw ${never}`);
  for (const name of ['router', 'deep', 'broken']) await refresh(page, name);
  await row(page, 'router').locator('[data-balance="15"]').waitFor({ timeout: 10000 });
  expectText('router', await row(page, 'router').locator('[data-balance-cell]').textContent(), /15\.00\s*USD\s*low/);
  await row(page, 'deep').locator('[data-balance="110"]').waitFor();
  if (await row(page, 'deep').locator('[data-balance-low]').count()) throw new Error('110 is not low without a threshold');
  const unknown = row(page, 'broken').locator('[data-balance="unknown"]');
  await unknown.waitFor();
  expectText('unknown', await unknown.textContent(), /^unknown$/);
  expectText('why', await unknown.getAttribute('title'), /500/);
  if (await row(page, 'broken').locator('[data-balance-low]').count()) throw new Error('an unknown balance is not low');

  // 2. The edit form: a bad threshold, then a threshold and a token saved.
  await openEdit(page, 'deep');
  const threshold = page.locator('[data-balance-settings] input[inputmode="decimal"]');
  await threshold.fill('abc');
  await page.click('[data-edit] button[type="submit"]');
  expectText('bad threshold', await page.locator('[data-balance-error]').textContent(), /threshold: abc/);
  await threshold.fill('200');
  await page.locator('[data-balance-settings] input[type="password"]').fill(TOKEN);
  const saved = page.waitForResponse((r) => r.url().includes('save_balance_settings'));
  await page.click('[data-edit] button[type="submit"]');
  if ((await saved).status() !== 200) throw new Error('the balance settings were not saved');
  await page.locator('[data-edit]').waitFor({ state: 'detached' });
  await refresh(page, 'deep');
  await row(page, 'deep').locator('[data-balance-low]').waitFor({ timeout: 10000 });
  await openEdit(page, 'deep');
  if ((await page.content()).includes(TOKEN)) throw new Error('the access token reached the page');
  await page.locator('[data-token-stored="true"]').waitFor();
  if ((await threshold.inputValue()) !== '200') throw new Error('the threshold was not kept');

  // 3. The Dashboard's card: both low channels, not the unknown one.
  await page.goto(`${url}/`, { waitUntil: 'load' });
  await live(page);
  await page.locator('#low-balances').waitFor();
  const low = await page.locator('#low-balances [data-low-balance]').allTextContents();
  if (low.length !== 2) throw new Error(`expected 2 low channels, saw ${JSON.stringify(low)}`);
  expectText('low card', low.join(' | '), /router.*15\.00.*20\.00.*deep.*110\.00.*200\.00/);

  // 4. Both languages and themes.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      await page.goto(`${url}/channels`, { waitUntil: 'load' });
      await live(page);
      await page.locator('#channel-table').waitFor();
      await openEdit(page, 'deep');
      await page.waitForTimeout(300);
      for (const [part, name] of [['#channel-table', 'channels'], ['[data-balance-settings]', 'form']]) {
        if (lang === 'zh') {
          const stray = await strayEnglish(page, { allowed: ALLOWED, ignore: IGNORE, within: part, skip: 'option' });
          if (stray.length) throw new Error(`English on the Chinese ${name}: ${stray.join(', ')}`);
        }
        await page.locator(part).screenshot({ path: `${SHOTS}/balance-${name}-${lang}-${theme}.png` });
      }
      await axe(page, `channels (${lang}, ${theme})`);
      await page.goto(`${url}/`, { waitUntil: 'load' });
      await live(page);
      await page.locator('#low-balances').waitFor();
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, { allowed: ALLOWED, ignore: IGNORE, within: '#low-balances' });
        if (stray.length) throw new Error(`English on the Chinese low-balance card: ${stray.join(', ')}`);
      }
      await page.locator('#low-balances').screenshot({ path: `${SHOTS}/balance-dashboard-${lang}-${theme}.png` });
      await axe(page, `dashboard (${lang}, ${theme})`);
    }
  }
});
