// Issue 11's browser checks of the Channels and API management screens against a real
// api-switch (see server/tests/e2e/browser_channels.rs for the upstreams): add a relay through
// calibration from a pasted full chat-completions URL, its attempts shown live and the
// pre-selection applied; reorder entries by drag and drop and by keyboard and see the proxy
// follow; "Test all" fills rows live and can be cancelled; axe-core on both screens in both
// languages and themes, screenshots in target/screenshots/.
//
// usage: node end2end/channels.mjs http://127.0.0.1:PORT RELAY_CHAT_COMPLETIONS_URL
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url, relayUrl] = process.argv.slice(2);
if (!url || !relayUrl) {
  console.error('usage: node end2end/channels.mjs URL RELAY_CHAT_COMPLETIONS_URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });

// Words allowed on a Chinese page besides code, model names and user data.
const ALLOWED = new Set(['API', 'Switch', 'auto', 'AUTO', 'ms', 'k', 'Azure', 'api-version', 'api-switch',
  'import', 'FILE', 'v1', 'chat', 'completions', 'OK', 'UTC']);
// What the Chinese-page check reads past: the test's own channel and model names, the model
// pickers' options and tooltips (model ids).
const PROSE = { allowed: ALLOWED, ignore: /^(gpt|claude|o3|relay|alpha|beta|broken|slow)/i,
  skip: 'option, datalist, [role="tooltip"]' };

/** One chat request through the proxy; returns the answer's text (it names the upstream). */
async function answeredBy(model = 'auto') {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = await response.json();
  return body?.choices?.[0]?.message?.content ?? `HTTP ${response.status}: ${JSON.stringify(body)}`;
}

/** The auto group's rows as channel/model, top first. */
async function autoOrder(page) {
  return page.$$eval('section[data-group="auto"] tbody tr[data-entry]',
    (rows) => rows.map((r) => `${r.dataset.channelName}/${r.dataset.model}`));
}

/** Waits until `first` (channel/model) leads the auto group. */
async function leads(page, first) {
  await page.waitForFunction((first) => {
    const r = document.querySelector('section[data-group="auto"] tbody tr[data-entry]');
    return r && `${r.dataset.channelName}/${r.dataset.model}` === first;
  }, first, { timeout: 10000 });
}

/** Polls the proxy until `expected` answers (the UI's change is saved before it re-renders). */
async function proxyFollows(expected) {
  let got = '';
  for (let i = 0; i < 20; i++) {
    got = await answeredBy();
    if (got === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the proxy answered ${got}, not ${expected}`);
}

await runCheck('channels', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');

  // 1. Calibration from a pasted full chat-completions URL, attempts live.
  await page.goto(`${url}/channels`, { waitUntil: 'load' });
  await live(page);
  await page.fill('#new-base-url', relayUrl);
  await page.fill('#new-key', 'sk-relay-pasted-secret');
  await page.click('#calibrate-button');
  // The first attempt (OpenAI's /v1/models, 404 here) shows while calibration still runs.
  await page.waitForSelector('#calibration-attempts li[data-verdict="not_found"]', { timeout: 10000 });
  if (await page.locator('#calibration-result').count()) throw new Error('the attempts were not shown live, only at the end');
  if (!(await page.locator('#calibrate-button').isDisabled())) throw new Error('calibration already ended');
  await page.screenshot({ path: `${SHOTS}/channels-calibrating-en-light.png`, fullPage: true });
  await page.waitForSelector('#calibration-result', { timeout: 15000 });
  const base = relayUrl.replace(/\/chat\/completions$/, '');
  const found = {
    type: (await page.textContent('#detected-type')).trim(),
    base: (await page.textContent('#corrected-base-url')).trim(),
    models: (await page.textContent('#models-found')).trim(),
  };
  if (found.type !== 'custom' || found.base !== base || found.models !== '3') {
    throw new Error(`calibration found ${JSON.stringify(found)}`);
  }
  if ((await page.locator('#calibration-attempts li').count()) < 2) throw new Error('fewer than two attempts listed');
  const ticked = async (model) => page.locator(`#model-picker tr[data-model="${model}"] input[type=checkbox]`).isChecked();
  if (!(await ticked('claude-sonnet-5-5'))) throw new Error('the recent release is not pre-selected');
  if ((await ticked('gpt-4o')) || (await ticked('relay-special'))) throw new Error('an old or unknown model is pre-selected');
  const facts = await page.locator('#model-picker tr[data-model="claude-sonnet-5-5"]').textContent();
  if (!facts.includes('2026-09-28') || !/\d+k/.test(facts)) throw new Error(`catalog facts missing: ${facts}`);
  await page.screenshot({ path: `${SHOTS}/channels-calibrated-en-light.png`, fullPage: true });
  await page.fill('#new-channel-name', 'relay');
  await page.click('#save-channel');
  const relayRow = page.locator('#channel-table tbody[data-channel]').filter({ hasText: 'relay' });
  await relayRow.waitFor({ timeout: 10000 });
  if ((await relayRow.locator('[data-model-count]').textContent()).trim() !== '1') throw new Error('the saved channel has not one entry');
  const hint = (await relayRow.locator('[data-key-hint]').textContent()).trim();
  if (hint !== 'sk-***cret') throw new Error(`the key is not masked: ${hint}`);
  if ((await answeredBy('claude-sonnet-5-5')) !== 'from-relay') throw new Error('the new entry is not enabled in the proxy');

  // 2. API management: drag and drop, then the keyboard, and the proxy follows at once.
  await page.click('nav >> text=API management');
  await page.waitForSelector('section[data-group="auto"] tr[data-entry]', { timeout: 10000 });
  await live(page);
  const FIRST = 'alpha/gpt-4o,alpha/o3-mini,beta/gpt-4o,broken/gpt-4o-mini,slow/gpt-4.1,relay/claude-sonnet-5-5';
  let order = await autoOrder(page);
  if (order.join() !== FIRST) throw new Error(`first order: ${order}`);
  if ((await answeredBy()) !== 'from-alpha') throw new Error('alpha does not answer first');
  const CHANNEL_MODEL = { alpha: 'gpt-4o', beta: 'gpt-4o', broken: 'gpt-4o-mini', slow: 'gpt-4.1', relay: 'claude-sonnet-5-5', 'o3-mini': 'o3-mini' };
  const row = (name) => name === 'o3-mini'
    ? page.locator('section[data-group="auto"] tr[data-model="o3-mini"]')
    : page.locator(`section[data-group="auto"] tr[data-channel-name="${name}"][data-model="${CHANNEL_MODEL[name]}"]`);
  // Dragged by the handle's cell onto alpha's row.
  await row('beta').dragTo(row('alpha'), { sourcePosition: { x: 16, y: 16 }, targetPosition: { x: 16, y: 16 } });
  await leads(page, 'beta/gpt-4o');
  await proxyFollows('from-beta');
  await page.screenshot({ path: `${SHOTS}/entries-dragged-en-light.png`, fullPage: true });
  await row('alpha').locator('button[data-handle]').focus();
  await page.keyboard.press('ArrowUp');
  await leads(page, 'alpha/gpt-4o');
  await proxyFollows('from-alpha');
  await page.waitForFunction(() => document.activeElement?.closest('tr')?.dataset.channelName === 'alpha', null, { timeout: 5000 })
    .catch(async () => { throw new Error(`focus did not stay on the moved row's handle: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))}`); });
  order = await autoOrder(page);
  const MOVED = 'alpha/gpt-4o,beta/gpt-4o,alpha/o3-mini,broken/gpt-4o-mini,slow/gpt-4.1,relay/claude-sonnet-5-5';
  if (order.join() !== MOVED) throw new Error(`order after the moves: ${order}`);

  // 3. Test all: rows fill live, the failure shows while the slow one still runs.
  await page.click('#test-all-button');
  await page.waitForFunction(() => {
    const cell = (name) => document.querySelector(`section[data-group="auto"] tr[data-channel-name="${name}"]:not([data-model="o3-mini"]) [data-last-test]`);
    return cell('broken')?.querySelector('[data-test="fail"]') && cell('alpha')?.querySelector('[data-test="ok"]')
      && cell('slow')?.querySelector('[data-test="running"]');
  }, null, { timeout: 10000 });
  const during = await page.textContent('#test-all-status');
  if (!/of 5 tested/.test(during)) throw new Error(`progress while running: ${during}`);
  await page.screenshot({ path: `${SHOTS}/entries-testing-en-light.png`, fullPage: true });
  await page.waitForSelector('#test-all-button', { timeout: 15000 });
  await page.waitForFunction(() => /All 5 tested/.test(document.querySelector('#test-all-status')?.textContent ?? ''), null, { timeout: 5000 });
  for (const name of ['alpha', 'beta', 'slow', 'relay']) {
    const text = await row(name).locator('[data-last-test] [data-test="ok"]').textContent({ timeout: 5000 });
    if (!/^\d+ ms$/.test(text.trim())) throw new Error(`${name}: ${text}`);
  }
  await row('broken').locator('[data-test="fail"] button').focus();
  const tip = row('broken').locator('[role="tooltip"]');
  if (!(await tip.isVisible()) || !(await tip.textContent()).includes('500')) throw new Error(`the failure's reason is not shown on focus: ${await tip.textContent()}`);
  await page.screenshot({ path: `${SHOTS}/entries-tested-en-light.png`, fullPage: true });
  if (!(await row('broken').locator('input[role="switch"]').isChecked())) throw new Error('a failed test switched the entry off');
  const off = row('o3-mini');
  if (await off.locator('input[role="switch"]').isChecked()) throw new Error('Test all switched a disabled entry on');
  if (await off.locator('[data-test]').count()) throw new Error('Test all tested a disabled entry');

  // Cancelling stops the run: no spinner is left and the button is back.
  await page.click('#test-all-button');
  await page.waitForSelector('#test-all-cancel', { timeout: 5000 });
  await page.click('#test-all-cancel');
  await page.waitForSelector('#test-all-button', { timeout: 5000 });
  if (await page.locator('[data-test="running"]').count()) throw new Error('a spinner is left after cancelling');

  // 4. Both screens, both languages, both themes: axe, no English on Chinese pages.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      for (const [name, path] of [['channels', '/channels'], ['entries', '/entries']]) {
        await page.goto(`${url}${path}`, { waitUntil: 'load' });
        await live(page);
        await page.waitForTimeout(300);
        if (lang === 'zh') {
          const stray = await strayEnglish(page, PROSE);
          if (stray.length) throw new Error(`English on the Chinese ${name} screen: ${stray.join(', ')}`);
        }
        await page.screenshot({ path: `${SHOTS}/${name}-${lang}-${theme}.png`, fullPage: true });
        await axe(page, `${name} (${lang}, ${theme})`);
      }
    }
  }
  // The calibration flow in Chinese, dark: its attempts and picker pass axe too.
  await page.goto(`${url}/channels`, { waitUntil: 'load' });
  await live(page);
  await page.fill('#new-base-url', relayUrl);
  await page.fill('#new-key', 'sk-relay-pasted-secret');
  await page.click('#calibrate-button');
  await page.waitForSelector('#calibration-result', { timeout: 15000 });
  const stray = await strayEnglish(page, PROSE);
  if (stray.length) throw new Error(`English in the Chinese calibration: ${stray.join(', ')}`);
  await page.screenshot({ path: `${SHOTS}/channels-calibrated-zh-dark.png`, fullPage: true });
  await axe(page, 'calibration (zh, dark)');
});
