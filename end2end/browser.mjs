// The harness every browser check shares: Debian's Chromium through playwright-core, a page
// that records every page error, console error and failed HTTP response, and one verdict.
//
// usage (from a check script): await runCheck('name', async (page) => { ...throw on failure... });
import { chromium } from 'playwright-core';

export async function runCheck(name, body) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The flags that work as root on these machines, with no network beyond localhost.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const failures = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') failures.push(`console: ${msg.text()}`); });
    page.on('response', (r) => { if (r.status() >= 400) failures.push(`HTTP ${r.status()} for ${r.url()}`); });
    await body(page);
    if (failures.length) throw new Error(failures.join('\n'));
    console.log(`${name} ok`);
  } catch (error) {
    console.error(String(error?.stack ?? error));
    for (const failure of failures) console.error(failure);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
