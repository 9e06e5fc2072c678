// Issue 22's session affinity and cache hit rates in headless Chromium against the release
// binary, over a log the test wrote (two sessions of one app, one of them moved once):
// 1. the Dashboard's spend by session: each session's cache hit rate;
// 2. Logs: each row's cache hit rate, "session moved" on the row that moved, its session and
//    why in the row's details;
// 3. API entries: the group's affinity checkbox is on, and switching it off is saved;
// 4. screenshots of the session breakdown, the Logs table and the group's routing controls in
//    both languages and themes, axe-core on each, no English on the Chinese pages.
//    Screenshots go to target/screenshots/affinity-*.png.
//
// usage: node end2end/affinity.mjs http://127.0.0.1:PORT
import { mkdirSync } from 'node:fs';
import { axe, live, noonZone, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/affinity.mjs URL');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const PROSE = { allowed: new Set(['API', 'Switch', 'AUTO', 'auto', 'ms', 'p90', 'OK', 'HTTP']),
  ignore: /^(agent|relay|claude|sonnet|model|custom)/i, skip: 'option, datalist, [role="tooltip"]' };
const MOVED = 'key 1 of 3 failed; moved to key 2 of 3';

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

await runCheck('affinity', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');

  // 1. The Dashboard: cache hits per session.
  await page.goto(`${url}/`, { waitUntil: 'load' });
  await live(page);
  await page.locator('#spend-by-session tbody tr').first().waitFor();
  const warm = await page.locator('#spend-by-session [data-spend-line="5f2b0c1d9e8a"]').textContent();
  expectText('the warm session', warm, /90%/);
  const cold = await page.locator('#spend-by-session [data-spend-line="77aa00bb11cc"]').textContent();
  expectText('the cold session', cold, /0%/);
  const sessions = await page.locator('#spend-by-session tbody tr').count();
  if (sessions !== 2) throw new Error(`expected 2 sessions (none for requests without one), saw ${sessions}`);

  // 2. Logs: the hit rate of each row, the move and why.
  await page.goto(`${url}/logs`, { waitUntil: 'load' });
  await live(page);
  const hits = (await page.locator('#log-table [data-cache-hit]').allTextContents()).map((t) => t.trim());
  for (const want of ['90% from cache', '0% from cache']) {
    if (!hits.includes(want)) throw new Error(`Logs cache hits ${JSON.stringify(hits)} lack ${want}`);
  }
  const moved = page.locator('#log-table tbody').filter({ has: page.locator('[data-session-moved]') });
  if ((await moved.count()) !== 1) throw new Error('exactly one row should say the session moved');
  await moved.locator('button[aria-expanded]').click();
  expectText('why it moved', await moved.locator('[data-session-moved-why]').textContent(), new RegExp(MOVED));
  expectText('its session', await moved.locator('[data-session]').getAttribute('data-session'), /^5f2b0c1d9e8a$/);
  await page.locator('#log-table').screenshot({ path: `${SHOTS}/affinity-logs-detail-en-light.png` });

  // 3. API entries: affinity on by default; switched off, it is saved.
  await page.goto(`${url}/entries`, { waitUntil: 'load' });
  await live(page);
  const box = page.locator('#affinity-auto');
  if (!(await box.isChecked())) throw new Error('affinity is not on by default');
  const saved = page.waitForResponse((r) => r.url().includes('set_group_routing'));
  await box.uncheck();
  if ((await saved).status() !== 200) throw new Error('the affinity setting was not saved');
  await page.waitForSelector('section[data-group="auto"] [data-affinity="off"]', { timeout: 10000 });
  await page.reload({ waitUntil: 'load' });
  await live(page);
  if (await page.locator('#affinity-auto').isChecked()) throw new Error('affinity came back on after a reload');

  // 4. Both languages and themes.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      for (const [path, name, part] of [['/', 'dashboard', '#spend-by-session'], ['/logs', 'logs', '#log-table'],
        ['/entries', 'group', 'section[data-group="auto"] [data-affinity]']]) {
        await page.goto(`${url}${path}`, { waitUntil: 'load' });
        await live(page);
        await page.locator(part).first().waitFor();
        await page.waitForTimeout(300);
        if (lang === 'zh') {
          const stray = await strayEnglish(page, { ...PROSE, within: part });
          if (stray.length) throw new Error(`English on the Chinese ${name}: ${stray.join(', ')}`);
        }
        await page.locator(part).first().screenshot({ path: `${SHOTS}/affinity-${name}-${lang}-${theme}.png` });
        await axe(page, `${name} (${lang}, ${theme})`);
      }
    }
  }
  console.log('affinity ok');
}, { timezoneId: noonZone() });
