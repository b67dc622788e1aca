// A cold load of the release list in headless Chromium, from navigation start to the app
// being interactive: the page hydrated (body[data-hydrated]) and the list's rows answering
// clicks (.table-wrap[data-live]). A fresh browser context each time, so nothing is cached.
// LINKS names the links to load over, each "loopback" (as it is) or "MBIT/RTT_MS" (for
// example "20/40": that throughput each way and that round trip, Chromium's network
// emulation); one browser and one login serve them all. Default: "loopback".
// Prints one JSON object, by link: {"loopback": {"median_ms", "runs_ms", "bytes"}, …}, where
// `bytes` is what the last load received.
// Usage: [LINKS="loopback 20/40"] node bench/hydration.mjs BASE_URL USERNAME PASSWORD RUNS
import { createRequire } from 'node:module';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [base, username, password, runs] = process.argv.slice(2);
const links = (process.env.LINKS ?? 'loopback').split(/\s+/).filter(Boolean);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run'],
});
const login = await browser.newContext();
const answer = await login.request.post(new URL('/api/login', base).href, { form: { username, password } });
if (!answer.ok()) throw new Error(`cannot log in: ${answer.status()}`);
const cookies = await login.cookies();
await login.close();

/** The median and each run of RUNS cold loads over `link`, and the bytes of the last. */
async function measure(link) {
  const [mbit, rtt] = link === 'loopback' ? [0, 0] : link.split('/').map(Number);
  if (link !== 'loopback' && !(mbit > 0)) throw new Error(`not a link: ${link}`);
  const times = [];
  let bytes = 0;
  for (let run = 0; run < Number(runs); run++) {
    const context = await browser.newContext();
    await context.addCookies(cookies);
    await context.addInitScript(() => {
      const ready = () => document.body?.hasAttribute('data-hydrated') && document.querySelector('.table-wrap[data-live]');
      new MutationObserver((_, observer) => {
        if (ready()) {
          window.__interactiveAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { subtree: true, attributes: true, childList: true });
    });
    const page = await context.newPage();
    if (mbit > 0) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      const bytesPerSecond = (mbit * 1_000_000) / 8;
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: rtt || 0, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
      });
    }
    // What a load that never becomes interactive leaves to explain it.
    const trouble = [];
    page.on('pageerror', (error) => trouble.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && trouble.push(`console: ${message.text()}`));
    const pending = new Set();
    page.on('request', (request) => pending.add(request));
    page.on('requestfinished', (request) => pending.delete(request));
    page.on('requestfailed', (request) => {
      pending.delete(request);
      trouble.push(`failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    // A load that fails or never ends says which requests it still waited for.
    const stuck = (what) => async (error) => {
      const state = await page.evaluate(() => ({
        hydrated: document.body?.hasAttribute('data-hydrated'),
        rows: Boolean(document.querySelector('.table-wrap')),
        live: Boolean(document.querySelector('.table-wrap[data-live]')),
      })).catch((e) => `cannot read the page: ${e.message}`);
      const unanswered = [...pending].map((request) => `unanswered: ${request.method()} ${request.url()}`);
      throw new Error(`run ${run + 1} over ${link} ${what}: ${JSON.stringify(state)}\n`
        + [...trouble, ...unanswered].join('\n'), { cause: error });
    };
    await page.goto(new URL('/releases', base).href).catch(stuck('not loaded'));
    const at = await page.waitForFunction(() => window.__interactiveAt, null, { timeout: 30_000 })
      .catch(stuck('not interactive in 30 s'));
    times.push(await at.jsonValue());
    bytes = await page.evaluate(() => performance.getEntriesByType('navigation')
      .concat(performance.getEntriesByType('resource'))
      .reduce((sum, entry) => sum + entry.transferSize, 0));
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median_ms: +median.toFixed(1), runs_ms: times.map((t) => +t.toFixed(1)), bytes };
}

const results = {};
for (const link of links) results[link] = await measure(link);
await browser.close();
console.log(JSON.stringify(results));
