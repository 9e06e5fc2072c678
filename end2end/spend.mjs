// Issue 21's money screens in headless Chromium against the release binary, over a log the
// test wrote (two apps, priced and unpriced requests, one failure):
// 1. the Dashboard's spend: today's tile, the breakdowns by app, model and channel (most spent
//    first, a request without a price counted apart), the spend chart;
// 2. Logs: each row's cost, "no price" for the unpriced one, "—" for the failure;
// 3. Channels: the price multiplier set in the edit form shows in the row's summary;
// 4. screenshots of the spend cards, the Logs cost column and the pricing form in both
//    languages and themes, axe-core on each, no English on the Chinese pages.
//    Screenshots go to target/screenshots/spend-*.png.
//
// usage: node end2end/spend.mjs http://127.0.0.1:PORT
import { mkdirSync } from 'node:fs';
import { axe, live, noonZone, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/spend.mjs URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const ALLOWED = new Set(['API', 'Switch', 'ms', 'k', 'M', 'OpenAI', 'Anthropic', 'URL', 'HTTP', 'v1', 'auto']);
const IGNORE = /^(agent|editor|relay|claude|sonnet|gpt|mystery|model|custom)/i;

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

await runCheck('spend', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');

  // 1. The Dashboard's spend.
  await page.goto(`${url}/`, { waitUntil: 'load' });
  await live(page);
  await page.locator('#spend-tile-today [data-value]').waitFor();
  // 0.0423 + 1.25 + 0.0031: the failure and the unpriced request add nothing.
  expectText('today', await page.locator('#spend-tile-today [data-value]').textContent(), /^\$1\.30$/);
  expectText('today detail', await page.locator('#spend-tile-today').textContent(), /3 priced, 1 without a price/);
  const apps = await page.locator('#spend-by-app tbody tr').allTextContents();
  expectText('most spent first', apps[0], /agent\s*\$1\.29/);
  expectText('unpriced apart', apps[1], /editor.*\+1 without a price/);
  expectText('cache hits', apps[0], /75%/);
  const models = await page.locator('#spend-by-model tbody tr').count();
  if (models !== 3) throw new Error(`expected 3 models in the breakdown, saw ${models}`);
  // A model none of whose requests had a price cost an unknown amount, not $0.
  const unpricedModel = await page.locator('#spend-by-model tbody tr').nth(2).locator('[data-cost]').textContent();
  expectText('a model without a price', unpricedModel.trim(), /^no price$/);
  await page.locator('#chart-spend svg').waitFor();

  // 2. Logs: the cost of each row.
  await page.goto(`${url}/logs`, { waitUntil: 'load' });
  await live(page);
  const costs = await page.locator('#log-table [data-cost]').allTextContents();
  const shown = costs.map((c) => c.trim());
  for (const want of ['—', 'no price', '$0.0031', '$1.25', '$0.042']) {
    if (!shown.includes(want)) throw new Error(`Logs costs ${JSON.stringify(shown)} lack ${want}`);
  }
  expectText('token parts', await page.locator('#log-table [data-token-parts]').first().textContent(), /9000 cached/);

  // 3. Channels: a price multiplier set in the edit form.
  await page.goto(`${url}/channels`, { waitUntil: 'load' });
  await live(page);
  await page.click('[data-channel] [data-edit-button]');
  const multiplier = page.locator('[data-pricing] input[inputmode="decimal"]').first();
  await multiplier.fill('abc');
  await page.click('[data-edit] button[type="submit"]');
  expectText('bad multiplier', await page.locator('[data-pricing-error]').textContent(), /multiplier: abc/);
  await page.click('[data-add-price-override]');
  await page.screenshot({ path: `${SHOTS}/spend-pricing-form-en-light.png`, fullPage: true });
  await multiplier.fill('0.3');
  const saved = page.waitForResponse((r) => r.url().includes('save_channel_pricing'));
  await page.click('[data-edit] button[type="submit"]');
  if ((await saved).status() !== 200) throw new Error('the pricing was not saved');
  await page.locator('[data-pricing-summary]').waitFor({ timeout: 10000 });
  expectText('summary', await page.locator('[data-pricing-summary]').textContent(), /×0\.3/);

  // 4. Both languages and themes.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      for (const [path, name, part] of [['/', 'dashboard', '#spend'], ['/logs', 'logs', '#log-table']]) {
        await page.goto(`${url}${path}`, { waitUntil: 'load' });
        await live(page);
        await page.locator(part).waitFor();
        await page.waitForTimeout(300);
        if (lang === 'zh') {
          const stray = await strayEnglish(page, { allowed: ALLOWED, ignore: IGNORE, within: part });
          if (stray.length) throw new Error(`English on the Chinese ${name}: ${stray.join(', ')}`);
        }
        await page.locator(part).screenshot({ path: `${SHOTS}/spend-${name}-${lang}-${theme}.png` });
        await axe(page, `${name} (${lang}, ${theme})`);
      }
    }
  }
}, { timezoneId: noonZone() });
