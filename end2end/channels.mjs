// Proves the channels page's controls reach the engine from a real browser: disables an entry,
// speed-tests it (a green result appears) and checks the test did not enable it again.
//
// usage: node end2end/channels.mjs http://127.0.0.1:PORT
import { runCheck } from './browser.mjs';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node end2end/channels.mjs URL');
  process.exit(2);
}

await runCheck('channels', async (page) => {
  await page.goto(`${url}/channels`, { waitUntil: 'load' });
  const row = page.locator('tr[data-entry]').first();
  await row.waitFor({ timeout: 10000 });
  if (!(await row.textContent()).includes('GPT-4o')) throw new Error('catalog facts missing from the row');

  // Click until hydration has attached the handler.
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await row.textContent()).includes('disabled')) break;
    await row.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.waitForTimeout(200);
  }
  if (!(await row.textContent()).includes('disabled')) throw new Error('Disable had no effect');

  await row.getByRole('button', { name: 'Test', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('tr[data-entry]')?.textContent.includes('✓'),
    null, { timeout: 10000 });
  const text = await row.textContent();
  if (!text.includes('disabled')) throw new Error(`the speed test enabled the entry: ${text}`);
});
