// Issue 21's Settings -> Model catalog in headless Chromium against the release binary:
// 1. the built-in catalog is in use; a source with a negative price (BAD_URL) is refused with
//    the model and field named and nothing changes;
// 2. "Update model catalog" from GOOD_URL (a models.dev-shaped api.json the test serves): the
//    result names the source and counts, the status line shows the update;
// 3. screenshots of the section in both languages and both themes, axe-core on each page, no
//    English on the Chinese section; then "Use the built-in catalog" goes back.
// Screenshots go to target/screenshots/settings-catalog-*.png.
//
// usage: node end2end/catalog.mjs http://127.0.0.1:PORT GOOD_URL BAD_URL
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url, goodUrl, badUrl] = process.argv.slice(2);
if (!url || !goodUrl || !badUrl) {
  console.error('usage: node end2end/catalog.mjs URL GOOD_URL BAD_URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });

// The refused update answers with an error on purpose.
const expected = (u) => u.includes('update_model_catalog');
const ALLOWED = new Set(['API', 'Switch', 'models', 'dev']);

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

async function update(page, source) {
  await page.fill('#catalog-source', source);
  const answered = page.waitForResponse((r) => r.url().includes('update_model_catalog'));
  await page.click('#update-catalog');
  return (await answered).status();
}

await runCheck('catalog', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');
  await page.goto(`${url}/settings`, { waitUntil: 'load' });
  await live(page);
  const section = page.locator('#model-catalog');
  expectText('built-in status', await page.locator('#catalog-status').textContent(), /the built-in copy.*300 models, 225 with a price/);

  // 1. A bad source changes nothing and names the model and field.
  const refused = await update(page, badUrl);
  if (refused < 400) throw new Error(`a bad catalog was accepted (HTTP ${refused})`);
  const alert = section.locator('[role="alert"]');
  await alert.waitFor({ timeout: 10000 });
  expectText('refusal', await alert.textContent(), /nothing changed.*model claude-sonnet-4-5, cost\.input/s);
  expectText('status after the refusal', await page.locator('#catalog-status').textContent(), /the built-in copy/);
  await section.screenshot({ path: `${SHOTS}/settings-catalog-refused-en-light.png` });

  // 2. A good source is taken; the result and the status say so.
  const taken = await update(page, goodUrl);
  if (taken !== 200) throw new Error(`the good catalog was refused (HTTP ${taken})`);
  await page.waitForFunction(() => /added/.test(document.querySelector('#catalog-result')?.textContent ?? ''));
  expectText('result', await page.locator('#catalog-result').textContent(), /301 models.*1 added, 0 removed, 1 prices changed/);
  await page.waitForFunction(() => /update from/.test(document.querySelector('#catalog-status')?.textContent ?? ''));
  if (await alert.count()) throw new Error('the refusal is still shown after a good update');
  await section.screenshot({ path: `${SHOTS}/settings-catalog-updated-en-light.png` });

  // 3. Both languages and themes, with the update in use.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      await page.goto(`${url}/settings`, { waitUntil: 'load' });
      await live(page);
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, { allowed: ALLOWED, within: '#model-catalog' });
        if (stray.length) throw new Error(`English in the Chinese model catalog section: ${stray.join(', ')}`);
      }
      await page.locator('#model-catalog').screenshot({ path: `${SHOTS}/settings-catalog-${lang}-${theme}.png` });
      await axe(page, `settings with the model catalog (${lang}, ${theme})`);
    }
  }

  // Back to the built-in copy.
  await setPrefs(page, url, 'en', 'light');
  await page.goto(`${url}/settings`, { waitUntil: 'load' });
  await live(page);
  await page.click('#reset-catalog');
  await page.waitForFunction(() => /the built-in copy/.test(document.querySelector('#catalog-status')?.textContent ?? ''));
}, { expected });
