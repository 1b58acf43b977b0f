// The real-browser test of bosso-accounts' web layer: Debian's headless chromium, driven by
// puppeteer-core, against examples/accounts_web on loopback HTTPS. The example generates its
// certificate at start and prints its SPKI hash; chromium trusts exactly that key
// (--ignore-certificate-errors-spki-list), nothing else. A second origin (plain HTTP on
// another loopback port, so cross-site) is served here.
//
// Outside CI a missing chromium, node module or example binary is a skip message; with
// CI=true it is a failure. Output (screenshot) goes to $BROWSER_OUT or ./out.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const CI = process.env.CI === 'true';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BIN = process.env.BOSSO_WEB_BIN || resolve(here, '../../../target/debug/examples/accounts_web');
const OUT = process.env.BROWSER_OUT || join(here, 'out');
const BURST = 5;

function skip(why) {
  if (CI) {
    console.error(`FAIL (CI=true): ${why}`);
    process.exit(1);
  }
  console.log(`SKIP browser test: ${why}`);
  process.exit(0);
}

if (!existsSync(CHROMIUM)) skip(`no chromium at ${CHROMIUM} (apt-get install chromium)`);
if (!existsSync(BIN)) skip(`no ${BIN} (cargo build --example accounts_web --features accounts-axum)`);
let puppeteer;
try {
  puppeteer = (await import('puppeteer-core')).default;
} catch {
  skip('puppeteer-core not installed (npm ci in bosso-accounts/tests/browser)');
}

// RFC 6238 with SHA-1, 6 digits, 30 s: what the example's authenticator would show.
function totp(base32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const app = spawn(BIN, [], {
  env: { ...process.env, BOSSO_WEB_ADDR: '127.0.0.1:0', BOSSO_WEB_BURST: String(BURST) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const info = await new Promise((ok, fail) => {
  let buf = '';
  const t = setTimeout(() => fail(new Error('example did not start')), 60_000);
  app.stdout.on('data', (d) => {
    buf += d;
    const url = buf.match(/listening (https:\/\/\S+)/);
    const spki = buf.match(/spki (\S+)/);
    const secret = buf.match(/totp_secret (\S+)/);
    if (url && spki && secret) {
      clearTimeout(t);
      ok({ url: url[1], spki: spki[1], secret: secret[1] });
    }
  });
  app.on('exit', (c) => fail(new Error(`example exited ${c}`)));
});
const APP = info.url;

// The other origin: a page with a form posting to the app, and a frame of the app.
const evil = createServer((req, res) => {
  res.setHeader('content-type', 'text/html');
  res.end(`<!doctype html><title>other</title>
<form id="f" method="post" action="${APP}/note"><input name="csrf_token" value="forged">
<input name="text" value="from-other-origin"><button id="go">go</button></form>
<iframe id="frame" src="${APP}/" width="400" height="200"></iframe>`);
});
await new Promise((ok) => evil.listen(0, '127.0.0.1', ok));
const EVIL = `http://127.0.0.1:${evil.address().port}`;

const profile = mkdtempSync(join(tmpdir(), 'bosso-chromium-'));
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  userDataDir: profile,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--ignore-certificate-errors-spki-list=${info.spki}`,
    // Loopback only.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});

let failed = false;
async function check(name, f) {
  try {
    await f();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed = true;
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

const page = await browser.newPage();
const sessionCookie = async () =>
  (await page.cookies(APP)).find((c) => c.name === '__Host-bosso_session');
const step = Math.floor(Date.now() / 1000 / 30);

async function login(code) {
  await page.goto(`${APP}/`);
  await page.type('#password', 'correct horse battery staple');
  await page.type('#code', code);
  const [r] = await Promise.all([page.waitForNavigation(), page.click('#signin')]);
  if (process.env.DEBUG) console.log('login', r.status(), await r.text());
}

let first;
await check('login with password + TOTP reaches the protected page', async () => {
  const r = await page.goto(`${APP}/protected`);
  assert.equal(r.status(), 401);
  await login(totp(info.secret, step));
  assert.match(await page.$eval('#who', (e) => e.textContent), /Signed in as alice/);
  first = await sessionCookie();
  assert.ok(first, 'session cookie set');
  assert.equal(first.httpOnly, true);
  assert.equal(first.secure, true);
  assert.equal(first.sameSite, 'Lax');
});

await check('document.cookie cannot see the session cookie', async () => {
  const jsCookies = await page.evaluate(() => document.cookie);
  assert.ok(!jsCookies.includes('__Host-bosso_session'), jsCookies);
  assert.ok(!jsCookies.includes(first.value));
});

await check('screenshot of the protected page', async () => {
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, 'protected.png') });
});

await check('the same-origin form works', async () => {
  await page.type('#text', 'hello from the app');
  const [r] = await Promise.all([page.waitForNavigation(), page.click('#add')]);
  assert.equal(r.status(), 200);
  assert.match(await page.$eval('#notes', (e) => e.textContent), /hello from the app/);
});

await check('the same form posted from another origin is refused', async () => {
  await page.goto(`${EVIL}/`);
  const r = await Promise.all([
    page.waitForNavigation(),
    page.click('#go'),
  ]).then(([r]) => r);
  assert.equal(r.status(), 403);
  await page.goto(`${APP}/protected`);
  assert.ok(!(await page.$eval('#notes', (e) => e.textContent)).includes('from-other-origin'));
});

await check('the app cannot be framed by the other origin', async () => {
  const framed = page.waitForResponse((r) => r.url() === `${APP}/`);
  await page.goto(`${EVIL}/`);
  assert.equal((await framed).headers()['x-frame-options'], 'DENY');
  await new Promise((r) => setTimeout(r, 500));
  const frame = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(frame, 'frame exists');
  // A refused frame is replaced by chromium's error page; the app's content never renders.
  let content = '';
  try {
    content = await frame.evaluate(() => document.body ? document.body.innerText : '');
  } catch { /* inaccessible: also not rendered */ }
  assert.ok(!content.includes('Sign in') && !content.includes('Signed in'), `framed content: ${content.slice(0, 80)}`);
});

let second;
await check('a new login changes the session id, and the old one is refused', async () => {
  await page.goto(`${APP}/protected`);
  // Log in again from the app's own page (same origin, with its CSRF token).
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate((code) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = '/login';
      const add = (n, v) => { const i = document.createElement('input'); i.name = n; i.value = v; f.appendChild(i); };
      add('csrf_token', document.querySelector('input[name=csrf_token]').value);
      add('user', 'alice');
      add('password', 'correct horse battery staple');
      add('code', code);
      document.body.appendChild(f);
      f.submit();
    }, totp(info.secret, step + 1)),
  ]);
  second = await sessionCookie();
  assert.ok(second && first && second.value !== first.value, 'id changed');
  const ctx = await browser.createBrowserContext();
  const p2 = await ctx.newPage();
  await p2.setCookie({ ...first, url: APP, domain: undefined, path: '/' });
  assert.equal((await p2.goto(`${APP}/protected`)).status(), 401);
  await ctx.close();
});

await check('after logout, replaying the old cookie is refused', async () => {
  await page.goto(`${APP}/protected`);
  await Promise.all([page.waitForNavigation(), page.click('#logout')]);
  assert.equal(await sessionCookie(), undefined, 'cookie cleared');
  await page.setCookie({ ...second, url: APP, domain: undefined, path: '/' });
  assert.equal((await page.goto(`${APP}/protected`)).status(), 401);
});

await check(`429 after a burst of ${BURST}`, async () => {
  await page.goto(`${APP}/`);
  const out = await page.evaluate(async (n) => {
    const r = [];
    for (let i = 0; i < n; i++) {
      const resp = await fetch('/api/ping');
      r.push([resp.status, resp.headers.get('retry-after')]);
    }
    return r;
  }, BURST + 1);
  assert.deepEqual(out.slice(0, BURST).map((x) => x[0]), Array(BURST).fill(200));
  assert.equal(out[BURST][0], 429);
  assert.ok(Number(out[BURST][1]) >= 1, 'Retry-After');
});

await browser.close();
evil.close();
app.kill();
rmSync(profile, { recursive: true, force: true });
if (failed) process.exit(1);
console.log('browser test passed');
