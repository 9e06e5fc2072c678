// Issue 19 finding 3 in a real Chromium: pages of other sites calling /v1.
//   1. A hostile page (its own origin) sends what needs no preflight: a no-cors POST with a
//      text/plain chat body. API Switch must refuse it (403) before any upstream is contacted.
//   2. A browser chat app on an origin the user listed in `browser_origins` calls /v1 with
//      JSON (so Chromium sends a CORS preflight first) and reads the answer.
// It prints one JSON line, `result {...}`, with what the API port answered; the Rust test
// asserts the statuses and that the mock upstream saw exactly the listed app's one request.
//
// usage: node end2end/browser_origins.mjs API_URL HOSTILE_PORT LISTED_PORT
import http from 'node:http';
import { chromium } from 'playwright-core';

const [api, hostilePort, listedPort] = process.argv.slice(2);
if (!listedPort) {
  console.error('usage: node end2end/browser_origins.mjs API_URL HOSTILE_PORT LISTED_PORT');
  process.exit(2);
}

async function site(port) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><body>a page</body></html>');
  });
  await new Promise((resolve) => server.listen(Number(port), '127.0.0.1', resolve));
  return server;
}
const servers = [await site(hostilePort), await site(listedPort)];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const seen = [];
const result = {};
try {
  const page = await browser.newPage();
  page.on('request', (r) => {
    if (r.url().startsWith(api)) seen.push({ method: r.method(), url: r.url() });
  });
  page.on('response', (r) => {
    if (r.url().startsWith(api)) seen.push({ url: r.url(), status: r.status(), method: r.request().method() });
  });

  // 1. The hostile page: a simple request the browser sends without asking anyone.
  await page.goto(`http://127.0.0.1:${hostilePort}/`, { waitUntil: 'load' });
  const refused = page.waitForResponse((r) => r.url() === `${api}/v1/chat/completions`, { timeout: 10000 });
  result.hostile = await page.evaluate(async (api) => {
    try {
      const answer = await fetch(`${api}/v1/chat/completions`, {
        method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'spend' }] }),
      });
      return { type: answer.type };
    } catch (error) {
      return { error: String(error) };
    }
  }, api);
  result.hostileStatus = (await refused).status();

  // 2. The listed chat app: a CORS request with JSON, answer read by the page.
  await page.goto(`http://127.0.0.1:${listedPort}/`, { waitUntil: 'load' });
  result.listed = await page.evaluate(async (api) => {
    try {
      const answer = await fetch(`${api}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-browser-app' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] }),
      });
      const body = await answer.json();
      return { status: answer.status, content: body?.choices?.[0]?.message?.content ?? null };
    } catch (error) {
      return { error: String(error) };
    }
  }, api);

  // 3. The hostile page again, now trying CORS: the preflight is refused, nothing is sent.
  await page.goto(`http://127.0.0.1:${hostilePort}/`, { waitUntil: 'load' });
  result.hostileCors = await page.evaluate(async (api) => {
    try {
      const answer = await fetch(`${api}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'spend' }] }),
      });
      return { status: answer.status };
    } catch (error) {
      return { error: String(error) };
    }
  }, api);
  result.seen = seen;
  console.log(`result ${JSON.stringify(result)}`);
} catch (error) {
  console.error(String(error?.stack ?? error));
  process.exitCode = 1;
} finally {
  await browser.close();
  for (const server of servers) server.close();
}
