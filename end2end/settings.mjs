// Issue 19's Settings screen in headless Chromium against the release binary:
// 1. cumulative layout shift while /settings loads (a PerformanceObserver on 'layout-shift'),
//    on a desktop window and on a throttled phone the way Lighthouse loads it: under 0.1;
// 2. Network: the browser apps and trusted proxies are saved and kept over a reload; a bad
//    origin is refused naming the field; a remote listen address is refused with `serve`'s
//    commands; Apply moves the server to NEW_PORT and the page continues there;
// 3. screenshots of Settings in both languages and both themes, axe-core on each, and no
//    English on the Chinese pages. Screenshots go to target/screenshots/settings-*.png.
//
// usage: node end2end/settings.mjs http://127.0.0.1:PORT NEW_PORT
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url, newPort] = process.argv.slice(2);
if (!url || !newPort) {
  console.error('usage: node end2end/settings.mjs URL NEW_PORT');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const newUrl = `http://127.0.0.1:${newPort}`;

// The refused Apply answers with an error on purpose; after the move the old address is gone.
let movedAway = false;
let refusingSave = false;
const expected = (u) => u.includes('apply_listen_address') || (refusingSave && u.includes('update_settings'))
  || (movedAway && u.startsWith(url));

const ALLOWED = new Set(['API', 'Switch', 'HTTP', 'Retry-After', 'ms', 'MB', 's', '--listen', 'IP', 'localhost',
  'English', 'v1', 'OK',
  // models.dev, the public model registry the model catalog is refreshed from: a name.
  'models', 'dev']);

/** Layout shift while `path` loads until the page is live and has settled. */
async function layoutShift(page, path) {
  await page.goto(`${url}${path}`, { waitUntil: 'load' });
  await live(page);
  await page.waitForTimeout(1500);
  return page.evaluate(() => window.__layoutShift);
}

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

async function save(page) {
  const saved = page.waitForResponse((r) => r.url().includes('update_settings'));
  await page.click('#save-settings');
  return (await saved).status();
}

await runCheck('settings', async (page) => {
  await page.addInitScript(() => {
    window.__layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });

  // 1. Layout shift: a desktop window, then a phone on a slow network and a slow CPU.
  await setPrefs(page, url, 'en', 'light');
  await page.setViewportSize({ width: 1280, height: 800 });
  const desktop = await layoutShift(page, '/settings');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions',
    { offline: false, latency: 150, downloadThroughput: 1.6 * 1024 * 1024 / 8, uploadThroughput: 750 * 1024 / 8 });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.setViewportSize({ width: 412, height: 823 });
  const phone = await layoutShift(page, '/settings');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  console.log(`layout shift: desktop ${desktop.toFixed(4)}, throttled phone ${phone.toFixed(4)}`);
  if (!(desktop < 0.1) || !(phone < 0.1)) throw new Error(`layout shift too large: desktop ${desktop}, phone ${phone}`);
  await page.setViewportSize({ width: 1280, height: 800 });

  // 2. Browser apps and trusted proxies: a bad origin is refused, naming the field.
  await page.goto(`${url}/settings`, { waitUntil: 'load' });
  await live(page);
  await page.fill('#browser-origins', 'https://chat.example.com/');
  await page.locator('#browser-origins').blur();
  refusingSave = true;
  const refused = page.waitForResponse((r) => r.url().includes('update_settings'));
  await page.click('#save-settings');
  await refused;
  const alert = page.locator('#save-settings ~ div [role="alert"]');
  await alert.waitFor({ timeout: 5000 });
  expectText('bad origin', await alert.textContent(), /Browser apps allowed to call the API/);
  refusingSave = false;
  await page.fill('#browser-origins', 'https://chat.example.com\nhttp://localhost:3000');
  await page.fill('#trusted-proxies', '192.168.1.10\n::1');
  await page.locator('#trusted-proxies').blur();
  if ((await save(page)) !== 200) throw new Error('origins and proxies were not saved');
  await page.reload({ waitUntil: 'load' });
  await live(page);
  expectText('origins kept', await page.inputValue('#browser-origins'), /^https:\/\/chat\.example\.com\nhttp:\/\/localhost:3000$/);
  expectText('proxies kept', await page.inputValue('#trusted-proxies'), /^192\.168\.1\.10\n::1$/);

  // A remote address is refused with the commands that unlock it; the server stays put.
  expectText('listening on', await page.locator('#listen-address').textContent(), new RegExp(`^${url.slice(7)}$`));
  await page.fill('#listen-host', '0.0.0.0');
  await page.click('#apply-listen');
  const listenAlert = page.locator('#network [role="alert"]');
  await listenAlert.waitFor({ timeout: 10000 });
  expectText('remote refused', await listenAlert.textContent(), /refusing to listen on 0\.0\.0\.0.*api-switch password set/s);
  await page.screenshot({ path: `${SHOTS}/settings-network-refused-en-light.png`, fullPage: true });

  // Apply on this machine at another port: the page continues at the new address.
  await page.fill('#listen-host', '127.0.0.1');
  await page.fill('#listen-port', newPort);
  await page.click('#apply-listen');
  await page.locator('#listen-moved a').waitFor({ timeout: 10000 });
  movedAway = true;
  expectText('moved link', await page.locator('#listen-moved a').getAttribute('href'), new RegExp(`^${newUrl}/settings$`));
  await page.screenshot({ path: `${SHOTS}/settings-network-moved-en-light.png`, fullPage: true });
  await setPrefs(page, newUrl, 'en', 'light');
  await page.click('#listen-moved a');
  await page.waitForURL(`${newUrl}/settings`);
  await live(page);
  expectText('listening on after the move', await page.locator('#listen-address').textContent(), new RegExp(`^127\\.0\\.0\\.1:${newPort}$`));

  // 3. Settings in both languages and both themes, at the new address.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, newUrl, lang, theme);
      await page.goto(`${newUrl}/settings`, { waitUntil: 'load' });
      await live(page);
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, { allowed: ALLOWED });
        if (stray.length) throw new Error(`English on the Chinese settings screen: ${stray.join(', ')}`);
      }
      await page.screenshot({ path: `${SHOTS}/settings-full-${lang}-${theme}.png`, fullPage: true });
      await axe(page, `settings (${lang}, ${theme})`);
    }
  }
}, { expected });
