// Proves SSR + hydration + server functions: loads the page from a real api-switch, clicks
// the "Check server" button (which only works once the wasm has hydrated the page), and waits
// for the server function's answer to be rendered.
//
// usage: node end2end/hydration.mjs http://127.0.0.1:PORT EXPECTED_DATA_FILE
import { runCheck } from './browser.mjs';

const [url, expectedDataFile] = process.argv.slice(2);
if (!url || !expectedDataFile) {
  console.error('usage: node end2end/hydration.mjs URL EXPECTED_DATA_FILE');
  process.exit(2);
}

await runCheck('hydration', async (page) => {
  await page.goto(url, { waitUntil: 'load' });
  // Server-rendered before any script ran.
  const ssrDataFile = await page.textContent('#data-file');
  if (ssrDataFile !== expectedDataFile) throw new Error(`SSR data file: ${ssrDataFile}`);

  // Wait until the wasm module has loaded and hydrated the body.
  await page.waitForFunction(() => performance.getEntriesByType('resource')
    .some((r) => r.name.endsWith('_bg.wasm') && r.responseEnd > 0), null, { timeout: 30000 });

  // Click until hydration has attached the handler; a dead button renders nothing.
  const counter = page.locator('#checked-count');
  for (let attempt = 0; attempt < 50 && !(await counter.isVisible()); attempt++) {
    await page.click('#check-server');
    await page.waitForTimeout(200);
  }
  const text = await counter.textContent({ timeout: 10000 });
  if (!/^Checked [1-9]\d* time\(s\) from this page$/.test(text ?? '')) throw new Error(`counter: ${text}`);
  const renderedDataFile = await page.textContent('#data-file');
  if (renderedDataFile !== expectedDataFile) throw new Error(`rendered data file: ${renderedDataFile}`);

  // Client-side navigation (no reload) through the hydrated router.
  await page.click('nav >> text=Channels');
  await page.waitForSelector('h1:has-text("Channels")', { timeout: 10000 });
  await page.waitForSelector('text=No channels yet', { timeout: 10000 });
});
