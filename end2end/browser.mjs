// The harness every browser check shares: Debian's Chromium through playwright-core, a page
// that records every page error, console error and failed HTTP response, and one verdict.
//
// usage (from a check script): await runCheck('name', async (page) => { ...throw on failure... });
// `live`, `setPrefs` and `axe` are the steps every UI check repeats. A check that provokes a
// failure on purpose passes `{ expected: (url) => bool }`: failed responses and console errors
// for those URLs are not failures; one that reads "today" over rows written minutes ago passes
// `{ timezoneId: noonZone() }`.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Starts Chromium. A launch the machine cuts short (a busy CI host, many browsers at once)
 * is tried once more: starting the browser is not what any check tests. */
async function launchChromium() {
  const options = {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The flags that work as root on these machines, with no network beyond localhost.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  };
  try {
    return await chromium.launch(options);
  } catch (error) {
    console.error(`Chromium did not start (${error.message.split('\n')[0]}); trying once more`);
    return await chromium.launch(options);
  }
}

/**
 * The fixed-offset zone (`Etc/GMT-12` .. `Etc/GMT+11`) in which it is now between 12:00 and
 * 13:00. A check over rows written "minutes ago" that reads "today" runs its browser there:
 * in the browser's own zone, a run just after its midnight would put those rows in yesterday.
 * (The `Etc` names count the other way round: `Etc/GMT-5` is five hours ahead of UTC.)
 */
export function noonZone(now = new Date()) {
  const ahead = 12 - now.getUTCHours();
  return ahead === 0 ? 'Etc/GMT' : `Etc/GMT${ahead > 0 ? '-' : '+'}${Math.abs(ahead)}`;
}

export async function runCheck(name, body, { expected = () => false, timezoneId } = {}) {
  const browser = await launchChromium();
  const failures = [];
  try {
    const page = await browser.newPage(timezoneId ? { timezoneId } : {});
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !expected(msg.location()?.url ?? '')) failures.push(`console: ${msg.text()}`);
    });
    page.on('response', (r) => { if (r.status() >= 400 && !expected(r.url())) failures.push(`HTTP ${r.status()} for ${r.url()}`); });
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

/** Waits until the page has hydrated and its live event stream is open. */
export async function live(page) {
  await page.waitForSelector('#live-status .bg-emerald-500', { timeout: 30000 });
}

/** Chooses the UI's language and theme for the next page load on the server at `url`. */
export async function setPrefs(page, url, lang, theme) {
  await page.context().addCookies([
    { name: 'i18n_pref_locale', value: lang, url },
    { name: 'api_switch_theme', value: theme, url },
  ]);
}

/**
 * Runs axe-core on the page; throws with every violation. axe is evaluated through DevTools,
 * as @axe-core/playwright does: an injected <script> would be (rightly) blocked by the UI's
 * script policy, which only runs scripts carrying the page's nonce.
 */
export async function axe(page, label) {
  await page.evaluate(readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  if (result.violations.length) {
    const lines = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
    throw new Error(`axe on ${label}:\n${lines.join('\n')}`);
  }
}

/**
 * Visible words in Latin script on a Chinese page that are neither code nor names nor user
 * data: text nodes, `aria-label`s and placeholders, outside code-like elements; URLs, paths and
 * masked keys (`sk-***0001`) are data. `allowed`: the product, app and API names and units the
 * page may show; `ignore`: a pattern for the check's own data (its channel and model names);
 * `skip`: more selectors whose text is not prose; `within`: only the parts matching this.
 */
export async function strayEnglish(page, { allowed, ignore = null, skip = '', within = 'body' }) {
  const words = await page.evaluate(({ extraSkip, within }) => {
    const skip = ['code, pre, script, style, svg, [translate="no"], .font-mono, option[lang="en"]', extraSkip]
      .filter(Boolean).join(', ');
    const found = [];
    const take = (text) => {
      const clean = text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '').replace(/~\/\S+/g, '').replace(/\S*\*\*\*\S*/g, '');
      // Words only: "128k", "5xx" and "GPT-4o"-like tails of numbers are not words.
      for (const w of clean.match(/(?<![A-Za-z0-9_])-{0,2}[A-Za-z][A-Za-z0-9_-]*/g) || []) found.push(w);
    };
    for (const root of document.querySelectorAll(within)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (!el || el.closest(skip) || !el.checkVisibility()) continue;
        // An option labelled with its own value is an identifier (an API type), not prose.
        if (el.tagName === 'OPTION' && el.textContent === el.value) continue;
        take(walker.currentNode.textContent);
      }
      for (const el of root.querySelectorAll('[aria-label], [placeholder]')) {
        if (el.closest(skip)) continue;
        for (const attr of ['aria-label', 'placeholder']) if (el.getAttribute(attr)) take(el.getAttribute(attr));
      }
    }
    return found;
  }, { extraSkip: skip, within });
  return [...new Set(words.filter((w) => !allowed.has(w) && !/^[A-Z]?\d/.test(w) && !(ignore && ignore.test(w))))];
}
