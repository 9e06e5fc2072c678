// Issue 10's browser checks against a real api-switch whose first entry fails (HTTP 500) and
// whose second answers: live Dashboard and Logs, the cooling countdown, access keys enforced
// by the proxy, the language switch (no English left on Chinese pages, kept over a reload,
// Chinese rendered by the server for Accept-Language: zh-CN), and axe-core on every screen in
// both languages and both themes. Screenshots go to target/screenshots/<screen>-<lang>-<theme>.png.
//
// usage: node end2end/ui.mjs http://127.0.0.1:PORT
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/ui.mjs URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });

const SCREENS = [
  ['dashboard', '/'], ['logs', '/logs'], ['channels', '/channels'], ['entries', '/entries'], ['keys', '/keys'],
  ['settings', '/settings'], ['guide', '/guide'], ['login', '/login'],
];

// Words allowed on a Chinese page: product and API names (`/chat/completions`), units,
// identifiers the user types, and the test's own channel and model names (user data, e.g. in a
// switch's or a drag handle's label).
const ALLOWED = new Set(['API', 'Switch', 'OpenAI', 'Anthropic', 'SDK', 'Python', 'Claude', 'Code',
  'Codex', 'Cherry', 'Studio', 'Open', 'WebUI', 'curl', 'HTTP', 'auto', 'ms', 'B', 'KB', 'MB', 'k', 's',
  'Retry-After', 'IP', 'ACCESS_KEY', 'API_SWITCH_KEY', 'env', 'localhost', '--listen', 'Chat', 'Completions',
  'Responses', 'Messages', 'coding', 'sonnet', 'claude-sonnet-4-5', 'English', 'v1', 'UTC', 'OK',
  'chat', 'completions', 'flaky', 'good', 'gpt-4o',
  // models.dev, the public model registry the model catalog is refreshed from: a name.
  'models', 'dev']);

/** Sends one chat request through the proxy; returns the HTTP status. */
async function proxyRequest(key) {
  const headers = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers,
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

await runCheck('ui', async (page) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await setPrefs(page, url, 'en', 'light');

  // A request through the proxy shows up on the Dashboard without a reload.
  await page.goto(url, { waitUntil: 'load' });
  await live(page);
  const requests = page.locator('#today-requests [data-value]');
  if ((await requests.textContent()) !== '0') throw new Error(`fresh dashboard: ${await requests.textContent()}`);
  if ((await proxyRequest()) !== 200) throw new Error('the proxy did not answer through the second entry');
  await page.waitForFunction(() => document.querySelector('#today-requests [data-value]')?.textContent === '1',
    null, { timeout: 10000 });

  // The failing upstream's entry is cooling down, with a countdown that moves.
  const countdown = page.locator('#cooling [data-countdown]').first();
  await countdown.waitFor({ timeout: 10000 });
  const first = await countdown.textContent();
  if (!/^\d+:\d\d$/.test(first)) throw new Error(`countdown: ${first}`);
  await page.waitForFunction((before) => document.querySelector('#cooling [data-countdown]')?.textContent !== before,
    first, { timeout: 5000 });
  await page.screenshot({ path: `${SHOTS}/dashboard-live-en-light.png`, fullPage: true });

  // The Logs screen lists it, opens it to its two attempts, and takes the next one live.
  await page.click('nav >> text=Logs');
  const rows = page.locator('#log-table tbody[data-log]');
  await rows.first().waitFor({ timeout: 10000 });
  if ((await rows.count()) !== 1) throw new Error(`log rows: ${await rows.count()}`);
  await rows.first().locator('button[aria-expanded]').click();
  const attempts = rows.first().locator('ol li');
  await attempts.first().waitFor({ state: 'visible', timeout: 5000 });
  if ((await attempts.count()) !== 2) throw new Error(`attempts: ${await attempts.count()}`);
  if (!(await attempts.nth(0).textContent()).includes('500')) throw new Error(`first attempt: ${await attempts.nth(0).textContent()}`);
  // Their timeline: a lane each, with the new connection's time, the time to headers and the
  // total in words (issue 24); the first request opened both connections.
  const lanes = rows.first().locator('[data-attempt-timeline] li');
  if ((await lanes.count()) !== 2) throw new Error(`timeline lanes: ${await lanes.count()}`);
  const answered = await lanes.nth(1).textContent();
  if (!/connected \d+ ms · headers \d+ ms · first content \d+ ms · total \d+ ms/.test(answered)) throw new Error(`answered lane: ${answered}`);
  await proxyRequest();
  await page.waitForFunction(() => document.querySelectorAll('#log-table tbody[data-log]').length === 2, null, { timeout: 10000 });
  await page.screenshot({ path: `${SHOTS}/logs-live-en-light.png`, fullPage: true });
  // The second request went over the kept-alive connection, and its lane says so.
  const newest = rows.first();
  await newest.locator('button[aria-expanded]').click();
  const reused = newest.locator('[data-attempt-timeline] li').last();
  await reused.waitFor({ state: 'visible', timeout: 5000 });
  if (!/kept-alive connection · headers \d+ ms/.test(await reused.textContent())) throw new Error(`reused lane: ${await reused.textContent()}`);
  await setPrefs(page, url, 'zh', 'dark');
  await page.goto(`${url}/logs`, { waitUntil: 'load' });
  await live(page);
  for (const row of [rows.first(), rows.nth(1)]) await row.locator('button[aria-expanded]').click();
  await rows.nth(1).locator('[data-attempt-timeline]').waitFor({ state: 'visible', timeout: 5000 });
  await page.screenshot({ path: `${SHOTS}/logs-timeline-zh-dark.png`, fullPage: true });
  await setPrefs(page, url, 'en', 'light');
  await page.goto(url, { waitUntil: 'load' });
  await live(page);

  // An access key created here is required by the proxy once the switch is on.
  await page.click('nav >> text=Access keys');
  await live(page);
  await page.fill('#key-name', 'e2e laptop');
  await page.click('#create-key-button');
  const secret = (await page.locator('#new-key-secret').textContent({ timeout: 10000 })).trim();
  if (!secret.startsWith('sk-')) throw new Error(`secret: ${secret}`);
  await page.locator('#require-access-key').check();
  await page.waitForFunction(() => document.querySelector('#require-access-key')?.checked, null, { timeout: 5000 });
  for (let i = 0; i < 50 && (await proxyRequest()) !== 401; i++) await page.waitForTimeout(100);
  if ((await proxyRequest()) !== 401) throw new Error('a request without a key was served');
  if ((await proxyRequest(secret)) !== 200) throw new Error('the new key was refused');
  await page.locator('#keys-table tr[data-key]').first().waitFor();
  await page.screenshot({ path: `${SHOTS}/keys-created-en-light.png`, fullPage: true });
  await page.locator('#require-access-key').uncheck();
  for (let i = 0; i < 50 && (await proxyRequest()) !== 200; i++) await page.waitForTimeout(100);

  // The language switch turns the page Chinese at once and the choice survives a reload.
  await page.goto(url, { waitUntil: 'load' });
  await live(page);
  await page.selectOption('#language-switch', 'zh');
  await page.waitForSelector('nav >> text=仪表盘', { timeout: 5000 });
  let stray = await strayEnglish(page, { allowed: ALLOWED });
  if (stray.length) throw new Error(`English left on the Chinese dashboard after the switch: ${stray.join(', ')}`);
  await page.reload({ waitUntil: 'load' });
  if ((await page.getAttribute('html', 'lang')) !== 'zh') throw new Error('the language was not remembered');
  await page.waitForSelector('nav >> text=仪表盘', { timeout: 5000 });

  // A first visit with Accept-Language: zh-CN is rendered Chinese by the server.
  const html = await (await fetch(`${url}/logs`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } })).text();
  if (!html.includes('lang="zh"') || !html.includes('请求日志')) throw new Error('server-rendered page is not Chinese');
  const english = await (await fetch(`${url}/logs`, { headers: { 'accept-language': 'en-US' } })).text();
  if (!english.includes('lang="en"')) throw new Error('server-rendered page is not English for en-US');

  // Every screen, both languages, both themes: no English on Chinese pages, no axe violations.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      for (const [name, path] of SCREENS) {
        await page.goto(`${url}${path}`, { waitUntil: 'load' });
        if (name !== 'login') await live(page);
        else await page.waitForFunction(() => performance.getEntriesByType('resource')
          .some((r) => r.name.endsWith('_bg.wasm') && r.responseEnd > 0), null, { timeout: 30000 });
        await page.waitForTimeout(300);
        // The first row's details open, so its attempts and their timeline are looked at too.
        if (name === 'logs') await page.locator('#log-table tbody[data-log] button[aria-expanded]').first().click();
        if (lang === 'zh') {
          // The key this check created is its own data: its name is in the Limits button's label.
          stray = await strayEnglish(page, { allowed: ALLOWED, ignore: /^(e2e|laptop)$/ });
          if (stray.length) throw new Error(`English on the Chinese ${name} screen: ${stray.join(', ')}`);
        }
        await page.screenshot({ path: `${SHOTS}/${name}-${lang}-${theme}.png`, fullPage: true });
        await axe(page, `${name} (${lang}, ${theme})`);
      }
    }
  }

  // A phone: the navigation folds behind the menu button.
  await setPrefs(page, url, 'en', 'light');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url, { waitUntil: 'load' });
  await live(page);
  if (await page.locator('#main-nav').isVisible()) throw new Error('the menu is open on a phone');
  await page.click('button[aria-controls="main-nav"]');
  await page.locator('#main-nav').waitFor({ state: 'visible' });
  await page.screenshot({ path: `${SHOTS}/dashboard-phone-menu-en-light.png` });
  await axe(page, 'phone menu');
});
