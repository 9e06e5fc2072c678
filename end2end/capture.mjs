// Issue 24's captured exchanges in headless Chromium against the release binary:
// 1. Logs: capture is off; the capture control starts it for every request (5 requests);
// 2. a streamed Anthropic Messages request with a tool, sent here to the proxy, is routed to the
//    test's OpenAI Chat upstream that streams a tool call: its row says "1 request matches" and
//    opens an Exchange view with the client's request, the converted request (its differences
//    from the client's), the upstream's events as a timeline with times, and the client's
//    converted stream; copy as curl masks the key, the download is JSON; no key on the page;
// 3. search in captured bodies finds the row by a word of its prompt and nothing by another;
// 4. screenshots of the Exchange view and the capture control in both languages and themes,
//    axe-core on each, no English on the Chinese capture control. Screenshots go to
//    target/screenshots/capture-*.png.
//
// usage: node end2end/capture.mjs http://127.0.0.1:PORT PROVIDER_KEY
import { mkdirSync } from 'node:fs';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url, providerKey] = process.argv.slice(2);
if (!url || !providerKey) {
  console.error('usage: node end2end/capture.mjs URL PROVIDER_KEY');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
const PROSE = { allowed: new Set(['API', 'Switch', 'JSON', 'KB', 'MB', 'B', 'N', 'M', 'curl']),
  skip: 'option, datalist' };

function expectText(what, actual, pattern) {
  if (!pattern.test(actual ?? '')) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
}

async function sendToolCall() {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'tools', max_tokens: 100, stream: true,
      tools: [{ name: 'get_weather', description: 'Weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'What is the weather in Zanzibar?' }],
    }),
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('tool_use')) throw new Error(`the proxy answered ${response.status}: ${text}`);
}

async function openExchange(page) {
  await page.locator('[data-open-exchange]').first().click();
  await page.locator('#exchange-view [data-part="client-answer"]').waitFor();
  for (const details of await page.locator('#exchange-view details').all()) {
    await details.evaluate((d) => { d.open = true; });
  }
}

await runCheck('capture', async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await setPrefs(page, url, 'en', 'light');

  // 1. Capture is off; start it for 5 requests.
  await page.goto(`${url}/logs`, { waitUntil: 'load' });
  await live(page);
  expectText('capture status before', await page.locator('#capture-status').textContent(), /^Off/);
  await page.locator('#capture-requests').fill('5');
  await page.locator('#capture-minutes').fill('');
  const saved = page.waitForResponse((r) => r.url().includes('save_capture_rule'));
  await page.locator('#capture-start').click();
  if ((await saved).status() !== 200) throw new Error('the capture setting was not saved');
  await page.waitForFunction(() => /On for every request/.test(document.querySelector('#capture-status')?.textContent ?? ''));
  expectText('capture status', await page.locator('#capture-status').textContent(), /requests left: 5/);

  // 2. One request through the proxy; its row opens the exchange.
  await sendToolCall();
  await page.locator('[data-open-exchange]').first().waitFor({ timeout: 15000 });
  expectText('totals', await page.locator('#log-totals').textContent(), /^1 request matches, 100\.0% succeeded/);
  await openExchange(page);
  const view = page.locator('#exchange-view');
  const sent = await view.locator('[data-part="client-request"] [data-body]').textContent();
  expectText('client request', sent, /"name": "get_weather"/);
  expectText('client request', sent, /Zanzibar/);
  const attempt = view.locator('[data-part="attempt"]');
  if ((await attempt.count()) !== 1) throw new Error('expected one attempt');
  expectText('converted request', await attempt.locator('[data-body]').first().textContent(), /"type": "function"/);
  expectText('differences', await attempt.locator('[data-differences]').textContent(), /\/model/);
  const upstreamEvents = await attempt.locator('[data-timeline] li').allTextContents();
  if (upstreamEvents.length < 5) throw new Error(`the upstream's timeline has ${upstreamEvents.length} events`);
  expectText('an upstream event', upstreamEvents[1], /^\d+ msdata: .*tool_calls/);
  const received = await view.locator('[data-part="client-answer"] [data-timeline]').textContent();
  expectText('what the client received', received, /message_start[\s\S]*tool_use[\s\S]*message_stop/);
  const command = await attempt.locator('[data-copy]').getAttribute('data-copy');
  expectText('copy as curl', command, /^curl '.*\/v1\/chat\/completions'[\s\S]*authorization: Bearer .*\*\*\*/);
  const href = await view.locator('#exchange-download').getAttribute('href');
  const downloaded = JSON.parse(decodeURIComponent(href.replace(/^data:application\/json;charset=utf-8,/, '')));
  if (downloaded.attempts?.[0]?.response_stream?.events?.length !== upstreamEvents.length) throw new Error('the download is not the exchange');
  for (const where of [await page.content(), command, href]) {
    if (where.includes(providerKey)) throw new Error('the provider key reached the page');
  }
  await view.locator('[data-timeline]').first().evaluate((e) => e.scrollIntoView());

  // 3. Search in captured bodies.
  await page.locator('#filter-captured').fill('zanzibar');
  await page.locator('#filter-captured').press('Enter');
  await page.waitForFunction(() => /^1 request/.test(document.querySelector('#log-totals')?.textContent ?? ''));
  await page.locator('#filter-captured').fill('timbuktu');
  await page.locator('#filter-captured').press('Enter');
  await page.waitForFunction(() => !document.querySelector('[data-open-exchange]'));

  // 4. Both languages and themes.
  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      await page.goto(`${url}/logs`, { waitUntil: 'load' });
      await live(page);
      await page.locator('[data-open-exchange]').first().waitFor();
      await openExchange(page);
      await page.waitForTimeout(300);
      if (lang === 'zh') {
        const stray = await strayEnglish(page, { ...PROSE, within: '#capture-control' });
        if (stray.length) throw new Error(`English on the Chinese capture control: ${stray.join(', ')}`);
      }
      await page.locator('#capture-control').screenshot({ path: `${SHOTS}/capture-control-${lang}-${theme}.png` });
      // From the top, so the sticky top bar does not cover the view's title.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.locator('#exchange-view').screenshot({ path: `${SHOTS}/capture-exchange-${lang}-${theme}.png` });
      await axe(page, `logs with an exchange (${lang}, ${theme})`);
    }
  }
  // Stopped, it says so.
  await page.locator('#capture-stop').click();
  await page.waitForFunction(() => /^(Off|已关闭)/.test(document.querySelector('#capture-status')?.textContent ?? ''));
});
