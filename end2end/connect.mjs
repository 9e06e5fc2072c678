// Issue 11's Test chat and Connect apps screens in headless Chromium against a real
// api-switch whose HOME is a temporary folder. Test chat: the answer streams in (a piece shows
// before the rest arrives), names the entry that answered and lists the failing entry tried
// first; Stop ends a chat whose entry went quiet. Connect: Claude Code (no settings yet) and
// Codex (the user's own config.toml) and Gemini CLI (no files yet; its .env and settings.json
// are written together) are connected by their buttons (no backup file beside a file Connect
// created; Restore removes it), the written files are
// copied to OUT for the Rust side to parse, then both are restored by their buttons. Both
// screens pass axe-core in both languages and themes with no English left on the Chinese
// pages; screenshots go to target/screenshots/.
//
// usage: node end2end/connect.mjs http://127.0.0.1:PORT HOME OUT
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axe, live, runCheck, setPrefs, strayEnglish } from './browser.mjs';

const [url, home, out] = process.argv.slice(2);
if (!url || !home || !out) {
  console.error('usage: node end2end/connect.mjs URL HOME OUT');
  process.exit(2);
}
const SHOTS = 'target/screenshots';
mkdirSync(SHOTS, { recursive: true });
mkdirSync(out, { recursive: true });

// Words allowed on a Chinese page: product, app and API names, identifiers, units.
const ALLOWED = new Set(['API', 'Switch', 'Claude', 'Code', 'Codex', 'OpenCode', 'OpenAI', 'Responses',
  'auto', 'env', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN', 'api-switch', 'ACCESS_KEY', 'HTTP', 'ms',
  'English', 'gpt-4o', 'good', 'flaky', 'Gemini', 'CLI', 'GOOGLE_GEMINI_BASE_URL', 'GEMINI_API_KEY']);

/** Clicks until `done()` holds: the first clicks may land before hydration attaches handlers. */
async function clickUntil(page, selector, done, what) {
  for (let i = 0; i < 60; i++) {
    if (await done()) return;
    await page.click(selector);
    await page.waitForTimeout(250);
  }
  if (!(await done())) throw new Error(`${what}: no effect`);
}

/** Sends a prompt on the Test chat screen and checks the streamed answer and its attempts. */
async function testChat(page) {
  await page.goto(`${url}/chat`, { waitUntil: 'load' });
  await live(page);
  await page.fill('#chat-route', 'auto');
  await page.fill('#chat-prompt', 'Say hello');
  await clickUntil(page, '#chat-send', async () => (await page.locator('#chat-answer').count()) > 0, 'Send');
  // The first piece is on screen while the upstream still holds back the rest.
  await page.waitForFunction(() => {
    const text = document.querySelector('#chat-answer')?.textContent ?? '';
    return text.includes('Hello from') && !text.includes('good upstream');
  }, null, { timeout: 15000 });
  const entry = await page.locator('#chat-entry').textContent({ timeout: 5000 });
  if (!entry.includes('gpt-4o') || !entry.includes('good')) throw new Error(`entry while streaming: ${entry}`);
  await page.waitForFunction(() => document.querySelector('#chat-answer')?.textContent.includes('Hello from the good upstream'),
    null, { timeout: 15000 });
  await page.locator('#chat-total').waitFor({ timeout: 5000 });
  const attempts = page.locator('#chat-attempts li');
  if ((await attempts.count()) !== 2) throw new Error(`attempts: ${await attempts.count()}`);
  const first = await attempts.nth(0).textContent();
  if (!first.includes('flaky') || !first.includes('500') || (await attempts.nth(0).getAttribute('data-ok')) !== 'false') {
    throw new Error(`first attempt: ${first}`);
  }
  if ((await attempts.nth(1).getAttribute('data-ok')) !== 'true') throw new Error('the answering attempt is not marked good');
  await page.screenshot({ path: `${SHOTS}/chat-answered-en-light.png`, fullPage: true });
}

/** Stops a chat whose entry sent a first piece and then nothing: the page says so and can send again. */
async function stopChat(page) {
  await page.fill('#chat-route', 'slowpoke');
  await page.fill('#chat-prompt', 'Think hard');
  await page.click('#chat-send');
  await page.waitForFunction(() => document.querySelector('#chat-answer')?.textContent.includes('Thinking about it'),
    null, { timeout: 15000 });
  await page.click('#chat-stop');
  await page.locator('#chat-stopped').waitFor({ timeout: 5000 });
  if (await page.locator('#chat-send').isDisabled()) throw new Error('Send is still disabled after Stop');
  if (await page.locator('#chat-stop').count()) throw new Error('Stop is still shown after Stop');
  await page.screenshot({ path: `${SHOTS}/chat-stopped-en-light.png`, fullPage: true });
}

async function stateOf(page, app) {
  return (await page.locator(`#app-${app} [data-state]`).textContent()).trim();
}

async function connectApps(page) {
  await page.goto(`${url}/connect`, { waitUntil: 'load' });
  await live(page);
  if ((await stateOf(page, 'claude-code')) !== 'Not set up') throw new Error(`claude before: ${await stateOf(page, 'claude-code')}`);
  if ((await stateOf(page, 'codex')) !== 'Uses another endpoint') throw new Error(`codex before: ${await stateOf(page, 'codex')}`);
  if ((await stateOf(page, 'gemini-cli')) !== 'Not set up') throw new Error(`gemini before: ${await stateOf(page, 'gemini-cli')}`);
  await page.screenshot({ path: `${SHOTS}/connect-before-en-light.png`, fullPage: true });
  for (const app of ['claude-code', 'codex', 'gemini-cli']) {
    await clickUntil(page, `#app-${app} [data-action=connect]`,
      async () => (await stateOf(page, app)) === 'Connected to API Switch', `connect ${app}`);
    // Codex had the user's own file: it is backed up. The others had none: no backup file is
    // left beside theirs, and Restore removes what Connect created.
    const backup = await page.locator(`#app-${app} [data-backup]`).textContent();
    const expected = app === 'codex' ? '.api-switch-backup-' : 'API Switch created this file';
    if (!backup.includes(expected)) throw new Error(`${app} backup: ${backup}`);
    if (await page.locator(`#app-${app} [data-action=restore]`).isDisabled()) throw new Error(`${app}: Restore is off`);
  }
  const endpoint = await page.locator('#app-codex [data-endpoint]').textContent();
  if (endpoint.trim() !== `${url}/v1`) throw new Error(`codex endpoint shown: ${endpoint}`);
  await page.screenshot({ path: `${SHOTS}/connect-connected-en-light.png`, fullPage: true });
  const claude = join(home, '.claude/settings.json');
  const codex = join(home, '.codex/config.toml');
  copyFileSync(claude, join(out, 'claude-settings.json'));
  copyFileSync(codex, join(out, 'codex-config.toml'));
  const geminiEnv = join(home, '.gemini/.env');
  const geminiSettings = join(home, '.gemini/settings.json');
  copyFileSync(geminiEnv, join(out, 'gemini-env'));
  copyFileSync(geminiSettings, join(out, 'gemini-settings.json'));
  const geminiEndpoint = await page.locator('#app-gemini-cli [data-endpoint]').textContent();
  if (geminiEndpoint.trim() !== url) throw new Error(`gemini endpoint shown: ${geminiEndpoint}`);
  const written = JSON.parse(readFileSync(claude, 'utf8'));
  if (written.env.ANTHROPIC_BASE_URL !== url) throw new Error(`claude points at ${written.env.ANTHROPIC_BASE_URL}`);

  for (const app of ['claude-code', 'codex', 'gemini-cli']) {
    await clickUntil(page, `#app-${app} [data-action=restore]`,
      async () => (await stateOf(page, app)) !== 'Connected to API Switch', `restore ${app}`);
  }
  if ((await stateOf(page, 'claude-code')) !== 'Not set up') throw new Error('claude was not restored');
  if (existsSync(claude)) throw new Error('the settings file Connect created is still there');
  if ((await stateOf(page, 'gemini-cli')) !== 'Not set up') throw new Error('gemini was not restored');
  if (existsSync(geminiEnv) || existsSync(geminiSettings)) throw new Error('the Gemini CLI files Connect created are still there');
  await page.screenshot({ path: `${SHOTS}/connect-restored-en-light.png`, fullPage: true });
}

await runCheck('connect', async (page) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await setPrefs(page, url, 'en', 'light');
  await testChat(page);
  await stopChat(page);
  await connectApps(page);

  for (const lang of ['en', 'zh']) {
    for (const theme of ['light', 'dark']) {
      await setPrefs(page, url, lang, theme);
      for (const [name, path] of [['chat', '/chat'], ['connect', '/connect']]) {
        await page.goto(`${url}${path}`, { waitUntil: 'load' });
        await live(page);
        if (name === 'chat') {
          // The answered state, so its parts are checked too.
          await page.fill('#chat-prompt', 'Say hello');
          await clickUntil(page, '#chat-send', async () => (await page.locator('#chat-answer').count()) > 0, 'Send');
          await page.waitForSelector('#chat-total', { timeout: 15000 });
        }
        await page.waitForTimeout(300);
        if (lang === 'zh') {
          const stray = await strayEnglish(page, { allowed: ALLOWED });
          if (stray.length) throw new Error(`English on the Chinese ${name} screen: ${stray.join(', ')}`);
        }
        await page.screenshot({ path: `${SHOTS}/${name}-${lang}-${theme}.png`, fullPage: true });
        await axe(page, `${name} (${lang}, ${theme})`);
      }
    }
  }
});
