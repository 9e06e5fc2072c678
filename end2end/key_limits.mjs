// Issue 21's limits per access key on the Access keys screen, in headless Chromium against the
// release binary, over a log the test wrote ($1.20 and 12 800 tokens of key `agent` today):
// 1. each limit of `agent` shows its use against it; `editor` has none;
// 2. a request through the proxy with agent's key moves the minute's count, live;
// 3. the limits form lowers the minute's limit to 1 and the next request gets 429 with
//    Retry-After;
// 4. screenshots of the key list and the limits form in both languages and themes, axe-core on
//    each, no English on the Chinese pages. Screenshots go to target/screenshots/key-limits-*.png.
//
// usage: node end2end/key_limits.mjs http://127.0.0.1:PORT AGENT_KEY
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url, agentKey] = process.argv.slice(2);
if (!url || !agentKey) {
  console.error('usage: node end2end/key_limits.mjs URL AGENT_KEY');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const ALLOWED = new Set(['API', 'Switch', 'Retry-After', 'UTC', 'Claude', 'Code']);
const IGNORE = /^(agent|editor)$/i;
// The key created first (the test checks it is agent's).
const AGENT_ROW = '#keys-table tr[data-key="1"]';

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

async function proxyRequest() {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

async function limitText(page, which) {
  return (await page.locator(`${AGENT_ROW} [data-limit="${which}"]`).textContent())?.trim();
}

await runCheck('key limits', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');

  // 1. Use against each limit, seeded from the request log.
  await page.goto(`${url}/keys`, { waitUntil: 'load' });
  await live(page);
  await page.locator(`${AGENT_ROW} [data-limit="rpm"]`).waitFor();
  expectText('minute', await limitText(page, 'rpm'), /^0 \/ 60 per minute$/);
  expectText('tokens', await limitText(page, 'tokens-day'), /^12800 \/ 100000 tokens today$/);
  expectText('day', await limitText(page, 'usd-day'), /^\$1\.20 \/ \$5\.00 today$/);
  expectText('month', await limitText(page, 'usd-month'), /^\$1\.20 \/ \$50\.00 this month$/);
  expectText('editor', await page.locator('#keys-table tr:has(td:text-is("editor"))').textContent(), /No limits/);

  // 2. A request moves the minute's count without a reload.
  const first = await proxyRequest();
  if (first.status !== 200) throw new Error(`the first request got ${first.status}: ${await first.text()}`);
  await page.waitForFunction(
    (row) => document.querySelector(`${row} [data-limit="rpm"]`)?.textContent.trim() === '1 / 60 per minute',
    AGENT_ROW, { timeout: 10000 },
  );

  // 3. Lower the minute's limit to 1: the next request is refused at once.
  await page.click(`${AGENT_ROW} [data-action="limits"]`);
  await page.locator('#key-limits').waitFor();
  if ((await page.inputValue('#limit-rpm')) !== '60') throw new Error('the form does not show the limit');
  await page.fill('#limit-rpm', '1');
  const saved = page.waitForResponse((r) => r.url().includes('set_access_key_limits'));
  await page.click('#save-limits');
  if ((await saved).status() !== 200) throw new Error('the limits were not saved');
  await page.locator('#key-limits').waitFor({ state: 'detached' });
  await page.waitForFunction(
    (row) => document.querySelector(`${row} [data-limit="rpm"]`)?.textContent.trim() === '1 / 1 per minute',
    AGENT_ROW, { timeout: 10000 },
  );
  const refused = await proxyRequest();
  if (refused.status !== 429) throw new Error(`over the limit, a request got ${refused.status}`);
  const retryAfter = Number(refused.headers.get('retry-after'));
  if (!(retryAfter >= 1 && retryAfter <= 60)) throw new Error(`Retry-After ${retryAfter}`);
  const body = await refused.json();
  expectText('429 message', body.error.message, /access key 'agent' is over its limit of 1 request per minute/);

  // 4. Both languages and themes: the list, and the form open.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      await page.goto(`${url}/keys`, { waitUntil: 'load' });
      await live(page);
      await page.click(`${AGENT_ROW} [data-action="limits"]`);
      await page.locator('#key-limits').waitFor();
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, { allowed: ALLOWED, ignore: IGNORE, within: '#key-list, #key-limits' });
        if (stray.length) throw new Error(`English on the Chinese Access keys: ${stray.join(', ')}`);
      }
      await page.locator('#key-list').screenshot({ path: `${SHOTS}/key-limits-list-${lang}-${theme}.png` });
      await page.locator('#key-limits').screenshot({ path: `${SHOTS}/key-limits-form-${lang}-${theme}.png` });
      await axe(page, `access keys (${lang}, ${theme})`);
    }
  }
});
