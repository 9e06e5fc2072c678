// Issue 14's browser checks of API management's routing controls against a real api-switch
// (see server/tests/e2e/browser_order.rs for the upstreams: mid 300 ms / 2024, slow 700 ms /
// 2026, fast 0 ms / 2025 in AUTO; one entry in `coding`; a system-disabled one in `probe`):
// AUTO set to fastest by keyboard, then newest, the rows and the proxy follow; an alias added
// in the UI routes and is listed; hedging turned on for `coding`; the probe badge appears
// beside the disabled entry, which stays off; axe and screenshots in both languages and themes.
//
// usage: node end2end/order.mjs http://127.0.0.1:PORT
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/order.mjs URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
// Words the Chinese page may show: product and unit names, and this check's own data (its
// channel, model, group and alias names); model pickers' options and tooltips are model ids.
const PROSE = { allowed: new Set(['API', 'Switch', 'AUTO', 'auto', 'ms', 'p90', 'UTC', 'OK']),
  ignore: /^(gpt|claude|o3|fast|mid|slow|flaky|coding|probe|team-model|from-)/i,
  skip: 'option, datalist, [role="tooltip"]' };
mkdirSync(SHOTS, { recursive: true });

/** One chat request through the proxy; the answer's text names the upstream. */
async function answeredBy(model) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = await response.json();
  return body?.choices?.[0]?.message?.content ?? `HTTP ${response.status}: ${JSON.stringify(body)}`;
}

async function expectAnswer(model, expected) {
  const got = await answeredBy(model);
  if (got !== expected) throw new Error(`${model} was answered ${got}, not ${expected}`);
}

const section = (group) => `section[data-group="${group}"]`;
const row = (page, group, channel) => page.locator(`${section(group)} tr[data-channel-name="${channel}"]`);

/** Waits until the group's rows are `expected` (channel names, top first). */
async function showsOrder(page, group, expected) {
  try {
    await page.waitForFunction(([sel, want]) => {
      const names = [...document.querySelectorAll(`${sel} tbody tr[data-entry]`)].map((r) => r.dataset.channelName);
      return names.join() === want;
    }, [section(group), expected.join()], { timeout: 10000 });
  } catch {
    const names = await page.$$eval(`${section(group)} tbody tr[data-entry]`, (rows) => rows.map((r) => r.dataset.channelName));
    throw new Error(`${group} shows ${names}, not ${expected}`);
  }
  for (const [i, channel] of expected.entries()) {
    const place = await row(page, group, channel).locator('[data-rank]').getAttribute('data-rank');
    if (place !== String(i + 1)) throw new Error(`${channel} is ranked ${place}, not ${i + 1}`);
  }
}

const why = async (page, group, channel) => (await row(page, group, channel).locator('[data-rank-why]').textContent()).trim();

await runCheck('order', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');
  // Real traffic measures each entry (each asked for by its own model name).
  for (let i = 0; i < 2; i++) {
    await expectAnswer('gpt-4o', 'from-mid');
    await expectAnswer('claude-sonnet-5-5', 'from-slow');
    await expectAnswer('gpt-4.1', 'from-fast');
  }
  await page.goto(`${url}/entries`, { waitUntil: 'load' });
  await live(page);

  // Custom: the priority order, handles on.
  await showsOrder(page, 'auto', ['mid', 'slow', 'fast']);
  await expectAnswer('auto', 'from-mid');
  if (await page.locator(`${section('auto')} button[data-handle]:disabled`).count()) throw new Error('a handle is off in custom order');

  // Fastest, chosen with the keyboard: the radios are one group, the arrow key moves the choice.
  await page.locator(`${section('auto')} input[type=radio][value="custom"]`).focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector(`${section('auto')} fieldset[data-order-mode="fastest"]`, { timeout: 10000 });
  await showsOrder(page, 'auto', ['fast', 'mid', 'slow']);
  for (const channel of ['fast', 'mid', 'slow']) {
    const text = await why(page, 'auto', channel);
    if (!/^\d+ ms avg$/.test(text)) throw new Error(`${channel} does not show its measured time: ${text}`);
  }
  const ms = async (c) => Number((await why(page, 'auto', c)).split(' ')[0]);
  if (!((await ms('fast')) < (await ms('mid')) && (await ms('mid')) < (await ms('slow')))) throw new Error('the measured times are not in order');
  await expectAnswer('auto', 'from-fast');
  const handles = page.locator(`${section('auto')} button[data-handle]`);
  if ((await handles.count()) !== 3 || (await page.locator(`${section('auto')} button[data-handle]:disabled`).count()) !== 3) {
    throw new Error('the handles are not off in fastest order');
  }
  const note = await page.locator(`${section('auto')} [data-locked-note]`).textContent();
  if (!note.includes('Fastest') || !note.includes('Custom')) throw new Error(`no explanation why the handles are off: ${note}`);
  const lockedLabel = await handles.first().getAttribute('aria-label');
  if (!lockedLabel.includes('order mode')) throw new Error(`the off handle does not say why: ${lockedLabel}`);
  await page.screenshot({ path: `${SHOTS}/order-fastest-en-light.png`, fullPage: true });

  // Newest: the catalog's release dates decide.
  await page.locator(`${section('auto')} input[type=radio][value="newest"]`).check();
  await page.waitForSelector(`${section('auto')} fieldset[data-order-mode="newest"]`, { timeout: 10000 });
  await showsOrder(page, 'auto', ['slow', 'fast', 'mid']);
  if ((await why(page, 'auto', 'slow')) !== 'released 2026-09-28') throw new Error(`slow: ${await why(page, 'auto', 'slow')}`);
  if ((await why(page, 'auto', 'mid')) !== 'released 2024-05-13') throw new Error(`mid: ${await why(page, 'auto', 'mid')}`);
  await expectAnswer('auto', 'from-slow');

  // An alias added in the UI: shown on the row, routed by the proxy, listed by /v1/models.
  const fastRow = row(page, 'auto', 'fast');
  await fastRow.locator('button[data-edit-aliases]').click();
  const aliasInput = fastRow.locator('input[id^="entry-aliases-"]');
  await aliasInput.fill('team-model');
  await aliasInput.press('Enter');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('team-model'),
    `${section('auto')} tr[data-channel-name="fast"] [data-aliases]`, { timeout: 10000 });
  await expectAnswer('team-model', 'from-fast');
  const listed = await (await fetch(`${url}/v1/models`)).json();
  if (!listed.data.some((m) => m.id === 'team-model')) throw new Error(`/v1/models does not list the alias: ${JSON.stringify(listed)}`);

  // Hedging for `coding`: on, fixed 250 ms, at most 20 a minute.
  await page.check('#hedge-coding-on');
  await page.fill('#hedge-coding-ms', '250');
  await page.fill('#hedge-coding-cap', '20');
  await page.locator(`${section('coding')} form[data-hedging] button[type=submit]`).click();
  await page.waitForSelector(`${section('coding')} form[data-hedging="on"]`, { timeout: 10000 });
  const hedgeState = await page.locator(`${section('coding')} [data-hedge-state]`).textContent();
  if (!hedgeState.includes('250 ms') || !hedgeState.includes('20')) throw new Error(`hedging shows ${hedgeState}`);
  if ((await page.locator(`${section('auto')} form[data-hedging]`).getAttribute('data-hedging')) !== 'off') throw new Error('hedging changed another group');

  // The probe badge: the system-disabled entry's channel answers its model list again.
  const flaky = row(page, 'probe', 'flaky');
  await flaky.locator('[data-probe-ok]').waitFor({ timeout: 20000 });
  const badge = await flaky.locator('[data-probe-ok]').textContent();
  if (!/Last probe succeeded \d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(badge)) throw new Error(`badge: ${badge}`);
  if (await flaky.locator('input[role="switch"]').isChecked()) throw new Error('a probe switched the entry on');
  if (!(await flaky.locator('[data-reason]').textContent()).includes('invalid api key')) throw new Error('the reason is gone');
  if ((await flaky.locator('[data-rank]').textContent()).trim() !== 'off: not tried') throw new Error('the disabled entry is ranked');
  if (await row(page, 'auto', 'fast').locator('[data-probe-ok]').count()) throw new Error('a badge on a healthy entry');
  await page.screenshot({ path: `${SHOTS}/order-probe-en-light.png`, fullPage: true });

  // Both languages and themes: axe, screenshots, no untranslated routing words.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      await page.goto(`${url}/entries`, { waitUntil: 'load' });
      await live(page);
      await page.locator(`${section('probe')} [data-probe-ok]`).waitFor({ timeout: 10000 });
      // An open alias editor and a locked note are part of what axe sees.
      await row(page, 'coding', 'fast').locator('button[data-edit-aliases]').click();
      await page.locator(`${section('coding')} input[type=radio][value="fastest"]`).check();
      await page.waitForSelector(`${section('coding')} [data-locked-note]`, { timeout: 10000 });
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, PROSE);
        if (stray.length) throw new Error(`English on the Chinese API management page: ${stray.join(', ')}`);
        const text = await page.locator('main').innerText();
        if (!text.includes('最近一次探测成功') || !text.includes('发布于')) throw new Error('the Chinese routing words are missing');
      }
      await page.screenshot({ path: `${SHOTS}/order-${lang}-${theme}.png`, fullPage: true });
      await axe(page, `entries with routing controls (${lang}, ${theme})`);
      await page.locator(`${section('coding')} input[type=radio][value="custom"]`).check();
      await page.waitForSelector(`${section('coding')} fieldset[data-order-mode="custom"]`, { timeout: 10000 });
    }
  }
});
