// Issue 19 finding 5 in a real Chromium:
//   1. The UI, served with its script policy (CSP with a nonce and 'wasm-unsafe-eval'),
//      hydrates: the live stream opens and client-side navigation works, with no CSP violation
//      reported and no console error (the shared harness fails on any).
//   2. A page on another origin frames the UI (the Connect screen, where one click writes
//      files): Chromium refuses to render it, so there is nothing to click.
//
// usage: node end2end/framing.mjs API_URL ATTACKER_PORT
import http from 'node:http';
import { runCheck, live } from './browser.mjs';

const [api, attackerPort] = process.argv.slice(2);
if (!attackerPort) {
  console.error('usage: node end2end/framing.mjs API_URL ATTACKER_PORT');
  process.exit(2);
}

const attacker = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<!doctype html><html><body><h1>win a prize</h1>
<iframe id="ui" src="${api}/connect" width="800" height="600"></iframe></body></html>`);
});
await new Promise((resolve) => attacker.listen(Number(attackerPort), '127.0.0.1', resolve));

try {
  await runCheck('framing', async (page) => {
    // 1. The UI itself, under its policy.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const answer = await page.goto(`${api}/`, { waitUntil: 'load' });
    const policy = answer.headers()['content-security-policy'] ?? '';
    if (!/script-src [^;]*'nonce-[^']+'/.test(policy) || !policy.includes("frame-ancestors 'none'")) {
      throw new Error(`page policy: ${policy}`);
    }
    await live(page);
    await page.click('nav >> text=Channels');
    await page.waitForSelector('h1:has-text("Channels")', { timeout: 10000 });
    const violations = await page.evaluate(() => window.__cspViolations);
    if (violations.length) throw new Error(`CSP violations: ${violations.join(', ')}`);

    // 2. Another origin frames the UI: its own page, its own listeners (the refusal is a
    // console error there by design).
    const hostile = await page.context().browser().newPage();
    const refusals = [];
    hostile.on('console', (msg) => refusals.push(msg.text()));
    await hostile.goto(`http://127.0.0.1:${attackerPort}/`, { waitUntil: 'load' });
    await hostile.waitForTimeout(1500);
    const frame = hostile.frames().find((f) => f !== hostile.mainFrame());
    const framedUrl = frame ? frame.url() : '(no frame)';
    const rendered = frame && framedUrl.startsWith(api)
      ? await frame.evaluate(() => document.querySelectorAll('main, nav, button').length).catch(() => 0)
      : 0;
    console.log(`framed ${JSON.stringify({ framedUrl, rendered, refusals })}`);
    if (rendered > 0) throw new Error(`the UI rendered inside another origin's frame (${framedUrl})`);
    await hostile.close();
  });
} finally {
  attacker.close();
}
