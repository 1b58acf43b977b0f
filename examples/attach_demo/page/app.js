// The demo page: every protocol step through the bundled @bosso/client package. `window.demo`
// exposes the same steps to tests/browser_attach.rs (driven through puppeteer-core), so the
// test clicks nothing the page could not do itself.
import * as bosso from '/bosso-client.js';

const APP_PROTOCOL = 'bosso-term.v1';
// The demo's chat protocol inside the channel (examples/attach_demo/serve_daemon.rs): type
// byte, then body. A record holds at most 65,518 bytes and the wire has no fragmentation, so
// larger binary messages go as chunks.
const TEXT = 1;
const CHUNK = 2;
const LAST = 3;
const CHUNK_LEN = 65517;
const STEP_MS = 10000;
const enc = new TextEncoder();
const dec = new TextDecoder();
const $ = (id) => document.getElementById(id);

const state = { offer: null, jwt: null, user: null, conv: null, lastGate: null, current: null };

function log(kind, text) {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text;
  $('log').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

const describe = (e) => (e instanceof bosso.BossoError ? `${e.code}${e.detail ? ` (${e.detail})` : ''}` : String(e));

async function call(path, body, method = 'POST') {
  const headers = { 'content-type': 'application/json' };
  if (state.jwt) headers.authorization = `Bearer ${state.jwt}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Refusals have no JSON body.
  }
  return { status: res.status, json };
}

async function refreshDaemonLog() {
  const { json } = await call('/demo/events', undefined, 'GET');
  const ol = $('daemon-log');
  ol.replaceChildren(...(json?.events ?? []).map((line) => Object.assign(document.createElement('li'), { textContent: line })));
}

function readOffer() {
  try {
    state.offer = bosso.parseOffer(location.href);
    $('offer-server').textContent = state.offer.serverId;
    $('offer-relay').textContent = state.offer.relayEndpoint;
    $('offer-fingerprint').textContent = bosso.fingerprint(state.offer.daemonPublicKey);
    log('info', `pairing offer read from the URL fragment: daemon ${state.offer.serverId}`);
  } catch (e) {
    $('offer-server').textContent = `no usable offer: ${describe(e)}`;
  }
}

/** Messages of the chat protocol, reassembled, in order. */
class Conversation {
  constructor(session, label) {
    this.session = session;
    this.label = label;
    this.queue = [];
    this.waiters = [];
    this.parts = [];
    this.end = null;
    this.#pump();
  }
  async #pump() {
    try {
      for (;;) {
        const msg = await this.session.receive();
        const body = msg.subarray(1);
        if (msg[0] === TEXT) this.#push({ text: dec.decode(body) });
        else if (msg[0] === CHUNK) this.parts.push(body);
        else if (msg[0] === LAST) {
          this.parts.push(body);
          const whole = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
          let o = 0;
          for (const p of this.parts.splice(0)) {
            whole.set(p, o);
            o += p.length;
          }
          this.#push({ binary: whole });
        }
      }
    } catch (e) {
      this.end = e;
      setConn(false);
      log(e.code === 'ClosedByPeer' ? 'info' : 'refused', `${this.label}: channel ended: ${describe(e)}`);
      for (const w of this.waiters.splice(0)) w.reject(e);
      refreshDaemonLog();
    }
  }
  #push(m) {
    if (m.text !== undefined) log('recv', `${this.label} <- ${m.text}`);
    else log('recv', `${this.label} <- binary message of ${m.binary.length} bytes`);
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else this.queue.push(m);
  }
  next() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.end) return Promise.reject(this.end);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message in time')), STEP_MS);
      this.waiters.push({ resolve: (m) => (clearTimeout(timer), resolve(m)), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  }
  sendText(text) {
    this.session.send(Uint8Array.of(TEXT, ...enc.encode(text)));
    log('sent', `${this.label} -> ${text}`);
  }
  sendBinary(bytes) {
    for (let o = 0; o === 0 || o < bytes.length; o += CHUNK_LEN) {
      const part = bytes.subarray(o, o + CHUNK_LEN);
      const msg = new Uint8Array(1 + part.length);
      msg[0] = o + CHUNK_LEN >= bytes.length ? LAST : CHUNK;
      msg.set(part, 1);
      this.session.send(msg);
    }
    log('sent', `${this.label} -> binary message of ${bytes.length} bytes (${Math.max(1, Math.ceil(bytes.length / CHUNK_LEN))} records)`);
  }
}

function setConn(open) {
  const b = $('conn-state');
  b.textContent = open ? `open: ${state.current?.chat}` : 'closed';
  b.className = `badge ${open ? 'open' : 'closed'}`;
}

async function login(user) {
  const { status, json } = await call('/demo/login', { user });
  if (status !== 200) throw new Error(`login ${status}`);
  state.jwt = json.access_token;
  state.user = user;
  $('who').textContent = `logged in as ${user}`;
  $('other-chat').disabled = false;
  log('info', `logged in as ${user} (the stand-in IdP issued an access token)`);
  const chats = (await call('/demo/chats', undefined, 'GET')).json.chats;
  $('chat-list').replaceChildren(
    ...chats.map((c) => {
      const b = document.createElement('button');
      b.textContent = `${c.session} / ${c.chat}`;
      b.addEventListener('click', () => attach(c.session, c.chat, c.daemon).catch(() => {}));
      return b;
    }),
  );
  return chats;
}

async function gateToken(session, chat) {
  const { status, json } = await call('/attach-token', { session, chat });
  if (status !== 200) throw Object.assign(new Error(`attach token refused: HTTP ${status}`), { status });
  return json.token;
}

async function channelToken(session, chat, audience) {
  const { status, json } = await call('/channel-token', { session, chat, audience });
  if (status !== 200) throw new Error(`channel token refused: HTTP ${status}`);
  return json.token;
}

/** Token, WSS through the relay, secure channel to the offer's key, attach in the channel. */
async function attach(session, chat, daemon) {
  state.conv?.session.close();
  try {
    const token = await gateToken(session, chat);
    state.lastGate = { token, session, chat };
    log('info', `attach token for ${session}/${chat} issued after the ownership check`);
    const ws = await bosso.openAttachedWebSocket(`wss://${location.host}/ws/${session}/${chat}`, { appProtocol: APP_PROTOCOL, token });
    log('info', `wss:// through the relay admitted; server echoed ${ws.protocol} (never the token)`);
    const s = await bosso.connectSecure(ws, state.offer.daemonPublicKey, {
      attach: (audience) => channelToken(session, chat, audience),
    });
    state.current = { session, chat, daemon };
    state.conv = new Conversation(s, chat);
    setConn(true);
    log('info', `end-to-end channel open (Noise NK, key confirmed); in-channel token for ${bosso.channelAudience(s.binding).slice(0, 16)}...`);
    const welcome = await state.conv.next();
    refreshDaemonLog();
    return { ok: true, welcome: welcome.text };
  } catch (e) {
    log('refused', `attach to ${session}/${chat}: ${e.status ? e.message : describe(e)}`);
    refreshDaemonLog();
    return { ok: false, status: e.status ?? null, code: e.code ?? null };
  }
}

async function sendText(text) {
  state.conv.sendText(text);
  return (await state.conv.next()).text;
}

async function sendBinary(size) {
  const bytes = new Uint8Array(size);
  for (let o = 0; o < size; o += 65536) crypto.getRandomValues(bytes.subarray(o, Math.min(size, o + 65536)));
  state.conv.sendBinary(bytes);
  const echoed = (await state.conv.next()).binary;
  const note = (await state.conv.next()).text;
  const same = echoed.length === bytes.length && echoed.every((b, i) => b === bytes[i]);
  log(same ? 'info' : 'refused', `the daemon's echo of ${size} bytes is ${same ? 'identical' : 'DIFFERENT'}`);
  return { size, same, note };
}

/** The same attach token again: the gate's single-use check refuses the upgrade. */
async function replayToken() {
  const { token, session, chat } = state.lastGate;
  try {
    const ws = await bosso.openAttachedWebSocket(`wss://${location.host}/ws/${session}/${chat}`, { appProtocol: APP_PROTOCOL, token });
    ws.close();
    log('info', 'the reused attach token was ACCEPTED (this must not happen)');
    return { refused: false };
  } catch (e) {
    log('refused', `the reused attach token: ${describe(e)} (the gate refused the upgrade: a token is single use)`);
    return { refused: true, code: e.code };
  }
}

async function endOf(conv) {
  return Promise.race([conv.session.closed, new Promise((r) => setTimeout(() => r(null), STEP_MS))]);
}

/** The relay replays one frame (to the client, or to the daemon), then we send a message. */
async function relayReplay(direction) {
  await call('/demo/relay', { replay: direction });
  log('info', `the relay will replay the next ${direction === 'to-client' ? "daemon" : 'client'} frame`);
  const conv = state.conv;
  conv.sendText(`message the relay replays ${direction}`);
  const end = await endOf(conv);
  refreshDaemonLog();
  return { code: end?.code ?? null };
}

async function daemonOnline(online) {
  const daemon = state.current?.daemon ?? `d-${state.user}`;
  const { json } = await call('/demo/daemon', { daemon, online });
  log('info', `${daemon} ${online ? 'back online' : 'offline'}: ${json?.cut ?? 0} live view(s) cut`);
  if (online || !state.conv) return { cut: json?.cut ?? 0 };
  const end = await endOf(state.conv);
  return { cut: json?.cut ?? 0, code: end?.code ?? null };
}

window.demo = { login, attach, sendText, sendBinary, replayToken, relayReplay, daemonOnline, gateToken, refreshDaemonLog };

readOffer();
for (const b of document.querySelectorAll('[data-user]')) b.addEventListener('click', () => login(b.dataset.user));
$('other-chat').addEventListener('click', () => attach('s-alice', 'c-1', 'd-alice'));
$('send-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = $('message').value;
  if (state.conv && text) sendText(text).catch(() => {});
  $('message').value = '';
});
$('send-binary').addEventListener('click', () => state.conv && sendBinary(1 << 20).catch(() => {}));
$('replay-token').addEventListener('click', () => state.lastGate && replayToken());
$('replay-to-client').addEventListener('click', () => state.conv && relayReplay('to-client'));
$('replay-to-daemon').addEventListener('click', () => state.conv && relayReplay('to-daemon'));
$('offline').addEventListener('click', () => daemonOnline(false));
$('online').addEventListener('click', () => daemonOnline(true));
document.body.dataset.ready = 'true';
