// Drives a real headless Chromium (Debian's, through puppeteer-core: no browser is downloaded)
// through the demo page, as tests/browser_attach.rs asks: login, attach token, wss:// through
// the relay, the secure channel with the in-channel attach, text and 1 MiB binary both ways,
// a replayed token, relay replays both ways, the daemon going offline, bob refused alice's
// chat; then a screenshot and the in-browser timings, written to <outDir>/attach_story.json.
//
// Usage: node browser/attach_story.mjs '<json config>'
//   { chromium, base, offers: {alice, bob}, cert: <path to DER>, outDir }
// Chromium trusts exactly the demo's certificate through --ignore-certificate-errors-spki-list
// (honoured only with a fresh --user-data-dir), and resolves nothing but localhost.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const cfg = JSON.parse(process.argv[2]);
const cert = new X509Certificate(readFileSync(cfg.cert));
const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
const userDataDir = mkdtempSync(path.join(tmpdir(), 'bosso-chromium-'));
const result = { spki, steps: {}, pageErrors: [], console: [] };

const browser = await puppeteer.launch({
  executablePath: cfg.chromium,
  headless: true,
  userDataDir,
  args: [
    '--no-sandbox', // root in CI
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    `--ignore-certificate-errors-spki-list=${spki}`,
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost',
  ],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
  await page.goto(cfg.offers.alice, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
  const run = async (name, fn, ...args) => {
    result.steps[name] = await page.evaluate(fn, ...args);
    return result.steps[name];
  };
  result.fingerprint = await page.$eval('#offer-fingerprint', (e) => e.textContent);
  await run('login alice', () => window.demo.login('alice'));
  await run('attach c-1', () => window.demo.attach('s-alice', 'c-1', 'd-alice'));
  await run('text', () => window.demo.sendText('hello from the browser'));
  await run('binary 1 MiB', () => window.demo.sendBinary(1 << 20));
  await run('binary 1 byte', () => window.demo.sendBinary(1));
  await run('replayed token', () => window.demo.replayToken());
  await run('relay replays to client', () => window.demo.relayReplay('to-client'));
  await run('attach c-2', () => window.demo.attach('s-alice', 'c-2', 'd-alice'));
  await run('relay replays to daemon', () => window.demo.relayReplay('to-daemon'));
  await run('attach c-1 again', () => window.demo.attach('s-alice', 'c-1', 'd-alice'));
  await run('daemon offline', () => window.demo.daemonOnline(false));
  await run('daemon online', () => window.demo.daemonOnline(true));
  await run('login bob', () => window.demo.login('bob'));
  await run("bob attaches alice's chat", () => window.demo.attach('s-alice', 'c-1', 'd-alice'));
  await page.evaluate(() => window.demo.refreshDaemonLog());
  await new Promise((r) => setTimeout(r, 300));
  result.log = await page.$$eval('#log li', (lis) => lis.map((li) => `${li.className}: ${li.textContent}`));
  result.screenshot = path.join(cfg.outDir, 'attach_demo.png');
  await page.screenshot({ path: result.screenshot, fullPage: true });

  const bench = await browser.newPage();
  bench.on('pageerror', (e) => result.pageErrors.push(String(e)));
  await bench.goto(`${cfg.base}/bench.html`, { waitUntil: 'load' });
  await bench.waitForFunction(() => typeof window.runBench === 'function', { timeout: 10000 });
  result.bench = await bench.evaluate(() => window.runBench());
  result.userAgent = await browser.version();
} catch (e) {
  result.error = String(e?.stack ?? e);
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
writeFileSync(path.join(cfg.outDir, 'attach_story.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(result.error ? `failed: ${result.error}` : 'done');
