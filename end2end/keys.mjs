// Issue 14's key pool and outbound proxy on the Channels screen, in headless Chromium against
// the release binary (see server/tests/e2e/browser_keys.rs for the upstream, which answers
// "key-NNNN" with the last four characters of the key it got, 429s the key ending 0003 and
// 401s the one ending 0004):
// 1. a second key pasted in the edit form joins the pool; requests take turns across both;
// 2. the first key switched off with the keyboard: only the second is used;
// 3. a rate-limited and a rejected key show as cooling (time left) and switched off (why),
//    without closing a form left open while they happen;
// 4. a bad proxy address is explained and keeps the form open; a SOCKS5 proxy with
//    credentials is saved, its password never sent back to the browser;
// 5. the form in both languages and themes: screenshots, axe, no English on Chinese pages.
// No page and no server function answer ever holds a full key or the proxy password.
//
// usage: node end2end/keys.mjs http://127.0.0.1:PORT
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/keys.mjs URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const SECRETS = ['first-pool-key', 'second-pool-key', 'third-pool-key', 'fourth-pool-key', 'proxy-pw-secret'];

/** One chat request through the proxy; returns which key answered ("key-0002"). */
async function answeredBy() {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = await response.json();
  return body?.choices?.[0]?.message?.content ?? `HTTP ${response.status}: ${JSON.stringify(body)}`;
}

async function answers(count) {
  const got = [];
  for (let i = 0; i < count; i++) got.push(await answeredBy());
  return got;
}

const row = (page) => page.locator('#channel-table tbody[data-channel]').filter({ hasText: 'pool' });
const form = (page) => page.locator('form[data-edit]');
const keyLine = (page, tail) => page.locator('[data-key-pool] li[data-key]').filter({ hasText: `sk-***${tail}` });

async function openEditor(page) {
  await row(page).locator('button[data-edit-button]').click();
  await form(page).locator('[data-key-pool]').waitFor({ timeout: 5000 });
}

/** Submits the edit form and waits for the lists to be fetched again. */
async function save(page) {
  const reloaded = page.waitForResponse((r) => r.url().includes('channel_proxies'), { timeout: 10000 });
  await form(page).locator('button[type="submit"]').click();
  await reloaded;
  await page.waitForSelector('form[data-edit]', { state: 'detached', timeout: 5000 });
}

async function summary(page) {
  await page.waitForTimeout(200);
  return (await row(page).locator('[data-key-summary]').textContent({ timeout: 5000 })).trim();
}

async function noSecretIn(page, where) {
  const html = await page.content();
  for (const secret of SECRETS) if (html.includes(secret)) throw new Error(`${where}: the page holds ${secret}`);
}

// The key pool and proxy parts of a Chinese page: only protocol names are Latin there.
const PROSE = { allowed: new Set(['API', 'HTTP', 'HTTPS', 'SOCKS5', 'IP']),
  within: '[data-key-pool], [data-proxy], [data-key-summary], [data-proxy-summary]', skip: 'option' };

await runCheck('keys', async (page) => {
  const bodies = [];
  page.on('response', async (r) => {
    if (r.url().includes('/api/') && r.request().method() === 'POST') bodies.push(await r.text().catch(() => ''));
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');
  await page.goto(`${url}/channels`, { waitUntil: 'load' });
  await live(page);

  // 1. A second key pasted in the edit form; requests take turns across both.
  await openEditor(page);
  if ((await form(page).locator('[data-key-pool] li[data-key]').count()) !== 1) throw new Error('the pool does not list its one key');
  if ((await keyLine(page, '0001').getAttribute('data-state')) !== 'ready') throw new Error('the first key is not ready');
  await form(page).locator('textarea[data-add-keys]').fill('sk-second-pool-key-0002\n');
  await save(page);
  if ((await summary(page)) !== '2 keys') throw new Error(`summary after adding: ${await summary(page)}`);
  const both = await answers(4);
  for (const key of ['key-0001', 'key-0002']) {
    if (both.filter((k) => k === key).length !== 2) throw new Error(`the keys do not take turns: ${both}`);
  }
  if (both[0] === both[1]) throw new Error(`the same key answered twice in a row: ${both}`);

  // 2. The first key switched off with the keyboard: only the second is used.
  await openEditor(page);
  const firstSwitch = keyLine(page, '0001').locator('input[role="switch"]');
  await firstSwitch.focus();
  await page.keyboard.press('Space');
  if (await firstSwitch.isChecked()) throw new Error('Space did not switch the key off');
  if (!(await firstSwitch.evaluate((el) => el === document.activeElement))) throw new Error('the switch lost the focus');
  await save(page);
  if ((await summary(page)) !== '2 keys, 1 off') throw new Error(`summary after switching off: ${await summary(page)}`);
  const second = await answers(4);
  if (second.some((k) => k !== 'key-0002')) throw new Error(`a switched-off key was used: ${second}`);

  // 3. A rate-limited and a rejected key: cooling with the time left, off with why.
  await openEditor(page);
  await form(page).locator('textarea[data-add-keys]').fill('sk-third-pool-key-0003\nsk-fourth-pool-key-0004');
  await save(page);
  // Traffic cooling a key while a form is open leaves the form and what is typed in it alone;
  // the list catches up once the form is closed.
  await openEditor(page);
  await form(page).locator('textarea[data-add-keys]').fill('half-typed');
  const third = await answers(3);
  if (third.some((k) => k !== 'key-0002')) throw new Error(`the second key did not serve: ${third}`);
  await page.waitForTimeout(1000);
  if ((await form(page).locator('textarea[data-add-keys]').inputValue()) !== 'half-typed') {
    throw new Error('live traffic closed the open form or cleared what was typed');
  }
  await form(page).getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction(() => document.querySelector('[data-key-summary]')?.textContent.includes('1 cooling'), null, { timeout: 10000 });
  if ((await summary(page)) !== '4 keys, 1 cooling, 2 off') throw new Error(`summary with states: ${await summary(page)}`);
  await openEditor(page);
  const cooling = keyLine(page, '0003');
  if ((await cooling.getAttribute('data-state')) !== 'cooling') throw new Error('the 429 key is not cooling');
  const left = (await cooling.locator('[data-countdown]').textContent()).trim();
  if (!/^[45]:\d\d$/.test(left)) throw new Error(`cooling time left: ${left}`);
  const rejected = keyLine(page, '0004');
  if ((await rejected.getAttribute('data-state')) !== 'off') throw new Error('the 401 key is not off');
  const why = await rejected.locator('[data-reason]').textContent();
  if (!why.includes('401')) throw new Error(`the reason: ${why}`);
  if (await rejected.locator('input[role="switch"]').isChecked()) throw new Error('a rejected key shows on');
  // Removing is undone with "Keep"; nothing is sent for an unchanged pool.
  await keyLine(page, '0004').locator('button[data-key-remove]').click();
  if ((await keyLine(page, '0004').getAttribute('data-removed')) !== 'true') throw new Error('remove did not mark the key');
  await keyLine(page, '0004').locator('button[data-key-remove]').click();
  if ((await keyLine(page, '0004').getAttribute('data-removed')) !== 'false') throw new Error('keep did not undo the removal');
  await page.screenshot({ path: `${SHOTS}/channel-keys-pool-en-light.png`, fullPage: true });
  await noSecretIn(page, 'the key pool');

  // 4. The proxy: a bad address is explained and keeps the form open; a good one is saved.
  await form(page).locator('[data-proxy-kind]').selectOption('socks5');
  const address = form(page).locator('input[id^="proxy-address-"]');
  await address.fill('127.0.0.1');
  await form(page).locator('button[type="submit"]').click();
  const problem = (await form(page).locator('[data-proxy-error]').textContent()).trim();
  if (!problem.includes('port')) throw new Error(`the bad address's message: "${problem}"`);
  if ((await address.getAttribute('aria-invalid')) !== 'true') throw new Error('the address is not marked invalid');
  await page.screenshot({ path: `${SHOTS}/channel-keys-proxy-invalid-en-light.png`, fullPage: true });
  await address.fill('127.0.0.1:1080');
  await form(page).locator('input[id^="proxy-username-"]').fill('me');
  await form(page).locator('input[id^="proxy-password-"]').fill('proxy-pw-secret-99');
  if ((await form(page).locator('[data-proxy-error]').textContent()).trim()) throw new Error('the good address still shows a problem');
  // The listing that follows the save; one the live updates asked for before it (the traffic
  // above cooled keys) may still be on its way and says nothing about the save.
  const proxies = page.waitForResponse(async (r) => r.url().includes('channel_proxies')
    && (await r.text()).includes('socks5://127.0.0.1:1080'), { timeout: 10000 });
  await save(page);
  const listed = JSON.parse(await (await proxies).text());
  const saved = listed.find((p) => p.url === 'socks5://127.0.0.1:1080');
  if (!saved || saved.username !== 'me' || saved.has_password !== true || 'password' in saved) {
    throw new Error(`the server function lists the proxy as ${JSON.stringify(listed)}`);
  }
  const via = (await row(page).locator('[data-proxy-summary]').textContent()).trim();
  if (via !== 'via proxy socks5://127.0.0.1:1080') throw new Error(`the row's proxy: ${via}`);
  await openEditor(page);
  if (await form(page).locator('input[id^="proxy-password-"]').inputValue()) throw new Error('the password field is filled');
  const hint = await form(page).locator('p[id^="proxy-password-hint-"]').textContent();
  if (!hint.includes('password is saved')) throw new Error(`the password hint: ${hint}`);
  if ((await form(page).locator('[data-proxy-kind]').inputValue()) !== 'socks5') throw new Error('the saved type is not selected');

  // 5. Both languages and themes, the form open: screenshots, axe, no stray English.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      await page.goto(`${url}/channels`, { waitUntil: 'load' });
      await live(page);
      await openEditor(page);
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, PROSE);
        if (stray.length) throw new Error(`English in the Chinese key pool or proxy: ${stray.join(', ')}`);
      }
      await page.screenshot({ path: `${SHOTS}/channel-keys-${lang}-${theme}.png`, fullPage: true });
      await axe(page, `key pool and proxy (${lang}, ${theme})`);
      await noSecretIn(page, `${lang} ${theme}`);
    }
  }
  for (const body of bodies) {
    for (const secret of SECRETS) if (body.includes(secret)) throw new Error(`a server function answered with ${secret}: ${body.slice(0, 200)}`);
  }
});
